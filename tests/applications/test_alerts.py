"""E-mail alerts without an account (issue #17 §1): double opt-in, digests through the outbox once per period,
one-click unsubscribe, rate limits that reveal nothing, personal data download, erasure and retention."""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from applications import alerts
from applications.alert_models import Alert, AlertDigest
from applications.models import OutgoingEmail
from tests import factories as f

# Real commits: the e-mails leave after commit (transaction.on_commit), as in production.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("immediate_tasks")]

ADDRESS = "camille@example.org"


def subscribe(client, *, email=ADDRESS, query="country=BE", frequency="daily", prefix=""):
    return client.post(
        f"{prefix}/alertes/nouvelle/", {"email": email, "frequency": frequency, "query": query}
    )


def confirmed_alert(*, query="", frequency="daily", language="fr", email=ADDRESS, confirmed_at=None) -> Alert:
    alert = Alert.objects.create(email=email, query=query, frequency=frequency, language=language)
    alert.confirm(now=confirmed_at or timezone.now() - timedelta(days=2))
    return alert


def test_the_listing_links_the_alert_form_and_the_feed_with_its_filters(client):
    posting = f.published_posting(country="BE", city="Liège")

    page = client.get("/?country=BE&page=1&sort=newest").content.decode()

    assert 'href="/alertes/nouvelle/?country=BE"' in page
    assert "S'abonner au flux (RSS)" in page
    assert 'href="/flux/offres.rss?country=BE"' in page
    form = client.get("/alertes/nouvelle/?country=BE&page=2").content.decode()
    assert 'name="query" value="country=BE"' in form
    assert "Belgique" in form
    assert posting.title not in form


def test_subscribing_sends_only_the_confirmation_and_no_digest_before_it_is_confirmed(client):
    response = subscribe(client)

    assert response.status_code == 302
    assert response["Location"] == "/alertes/envoyee/"
    alert = Alert.objects.get()
    assert not alert.is_confirmed
    assert [m.subject for m in mail.outbox] == ["Confirmez votre alerte Passerelle"]
    assert alert.get_confirm_url() in mail.outbox[0].body
    mail.outbox.clear()
    f.published_posting(country="BE", published_at=timezone.now())

    call_command("send_alerts", stdout=None)

    assert mail.outbox == []
    assert not AlertDigest.objects.exists()


def test_following_the_confirmation_link_by_get_confirms_nothing(client):
    subscribe(client)
    alert = Alert.objects.get()

    assert client.get(alert.get_confirm_url()).status_code == 200
    alert.refresh_from_db()
    assert not alert.is_confirmed

    response = client.post(alert.get_confirm_url())
    alert.refresh_from_db()
    assert alert.is_confirmed
    assert response["Location"].startswith(alert.get_manage_url())


def test_an_unconfirmed_alert_expires(client):
    subscribe(client)
    alert = Alert.objects.get()
    Alert.objects.filter(pk=alert.pk).update(created_at=timezone.now() - timedelta(days=8))

    assert client.post(alert.get_confirm_url()).status_code == 410
    alert.refresh_from_db()
    assert not alert.is_confirmed


def test_known_and_unknown_addresses_get_the_same_answer(client):
    confirmed_alert(query="country=BE")
    known = subscribe(client, email=ADDRESS)
    unknown = subscribe(client, email="nobody@example.org")

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert without_nonce(client.get(known["Location"])) == without_nonce(client.get(unknown["Location"]))


def without_nonce(response) -> str:
    return re.sub(r'nonce="[^"]+"', "", response.content.decode())


def test_the_digest_lists_only_matching_postings_published_since_the_last_one_in_the_alert_language():
    alert = confirmed_alert(query="country=BE", language="en")
    before = f.published_posting(country="BE", title="Avant", published_at=timezone.now() - timedelta(days=3))
    elsewhere = f.published_posting(country="FR", city="Paris", title="Ailleurs", published_at=timezone.now())
    matching = f.published_posting(
        country="BE", title="Nouvelle mission", title_en="New mission", published_at=timezone.now()
    )

    call_command("send_alerts", stdout=None)

    [message] = mail.outbox
    assert message.subject == "1 new posting on Passerelle"
    assert "New mission" in message.body
    assert f"/en/offres/{matching.slug}/" in message.body
    assert before.title not in message.body and elsewhere.title not in message.body
    assert (
        message.extra_headers["List-Unsubscribe"]
        == f"<{settings.SITE_URL}/en/alertes/{alert.token}/desabonner/>"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.ALERT_DIGEST).status == OutgoingEmail.Status.SENT


def test_a_digest_is_never_sent_twice_for_the_same_period():
    alert = confirmed_alert(query="")
    f.published_posting(published_at=timezone.now() - timedelta(hours=1))
    now = timezone.now()

    call_command("send_alerts", stdout=None)
    f.published_posting(published_at=timezone.now())
    call_command("send_alerts", stdout=None)
    alerts.send_digest(alert, now=now)

    assert AlertDigest.objects.filter(alert=alert).count() == 1
    assert len(mail.outbox) == 1
    # The next period picks up what was published meanwhile, and only that.
    call_command("send_alerts", "--now", (timezone.localtime() + timedelta(days=1)).isoformat(), stdout=None)
    assert AlertDigest.objects.filter(alert=alert).count() == 2
    assert "1 nouvelle offre" in mail.outbox[1].subject


def test_a_weekly_alert_gets_one_digest_per_iso_week():
    alert = confirmed_alert(frequency="weekly", confirmed_at=timezone.now() - timedelta(days=10))
    f.published_posting(published_at=timezone.now() - timedelta(days=1))

    call_command("send_alerts", stdout=None)
    f.published_posting(published_at=timezone.now())
    call_command("send_alerts", stdout=None)

    assert AlertDigest.objects.filter(alert=alert).count() == 1
    assert AlertDigest.objects.get().period == alerts.period_of("weekly", timezone.now())


