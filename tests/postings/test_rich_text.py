"""The `rich_text` filter: the Markdown subset recruiters use, and nothing dangerous through it."""

from html.parser import HTMLParser

import pytest
from django.template import Context, Template

from postings.templatetags.posting_text import ALLOWED_TAGS
from tests import factories as f


def parsed_elements(html: str) -> list[tuple[str, dict]]:
    """Every real element of `html` (escaped text is not an element) with its attributes."""
    elements: list[tuple[str, dict]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            elements.append((tag, dict(attrs)))

    Collector().feed(html)
    return elements


def render(text: str) -> str:
    return Template("{% load posting_text %}{{ text|rich_text }}").render(Context({"text": text}))


def test_paragraphs_keep_their_line_breaks():
    assert render("Première ligne\nDeuxième ligne\n\nAutre paragraphe") == (
        "<p>Première ligne<br>Deuxième ligne</p>\n<p>Autre paragraphe</p>"
    )


def test_a_bullet_list_right_under_a_sentence_is_a_list():
    assert render("Missions :\n- Enquêter\n- Rédiger") == (
        "<p>Missions :</p>\n<ul><li>Enquêter</li><li>Rédiger</li></ul>"
    )


def test_nested_lists_follow_indentation():
    html = render("- Logement\n  - recherche\n  - suivi\n- Communication\n1. un\n2. deux")

    assert html == (
        "<ul><li>Logement<ul><li>recherche</li><li>suivi</li></ul></li><li>Communication</li></ul>"
        "<ol><li>un</li><li>deux</li></ol>"
    )


def test_bold_italics_headings_and_quotes():
    html = render("### Le poste\n**Important** et *utile*\n> citée")

    assert "<h3>Le poste</h3>" in html
    assert "<strong>Important</strong> et <em>utile</em>" in html
    assert "<blockquote><p>citée</p></blockquote>" in html


def test_links_get_a_safe_rel_and_bare_addresses_become_links():
    html = render("Voir [le site](https://example.org/a?b=1&c=2) ou https://gisti.org.")

    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">le site</a>' in html
    )
    assert '<a href="https://gisti.org" rel="noopener noreferrer nofollow">https://gisti.org</a>.' in html


def test_mailto_links_are_allowed():
    assert 'href="mailto:rh@example.org"' in render("[écrire](mailto:rh@example.org)")


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">clic</a>',
        "[clic](javascript:alert(1))",
        "[clic](data:text/html;base64,PHNjcmlwdD4=)",
        '<p onclick="alert(1)">texte</p>',
        "<iframe src=https://evil.example></iframe>",
        "**<svg onload=alert(1)>**",
        "- <style>body{}</style>",
    ],
)
def test_html_and_script_payloads_are_neutralised(payload):
    html = render(payload)

    elements = parsed_elements(html)
    assert {tag for tag, _ in elements} <= ALLOWED_TAGS
    for _, attrs in elements:
        assert all(not name.startswith("on") for name in attrs)
        assert attrs.get("href", "https:").startswith(("https:", "http:", "mailto:"))


def test_the_sanitiser_strips_tags_even_if_the_converter_let_them_through():
    from postings.templatetags.posting_text import sanitise

    html = sanitise('<p>ok</p><img src=x onerror=alert(1)><a href="javascript:x()">a</a><script>1</script>')

    assert html == '<p>ok</p><a rel="noopener noreferrer nofollow">a</a>'


def test_empty_text_renders_nothing():
    assert render("") == ""
    assert Template("{% load posting_text %}{{ missing|rich_text }}").render(Context({})) == ""


@pytest.mark.django_db
def test_a_posting_with_an_xss_payload_is_displayed_harmlessly(client):
    posting = f.published_posting(
        missions="- <script>alert(1)</script>\n- [piège](javascript:alert(2))",
        title="<img src=x onerror=alert(3)>",
    )

    html = client.get(posting.get_absolute_url()).content.decode()

    assert "<script>alert" not in html
    assert "javascript:alert" not in html.replace("[piège](javascript:alert(2))", "")
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(3)&gt;" in html
