"""Passerelle's admin site: password login, plus a one-time code for staff who registered a TOTP device.

Two-factor login is optional per person: a staff member without a confirmed device logs in with a password;
one with a confirmed device must also give the current code of their authenticator app, and an admin session
opened without that code (for example before the device was confirmed) no longer reaches the admin.
"""

from functools import partial

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device
from django_otp.forms import OTPAuthenticationFormMixin

from config import two_factor


class OptionalOTPAuthenticationForm(OTPAuthenticationFormMixin, AdminAuthenticationForm):
    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": _("Saisissez le code à usage unique de votre application d'authentification."),
        "invalid_token": _("Ce code à usage unique n'est pas valable. Vérifiez-le et réessayez."),
    }

    otp_token = forms.CharField(
        label=_("Code à usage unique"),
        required=False,
        help_text=_("Seulement si vous avez activé la double authentification."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    # The mixin reads these two; the device is chosen for the user (see `_chosen_device`).
    otp_device = forms.CharField(required=False, widget=forms.HiddenInput)
    otp_challenge = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        if user is not None and user_has_device(user, confirmed=True):
            self.clean_otp(user)
        return cleaned_data

    def _chosen_device(self, user):
        # One step login: the code is checked against the person's own confirmed device, never another's.
        device = super()._chosen_device(user)
        if device is None:
            device = next(iter(devices_for_user(user, confirmed=True, for_verify=True)), None)
        return device

    def _update_form(self, user):
        # The stock mixin fills a device <select>; this form has none to fill.
        pass


class PasserelleAdminSite(admin.AdminSite):
    login_form = OptionalOTPAuthenticationForm
    site_header = _("Passerelle – espace recruteurs")
    site_title = _("Passerelle")
    index_title = _("Tableau de bord")

    def has_permission(self, request) -> bool:
        if not super().has_permission(request):
            return False
        user = request.user
        # `is_verified` comes from OTPMiddleware; a request built without it (RequestFactory) is unverified.
        is_verified = getattr(user, "is_verified", None)
        if is_verified is not None and is_verified():
            return True
        # Loaded with the user by config.auth.PasserelleModelBackend; looked up otherwise.
        has_device = getattr(user, "has_confirmed_device", None)
        if has_device is None:
            has_device = user_has_device(user, confirmed=True)
        return not has_device

    def get_urls(self):
        return [
            path(
                "double-authentification/",
                self.admin_view(partial(two_factor.two_factor, admin_site=self)),
                name="two-factor",
            ),
            path(
                "double-authentification/qrcode.svg",
                self.admin_view(two_factor.two_factor_qrcode),
                name="two-factor-qrcode",
            ),
            *super().get_urls(),
        ]
