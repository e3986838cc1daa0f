"""Relais settings.

Two modes, chosen by RELAIS_ENV: ``development`` (the default of manage.py: DEBUG on, demo
allowed) and ``production`` (the default of the WSGI/ASGI entry points). Production refuses to
start without SECRET_KEY and ALLOWED_HOSTS and never falls back to a development value.
"""

from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF
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
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "directory.apps.DirectoryConfig",
    "audit.apps.AuditConfig",
    "referrals.apps.ReferralsConfig",
    "support.apps.SupportConfig",
    "workflows.apps.WorkflowsConfig",
    "monitoring.apps.MonitoringConfig",
    # After django_otp and axes: its admin module replaces theirs (accounts/admin.py).
    "accounts.apps.AccountsConfig",
    "demo.apps.DemoConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.permissions_policy",
    "audit.middleware.RequestContextMiddleware",
    "accounts.middleware.reject_nul_bytes",
    "config.routers.ReadOnlyPagesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    # Mandatory second factor, in every mode (accounts/middleware.py, docs/security.md).
    "accounts.middleware.TwoFactorGateMiddleware",
    # Django's LoginRequiredMiddleware, saying so when a session has expired.
    "config.session_expiry.SessionExpiryLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "workflows.middleware.ProcessVisibilityMiddleware",
    # viewflow's refusals of a step already done or a process being changed: French 409 page.
    "config.error_pages.ConflictPageMiddleware",
    # A login refused during the back-off: the 429 page with Retry-After (accounts/lockouts.py).
    "accounts.middleware.login_backoff",
    # Last, as django-axes asks: turns a lockout into the 429 page.
    "axes.middleware.AxesMiddleware",
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
_replica = env.replica(ENVIRON, BASE_DIR)
if _replica is not None:
    DATABASES["replica"] = _replica
# Read-only pages (dashboards, indicators, audit browsing and exports) read from the replica
# when one is configured and answers with less lag than this; otherwise from the primary.
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
# The transition and audit-append statements are prepared on each connection (core/prepared.py);
# off for a transaction-mode pooler that cannot carry prepared statements.
RELAIS_DB_PREPARED_STATEMENTS = env.integer(ENVIRON, "RELAIS_DB_PREPARED_STATEMENTS", 1) != 0
RELAIS_REPLICA_MAX_LAG_SECONDS = float(ENVIRON.get("RELAIS_REPLICA_MAX_LAG_SECONDS", "30"))

CACHES = env.caches(ENVIRON)
if "CACHE_URL" in ENVIRON or "REDIS_URL" in ENVIRON:
    # Sessions readable by every application server from the shared cache, kept in the
    # database too (a cache restart logs nobody out).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# The State delegates' unfiltered dashboard from a snapshot at most this old (0: always live).
RELAIS_DASHBOARD_SNAPSHOT_SECONDS = int(
    ENVIRON.get("RELAIS_DASHBOARD_SNAPSHOT_SECONDS", "300" if PRODUCTION else "0")
)
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

AUTHENTICATION_BACKENDS = [
    # Refuses any password (right or wrong), before checking it, while the account or the
    # address is locked (django-axes) or backing off (accounts/lockouts.py).
    "accounts.lockouts.ThrottledAxesBackend",
    "django.contrib.auth.backends.ModelBackend",
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
# The project's own stylesheet and script (static/relais/): the Material look of our pages and
# keyboard access to viewflow's drawer, as files so that no inline code is needed.
STATICFILES_DIRS = [BASE_DIR / "static"]
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

# Inactivity limit: the session cookie's age, renewed at every request (one session UPDATE
# per request); the absolute limit of a working day is kept by accounts.middleware.
SESSION_COOKIE_AGE = env.integer(ENVIRON, "RELAIS_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
RELAIS_SESSION_MAX_SECONDS = env.integer(ENVIRON, "RELAIS_SESSION_MAX_HOURS", 8) * 60 * 60
# One-time form tokens (workflows.Submission) are kept this long, then purged by
# `manage.py submissions_purge` (never less than the longest session).
RELAIS_SUBMISSION_RETENTION_HOURS = env.integer(ENVIRON, "RELAIS_SUBMISSION_RETENTION_HOURS", 48)
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
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # axes logs every attempt at INFO; lockouts are in the audit chain.
        "axes": {"level": "WARNING"},
    },
}

