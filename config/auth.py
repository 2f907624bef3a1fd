"""The password backend, loading with the user whether they confirmed a two-factor device.

The admin checks that flag on every request (see `config.admin.PasserelleAdminSite.has_permission`);
reading it with the user saves one query per admin page.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice


class PasserelleModelBackend(ModelBackend):
    def get_user(self, user_id):
        confirmed_device = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        user = (
            get_user_model()
            ._default_manager.annotate(has_confirmed_device=Exists(confirmed_device))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
