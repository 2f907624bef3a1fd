from django.contrib.admin.apps import AdminConfig


class PasserelleAdminConfig(AdminConfig):
    """The Django admin, with `admin.site` an instance of Passerelle's site (optional two-factor login)."""

    default_site = "config.admin.PasserelleAdminSite"

    def ready(self):
        super().ready()
        # Project-wide deploy checks (config is not an app of its own; the admin config loads them).
        # Back-office sessions' lifetime counts from the login (config/sessions.py).
        from django.contrib.auth.signals import user_logged_in

        from config import checks  # noqa: F401
        from config.sessions import start_clock

        user_logged_in.connect(start_clock, dispatch_uid="passerelle-session-clock")
