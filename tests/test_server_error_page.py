"""The 500 page speaks the language of the request when the failure leaves it known."""

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.test import Client
from django.urls import path

from config import urls as project_urls


def _raise_error(request):
    raise RuntimeError("a test of the 500 page")


urlpatterns = [
    *i18n_patterns(path("boom/500/", _raise_error), prefix_default_language=False),
    *project_urls.urlpatterns,
]


@pytest.fixture
def failing_site(settings):
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    ("url", "language", "heading", "home"),
    [
        ("/boom/500/", "fr", "Une erreur est survenue", 'href="/"'),
        ("/en/boom/500/", "en", "An error occurred", 'href="/en/"'),
        ("/nl/boom/500/", "nl", "Er is een fout opgetreden", 'href="/nl/"'),
    ],
)
def test_the_500_page_is_in_the_language_of_the_request(db, failing_site, url, language, heading, home):
    response = failing_site.get(url)

    page = response.content.decode()
    assert response.status_code == 500
    assert f'<html lang="{language}">' in page
    assert heading in page
    assert home in page
