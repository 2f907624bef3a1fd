"""Back-office sessions end after a while idle and after a fixed lifetime, whatever the activity.

Only staff log in, so this is the admin's session policy: a session idle for `STAFF_SESSION_IDLE_MINUTES`, or
opened more than `STAFF_SESSION_MAX_HOURS` ago, is logged out and the next admin page asks for the password
(and the one-time code) again. The browser cookie itself expires with the lifetime (`SESSION_COOKIE_AGE`).
"""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.db import InterfaceError, OperationalError

STARTED_KEY = "passerelle_session_started"
SEEN_KEY = "passerelle_session_seen"
# Recording every request would write the session row on every page; a minute is precise enough for a
# timeout counted in minutes.
SEEN_RESOLUTION_SECONDS = 60


def start_clock(sender, request, user, **kwargs) -> None:
    """On login (`user_logged_in`): the session's lifetime starts now. Set here rather than on the next
    request, so that the pages that follow a login do not each write the session."""
    now = time.time()
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now


class StaffSessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                self._check(request)
        except (OperationalError, InterfaceError):
            # The database is down (sessions and users live there): the view's own query fails the same way,
            # inside DatabaseUnavailableMiddleware, which answers with the 503 page.
            pass
        return self.get_response(request)

    def _check(self, request) -> None:
        now = time.time()
        session = request.session
        started = session.get(STARTED_KEY)
        seen = session.get(SEEN_KEY)
        idle = timedelta(minutes=settings.STAFF_SESSION_IDLE_MINUTES).total_seconds()
        lifetime = timedelta(hours=settings.STAFF_SESSION_MAX_HOURS).total_seconds()
        if started is not None and (now - started > lifetime or now - (seen or started) > idle):
            # Flushes the session (OTP verification included); the request goes on as anonymous.
            logout(request)
            return
        if started is None:  # A session opened before this policy was deployed.
            session[STARTED_KEY] = now
        if seen is None or now - seen >= SEEN_RESOLUTION_SECONDS:
            session[SEEN_KEY] = now
