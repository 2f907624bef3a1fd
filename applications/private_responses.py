"""Headers for everything that carries a candidate's personal data: their private pages (reached through the
link of their receipt) and every file response (their data ZIP, a CV downloaded by staff, an export).

- `Cache-Control: private, no-store`: no shared cache keeps it and the browser does not store it on disk, so
  the back button of a shared computer does not bring it back.
- `Referrer-Policy`: a link followed from the page (a posting's external site) never carries the private
  link's UUID in its `Referer`. Files get `no-referrer`; pages get `same-origin`, which sends the Referer to
  Passerelle only: under `no-referrer` browsers send `Origin: null` with every POST (Fetch standard), so
  Django's CSRF check refused the page's own forms (withdraw, delete, the language switcher).
- `X-Content-Type-Options: nosniff`: a file is never rendered as something else than its declared type.
"""

from collections.abc import Callable
from functools import wraps
from typing import IO

from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header


def protect(response: HttpResponseBase, *, referrer_policy: str = "no-referrer") -> HttpResponseBase:
    """The private headers, on any response (a file's by default; `private_page` for pages)."""
    patch_cache_control(response, private=True, no_store=True)
    response["Referrer-Policy"] = referrer_policy
    response["X-Content-Type-Options"] = "nosniff"
    return response


def private_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view whose every answer (page, redirect, error) carries the private headers."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return protect(view(request, *args, **kwargs), referrer_policy="same-origin")

    return wrapped


def file_response(
    content: IO[bytes] | bytes, *, filename: str, content_type: str
) -> FileResponse | HttpResponse:
    """A downloaded file (never shown inline) with the private headers: streamed from an open file, or
    built in memory (`bytes`)."""
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    else:
        response = FileResponse(content, as_attachment=True, filename=filename, content_type=content_type)
    return protect(response)
