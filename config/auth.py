"""The password backend, loading with the user whether they confirmed a two-factor device and their
memberships.

The admin checks the device flag on every request (see `config.admin.PasserelleAdminSite.has_permission`);
reading it with the user saves one query per admin page. The memberships (organisation, role) are what every
access rule starts from (`organisations.models.reach_of`): as literal ids they let PostgreSQL plan those rules
well, at no extra query.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import CharField, Exists, OuterRef, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations.models import Membership


class PasserelleModelBackend(ModelBackend):
    def get_user(self, user_id):
        confirmed_device = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        memberships = (
            Membership.objects.filter(user=OuterRef("pk"))
            .order_by()
            .values("user")
            # "12:recruiter,40:coordinator": ids are digits and roles are slugs, so neither holds ":" nor ",".
            .annotate(
                rows=StringAgg(
                    Concat(
                        Cast("organisation_id", CharField()), Value(":"), "role", output_field=CharField()
                    ),
                    delimiter=Value(","),
                )
            )
            .values("rows")
        )
        user = (
            get_user_model()
            ._default_manager.annotate(
                has_confirmed_device=Exists(confirmed_device),
                membership_rows=Subquery(memberships, output_field=CharField()),
            )
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        user.membership_list = [
            (int(organisation), role)
            for organisation, role in (
                row.split(":") for row in (user.membership_rows or "").split(",") if row
            )
        ]
        return user