# --- Second factor (django-otp), lockout (django-axes), CSP (django-csp) -------------------
OTP_TOTP_ISSUER = "Relais"
# Back-off on second-factor codes (django-otp): after n wrong codes, every code is refused
# for FACTOR × 2^(n-1) seconds (1, 2, 4, 8…). Never 0 (that switches it off).
OTP_TOTP_THROTTLE_FACTOR = max(1, env.integer(ENVIRON, "RELAIS_OTP_THROTTLE_FACTOR", 1))

# Failed passwords lock the account (from any address) and the address (for any account)
# after AXES_FAILURE_LIMIT tries, until the cool-off ends or an administrator unlocks it.
AXES_FAILURE_LIMIT = env.integer(ENVIRON, "RELAIS_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env.integer(ENVIRON, "RELAIS_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Back off before the lockout: from RELAIS_LOGIN_BACKOFF_AFTER failures of an account or an
# address, the next password is not even checked until RELAIS_LOGIN_BACKOFF_SECONDS have
# passed since the last failure, doubled at each further failure, at most
# RELAIS_LOGIN_BACKOFF_MAX_SECONDS (defaults: 3 failures, then 1, 2, 4… 60 s). 0 switches the
# back-off off (the lockout stays).
RELAIS_LOGIN_BACKOFF_AFTER = env.integer(ENVIRON, "RELAIS_LOGIN_BACKOFF_AFTER", 3)
RELAIS_LOGIN_BACKOFF_SECONDS = env.integer(ENVIRON, "RELAIS_LOGIN_BACKOFF_SECONDS", 1)
RELAIS_LOGIN_BACKOFF_MAX_SECONDS = env.integer(ENVIRON, "RELAIS_LOGIN_BACKOFF_MAX_SECONDS", 60)
# axes' database handler whose deletions of failure rows (unlocks) are audited.
AXES_HANDLER = "accounts.lockouts.AuditedAxesHandler"
AXES_RESET_ON_SUCCESS = True
# A try while locked neither counts nor restarts the cool-off (one audit event per lockout).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "audit.middleware.client_ip_for_axes"
AXES_VERBOSE = False
# axes' access log would keep every login's user agent and address outside the chain.
AXES_DISABLE_ACCESS_LOG = True

RELAIS_ADMIN_PATH = "/admin/"  # config/urls.py; its filters refuse NUL bytes (400)
RELAIS_PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
)

# Content-Security-Policy (docs/security.md): scripts only from our own static files;
# styles from our static files, plus a nonce for the one <style> Turbo inserts at each full
# load; style *attributes* stay allowed because viewflow's own workflow templates use them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
    }
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
# The programme's start: no date of a case (reception, agreement, contact) may precede it.
RELAIS_PROGRAMME_START = env.iso_date(ENVIRON, "RELAIS_PROGRAMME_START", "2018-01-01")
# Small-count suppression threshold for published indicators (docs/monitoring.md).
RELAIS_SUPPRESSION_THRESHOLD = env.integer(ENVIRON, "RELAIS_SUPPRESSION_THRESHOLD", 5)
# Finest period of a year's indicators, fixed at its first release from the previous year's
# referrals received: at least the quarter floor -> quarters, the semester floor -> semesters,
# else the year only (0 and 0: always quarters).
RELAIS_INDICATORS_QUARTER_FLOOR = env.integer(ENVIRON, "RELAIS_INDICATORS_QUARTER_FLOOR", 300)
RELAIS_INDICATORS_SEMESTER_FLOOR = env.integer(ENVIRON, "RELAIS_INDICATORS_SEMESTER_FLOOR", 60)
# The case page's assignment form offers this many eligible members, the least loaded first
# (a search finds any other): the page's cost does not grow with the number of members.
RELAIS_ASSIGN_CHOICES = max(1, env.integer(ENVIRON, "RELAIS_ASSIGN_CHOICES", 30))
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
# Optional copy of each signed anchor's line to syslog: "host:port" (UDP) or a Unix socket
# path such as /dev/log; empty = off.
RELAIS_AUDIT_ANCHOR_SYSLOG = ENVIRON.get("RELAIS_AUDIT_ANCHOR_SYSLOG", "")
