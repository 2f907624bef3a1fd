from django.contrib.admin.apps import AdminConfig


class PasserelleAdminConfig(AdminConfig):
    """The Django admin, with `admin.site` an instance of Passerelle's site (optional two-factor login)."""

    default_site = "config.admin.PasserelleAdminSite"

    def ready(self):
        super().ready()
        # Project-wide deploy checks (config is not an app of its own; the admin config loads them).
        from config import checks  # noqa: F401
