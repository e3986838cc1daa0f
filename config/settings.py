"""Relais settings.

Two modes, chosen by RELAIS_ENV: ``development`` (the default of manage.py: DEBUG on, demo
allowed) and ``production`` (the default of the WSGI/ASGI entry points). Production refuses to
start without SECRET_KEY and ALLOWED_HOSTS and never falls back to a development value.
"""

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRON = env.current()
RELAIS_ENV = env.mode(ENVIRON)
PRODUCTION = RELAIS_ENV == "production"

if PRODUCTION:
    DEBUG = False
    SECRET_KEY = env.required(ENVIRON, "SECRET_KEY")
    ALLOWED_HOSTS = env.csv_list(ENVIRON, "ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        env.required(ENVIRON, "ALLOWED_HOSTS")
    CSRF_TRUSTED_ORIGINS = env.csv_list(ENVIRON, "CSRF_TRUSTED_ORIGINS")
else:
    DEBUG = ENVIRON.get("DEBUG", "1") not in ("0", "false", "False")
    # Development only: a fixed, public key. Production never reads this value.
    SECRET_KEY = ENVIRON.get("SECRET_KEY") or "django-insecure-relais-development-only"
    ALLOWED_HOSTS = env.csv_list(ENVIRON, "ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    CSRF_TRUSTED_ORIGINS = env.csv_list(ENVIRON, "CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "viewflow",
    "viewflow.workflow",
    "auditlog",
    "directory.apps.DirectoryConfig",
    "audit.apps.AuditConfig",
    "referrals.apps.ReferralsConfig",
    "support.apps.SupportConfig",
    "workflows.apps.WorkflowsConfig",
    "monitoring.apps.MonitoringConfig",
    "demo.apps.DemoConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "workflows.middleware.ProcessVisibilityMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.database(ENVIRON, BASE_DIR)}
# PostgreSQL with two roles (docs/operations.md, "Database roles"): the owner's connection
# settings (migrations, grants) or None; never an entry of DATABASES.
DATABASE_OWNER = env.owner_database(ENVIRON)
# The restricted role the application connects as: what the grants are given to.
RELAIS_DB_APP_ROLE = DATABASES["default"].get("USER") or ""
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12 if PRODUCTION else 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# French by default; English available. UI strings are written in French in the source and
# wrapped in gettext so that an English catalogue can be added without touching the code.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Production serves collected files from STATIC_ROOT (make collectstatic); development and
# tests serve them straight from the apps through whitenoise's finders.
STATIC_ROOT = Path(ENVIRON.get("STATIC_ROOT", BASE_DIR / "var" / "static")) if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Plain storage in development and tests; production hashes and compresses, with a
        # storage that tolerates the stray font reference in viewflow's CSS (config/storage.py).
        "BACKEND": (
            "config.storage.RelaisStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}

SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True
    SECURE_SSL_REDIRECT = ENVIRON.get("SECURE_SSL_REDIRECT", "1") != "0"
    SECURE_HSTS_SECONDS = env.integer(ENVIRON, "SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind the reverse proxy that terminates TLS (docs/operations.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = ENVIRON.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer(ENVIRON, "EMAIL_PORT", 25)
EMAIL_HOST_USER = ENVIRON.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = ENVIRON.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = ENVIRON.get("EMAIL_USE_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = ENVIRON.get("DEFAULT_FROM_EMAIL", "relais@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": ENVIRON.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# viewflow adds its own middleware in ready() (SiteMiddleware, HotwireTurboMiddleware).
VIEWFLOW = {"AUTOREGISTER": True}

# django-auditlog: typed change values, IP not taken from a spoofable X-Forwarded-For.
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_REMOTE_ADDR = True
# Masked fields (passwords) keep nothing of their value, not even half (audit/masking.py).
AUDITLOG_MASK_CALLABLE = "audit.masking.mask_secret"

# --- Relais domain settings --------------------------------------------------------------
# The cell's pseudonymous reference: strict pattern (full match), e.g. VAL-2026-0042.
RELAIS_REFERENCE_PATTERN = ENVIRON.get("RELAIS_REFERENCE_PATTERN", r"VAL-20\d{2}-\d{4}")
RELAIS_REFERENCE_EXAMPLE = ENVIRON.get("RELAIS_REFERENCE_EXAMPLE", "VAL-2026-0042")
# Due dates, in days.
RELAIS_DEADLINES = {
    "triage": env.integer(ENVIRON, "RELAIS_DEADLINE_TRIAGE_DAYS", 7),
    "take": env.integer(ENVIRON, "RELAIS_DEADLINE_TAKE_DAYS", 5),
    "first_contact": env.integer(ENVIRON, "RELAIS_DEADLINE_FIRST_CONTACT_DAYS", 15),
    "review": env.integer(ENVIRON, "RELAIS_DEADLINE_REVIEW_DAYS", 90),
}
# Small-count suppression threshold for published indicators.
RELAIS_SUPPRESSION_THRESHOLD = env.integer(ENVIRON, "RELAIS_SUPPRESSION_THRESHOLD", 5)
# Header set by the deployment's own reverse proxy with the client address (e.g.
# HTTP_X_REAL_IP); empty = REMOTE_ADDR. Never a header a client can forge.
RELAIS_CLIENT_IP_HEADER = ENVIRON.get("RELAIS_CLIENT_IP_HEADER", "")
RELAIS_SITE_URL = ENVIRON.get("RELAIS_SITE_URL", "http://127.0.0.1:8000")

# Signed anchors of the audit chain, kept outside the database (docs/audit.md, "Anchors"):
# the append-only directory they are written to and read from, the Ed25519 private key of
# `audit_checkpoint` (never in the database) and the public keys verifiers trust
# (comma-separated files). Development keeps them under var/; production has no default.
_ANCHOR_DEFAULTS = (
    {}
    if PRODUCTION
    else {
        "RELAIS_AUDIT_ANCHOR_DIR": str(BASE_DIR / "var" / "audit-anchors"),
        "RELAIS_AUDIT_SIGNING_KEY_FILE": str(BASE_DIR / "var" / "audit-keys" / "signing.pem"),
        "RELAIS_AUDIT_PUBLIC_KEY_FILES": str(BASE_DIR / "var" / "audit-keys" / "public.pem"),
    }
)
RELAIS_AUDIT_ANCHOR_DIR = ENVIRON.get(
    "RELAIS_AUDIT_ANCHOR_DIR", _ANCHOR_DEFAULTS.get("RELAIS_AUDIT_ANCHOR_DIR", "")
)
RELAIS_AUDIT_SIGNING_KEY_FILE = ENVIRON.get(
    "RELAIS_AUDIT_SIGNING_KEY_FILE", _ANCHOR_DEFAULTS.get("RELAIS_AUDIT_SIGNING_KEY_FILE", "")
)
RELAIS_AUDIT_PUBLIC_KEY_FILES = env.csv_list(
    ENVIRON,
    "RELAIS_AUDIT_PUBLIC_KEY_FILES",
    _ANCHOR_DEFAULTS.get("RELAIS_AUDIT_PUBLIC_KEY_FILES", ""),
)
