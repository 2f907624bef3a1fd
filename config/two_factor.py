"""Self-service two-factor login for staff: enable it with an authenticator app, or turn it off.

Reached inside the admin (`admin:two-factor`), so only an active staff member with a fully verified session
gets here, and only ever for their own account. Enabling is two steps, both POSTs: start (a new, unconfirmed
TOTP device and its QR code), then confirm with a first code, which proves the app holds the secret. Until
then nothing changes at login.
"""

from base64 import b32encode

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Application d'authentification"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code à usage unique"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, device: TOTPDevice | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if self.device is None or not self.device.verify_token(code):
            raise forms.ValidationError(
                _("Ce code n'est pas valable. Saisissez le code affiché maintenant par votre application.")
            )
        return code


def _devices(user) -> tuple[TOTPDevice | None, TOTPDevice | None]:
    devices = TOTPDevice.objects.filter(user=user).order_by("-pk")
    return devices.filter(confirmed=True).first(), devices.filter(confirmed=False).first()


@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest, *, admin_site) -> HttpResponse:
    confirmed, pending = _devices(request.user)
    action = request.POST.get("action") if request.method == "POST" else None
    form = None

    if action == "start" and confirmed is None:
        with transaction.atomic():
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            TOTPDevice.objects.create(user=request.user, name=DEVICE_NAME, confirmed=False)
        return redirect("admin:two-factor")

    if action == "confirm" and confirmed is None:
        form = CodeForm(request.POST, device=pending)
        if form.is_valid():
            pending.confirmed = True
            pending.save(update_fields=["confirmed"])
            # The session that enabled it stays open: it has just proved it holds the second factor.
            otp_login(request, pending)
            messages.success(request, _("La double authentification est activée."))
            return redirect("admin:index")

    if action == "disable" and confirmed is not None:
        form = CodeForm(request.POST, device=confirmed)
        if form.is_valid():
            TOTPDevice.objects.filter(user=request.user).delete()
            messages.success(request, _("La double authentification est désactivée."))
            return redirect("admin:two-factor")

    context = {
        **admin_site.each_context(request),
        "title": _("Double authentification"),
        "confirmed": confirmed,
        "pending": pending if confirmed is None else None,
        "secret": b32encode(pending.bin_key).decode() if pending and confirmed is None else "",
        "form": form or CodeForm(device=None),
    }
    return TemplateResponse(request, "admin/two_factor.html", context)


@require_GET
def two_factor_qrcode(request: HttpRequest) -> HttpResponse:
    """The QR code of the caller's own pending device: the secret, so never cached."""
    import segno

    _, pending = _devices(request.user)
    if pending is None:
        raise Http404
    response = HttpResponse(content_type="image/svg+xml")
    segno.make(pending.config_url).save(response, kind="svg", scale=5, xmldecl=False)
    return response
