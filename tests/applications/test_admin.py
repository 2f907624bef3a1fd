"""Applications in the back-office: the list, the read-only answers, notes, duplicates, and a constant number
of queries whatever the number of rows."""

import pytest
from django.urls import reverse

from applications.models import Application, RecruiterNote
from postings.models import PostingOrganisation
from tests import factories as f

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:applications_application_changelist"


def filter_spec(response, title):
    return next(spec for spec in response.context["cl"].filter_specs if str(spec.title) == title)


def change_url(application):
    return reverse("admin:applications_application_change", args=[application.pk])


def test_the_list_shows_reference_name_posting_session_and_host(cast, client):
    application = f.make_application(posting=cast.posting_a, first_name="Inès", last_name="Haddad")
    PostingOrganisation.objects.create(posting=cast.posting_a, organisation=cast.operator, role="sending")
    client.force_login(cast.recruiter_a)

    response = client.get(reverse(CHANGELIST))

    text = response.content.decode()
    for expected in (
        application.reference,
        "Inès Haddad",
        "Reçue",
        "Mission A",
        "Session 30",
        "Organisation A",
    ):
        assert expected in text
    assert "jamais répondu" in text
    assert response.context["cl"].result_list[0].organisation_name == "Organisation A"


def test_search_finds_by_name_email_and_reference(cast, client):
    wanted = f.make_application(posting=cast.posting_a, last_name="Nguyen", email="t.nguyen@example.org")
    f.make_application(posting=cast.posting_a, last_name="Dupont")
    client.force_login(cast.recruiter_a)

    for term in ("nguyen", "t.nguyen@example", wanted.reference):
        response = client.get(reverse(CHANGELIST), {"q": term})
        assert list(response.context["cl"].result_list) == [wanted], term


def test_search_never_reaches_another_organisations_applications(cast, client):
    theirs = f.make_application(posting=cast.posting_b, last_name="Nguyen")
    client.force_login(cast.recruiter_a)

    response = client.get(reverse(CHANGELIST), {"q": theirs.reference})

    assert list(response.context["cl"].result_list) == []


def test_filters_list_only_postings_and_sessions_in_reach(cast, client):
    other_a = f.published_posting(
        session=cast.session, organisations={"host": cast.org_a}, title="Mission A2"
    )
    f.make_application(posting=cast.posting_a)
    f.make_application(posting=other_a)
    f.make_application(posting=cast.posting_b)
    client.force_login(cast.recruiter_a)

    response = client.get(reverse(CHANGELIST))

    text = response.content.decode()
    assert "Mission A" in text
    assert "Mission B" not in text
    specs = {str(spec.title): spec for spec in response.context["cl"].filter_specs}
    assert {label for _, label in specs["offre"].lookup_choices} == {"Mission A", "Mission A2"}
    assert [label for _, label in specs["session"].lookup_choices] == [str(cast.session)]


def test_the_posting_filter_finds_any_posting_in_reach_by_its_title(cast, client):
    """The filter lists the postings of the page's rows; a posting without an application on the page is
    found by its title, and the list then shows the applications to the postings found."""
    quiet = f.published_posting(
        session=cast.session, organisations={"host": cast.org_a}, title="Juriste Liège"
    )
    on_page = f.make_application(posting=cast.posting_a)
    f.make_application(posting=cast.posting_b)  # "Mission B": another organisation's
    client.force_login(cast.recruiter_a)

    page = client.get(reverse(CHANGELIST))
    offered = {label for _, label in filter_spec(page, "offre").lookup_choices}
    assert offered == {"Mission A"}
    assert 'name="posting__title__icontains"' in page.content.decode()

    found = client.get(reverse(CHANGELIST), {"posting__title__icontains": "liège"})
    assert [label for _, label in filter_spec(found, "offre").lookup_choices] == ["Juriste Liège"]
    assert list(found.context["cl"].result_list) == []  # no application to it yet

    missions = client.get(reverse(CHANGELIST), {"posting__title__icontains": "mission"})
    assert [label for _, label in filter_spec(missions, "offre").lookup_choices] == ["Mission A"]
    assert list(missions.context["cl"].result_list) == [on_page]

    chosen = client.get(reverse(CHANGELIST), {"posting__id__exact": quiet.pk})
    assert [label for _, label in filter_spec(chosen, "offre").lookup_choices] == ["Juriste Liège"]


def test_the_posting_filter_never_names_another_organisations_posting(cast, client):
    f.make_application(posting=cast.posting_b)
    client.force_login(cast.recruiter_a)

    searched = client.get(reverse(CHANGELIST), {"posting__title__icontains": "Mission B"})
    chosen = client.get(reverse(CHANGELIST), {"posting__id__exact": cast.posting_b.pk})

    for response in (searched, chosen):
        assert filter_spec(response, "offre").lookup_choices == []
        assert list(response.context["cl"].result_list) == []
        assert "Mission B" not in response.content.decode().replace('value="Mission B"', "")


