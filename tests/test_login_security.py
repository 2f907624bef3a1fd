"""The admin login: throttling per (username, IP), safe redirects, optional two-factor login, password policy."""

import time
from datetime import timedelta

import pytest
from axes.exceptions import AxesBackendRequestParameterRequired
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.test_security_headers import assert_header_trio, assert_strict_csp

PASSWORD = "correct-horse-battery-staple"
LOGIN_URL = "/admin/login/"


def log_in(client, username, password=PASSWORD, *, ip="192.0.2.10", **extra):
    return client.post(
        LOGIN_URL, {"username": username, "password": password, "next": "/admin/", **extra}, REMOTE_ADDR=ip
    )


def is_logged_in(client) -> bool:
    return SESSION_KEY in client.session


def fail_until_locked(client, username, *, ip="192.0.2.10"):
    responses = [log_in(client, username, "wrong password!", ip=ip) for _ in range(5)]
    return responses


# Throttling (django-axes)


def test_four_failures_leave_the_login_open(client, cast):
    for _ in range(4):
        assert log_in(client, "recruteur-a", "wrong password!").status_code == 200

    response = log_in(client, "recruteur-a")

    assert response.status_code == 302
    assert is_logged_in(client)


def test_the_fifth_failure_locks_the_username_from_that_ip_with_a_french_page(client, cast):
    *_, fifth = fail_until_locked(client, "recruteur-a")

    assert fifth.status_code == 429
    assert "admin/lockout.html" in [t.name for t in fifth.templates]
    page = fifth.content.decode()
    assert "Connexion temporairement bloquée" in page
    assert "15 minutes" in page
    assert_strict_csp(fifth)
    assert_header_trio(fifth)


def log_in_through(client, password=PASSWORD, *, peer: str, forwarded_for: str):
    data = {"username": "recruteur-a", "password": password, "next": "/admin/"}
    return client.post(LOGIN_URL, data, REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_a_rotating_forwarded_for_does_not_escape_the_login_lockout(client, cast):
    for n in range(5):
        log_in_through(client, "wrong password!", peer="203.0.113.5", forwarded_for=f"198.51.100.{n}")

    response = log_in_through(client, peer="203.0.113.5", forwarded_for="198.51.100.99")

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_behind_a_trusted_proxy_the_lockout_is_per_client_not_for_everyone_behind_it(client, cast, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    for _ in range(5):
        log_in_through(client, "wrong password!", peer="10.0.0.1", forwarded_for="198.51.100.7")

    locked = log_in_through(client, peer="10.0.0.1", forwarded_for="198.51.100.7")
    colleague = log_in_through(client, peer="10.0.0.1", forwarded_for="198.51.100.8")

    assert (locked.status_code, colleague.status_code) == (429, 302)


def test_a_locked_out_pair_is_refused_even_with_the_right_password(client, cast):
    fail_until_locked(client, "recruteur-a")

    response = log_in(client, "recruteur-a")

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_the_lockout_is_per_username_and_ip(client, cast):
    fail_until_locked(client, "recruteur-a", ip="192.0.2.10")

    assert log_in(client, "recruteur-b", ip="192.0.2.10").status_code == 302
    client.logout()
    assert log_in(client, "recruteur-a", ip="198.51.100.7").status_code == 302


def test_the_lockout_ends_after_fifteen_minutes(client, cast):
    fail_until_locked(client, "recruteur-a")
    # Fifteen minutes pass: the attempts are older than the cool-off.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))

    response = log_in(client, "recruteur-a")

    assert response.status_code == 302
    assert is_logged_in(client)


def test_a_successful_login_clears_earlier_failures(client, cast):
    for _ in range(4):
        log_in(client, "recruteur-a", "wrong password!")
    log_in(client, "recruteur-a")
    client.logout()

    for _ in range(4):
        assert log_in(client, "recruteur-a", "wrong password!").status_code == 200


def test_force_login_is_unaffected_by_axes(client, cast):
    client.force_login(cast.superuser)

    assert client.get("/admin/").status_code == 200


def test_client_login_needs_a_request_with_axes(client, cast):
    # How other tests log in with a password: pass a request (django-axes needs one to know the client).
    with pytest.raises(AxesBackendRequestParameterRequired):
        client.login(username="admin", password=PASSWORD)

    assert client.login(request=HttpRequest(), username="admin", password=PASSWORD)
    assert client.get("/admin/").status_code == 200


# Redirects after login


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://evil.example/admin/",
        "/\\evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
    ],
)
def test_login_never_redirects_off_site(client, cast, next_url):
    response = log_in(client, "admin", next=next_url)

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_login_follows_a_local_next(client, cast):
    response = log_in(client, "admin", next="/admin/auth/user/")

    assert response.headers["Location"] == "/admin/auth/user/"


