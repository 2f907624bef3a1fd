"""
Passerelle settings: one file, read from environment variables with safe development defaults.

DEBUG is off unless asked for; no secret lives in the repository. See README.md, "Configuration".
"""

from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.engines import cache_from_url, storage_from_url
from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PASSERELLE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)

# The development key is public: `check --deploy` fails with it (config/checks.py) and so does gunicorn's
# entry point when DEBUG is off (config/wsgi.py).
DEV_SECRET_KEY = "dev-only-insecure-secret-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # The admin with optional two-factor login (see config/admin.py); admin.site is its instance.
    "config.apps.PasserelleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "organisations",
    "postings",
    "applications",
    # Project tooling (manage.py compile_catalogues, runserver_with_worker): no models, no pages.
    "tooling",
]

MIDDLEWARE = [
    # The header middlewares come first so that every response carries their headers, including the ones
    # that inner middlewares produce on their own: the 400 of a spoofed Host, the HTTPS redirect, static files.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "config.middleware.StorageUnavailableMiddleware",
    # Last, as django-axes asks: turns a locked-out login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATE_CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.template.context_processors.i18n",
    "django.template.context_processors.csp",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": TEMPLATE_CONTEXT_PROCESSORS},
    },
    # The listing's page only (PostingListView.template_engine): Jinja2 writes it with about a third less CPU
    # than Django's engine (config/jinja2.py). Its templates are in templates/jinja2/, out of Django's way.
    {
        "NAME": "jinja2",
        "BACKEND": "config.jinja2.Jinja2Backend",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "config.jinja2.environment",
            "context_processors": TEMPLATE_CONTEXT_PROCESSORS,
        },
    },
]

# Database: SQLite by default so that `make run` works on a bare machine; PostgreSQL in production
# (DATABASE_URL=postgres://user@host:5432/name). Persistent connections with health checks.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout so that concurrent writers wait instead of failing with "database is locked";
    # IMMEDIATE transactions take the write lock up front.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiler spends seconds compiling the plan of a web page's query (measured: 1.9 s of the
    # admin application list's 2.3 s at 200k applications); it pays off only for long analytical queries.
    # Parallel workers: a web page's query that PostgreSQL expects to be long (a filter on a list of ids
    # looks costly to it) started workers that took longer to start than the query took to run, and their
    # CPU is taken from the other requests of a busy server.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c jit=off -c max_parallel_workers_per_gather=0"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache: local memory per process by default (enough for one server), Redis shared by every server and
# worker in production (CACHE_URL=redis://127.0.0.1:6379/0; config/engines.py refuses any other scheme).
# Sessions stay in the database. CACHE_KEY_PREFIX separates sites (or test runs) sharing one Redis database.
CACHES = {"default": cache_from_url(env_str("CACHE_URL", ""), key_prefix=env_str("CACHE_KEY_PREFIX", ""))}

# The page cache (postings/page_cache.py): how long a public page is replayed to visitors without a session,
# at most (never past the next deadline). 0 switches it off: every request renders its page.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
# The pieces of public pages (postings/fragments.py: posting cards, a posting page's body, the filter form),
# shared by every visitor and keyed by the postings' version, the language and the day: at most this long.
# 0 switches them off.
FRAGMENT_CACHE_SECONDS = env_int("FRAGMENT_CACHE_SECONDS", 24 * 3600)