def test_the_posting_filters_search_keeps_the_other_filters(cast, client):
    f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)

    response = client.get(
        reverse(CHANGELIST), {"status__exact": "received", "posting__id__exact": cast.posting_a.pk, "o": "2"}
    )

    assert filter_spec(response, "offre").kept_parameters == [("status__exact", "received"), ("o", "2")]
    text = response.content.decode()
    form = text[text.index('<form method="get" class="posting-filter-search"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="status__exact" value="received">' in form
    assert "posting__id__exact" not in form  # a new search replaces the chosen posting


def test_the_posting_filter_caps_a_broad_search(cast, client, monkeypatch):
    from applications.admin_filters import PostingListFilter

    monkeypatch.setattr(PostingListFilter, "search_limit", 2)
    for n in range(3):
        f.published_posting(session=cast.session, organisations={"host": cast.org_a}, title=f"Accueil {n}")
    client.force_login(cast.recruiter_a)

    response = client.get(reverse(CHANGELIST), {"posting__title__icontains": "accueil"})

    assert len(filter_spec(response, "offre").lookup_choices) == 2
    assert "Les 2 premières offres : précisez le titre pour les autres." in response.content.decode()


def test_filtering_by_another_organisations_posting_shows_nothing(cast, client):
    f.make_application(posting=cast.posting_b)
    client.force_login(cast.recruiter_a)

    response = client.get(reverse(CHANGELIST), {"posting__id__exact": cast.posting_b.pk})

    assert list(response.context["cl"].result_list) == []


def test_the_same_person_in_two_postings_of_a_session_is_flagged(cast, client):
    other_a = f.published_posting(session=cast.session, organisations={"host": cast.org_a})
    first = f.make_application(posting=cast.posting_a, email="Sam@Example.org")
    second = f.make_application(posting=other_a, email="sam@example.org ")
    by_phone = f.make_application(posting=cast.posting_a, phone="+32 470 12 34 56")
    f.make_application(posting=other_a, phone="+32470123456")
    alone = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)

    response = client.get(reverse(CHANGELIST))
    flags = {a.pk: a.is_possible_duplicate for a in response.context["cl"].result_list}

    assert flags[first.pk] and flags[second.pk] and flags[by_phone.pk]
    assert not flags[alone.pk]
    duplicates = client.get(reverse(CHANGELIST), {"duplicate": "yes"}).context["cl"].result_list
    assert alone not in duplicates and first in duplicates


def test_the_duplicate_flag_never_reveals_an_application_to_another_organisation(cast, client):
    mine = f.make_application(posting=cast.posting_a, email="sam@example.org")
    f.make_application(posting=cast.posting_b, email="sam@example.org")

    client.force_login(cast.recruiter_a)
    assert not client.get(reverse(CHANGELIST)).context["cl"].result_list[0].is_possible_duplicate
    client.force_login(cast.coordinator)
    flags = {a.pk: a.is_possible_duplicate for a in client.get(reverse(CHANGELIST)).context["cl"].result_list}
    assert flags[mine.pk]


@pytest.mark.parametrize("rows", [5, 25])
def test_the_list_takes_a_constant_number_of_queries(cast, client, django_assert_max_num_queries, rows):
    other_a = f.published_posting(session=cast.session, organisations={"host": cast.org_a})
    for _ in range(3):  # several sessions, so that the session filter's labels cost no extra query
        f.make_application(
            posting=f.published_posting(
                session=f.make_session(programme=cast.programme), organisations={"host": cast.org_a}
            )
        )
    for n in range(rows - 3):
        f.make_application(posting=cast.posting_a if n % 2 else other_a, email=f"person{n // 2}@example.org")
    client.force_login(cast.recruiter_a)

    with django_assert_max_num_queries(8):
        response = client.get(reverse(CHANGELIST))

    assert len(response.context["cl"].result_list) == rows


def test_nobody_adds_applications_in_the_admin(cast, client):
    for user in (cast.superuser, cast.coordinator, cast.recruiter_a):
        client.force_login(user)
        assert client.get(reverse("admin:applications_application_add")).status_code == 403


def test_the_change_page_shows_every_answer_read_only(cast, client):
    application = f.make_application(
        posting=cast.posting_a,
        languages={"fr": "C2", "ar": "B1"},
        eligibility_confirmed=True,
        heard_from="Forum des associations",
        letter_text="Je m'intéresse <beaucoup> à l'accueil.",
    )
    client.force_login(cast.recruiter_a)

    response = client.get(change_url(application))

    text = response.content.decode()
    assert "Arabe : Intermédiaire (B1) ; Français : Courant / bilingue (C2)" in text
    assert "Forum des associations" in text
    assert "Je m&#x27;intéresse &lt;beaucoup&gt; à l&#x27;accueil." in text
    assert set(response.context["adminform"].form.fields) == {"move_to", "move_note"}


def test_the_change_page_links_cv_and_letter_to_the_access_checked_download(cast, client):
    from django.core.files.base import ContentFile

    application = f.make_application(posting=cast.posting_a, letter_file=ContentFile(b"lettre", name="l.pdf"))
    client.force_login(cast.recruiter_a)
    text = client.get(change_url(application)).content.decode()

    cv_url = reverse("applications:download", kwargs={"uuid": application.uuid, "document": "cv"})
    letter_url = reverse("applications:download", kwargs={"uuid": application.uuid, "document": "letter"})
    assert f'href="{cv_url}"' in text
    assert f'href="{letter_url}"' in text
    assert client.get(cv_url).status_code == 200


def test_a_note_is_added_with_its_author_and_stays_with_the_application(cast, client):
    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)

    response = client.post(
        change_url(application),
        {
            "move_to": "",
            "move_note": "",
            "notes-TOTAL_FORMS": "1",
            "notes-INITIAL_FORMS": "0",
            "notes-0-body": "Appeler jeudi",
        },
    )

    assert response.status_code == 302
    note = RecruiterNote.objects.get(application=application)
    assert (note.body, note.author) == ("Appeler jeudi", cast.recruiter_a)
    application.refresh_from_db()
    assert application.status == Application.Status.RECEIVED
    assert "Appeler jeudi" in client.get(change_url(application)).content.decode()
    client.force_login(cast.coordinator)
    assert "Appeler jeudi" in client.get(change_url(application)).content.decode()


