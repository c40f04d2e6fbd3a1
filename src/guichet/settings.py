"""Guichet settings: one module, configured from the environment (see README "Configuration")."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from guichet.core.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(env_str("GUICHET_VAR_DIR", str(REPO_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # embedded default: SQLite files live here

DEBUG = env_bool("GUICHET_DEBUG", default=False)
TESTING = env_bool("GUICHET_TESTING", default=False)

# Demo values are only accepted in debug or test mode; production must configure real secrets.
_DEMO_SECRET = "demo-only-insecure-secret-key-do-not-use-in-production-0000000000"
_DEMO_MASTER_KEY = "demo:ZGVtby1vbmx5LW1hc3Rlci1rZXktMzItYnl0ZXMhISE="  # demo/test value
SECRET_KEY = env_secret("GUICHET_SECRET_KEY", _DEMO_SECRET if (DEBUG or TESTING) else None)
# "kid:base64key,kid:base64key": the first key wraps new data keys; the others still unwrap.
GUICHET_MASTER_KEYS = env_secret("GUICHET_MASTER_KEYS", _DEMO_MASTER_KEY if (DEBUG or TESTING) else None)

ALLOWED_HOSTS = env_list("GUICHET_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("GUICHET_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env_str("GUICHET_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "guichet.core",
    "guichet.accounts",
    "guichet.catalogue",
    "guichet.privacy",
    "guichet.privacy.access",
    "guichet.backoffice",
    "guichet.eforms",
    "guichet.cases",
    "guichet.appointments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "guichet.privacy.access.middleware.AccessLogMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "guichet.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "guichet.core.middleware.StripNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "guichet.accounts.middleware.SessionTimeoutMiddleware",
    "guichet.core.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "guichet.urls"
WSGI_APPLICATION = "guichet.wsgi.application"
ASGI_APPLICATION = "guichet.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guichet.core.context_processors.portal",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'guichet.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("GUICHET_DB_CONN_MAX_AGE", default=60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process and the worker read and write side by side.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["guichet.accounts.backends.EmailBackend"]
LOGIN_URL = "auth:login"
LOGIN_REDIRECT_URL = "account:dashboard"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "guichet.accounts.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour
GUICHET_EMAIL_CONFIRM_MAX_AGE = 3 * 24 * 60 * 60
GUICHET_LOGIN_MAX_FAILURES = env_int("GUICHET_LOGIN_MAX_FAILURES", default=5, minimum=1)
GUICHET_LOGIN_FAILURE_WINDOW = env_int("GUICHET_LOGIN_FAILURE_WINDOW", default=30 * 60, minimum=60)
GUICHET_LOGIN_MAX_FAILURES_PER_IP = env_int("GUICHET_LOGIN_MAX_FAILURES_PER_IP", default=50, minimum=1)
GUICHET_SESSION_IDLE_TIMEOUT = env_int("GUICHET_SESSION_IDLE_TIMEOUT", default=30 * 60, minimum=60)
GUICHET_SESSION_ABSOLUTE_TIMEOUT = env_int("GUICHET_SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60, minimum=60)
GUICHET_REAUTH_MAX_AGE = env_int("GUICHET_REAUTH_MAX_AGE", default=5 * 60, minimum=30)
# Days a closed case (with its submission and documents) stays in the citizen's account.
GUICHET_CASE_RETENTION_DAYS = env_int("GUICHET_CASE_RETENTION_DAYS", default=730, minimum=30)
GUICHET_WEBAUTHN_RP_ID = env_str("GUICHET_WEBAUTHN_RP_ID", "localhost")

# --- Sessions and cookies (P17, P22): the inventory lives in guichet.privacy.cookies ---------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # no Expires/Max-Age: the cookie dies with the browser
SESSION_COOKIE_AGE = GUICHET_SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_NAME = "guichet_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_USE_SESSIONS = True  # the CSRF secret lives in the session: no separate cookie
CSRF_FAILURE_VIEW = "guichet.core.views.csrf_failure"
LANGUAGE_COOKIE_NAME = "guichet_language"
LANGUAGE_COOKIE_AGE = None  # session cookie
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
GUICHET_UI_COOKIE_NAME = "guichet_ui"

# --- Transport security (P04, P12, P16, P24) --------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("GUICHET_SSL_REDIRECT", default=not DEBUG and not TESTING)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("GUICHET_BEHIND_PROXY", default=False) else None
)
SECURE_HSTS_SECONDS = 0 if DEBUG else env_int("GUICHET_HSTS_SECONDS", default=365 * 24 * 60 * 60, minimum=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False  # joining the browsers' preload list is the operator's decision
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # ... so the missing preload flag is not a warning
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
LANGUAGE_COOKIE_SECURE = not DEBUG and not TESTING
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
GUICHET_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", "Deutsch"), ("fr", "Français"), ("it", "Italiano"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("GUICHET_TIME_ZONE", "Europe/Zurich")
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # collectstatic fills it in production
WHITENOISE_USE_FINDERS = DEBUG or TESTING  # serve from the source tree without collectstatic
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
# The portal-wide assets (guichet.css, favicon) live in src/guichet/static, which is not an app's
# static folder: without this, collectstatic and the test server leave the pages unstyled.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Tasks (django.tasks on huey) -------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": env_str("GUICHET_QUEUE_NAME", "guichet"),
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": env_int("GUICHET_WORKERS", default=2, minimum=1), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "guichet",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING,
        "consumer": {"workers": env_int("GUICHET_WORKERS", default=2, minimum=1), "worker_type": "thread"},
    }
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "huey.contrib.djhuey.tasks_backend.HueyBackend",
        "OPTIONS": {"enqueue_on_commit": False},
    }
}

# --- Email ---------------------------------------------------------------------------------
_EMAIL_BACKEND = env_str(
    "GUICHET_EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    _EMAIL_OPTIONS: dict[str, object] = {
        "host": env_str("GUICHET_EMAIL_HOST", "localhost"),
        "port": env_int("GUICHET_EMAIL_PORT", default=587),
        "username": env_str("GUICHET_EMAIL_USER", ""),
        "password": env_secret("GUICHET_EMAIL_PASSWORD", ""),
        # P16: TLS unless the operator explicitly configures a loopback relay without it.
        "use_tls": env_bool("GUICHET_EMAIL_USE_TLS", default=True),
        "timeout": 10,
    }
elif _EMAIL_BACKEND.endswith("filebased.EmailBackend"):
    _EMAIL_OPTIONS = {"file_path": str(VAR_DIR / "mail")}
else:
    _EMAIL_OPTIONS = {}
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": _EMAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = env_str("GUICHET_FROM_EMAIL", "Guichet <noreply@guichet.example>")
GUICHET_EMAIL_MAX_ATTEMPTS = env_int("GUICHET_EMAIL_MAX_ATTEMPTS", default=5, minimum=1)

# --- Portal identity and privacy configuration (the statement renders from these) ------------
GUICHET_PORTAL_NAME = env_str("GUICHET_PORTAL_NAME", "Guichet")
GUICHET_OPERATOR_NAME = env_str("GUICHET_OPERATOR_NAME", "Demo-Kanton, Amt für Informatik")
GUICHET_PRIVACY_CONTACT = env_str("GUICHET_PRIVACY_CONTACT", "datenschutz@guichet.example")
GUICHET_SUPERVISORY_AUTHORITY = env_str(
    "GUICHET_SUPERVISORY_AUTHORITY", "Beauftragte für Information und Datenschutz des Demo-Kantons"
)
GUICHET_DATA_LOCATION = env_str("GUICHET_DATA_LOCATION", "CH")
GUICHET_RETENTION_BATCH_SIZE = env_int("GUICHET_RETENTION_BATCH_SIZE", default=500, minimum=1)
GUICHET_THEME = env_str("GUICHET_THEME", "")
# Access log (P05, P19, P36): raw entries for security, kept briefly; daily aggregates without IP.
GUICHET_ACCESS_LOG_ENABLED = env_bool("GUICHET_ACCESS_LOG_ENABLED", default=True)
GUICHET_ACCESS_LOG_RAW_DAYS = env_int("GUICHET_ACCESS_LOG_RAW_DAYS", default=7, minimum=1)
# Inactivity lifecycle (P31): notice after this many days without login, erasure after the grace period.
GUICHET_INACTIVITY_DAYS = env_int("GUICHET_INACTIVITY_DAYS", default=365, minimum=30)
GUICHET_INACTIVITY_GRACE_DAYS = env_int("GUICHET_INACTIVITY_GRACE_DAYS", default=28, minimum=7)
GUICHET_INACTIVITY_BATCH_SIZE = env_int("GUICHET_INACTIVITY_BATCH_SIZE", default=200, minimum=1)
# Privacy statement changes (P35): objections are recorded for this many days after publication.
GUICHET_STATEMENT_OBJECTION_DAYS = env_int("GUICHET_STATEMENT_OBJECTION_DAYS", default=28, minimum=7)
# Requests that need a person at the authority (P11): the legal deadline and its one extension.
GUICHET_PRIVACY_REQUEST_DAYS = env_int("GUICHET_PRIVACY_REQUEST_DAYS", default=30, minimum=1)
GUICHET_PRIVACY_REQUEST_EXTENSION_DAYS = env_int("GUICHET_PRIVACY_REQUEST_EXTENSION_DAYS", default=60, minimum=1)
# Backups (P03, P07, P14, P15): destinations as `url@LOCATION,...` or a JSON list (see
# privacy/backups/destinations.py). The embedded default writes to three local folders, which
# only shows the mechanics: real installations name three separate hosts. Tests configure their own.
GUICHET_BACKUP_DESTINATIONS = env_str(
    "GUICHET_BACKUP_DESTINATIONS",
    ""
    if TESTING
    else ",".join(f"local:{VAR_DIR / 'backups' / name}@{GUICHET_DATA_LOCATION}" for name in ("a", "b", "c")),
)
GUICHET_BACKUP_ALLOWED_LOCATIONS = env_list("GUICHET_BACKUP_ALLOWED_LOCATIONS", default=[])
GUICHET_BACKUP_INTERVAL_HOURS = env_int("GUICHET_BACKUP_INTERVAL_HOURS", default=12, minimum=1)
GUICHET_BACKUP_RETENTION_DAYS = env_int("GUICHET_BACKUP_RETENTION_DAYS", default=90, minimum=1)
GUICHET_BACKUP_WORK_DIR = env_str("GUICHET_BACKUP_WORK_DIR", "")  # temporary space (one backup's size); default: TMPDIR
GUICHET_BACKUP_SFTP_KEY_FILE = env_str("GUICHET_BACKUP_SFTP_KEY_FILE", "")
GUICHET_BACKUP_SFTP_KNOWN_HOSTS = env_str("GUICHET_BACKUP_SFTP_KNOWN_HOSTS", "")
# Erasures a restore must replay; kept outside the database (and copied to every destination).
GUICHET_DELETION_LOG_PATH = env_str(
    "GUICHET_DELETION_LOG_PATH",
    str((VAR_DIR / "tmp" / "test-deletion-log.jsonl") if TESTING else (VAR_DIR / "deletion-log.jsonl")),
)

# --- Caches and logging ---------------------------------------------------------------------
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "utc": {"()": "guichet.core.logging.UTCFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "utc"}},
    "root": {"handlers": ["console"], "level": env_str("GUICHET_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Configured here so the worker does not add its own handler (and log every line twice).
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
ADMIN_URL_PREFIX = "admin/"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"  # no messages cookie

# --- Account flows: emails sent on a visitor's request (ASVS rate limits, answered with 429) ----
# Per account (keyed hash of the typed address, whether or not an account exists):
GUICHET_PASSWORD_RESET_MAX_PER_HOUR = env_int("GUICHET_PASSWORD_RESET_MAX_PER_HOUR", default=2, minimum=1)
GUICHET_PASSWORD_RESET_MAX_PER_DAY = env_int("GUICHET_PASSWORD_RESET_MAX_PER_DAY", default=5, minimum=1)
# Signup, resend confirmation and email change, per address:
GUICHET_ACCOUNT_EMAILS_MAX_PER_HOUR = env_int("GUICHET_ACCOUNT_EMAILS_MAX_PER_HOUR", default=3, minimum=1)
GUICHET_ACCOUNT_EMAILS_MAX_PER_DAY = env_int("GUICHET_ACCOUNT_EMAILS_MAX_PER_DAY", default=10, minimum=1)
# Per network address (higher: many people share one address behind an office or school NAT):
GUICHET_EMAIL_REQUESTS_MAX_PER_HOUR_PER_IP = env_int(
    "GUICHET_EMAIL_REQUESTS_MAX_PER_HOUR_PER_IP", default=20, minimum=1
)
GUICHET_EMAIL_REQUESTS_MAX_PER_DAY_PER_IP = env_int("GUICHET_EMAIL_REQUESTS_MAX_PER_DAY_PER_IP", default=100, minimum=1)
