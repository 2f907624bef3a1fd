"""Two-factor states of a staff session, reached the way a person reaches them: the admin's login form."""

from django.contrib.auth import SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.test_login_security import LOGIN_URL, PASSWORD, current_code

#: The states a back-office session can be in.
STATES = ("no device", "unverified", "verified")


def confirm_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="téléphone", confirmed=True)


def open_session(client, user, state: str) -> None:
    """Log `user` in, in the two-factor `state`:

    - "no device": password login of someone who never enabled two-factor login;
    - "unverified": a session opened by password before a device was confirmed (or by any way that skipped the
      code), for someone who has a confirmed device now;
    - "verified": login with password and the current code of their confirmed device.
    """
    if state == "no device":
        client.force_login(user)
    elif state == "unverified":
        client.force_login(user)
        confirm_device(user)
    elif state == "verified":
        device = confirm_device(user)
        response = client.post(
            LOGIN_URL,
            {"username": user.username, "password": PASSWORD, "otp_token": current_code(device), "next": "/"},
            REMOTE_ADDR="192.0.2.10",
        )
        assert response.status_code == 302, response.content
        assert SESSION_KEY in client.session
    else:
        raise ValueError(state)