def test_another_organisations_application_is_a_404(cast, client):
    theirs = f.make_application(posting=cast.posting_b)
    RecruiterNote.objects.create(application=theirs, author=cast.recruiter_b, body="Note de B")
    client.force_login(cast.recruiter_a)

    assert client.get(change_url(theirs)).status_code == 404
    assert client.post(change_url(theirs), {"move_to": "rejected"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Application.Status.RECEIVED


def test_the_change_page_names_countries_and_languages_and_links_the_posting(cast, client):
    application = f.make_application(
        posting=cast.posting_a, country="AF", language="en", languages={"ps": "B2", "fa": "none"}
    )
    client.force_login(cast.recruiter_a)

    text = client.get(change_url(application)).content.decode()
    assert "Afghanistan" in text
    assert "Pachto : Bon niveau (B2) ; Persan : Je ne parle pas cette langue" in text
    assert '<div class="readonly">Anglais</div>' in text
    posting_url = reverse("admin:postings_posting_change", args=[cast.posting_a.pk])
    assert f'<a href="{posting_url}">Mission A</a>' in text
    # No raw code anywhere the candidate's answers are shown.
    for raw in (">AF<", ">en<", "ps :", "fa :", ": B2,"):
        assert raw not in text


def test_the_history_names_the_language_of_each_answer_sent(cast, client, settings):
    from applications import answers
    from applications.models import Outcome

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    application = f.make_application(posting=cast.posting_a, language="nl")
    answers.answer_applications(
        Application.objects.filter(pk=application.pk), outcome=Outcome.ACKNOWLEDGEMENT, by=cast.recruiter_a
    )
    client.force_login(cast.recruiter_a)

    text = client.get(change_url(application)).content.decode()
    assert "<td>Néerlandais</td>" in text
    assert "<td>nl</td>" not in text


@pytest.mark.parametrize(("days", "expected"), [(0, "aujourd'hui"), (1, "hier"), (3, "il y a 3 jours")])
def test_the_last_answer_reads_naturally(cast, client, days, expected):
    from datetime import timedelta
    from html import unescape

    from django.utils import timezone

    f.make_application(posting=cast.posting_a, answered_at=timezone.now() - timedelta(days=days))
    client.force_login(cast.recruiter_a)

    text = unescape(client.get(reverse("admin:applications_application_changelist")).content.decode())
    assert f'<td class="field-last_answer">{expected}</td>' in text
    assert "il y a 0 jour" not in text


@pytest.mark.parametrize("language", ["fr", "en", "nl"])
def test_the_posting_filter_is_headed_as_djangos_filters_are(cast, client, language):
    """Its heading comes from Django's catalogues, as the other filters' do."""
    import re

    from django.template.loader import render_to_string
    from django.utils import translation

    client.force_login(cast.recruiter_a)
    with translation.override(language):
        response = client.get(reverse(CHANGELIST))  # /en/admin/..., /nl/admin/...
    spec = filter_spec(response, "offre")
    with translation.override(language):
        django = render_to_string("admin/filter.html", {"title": spec.title, "choices": [], "spec": spec})
        title = str(spec.title)

    def summary(html):
        heading = re.search(rf'data-filter-title="{title}" open>\s*<summary>(.*?)</summary>', html, re.S)
        return heading[1].strip()

    assert f'lang="{language}"' in response.content.decode()
    assert summary(response.content.decode()) == summary(django)
