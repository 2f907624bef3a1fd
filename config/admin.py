"""Passerelle's admin site: password login, plus a one-time code for staff who registered a TOTP device.

Two-factor login is optional per person: a staff member without a confirmed device logs in with a password;
one with a confirmed device must also give the current code of their authenticator app, and an admin session
opened without that code (for example before the device was confirmed) no longer reaches the admin.
"""

from functools import partial

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.urls import get_script_prefix, path
from django.utils.translation import get_language
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


# App lists kept by PasserelleAdminSite.get_app_list: one per set of permissions, language and URL prefix.
MAX_APP_LISTS = 256
# Sidebars kept with each app list: one per page path (a change page's path holds its object's id).
MAX_SIDEBARS = 64


def permissions_key(user) -> tuple | None:
    """What the admin's permission checks read of a user loaded by the login backend (config/auth.py), whose
    permissions came with them: a key for what those checks decide (the app list, a list's actions). None
    for another user, whose permissions would be read from the database."""
    if getattr(user, "membership_list", None) is None:
        return None
    return (
        user.is_active,
        user.is_staff,
        user.is_superuser,
        # A superuser holds every permission without reading them.
        frozenset() if user.is_superuser else frozenset(user.get_all_permissions()),
    )


class KeptAppList(list):
    """An app list kept by the site, and its sidebar's HTML per page path (the `nav_sidebar` tag,
    applications/templatetags/backoffice.py): the sidebar shows the list, marking the current page's model,
    in the list's language."""

    def __init__(self, apps):
        super().__init__(apps)
        self.sidebars: dict[str, str] = {}

    def sidebar(self, path: str, render) -> str:
        if (html := self.sidebars.get(path)) is None:
            if len(self.sidebars) >= MAX_SIDEBARS:
                self.sidebars.clear()
            html = self.sidebars[path] = render()
        return html


class PasserelleAdminSite(admin.AdminSite):
    login_form = OptionalOTPAuthenticationForm
    site_header = _("Passerelle – espace recruteurs")
    site_title = _("Passerelle")
    index_title = _("Tableau de bord")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._app_lists: dict[tuple, list] = {}

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

    def get_app_list(self, request, app_label=None):
        """Django's app list (the sidebar on every admin page, the dashboard), kept per permissions, language
        and URL prefix: working it out asks every registered ModelAdmin for the user's permissions and
        reverses two URLs per model, ~0.5 ms of every admin page (bench/NOTES.md, "Session 8").

        Kept only for a user loaded by the login backend (config/auth.py), whose permissions came with them,
        and only when the ModelAdmins' answers depend on nothing else: with no object, their
        `has_*_permission` methods read the user's permissions alone (a test checks every registered one
        against Django's list). The lists are shared: callers read them, never change them."""
        if (permissions := permissions_key(request.user)) is None:
            return super().get_app_list(request, app_label)
        key = (app_label, get_language(), get_script_prefix(), permissions)
        if (app_list := self._app_lists.get(key)) is None:
            if len(self._app_lists) >= MAX_APP_LISTS:
                self._app_lists.clear()
            app_list = self._app_lists[key] = KeptAppList(super().get_app_list(request, app_label))
        return app_list

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
