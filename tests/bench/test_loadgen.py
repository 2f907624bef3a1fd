"""The apply client of the benchmark (`bench/loadgen.py`) must send what a careful candidate would."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.models import Application
from bench.loadgen import FormFiller, accepted, fill_form, sized_pdf
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_form_filler_sends_each_page_s_own_tokens_and_the_same_answers_as_a_full_parse(client):
    posting = f.published_posting(languages={"fr": "B2", "en": "B1"})
    url = reverse("applications:apply", kwargs={"slug": posting.slug})
    filler = FormFiller()
    first, second = client.get(url).content.decode(), client.get(url).content.decode()

    filler.fill(first, "premiere@example.org")
    values, files = filler.fill(second, "seconde@example.org")

    assert (values, files) == fill_form(second, "seconde@example.org")
    assert values["submission_token"] != fill_form(first, "x@example.org")[0]["submission_token"]
    assert files == ["cv", "letter_file"]
    assert {"language_fr", "language_en", "country", "consent", "csrfmiddlewaretoken"} <= set(values)


def test_the_form_filler_parses_again_a_page_whose_hidden_inputs_changed():
    page = '<form enctype="multipart/form-data"><input type="hidden" name="a" value="1">{}</form>'
    filler = FormFiller()
    filler.fill(page.format(""), "x@example.org")

    values, _files = filler.fill(page.format('<input name="b" type="hidden" value="2">'), "x@example.org")

    assert values["a"] == "1"
    assert values["b"] == "2"


def test_the_apply_client_counts_the_answer_to_an_application_taken_as_a_success(client):
    posting = f.published_posting(languages={"fr": "B2"})
    url = reverse("applications:apply", kwargs={"slug": posting.slug})
    values, _files = fill_form(client.get(url).content.decode(), "premiere@example.org")
    cv = SimpleUploadedFile("CV.pdf", sized_pdf(4000), content_type="application/pdf")

    response = client.post(url, {**values, "cv": cv})

    assert Application.objects.filter(posting=posting).count() == 1
    assert accepted(response.status_code, response["Location"], url)
    assert not accepted(200, "", url)
    assert not accepted(302, "/offres/autre-offre/candidater/confirmation/", url)