# django-axes first: it refuses a locked-out (username, IP) pair before any password is checked. It needs the
# request: in tests, prefer `client.force_login(user)`; `client.login()` must pass `request=HttpRequest()`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "config.auth.PasserelleModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English")), ("nl", _("Nederlands"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Candidates' files: a private location, never under static/ nor served at a public URL.
# Recruiters download them through an access-checked view (applications).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
STORAGES = {
    # Candidates' files and background exports: the local folder above by default, a private S3-compatible
    # bucket with STORAGE_URL=s3://bucket?endpoint_url=... (config/engines.py, README "Production").
    "default": storage_from_url(env_str("STORAGE_URL", ""), local_root=PRIVATE_MEDIA_ROOT),
    "staticfiles": {
        "BACKEND": (
            "config.staticfiles.KeptURLsManifestStaticFilesStorage"
            if not DEBUG and env_bool("PASSERELLE_MANIFEST_STATIC", default=True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

# Email (Django 6.1 MAILERS): printed as text on the console in development (tooling/mail.py), SMTP when
# EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST,
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=True),
                "timeout": env_int("EMAIL_TIMEOUT", 10),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": env_str("EMAIL_BACKEND", "tooling.mail.EmailBackend")}}
del EMAIL_HOST
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Passerelle <noreply@passerelle.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work (emails, large exports): django.tasks with the database backend from django-tasks-db.
# The worker is `manage.py db_worker`; `make run` starts one beside the web server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGIN_URL = "admin:login"
# Where a login lands when its `next` is missing or refused (off-site): the back-office, never a 404.
LOGIN_REDIRECT_URL = "admin:index"

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one username from one IP address,
# that pair is locked out for AXES_COOLOFF_MINUTES and gets the lockout page (HTTP 429).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_VERBOSE = False  # no start-up banner on every manage.py command
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
AXES_RESET_ON_SUCCESS = True
# Failed attempts are kept, successful logins are not logged a second time (Django's last_login is enough).
AXES_DISABLE_ACCESS_LOG = True

# Two-factor login (django-otp) is optional per staff member: whoever has a confirmed TOTP device must give
# its code at login (see config/admin.py). Staff enable it themselves at /admin/double-authentification/;
# superusers also manage every device in the admin ("TOTP devices").
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Passerelle")

# Security. Cookies are secure and HSTS on whenever DEBUG is off; the CSP allows no inline script or style.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", True) else None
# Off by default so that a plain http development server works; production sets it (see README).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# One year, subdomains and preload: the browser never tries plain http again (sent on HTTPS responses only).
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_NAME = "__Host-sessionid" if not DEBUG else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if not DEBUG else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

# Applications (see applications/): upload limits and anti-spam.
APPLICATION_MAX_FILE_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Django's handlers with 256 KB chunks instead of 64 KB: fewer trips through the parser per CV (config/uploads.py).
FILE_UPLOAD_HANDLERS = ["config.uploads.MemoryFileUploadHandler", "config.uploads.TemporaryFileUploadHandler"]
APPLY_RATE_LIMIT = env_int("APPLY_RATE_LIMIT", 10)  # POSTs per IP per window
APPLY_RATE_WINDOW = env_int("APPLY_RATE_WINDOW", 600)  # seconds
# Exports: an XLSX of more rows than this is built by a background task instead of in the request.
EXPORT_SYNC_MAX_ROWS = env_int("EXPORT_SYNC_MAX_ROWS", 2000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own loggers print through the root handler only (its default console handler would
        # print every line a second time).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    },
}

# Retention of candidates' data (CNIL recruitment guide), applied by `manage.py purge_applications`:
# applications not retained are deleted this many days after the posting's selection ends, or this many days
# after the candidate's last action when they asked to be kept for future postings.
APPLICATION_RETENTION_DAYS = env_int("APPLICATION_RETENTION_DAYS", 90)
KEEP_FOR_FUTURE_RETENTION_DAYS = env_int("KEEP_FOR_FUTURE_RETENTION_DAYS", 730)

# --- Staff sessions, client addresses, rate limits and stored files (docs/security.md) -------------------
# Back-office sessions end after STAFF_SESSION_IDLE_MINUTES without a request and STAFF_SESSION_MAX_HOURS after
# login, whatever the activity (config/sessions.py); the cookie does not outlive them.
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 120)
STAFF_SESSION_MAX_HOURS = env_int("STAFF_SESSION_MAX_HOURS", 10)
SESSION_COOKIE_AGE = STAFF_SESSION_MAX_HOURS * 3600
# After OTPMiddleware: a session that times out loses its two-factor verification with everything else.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "config.sessions.StaffSessionLifetimeMiddleware",
)
# Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated): none by default, so the
# address counted is the connecting peer's (applications/client_address.py).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an address or a network.") from None
# django-ratelimit counts in the default cache (shared when CACHE_URL names Redis), by the address above;
# django-axes locks logins out by the same address.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "applications.client_address.client_address"
# While the shared cache is unreachable the limit lets requests through (config/cache.py): refusing every
# candidate during a Redis outage would lose applications; the outage is logged.
RATELIMIT_FAIL_OPEN = True
AXES_CLIENT_IP_CALLABLE = "applications.client_address.client_address"
# Candidates' files and their folders, on local storage: readable by the service's user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
