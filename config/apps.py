from django.contrib.admin.apps import AdminConfig


class PasserelleAdminConfig(AdminConfig):
    """The Django admin, with `admin.site` an instance of Passerelle's site (optional two-factor login)."""

    default_site = "config.admin.PasserelleAdminSite"
