"""The load-test data generator at a tiny scale: counts, validity, shared files, and the refusal to run twice."""

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from applications.models import Application
from bench.generate_data import Command
from organisations.models import Membership, Organisation
from postings.models import Posting, PostingLocation, PostingOrganisation
from postings.text import fold


def generate(**options):
    defaults = {"postings": 12, "applications": 40, "organisations": 4, "shared_files": 3, "batch_size": 5}
    call_command(Command(), **{**defaults, **options}, stdout=None)


@pytest.mark.django_db
def test_it_creates_the_requested_numbers_of_valid_rows():
    generate()

    assert Organisation.objects.filter(slug__startswith="bench-").count() == 4
    assert Posting.objects.filter(slug__startswith="bench-").count() == 12
    assert Application.objects.filter(reference__startswith="BENCH-").count() == 40
    for posting in Posting.objects.filter(slug__startswith="bench-"):
        posting.full_clean()
        assert posting.is_demo
        assert posting.search_text == fold(posting.search_text)
        assert posting.search_text == posting.build_search_text()
        assert len(posting.context) > 200
        assert "lorem" not in posting.search_text
        assert PostingOrganisation.objects.filter(posting=posting, role="host").exists()
        assert 1 <= PostingLocation.objects.filter(posting=posting).count() <= 2
        assert posting.languages.filter(language="fr").exists()
    for application in Application.objects.filter(reference__startswith="BENCH-"):
        application.full_clean(exclude=["cv", "letter_file"])
        assert Posting.objects.published().filter(pk=application.posting_id).exists()
        assert application.letter_text or application.letter_file


@pytest.mark.django_db
def test_applications_share_a_few_real_pdf_files_by_default():
    generate()

    cv_paths = set(Application.objects.values_list("cv", flat=True))
    assert len(cv_paths) == 3
    for path in cv_paths:
        with default_storage.open(path) as handle:
            content = handle.read()
        assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")


@pytest.mark.django_db
def test_unique_files_gives_each_application_its_own_cv():
    generate(applications=6, unique_files=True)

    cv_paths = list(Application.objects.values_list("cv", flat=True))
    assert len(set(cv_paths)) == 6
    assert all(default_storage.exists(path) for path in cv_paths)


@pytest.mark.django_db
def test_it_refuses_to_run_twice_without_reset():
    generate()

    with pytest.raises(CommandError, match="--reset"):
        generate()
    assert Posting.objects.filter(slug__startswith="bench-").count() == 12


@pytest.mark.django_db
def test_reset_replaces_the_earlier_data_and_keeps_other_rows(cast):
    generate()
    generate(postings=5, applications=7, reset=True)

    assert Posting.objects.filter(slug__startswith="bench-").count() == 5
    assert Application.objects.filter(reference__startswith="BENCH-").count() == 7
    assert Membership.objects.filter(user__username="bench-recruteur").count() == 1
    assert Posting.objects.filter(pk__in=[cast.posting_a.pk, cast.posting_b.pk]).count() == 2


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_postings():
    generate(seed=7)
    first = list(Posting.objects.order_by("slug").values_list("title", "context"))
    generate(seed=7, reset=True)
    again = list(Posting.objects.order_by("slug").values_list("title", "context"))
    generate(seed=8, reset=True)
    other = list(Posting.objects.order_by("slug").values_list("title", "context"))

    assert first == again
    assert first != other


@pytest.mark.django_db
def test_it_rejects_applications_without_postings():
    with pytest.raises(CommandError):
        generate(postings=0, applications=3)
