"""Cross-cutting middleware of the project (config sits on top of the apps, so it may know them all)."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger("passerelle.database")
logger_storage = logging.getLogger("passerelle.storage")

#: Seconds a client is asked to wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Answers 503 with a static page when the database cannot be reached while a request is handled.

    The page is rendered without the request: no context processor runs, so nothing touches the session, the
    user or the messages, all of which live in the database. Django reconnects by itself on the next request
    (`CONN_HEALTH_CHECKS`), so service comes back as soon as the database does, without a restart.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "Database unavailable while handling %s %s", request.method, request.path, exc_info=exception
        )
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class StorageUnavailableMiddleware:
    """Answers 503 when the file storage (an S3-compatible bucket) cannot be reached during a request.

    An application being submitted at that moment is rolled back with whatever file it had written
    (applications/services.py), so the page can say that nothing was kept and that sending again is safe.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from applications.storage import UNREACHABLE_ERRORS

        if not UNREACHABLE_ERRORS or not isinstance(exception, UNREACHABLE_ERRORS):
            return None
        logger_storage.error(
            "File storage unavailable while handling %s %s", request.method, request.path, exc_info=exception
        )
        response = HttpResponse(render_to_string("503.html", {"storage": True}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
