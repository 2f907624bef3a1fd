"""Every public page declares the HTTP methods it answers: GET and HEAD read it, anything else is a 405."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_urls():
    posting = f.published_posting(session=f.make_session())
    organisation = posting.organisation_roles.get().organisation
    return [
        reverse("postings:list"),
        posting.get_absolute_url(),
        reverse("postings:session", kwargs={"slug": posting.session.slug}),
        reverse("organisations:detail", kwargs={"slug": organisation.slug}),
        reverse("discover:feed-rss"),
        reverse("discover:feed-atom"),
        reverse("discover:feed-kind-rss", kwargs={"kind": posting.kind}),
        reverse("discover:posting-calendar", kwargs={"slug": posting.slug}),
        reverse("seo:sitemap"),
        reverse("seo:robots"),
        "/healthz",
    ]


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_a_public_page_refuses_a_method_that_would_write(client, public_urls, method):
    answers = {url: getattr(client, method)(url).status_code for url in public_urls}

    assert answers == dict.fromkeys(public_urls, 405)


def test_a_public_page_answers_get_and_head(client, public_urls):
    answers = {url: (client.get(url).status_code, client.head(url).status_code) for url in public_urls}

    assert answers == dict.fromkeys(public_urls, (200, 200))