def test_the_login_form_does_not_carry_an_off_site_next(client, db):
    response = client.get(LOGIN_URL, {"next": "https://evil.example/"})

    hidden_next = response.context["next"]
    assert "evil.example" not in hidden_next
    assert f'<input type="hidden" name="next" value="{hidden_next}">' in response.content.decode()


# Optional two-factor login (django-otp, TOTP)


def current_code(device: TOTPDevice, *, windows_ahead: int = 0) -> str:
    """The code the app shows now, or `windows_ahead` 30-second windows later (a spent code never works twice;
    the device accepts one window of clock skew, so the next window's code stands for "a little later")."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + windows_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def device(cast):
    return TOTPDevice.objects.create(user=cast.superuser, name="téléphone", confirmed=True)


def test_staff_without_a_device_log_in_with_a_password_only(client, cast, device):
    response = log_in(client, "recruteur-a")

    assert response.status_code == 302
    assert is_logged_in(client)


def test_staff_with_a_device_must_give_a_code(client, cast, device):
    response = log_in(client, "admin")

    assert response.status_code == 200
    assert "Saisissez le code à usage unique" in response.content.decode()
    assert not is_logged_in(client)


def test_a_code_is_never_accepted_twice(client, cast, device):
    code = current_code(device)
    assert log_in(client, "admin", otp_token=code).status_code == 302
    client.logout()

    response = log_in(client, "admin", otp_token=code)

    assert response.status_code == 200
    assert not is_logged_in(client)


def test_a_wrong_code_is_refused(client, cast, device):
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

    response = log_in(client, "admin", otp_token=wrong)

    assert response.status_code == 200
    assert "usage unique n&#x27;est pas valable" in response.content.decode()
    assert not is_logged_in(client)


def test_the_right_code_opens_the_admin(client, cast, device):
    response = log_in(client, "admin", otp_token=current_code(device))

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_code_of_another_persons_device_is_refused(client, cast, device):
    other = TOTPDevice.objects.create(user=cast.coordinator, name="autre", confirmed=True)

    response = log_in(client, "admin", otp_token=current_code(other), otp_device=other.persistent_id)

    assert response.status_code == 200
    assert not is_logged_in(client)


def test_an_unconfirmed_device_does_not_ask_for_a_code(client, cast):
    TOTPDevice.objects.create(user=cast.superuser, name="en cours", confirmed=False)

    assert log_in(client, "admin").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_session_opened_without_the_code_loses_the_admin_once_a_device_is_confirmed(client, cast):
    client.force_login(cast.superuser)
    assert client.get("/admin/").status_code == 200

    TOTPDevice.objects.create(user=cast.superuser, name="téléphone", confirmed=True)

    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")


def test_the_login_page_offers_the_code_field(client, db):
    page = client.get(LOGIN_URL).content.decode()

    assert 'name="otp_token"' in page
    assert 'autocomplete="one-time-code"' in page


def test_a_superuser_registers_a_device_and_reads_its_qr_code(client, cast):
    client.force_login(cast.superuser)

    response = client.post(
        "/admin/otp_totp/totpdevice/add/",
        {
            "user": cast.recruiter_a.pk,
            "name": "téléphone",
            "key": "3132333435363738393031323334353637383930",
            "step": 30,
            "t0": 0,
            "digits": 6,
            "tolerance": 1,
            "drift": 0,
            "throttling_failure_count": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].errors if response.context else ""
    device = TOTPDevice.objects.get(user=cast.recruiter_a)

    qr = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/")
    assert qr.status_code == 200
    assert qr.headers["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content


# Password policy


def test_the_admin_refuses_a_password_shorter_than_twelve_characters(client, cast):
    client.force_login(cast.superuser)

    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": "Tr0mbone!ab", "new_password2": "Tr0mbone!ab"},
    )

    assert response.status_code == 200
    assert "au minimum 12 caractères" in response.content.decode()
    cast.superuser.refresh_from_db()
    assert cast.superuser.check_password(PASSWORD)


def test_the_admin_accepts_a_long_password(client, cast):
    client.force_login(cast.superuser)

    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": "Tr0mbone!abcd", "new_password2": "Tr0mbone!abcd"},
    )

    assert response.status_code == 302
    cast.superuser.refresh_from_db()
    assert cast.superuser.check_password("Tr0mbone!abcd")


# Self-service enrolment: a staff member turns two-factor login on and off for their own account

TWO_FACTOR_URL = "/admin/double-authentification/"


def test_showing_the_two_factor_page_creates_nothing(client, cast):
    client.force_login(cast.recruiter_a)

    response = client.get(TWO_FACTOR_URL)

    assert response.status_code == 200
    assert "Activer la double authentification" in response.content.decode()
    assert not TOTPDevice.objects.exists()


def test_a_recruiter_enables_two_factor_login_then_needs_a_code(client, cast):
    client.force_login(cast.recruiter_a)

    client.post(TWO_FACTOR_URL, {"action": "start"})
    device = TOTPDevice.objects.get(user=cast.recruiter_a)
    assert not device.confirmed
    page = client.get(TWO_FACTOR_URL)
    assert_strict_csp(page)
    assert page.context["secret"]
    qr = client.get("/admin/double-authentification/qrcode.svg")
    assert qr.headers["Content-Type"] == "image/svg+xml"
    assert "no-store" in qr.headers["Cache-Control"]
    # Until confirmed, the login does not change.
    assert client.get("/admin/").status_code == 200

    response = client.post(TWO_FACTOR_URL, {"action": "confirm", "code": current_code(device)})

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200  # this session proved the second factor
    client.logout()
    assert log_in(client, "recruteur-a").status_code == 200
    assert not is_logged_in(client)
    assert log_in(client, "recruteur-a", otp_token=current_code(device, windows_ahead=1)).status_code == 302


def test_enabling_needs_a_valid_first_code(client, cast):
    client.force_login(cast.recruiter_a)
    client.post(TWO_FACTOR_URL, {"action": "start"})
    device = TOTPDevice.objects.get(user=cast.recruiter_a)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(TWO_FACTOR_URL, {"action": "confirm", "code": wrong})

    assert response.status_code == 200
    assert "Ce code n&#x27;est pas valable" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_turning_two_factor_off_needs_a_current_code(client, cast, device):
    log_in(client, "admin", otp_token=current_code(device))

    refused = client.post(TWO_FACTOR_URL, {"action": "disable", "code": "000000"})
    assert refused.status_code == 200
    assert TOTPDevice.objects.filter(user=cast.superuser).exists()

    device.refresh_from_db()
    device.throttle_reset()  # a refused code throttles the device a moment; a person simply retries later
    accepted = client.post(
        TWO_FACTOR_URL, {"action": "disable", "code": current_code(device, windows_ahead=1)}
    )

    assert accepted.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.superuser).exists()


def test_the_qr_code_is_only_ever_the_callers_own(client, cast):
    TOTPDevice.objects.create(user=cast.recruiter_b, name="en cours", confirmed=False)
    client.force_login(cast.recruiter_a)

    assert client.get("/admin/double-authentification/qrcode.svg").status_code == 404


def test_the_two_factor_page_is_for_staff_only(client, cast):
    outsider = cast.recruiter_a
    outsider.is_staff = False
    outsider.save(update_fields=["is_staff"])
    client.force_login(outsider)

    response = client.get(TWO_FACTOR_URL)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")


def test_the_admin_site_accepts_requests_built_without_the_otp_middleware(cast):
    # Back-office tests may call admin views with a RequestFactory request: no OTPMiddleware there.
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = cast.recruiter_a
    assert admin.site.has_permission(request)

    TOTPDevice.objects.create(user=cast.recruiter_a, name="téléphone", confirmed=True)
    assert not admin.site.has_permission(request)


def test_every_admin_page_links_to_the_two_factor_settings(client, cast):
    client.force_login(cast.recruiter_a)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert 'href="/admin/double-authentification/"' in response.content.decode()


# Back-office sessions: idle timeout and absolute lifetime (config/sessions.py)


def age_session(client, *, started_hours_ago: float = 0, seen_minutes_ago: float = 0) -> None:
    from config.sessions import SEEN_KEY, STARTED_KEY

    session = client.session
    now = time.time()
    session[STARTED_KEY] = now - started_hours_ago * 3600
    session[SEEN_KEY] = now - seen_minutes_ago * 60
    session.save()


def test_a_session_idle_longer_than_the_timeout_must_log_in_again(client, cast, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client.force_login(cast.recruiter_a)
    age_session(client, started_hours_ago=1, seen_minutes_ago=31)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith(LOGIN_URL)
    assert not is_logged_in(client)


def test_an_active_session_stays_open_and_its_idle_clock_restarts(client, cast, settings):
    from config.sessions import SEEN_KEY

    settings.STAFF_SESSION_IDLE_MINUTES = 30
    client.force_login(cast.recruiter_a)
    age_session(client, started_hours_ago=1, seen_minutes_ago=29)

    assert client.get("/admin/").status_code == 200
    assert time.time() - client.session[SEEN_KEY] < 60
    assert client.get("/admin/").status_code == 200


def test_a_session_older_than_its_lifetime_ends_however_active(client, cast, settings):
    settings.STAFF_SESSION_MAX_HOURS = 8
    client.force_login(cast.recruiter_a)
    age_session(client, started_hours_ago=8.1, seen_minutes_ago=0)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert not is_logged_in(client)


def test_a_timed_out_session_loses_its_two_factor_verification_and_must_give_a_code_again(client, cast):
    device = TOTPDevice.objects.create(user=cast.superuser, name="téléphone", confirmed=True)
    assert log_in(client, "admin", otp_token=current_code(device)).status_code == 302
    assert client.get("/admin/").status_code == 200
    age_session(client, started_hours_ago=11, seen_minutes_ago=1)

    assert client.get("/admin/").status_code == 302
    assert log_in(client, "admin").status_code == 200  # the password alone is not enough
    assert not is_logged_in(client)


def test_the_session_cookie_lasts_the_sessions_lifetime_not_two_weeks(client, cast, settings):
    response = log_in(client, "recruteur-a")

    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 10 * 3600


def test_the_timeouts_are_read_from_the_environment(tmp_path):
    import os
    import subprocess
    import sys

    script = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.STAFF_SESSION_IDLE_MINUTES, settings.STAFF_SESSION_MAX_HOURS, settings.SESSION_COOKIE_AGE)"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "STAFF_SESSION_IDLE_MINUTES": "15",
        "STAFF_SESSION_MAX_HOURS": "4",
    }

    output = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True)

    assert output.stdout.split() == ["15", "4", "14400"], output.stderr
