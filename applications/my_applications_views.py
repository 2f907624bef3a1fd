""" "Mes candidatures": every application of one e-mail address, reached through a single-use sign-in link
sent to that address. The answer to the request is the same whether the address applied or not."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications.alert_forms import SignInForm
from applications.alert_models import SignInLink, hash_secret, normalise_email
from applications.client_address import client_address
from applications.models import Application, OutgoingEmail
from applications.ratelimits import over_limit

SESSION_EMAIL = "mine:email"
SESSION_UNTIL = "mine:until"
# How long "Mes candidatures" stays open after signing in with a link.
SESSION_LIFETIME = timedelta(hours=1)
PER_ADDRESS_LIMIT = 3
PER_IP_LIMIT = 20
WINDOW_SECONDS = 3600


def send_sign_in_link(email: str, *, language: str) -> SignInLink | None:
    """A link to the address's applications, e-mailed through the outbox; nothing when it has none."""
    from applications.emails import _render
    from applications.tasks import enqueue_email

    if not Application.objects.filter(email_normalised=normalise_email(email)).exists():
        return None
    with transaction.atomic():
        link, secret = SignInLink.issue(email, language=language)
        with translation.override(language):
            url = settings.SITE_URL + reverse("applications:mine-sign-in", kwargs={"secret": secret})
            subject, body = _render(
                "sign_in_link", {"url": url, "minutes": int(SignInLink.LIFETIME.total_seconds() // 60)}
            )
        message = OutgoingEmail.objects.create(
            kind=OutgoingEmail.Kind.SIGN_IN, to=[email], subject=subject, body=body, language=language
        )
        transaction.on_commit(lambda: enqueue_email(message))
    return link


@require_http_methods(["GET", "POST"])
def request_link(request):
    if request.method == "POST":
        if over_limit(
            request, "sign-in-ip", client_address(request), limit=PER_IP_LIMIT, window=WINDOW_SECONDS
        ):
            return render(request, "applications/alerts/rate_limited.html", status=429)
        form = SignInForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]
            if not over_limit(
                request, "sign-in-address", email.lower(), limit=PER_ADDRESS_LIMIT, window=WINDOW_SECONDS
            ):
                send_sign_in_link(email, language=translation.get_language() or "fr")
            return redirect("applications:mine-sent")
        status = 400
    else:
        form = SignInForm()
        status = 200
    return render(request, "applications/mine/request.html", {"form": form}, status=status)


@require_GET
def link_sent(request):
    return render(request, "applications/mine/sent.html")


@require_http_methods(["GET", "POST"])
def sign_in(request, secret: str):
    """GET shows a button (mail scanners follow links and would spend a single-use link); POST signs in."""
    link = SignInLink.objects.usable().filter(secret_hash=hash_secret(secret)).first()
    if link is None:
        return render(request, "applications/mine/expired.html", status=410)
    if request.method == "POST":
        if not link.use():
            return render(request, "applications/mine/expired.html", status=410)
        request.session.cycle_key()
        request.session[SESSION_EMAIL] = link.email_normalised
        request.session[SESSION_UNTIL] = (timezone.now() + SESSION_LIFETIME).isoformat()
        return redirect("applications:mine-list")
    return render(request, "applications/mine/sign_in.html")


def signed_in_email(request) -> str | None:
    email = request.session.get(SESSION_EMAIL)
    until = parse_datetime(request.session.get(SESSION_UNTIL) or "")
    if not email or until is None or until < timezone.now():
        return None
    return email


@require_GET
def listing(request):
    email = signed_in_email(request)
    if email is None:
        return redirect("applications:mine")
    applications = (
        Application.objects.filter(email_normalised=email)
        .select_related("posting")
        .order_by("-submitted_at", "-pk")
    )
    response = render(request, "applications/mine/list.html", {"applications": applications, "email": email})
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def sign_out(request):
    request.session.pop(SESSION_EMAIL, None)
    request.session.pop(SESSION_UNTIL, None)
    return redirect("postings:list")
