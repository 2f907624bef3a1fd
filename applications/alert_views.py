"""Alerts without an account: the subscription form, the confirmation, the page that manages one's alerts
and the one-click unsubscribe. Every link carries the alert's secret token; nothing changes on GET."""

import json
from datetime import timedelta

from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications import alerts
from applications.alert_forms import AlertForm, FrequencyForm
from applications.alert_models import Alert
from applications.client_address import client_address
from applications.ratelimits import over_limit
from postings.chips import chosen_filters, saved_query
from postings.filters import PostingFilter
from postings.models import Posting

# Subscriptions per address and per client address, per hour. Over the address limit the answer is the usual
# one and nothing is sent (the answer never tells whether an address is known); over the IP limit, a 429.
PER_ADDRESS_LIMIT = 3
PER_IP_LIMIT = 20
WINDOW_SECONDS = 3600


def _search_description(query: str) -> list:
    filterset = PostingFilter(QueryDict(query), queryset=Posting.objects.none())
    return chosen_filters(filterset)


def _alert_or_404(token) -> Alert:
    return get_object_or_404(Alert, token=token)


@require_http_methods(["GET", "POST"])
def subscribe(request):
    """GET: the form, with the search of the listing the visitor came from (its query string). POST: an
    unconfirmed alert and its confirmation e-mail, then the same answer for every address."""
    if request.method == "POST":
        form = AlertForm(request.POST)
        if over_limit(
            request, "alert-ip", client_address(request), limit=PER_IP_LIMIT, window=WINDOW_SECONDS
        ):
            return render(request, "applications/alerts/rate_limited.html", status=429)
        if form.is_valid():
            email = form.cleaned_data["email"]
            if not over_limit(
                request, "alert-address", email.lower(), limit=PER_ADDRESS_LIMIT, window=WINDOW_SECONDS
            ):
                alerts.subscribe(
                    email=email,
                    frequency=form.cleaned_data["frequency"],
                    language=translation.get_language() or "fr",
                    query=saved_query(_query_dict(form.cleaned_data["query"])),
                )
            return redirect("applications:alert-sent")
        query = saved_query(_query_dict(request.POST.get("query", "")))
        status = 400
    else:
        query = saved_query(request.GET)
        form = AlertForm(initial={"query": query})
        status = 200
    context = {"form": form, "chips": _search_description(query), "query": query}
    return render(request, "applications/alerts/subscribe.html", context, status=status)


def _query_dict(query: str) -> QueryDict:
    return QueryDict(query[:2000])


@require_GET
def sent(request):
    return render(request, "applications/alerts/sent.html")


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """GET shows a button (mail scanners follow links: a GET must not confirm); POST confirms."""
    alert = _alert_or_404(token)
    if alert.confirmation_expired():
        return render(request, "applications/alerts/expired.html", status=410)
    if request.method == "POST":
        alert = alerts.confirm(alert)
        return redirect(reverse("applications:alert-manage", kwargs={"token": alert.token}) + "?confirmee=1")
    context = {"alert": alert, "chips": _search_description(alert.query)}
    return render(request, "applications/alerts/confirm.html", context)


@require_GET
def manage(request, token):
    alert = _alert_or_404(token)
    if alert.confirmation_expired():
        return render(request, "applications/alerts/expired.html", status=410)
    owned = list(alerts.alerts_of_owner(alert))
    entries = [
        {
            "alert": item,
            "chips": _search_description(item.query),
            "form": FrequencyForm(initial={"frequency": item.frequency}, prefix=str(item.token)[:8]),
            "listing_url": alerts.listing_url(item),
            "ends_on": item.last_used_at + timedelta(days=Alert.UNUSED_DAYS),
        }
        for item in owned
    ]
    context = {
        "alert": alert,
        "entries": entries,
        "just_confirmed": request.GET.get("confirmee") == "1" and alert.is_confirmed,
    }
    response = render(request, "applications/alerts/manage.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def update(request, token):
    alert = _alert_or_404(token)
    form = FrequencyForm(request.POST, prefix=str(alert.token)[:8])
    if not alert.is_confirmed or not form.is_valid():
        raise Http404("No such alert.")
    alerts.update(alert, frequency=form.cleaned_data["frequency"])
    return redirect(alert.get_manage_url() + "?enregistree=1")


# Mail clients send the one-click unsubscribe as a POST without cookies or CSRF token (RFC 8058): the alert's
# secret token in the URL is the only credential, as it is for the other links.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET: one button. POST (that button, or a mail client's one-click request): the alert is deleted."""
    alert = Alert.objects.filter(token=token).first()
    if request.method == "POST":
        if alert is not None:
            alerts.unsubscribe(alert)
        return render(request, "applications/alerts/unsubscribed.html")
    if alert is None:
        return render(request, "applications/alerts/unsubscribed.html")
    context = {"alert": alert, "chips": _search_description(alert.query)}
    return render(request, "applications/alerts/unsubscribe.html", context)


@require_GET
def my_data(request, token):
    """Everything held about the person for the alerts this link reaches, as JSON."""
    alert = _alert_or_404(token)
    data = alerts.export_data(alerts.alerts_of_owner(alert).prefetch_related("digests"))
    response = HttpResponse(
        json.dumps({"alerts": data}, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="passerelle-alertes.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def erase(request, token):
    """Delete every alert of the address (or only this one while it is unconfirmed) and what was sent."""
    alert = _alert_or_404(token)
    if alert.is_confirmed:
        alerts.erase_address(alert.email)
    else:
        alerts.unsubscribe(alert)
    return render(request, "applications/alerts/unsubscribed.html", {"erased": True})
