"""The public page of an organisation: its facts and its public postings, open and past, with its role."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def page(client, organisation):
    response = client.get(reverse("organisations:detail", kwargs={"slug": organisation.slug}))
    assert response.status_code == 200
    return response, response.content.decode().split('<main id="main"', 1)[1]


def test_it_shows_description_website_and_place(client):
    organisation = f.make_organisation(
        name="Groupe d'information et de soutien des immigré·es",
        short_name="Gisti",
        description="Association de **défense des droits** des personnes étrangères.",
        website="https://www.gisti.org/",
        country="FR",
        city="Paris",
    )

    response, html = page(client, organisation)

    assert "Groupe d&#x27;information et de soutien des immigré·es (Gisti)</h1>" in html
    assert "<strong>défense des droits</strong>" in html
    assert 'href="https://www.gisti.org/"' in html
    assert "Paris, France" in html
    assert "<title>Groupe d&#x27;information et de soutien des immigré·es (Gisti) · Passerelle</title>" in (
        response.content.decode()
    )


def test_it_lists_open_and_past_public_postings_with_the_organisations_role(client):
    organisation = f.make_organisation(name="PSM")
    other = f.make_organisation()
    f.published_posting(title="Mission ouverte", organisations={"host": organisation, "sending": other})
    f.expired_posting(title="Mission passée", organisations={"sending": organisation})
    f.closed_posting(title="Mission close", organisations={"employer": organisation})
    f.draft_posting(title="Mission brouillon", organisations={"host": organisation})
    f.archived_posting(title="Mission archivée", organisations={"host": organisation})
    f.published_posting(title="Mission d'une autre", organisations={"host": other})

    response, html = page(client, organisation)

    assert [p.title for p in response.context["open_postings"]] == ["Mission ouverte"]
    assert sorted(p.title for p in response.context["closed_postings"]) == [
        "Mission close",
        "Mission passée",
    ]
    open_section, past_section = html.split("Offres passées", 1)
    assert "Mission ouverte" in open_section and "Organisation d&#x27;accueil" in open_section
    assert "Mission passée" in past_section and "Organisation d&#x27;envoi" in past_section
    assert "Employeur" in past_section
    for hidden in ("Mission brouillon", "Mission archivée", "Mission d&#x27;une autre"):
        assert hidden not in html


def test_a_posting_where_it_holds_two_roles_is_listed_once_with_both(client):
    organisation = f.make_organisation()
    f.published_posting(title="Double", organisations={"sending": organisation, "host": organisation})

    response, html = page(client, organisation)

    assert len(response.context["open_postings"]) == 1
    assert "Organisation d&#x27;envoi, Organisation d&#x27;accueil" in html


def test_an_organisation_without_open_postings_offers_a_way_back(client):
    _, html = page(client, f.make_organisation())

    assert "Aucune offre ouverte en ce moment." in html
    assert 'href="/">Voir toutes les offres ouvertes</a>' in html


def test_a_demo_organisation_and_its_demo_postings_carry_the_demo_badge(client):
    organisation = f.make_organisation(is_demo=True)
    f.published_posting(is_demo=True, organisations={"host": organisation})

    _, html = page(client, organisation)

    # The organisation's heading and the posting's card; organisation names on cards carry no badge of their
    # own (issue 12: say which is which once, not on every name).
    assert html.count("badge-demo") == 2


def test_an_unknown_organisation_gives_the_404_page(client):
    response = client.get("/organisations/inconnue/")

    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_the_organisations_app_does_not_import_postings():
    import ast
    from pathlib import Path

    import organisations

    for path in Path(organisations.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text())
        imported = {
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not any(name and name.split(".")[0] in {"postings", "applications"} for name in imported), path


def test_the_organisation_and_session_pages_show_a_posting_with_the_same_card(client):
    organisation = f.make_organisation(name="Gisti")
    session = f.make_session()
    posting = f.published_posting(title="Observatoire", session=session, organisations={"host": organisation})

    _, organisation_html = page(client, organisation)
    session_html = client.get(reverse("postings:session", kwargs={"slug": session.slug})).content.decode()

    def card(html: str) -> str:
        start = html.index('<article class="card h-100 posting-card">')
        return html[start : html.index("</article>", start)]

    role_line = re.compile(
        r'\s*<p class="small mb-2">\s*<span class="text-body-secondary">Rôle :</span>[^<]*</p>'
    )

    assert posting.get_absolute_url() in card(organisation_html)
    assert "Organisation d&#x27;accueil" in role_line.search(card(organisation_html)).group()
    # The same partial: the organisation page only adds the role the organisation holds on the posting.
    assert role_line.sub("", card(organisation_html)) == card(session_html)


def test_the_organisation_page_costs_the_same_queries_for_one_posting_or_five(
    client, django_assert_max_num_queries
):
    organisation = f.make_organisation()
    f.published_posting(organisations={"host": organisation})
    url = reverse("organisations:detail", kwargs={"slug": organisation.slug})
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(4):
        f.published_posting(organisations={"host": organisation, "sending": f.make_organisation()})

    with django_assert_max_num_queries(len(one)):
        client.get(url)
