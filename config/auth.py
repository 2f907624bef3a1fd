"""The password backend, loading with the user whether they confirmed a two-factor device, their permissions
and their memberships.

The admin checks the device flag (see `config.admin.PasserelleAdminSite.has_permission`) and the user's
permissions on every request: reading them with the user saves three queries per admin page. The memberships
(organisation, role) are what every access rule starts from (`organisations.models.reach_of`): as literal ids
they let PostgreSQL plan those rules well, at no extra query.
"""

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connections
from django.db.models import CharField, Exists, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations.models import Membership
from postings.prepared import ARGUMENT, rows_with_argument


class PasserelleModelBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        users = get_user_model()._default_manager
        connection = connections[users.db]
        sql, params, at = user_query(connection.vendor)
        params = [*params]
        low, high = connection.ops.integer_field_range(users.model._meta.pk.get_internal_type())
        if (low is not None and user_id < low) or (high is not None and user_id > high):
            return None  # no such user; the prepared statement's typed parameter would refuse it
        if connection.vendor == "postgresql":
            # A prepared statement of the database session with the id as its parameter: planned once per
            # session for every user, not on each request (~0.5 ms of the ~0.65 ms PostgreSQL spent on it).
            params[at] = ARGUMENT
            id_type = users.model._meta.pk.rel_db_type(connection)
            found = rows_with_argument(users.raw(sql, params), id_type, user_id)
        else:
            params[at] = user_id
            found = list(users.raw(sql, params))
        user = found[0] if found else None
        if user is None or not self.user_can_authenticate(user):
            return None
        user.membership_list = [
            (int(organisation), role)
            for organisation, role in (
                row.split(":") for row in (user.membership_rows or "").split(",") if row
            )
        ]
        if not user.is_superuser:
            # What ModelBackend would read on the first permission check (superusers hold every permission and
            # are answered without these): "app_label.codename" strings, in the caches it looks in first.
            user._user_perm_cache = set(filter(None, (user.user_permission_names or "").split(",")))
            user._group_perm_cache = set(filter(None, (user.group_permission_names or "").split(",")))
        return user


# A user id no real user has, marking the place of the id among the compiled query's parameters.
SAMPLE_USER_ID = -1_987_654_321  # within the range of an integer column


@functools.cache
def user_query(vendor: str) -> tuple[str, list, int]:
    """The user's query as SQL, its parameters and where the user id sits among them: compiled once per
    process (per database vendor), because building and compiling its four subqueries cost more CPU than
    running it, on every request of a signed-in user (bench/NOTES.md, "Admin list")."""
    confirmed_device = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    memberships = (
        Membership.objects.filter(user=OuterRef("pk"))
        .order_by()
        .values("user")
        # "12:recruiter,40:coordinator": ids are digits and roles are slugs, so neither holds ":" nor ",".
        .annotate(
            rows=StringAgg(
                Concat(Cast("organisation_id", CharField()), Value(":"), "role", output_field=CharField()),
                delimiter=Value(","),
            )
        )
        .values("rows")
    )
    query = (
        get_user_model()
        ._default_manager.annotate(
            has_confirmed_device=Exists(confirmed_device),
            membership_rows=Subquery(memberships, output_field=CharField()),
            user_permission_names=Subquery(permission_names("user"), output_field=CharField()),
            group_permission_names=Subquery(permission_names("group__user"), output_field=CharField()),
        )
        .filter(pk=SAMPLE_USER_ID)
        .query
    )
    sql, params = query.sql_with_params()
    return sql, list(params), list(params).index(SAMPLE_USER_ID)


def permission_names(path_to_user: str) -> QuerySet:
    """The user's permissions through `path_to_user` (direct or through groups), as one comma-separated text
    of "app_label.codename" (neither holds a comma)."""
    return (
        Permission.objects.filter(**{path_to_user: OuterRef("pk")})
        .order_by()
        .values(path_to_user)
        .annotate(
            names=StringAgg(
                Concat("content_type__app_label", Value("."), "codename", output_field=CharField()),
                delimiter=Value(","),
            )
        )
        .values("names")
    )