def test_a_saved_filter_the_listing_no_longer_offers_matches_nothing_instead_of_everything():
    confirmed_alert(query="city=Atlantis")
    f.published_posting(published_at=timezone.now())

    call_command("send_alerts", stdout=None)

    assert mail.outbox == []


def test_one_click_unsubscribe_works_without_cookies_or_csrf_token():
    alert = confirmed_alert()
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(alert.get_unsubscribe_url(), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert not Alert.objects.filter(pk=alert.pk).exists()
    # Sent again (a retry by the mail provider): the same answer.
    assert mail_client.post(alert.get_unsubscribe_url()).status_code == 200


def test_the_unsubscribe_link_by_get_only_asks(client):
    alert = confirmed_alert()

    assert client.get(alert.get_unsubscribe_url()).status_code == 200
    assert Alert.objects.filter(pk=alert.pk).exists()


def test_the_manage_page_changes_the_frequency_and_counts_as_a_use(client):
    alert = confirmed_alert(frequency="daily")
    Alert.objects.filter(pk=alert.pk).update(last_used_at=timezone.now() - timedelta(days=300))
    other = confirmed_alert(query="kind=internship")
    stranger = confirmed_alert(email="someone.else@example.org")

    page = client.get(alert.get_manage_url()).content.decode()
    assert str(other.token) in page and str(stranger.token) not in page

    prefix = str(alert.token)[:8]
    client.post(f"/alertes/{alert.token}/modifier/", {f"{prefix}-frequency": "weekly"})
    alert.refresh_from_db()
    assert alert.frequency == "weekly"
    assert alert.last_used_at > timezone.now() - timedelta(minutes=1)


def test_confirming_the_same_search_again_keeps_one_alert(client):
    existing = confirmed_alert(query="country=BE", frequency="daily")
    subscribe(client, query="country=BE", frequency="weekly")
    pending = Alert.objects.unconfirmed().get()

    client.post(pending.get_confirm_url())

    assert list(Alert.objects.values_list("pk", "frequency")) == [(existing.pk, "weekly")]


def test_alerts_are_in_the_data_download_and_gone_after_erasure(client):
    alert = confirmed_alert(query="country=BE")
    confirmed_alert(query="kind=job")
    f.published_posting(country="BE", published_at=timezone.now())
    call_command("send_alerts", stdout=None)
    assert OutgoingEmail.objects.filter(to=[ADDRESS], kind=OutgoingEmail.Kind.ALERT_DIGEST).count() == 1

    response = client.get(f"/alertes/{alert.token}/mes-donnees/")
    data = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
    assert response["Content-Disposition"].startswith("attachment")
    assert sorted(item["search"] for item in data["alerts"]) == ["country=BE", "kind=job"]
    assert data["alerts"][0]["email"] == ADDRESS
    assert str(alert.token) not in response.content.decode()

    client.post(f"/alertes/{alert.token}/tout-supprimer/")

    assert not Alert.objects.exists()
    assert not AlertDigest.objects.exists()
    assert not OutgoingEmail.objects.filter(kind__startswith="alert_").exists()


def test_rate_limits_send_nothing_more_and_say_nothing_about_the_address(client):
    answers = [subscribe(client, query=f"q=mot{n}") for n in range(alert_views_limit() + 2)]

    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/alertes/envoyee/")}
    assert len(mail.outbox) == alert_views_limit()


def test_too_many_subscriptions_from_one_address_get_429(client, settings):
    from applications import alert_views

    responses = [
        subscribe(client, email=f"person{n}@example.org") for n in range(alert_views.PER_IP_LIMIT + 1)
    ]

    assert responses[-1].status_code == 429
    assert Alert.objects.count() == alert_views.PER_IP_LIMIT


def alert_views_limit() -> int:
    from applications import alert_views

    return alert_views.PER_ADDRESS_LIMIT


def test_retention_deletes_expired_requests_and_alerts_unused_for_a_year_only_with_apply():
    stale = confirmed_alert(query="a=1")
    Alert.objects.filter(pk=stale.pk).update(last_used_at=timezone.now() - timedelta(days=366))
    fresh = confirmed_alert(query="kind=job")
    pending = Alert.objects.create(email=ADDRESS, created_at=timezone.now() - timedelta(days=8))
    recent_pending = Alert.objects.create(email=ADDRESS)

    call_command("purge_alerts", stdout=None)
    assert Alert.objects.count() == 4

    call_command("purge_alerts", "--apply", stdout=None)
    assert set(Alert.objects.values_list("pk", flat=True)) == {fresh.pk, recent_pending.pk}
    assert pending.pk and stale.pk


def test_the_privacy_page_describes_alerts(client):
    page = client.get("/confidentialite/").content.decode()

    assert "alertes" in page.lower()


def test_a_superuser_erases_an_address_alerts_from_the_admin_with_their_emails(client):
    from django.contrib.auth import get_user_model

    alert = confirmed_alert()
    f.published_posting(published_at=timezone.now())
    call_command("send_alerts", stdout=None)
    admin_user = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin_user)

    found = client.get("/admin/applications/alert/", {"q": "CAMILLE@example.org"})
    assert ADDRESS in found.content.decode()
    client.post(
        "/admin/applications/alert/",
        {"action": "delete_selected", "_selected_action": [alert.pk], "post": "yes"},
    )

    assert not Alert.objects.exists()
    assert not OutgoingEmail.objects.filter(to=[ADDRESS]).exists()
