"""The listing is written by Jinja2 (config/jinja2.py, templates/jinja2/), every other page by Django's
templates: both must give a visitor the same head, header and footer, in every language."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories as f

pytestmark = pytest.mark.django_db


def chrome(html: str) -> dict[str, str]:
    """What every page shares, with what depends on the page itself blanked: its own path in the language
    links, the CSP nonce, its title, description and OpenGraph tags."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    html = re.sub(r'href="[^"]*"( hreflang="\w+")', r"\1", html)
    head = html.split("<head>", 1)[1].split("</head>", 1)[0]
    return {
        # The site's own links; a page adds its own (a posting: its canonical URL, calendar, structured data).
        "head": "\n".join(
            line.strip()
            for line in head.splitlines()
            if re.search(r'<meta (charset|name="viewport")|rel="(stylesheet|icon|manifest)"|\+xml"', line)
            and "/offres/" not in line
        ),
        "alternates": re.findall(r'<link rel="alternate" hreflang="[\w-]+"', head),
        "header": html.split("<header", 1)[1].split("</header>", 1)[0],
        "footer": html.split("<footer", 1)[1].split("</footer>", 1)[0],
        "scripts": html.split("</main>", 1)[1].split("</footer>", 1)[1].split("</body>", 1)[0].strip(),
        "doctype": html.split("<head>", 1)[0],
    }


@pytest.mark.parametrize("language", ["fr", "en", "nl"])
def test_the_listing_and_a_posting_page_share_their_head_header_and_footer(client, language):
    posting = f.published_posting(title="Accueil de jour")
    with translation.override(language):
        listing_url, posting_url = reverse("postings:list"), posting.get_absolute_url()

    listing = client.get(listing_url)
    page = client.get(posting_url)

    page_template = next(t for t in listing.templates if t.name == "postings/posting_list.html")
    assert type(page_template.backend).__name__ == "Jinja2Backend"
    assert "base.html" in [t.name for t in page.templates]  # Django's own base
    listing_chrome, page_chrome = chrome(listing.content.decode()), chrome(page.content.decode())
    assert f'<html lang="{language}">' in listing_chrome["doctype"]
    for part in ("doctype", "head", "alternates", "header", "footer"):
        assert listing_chrome[part] == page_chrome[part], part
    # Bootstrap's script first on both; the listing adds its own.
    assert listing_chrome["scripts"].startswith(page_chrome["scripts"])


def test_the_listing_escapes_as_django_does(client):
    """Django's escaping (`&#x27;`, not markupsafe's `&#39;`), and a translated literal written as it is."""
    f.published_posting(title="Accueil")

    html = client.get(reverse("postings:list"), {"q": "l'accueil <b>"}).content.decode()

    assert 'value="l&#x27;accueil &lt;b&gt;"' in html or "l&#x27;accueil &lt;b&gt;" in html
    assert "&#39;" not in html
    assert "S'abonner au flux" in html
