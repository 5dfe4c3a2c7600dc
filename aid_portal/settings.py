"""Settings for the student-aid portal.

Everything is read from the environment (django-environ). With no environment at all the portal
runs on its *embedded default*: SQLite, Celery tasks run eagerly in-process, uploaded files in
./media, e-mail printed to the console. Setting DATABASE_URL, REDIS_URL and the S3 variables
switches to the production shape described in docker-compose.yml.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# A development key is acceptable only while DEBUG is on; production must provide its own.
_DEV_SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production-0123456789abcdef"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else None)
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "rules.apps.AutodiscoverRulesConfig",
    "ninja",
    "allauth",
    "allauth.account",
    "accounts",
    "schemes",
    "applications",
    "decisions",
    "payments",
    "aid_portal",
]

MIDDLEWARE = [
    # First: /healthz answers before host checks, HTTPS redirects, sessions and rate limits (a
    # container's health check calls it over plain HTTP on localhost).
    "aid_portal.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "aid_portal.middleware.AccessDeniedLogMiddleware",
    # A database that is away (restarting) answers 503 with a page, not a 500 traceback.
    "aid_portal.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "aid_portal.urls"

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

WSGI_APPLICATION = "aid_portal.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
# A connection kept across requests is checked before reuse: after a PostgreSQL restart, the
# first request reconnects instead of failing on a dead socket.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # A database that does not answer fails the request in seconds, not after the TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- Accounts (django-allauth) ------------------------------------------------------------
# Students sign up with their e-mail address, which they must confirm before they can sign in.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Password guessing: at most 5 failed attempts per account per 15 minutes, and 20 per minute
# from one address. allauth counts attempts in the default cache (see CACHES).
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("ACCOUNT_LOGIN_FAILED_RATE", default="20/m/ip,5/15m/key"),
}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = env.str("LOGIN_REDIRECT_URL", default="/tableau-de-bord/")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation: French first, English available -------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # Object storage (S3 or any S3-compatible service). Files are private: every download goes
    # through a view that checks permissions and hands out a short-lived signed URL.
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }
else:
    # No explicit location: FileSystemStorage follows settings.MEDIA_ROOT (tests override it).
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- E-mail -------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH", "")  # filemail:///path: one file per e-mail
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Portail des aides aux études <noreply@localhost>")

# --- Treasury: the ordering account of SEPA credit transfers (payments runs) -------------
# The demo defaults are a syntactically valid test account; production sets the paying
# authority's own account (Banque de France, for a local authority's paierie).
TREASURY_NAME = env.str("TREASURY_NAME", default="")
TREASURY_IBAN = env.str("TREASURY_IBAN", default="FR7630001007941234567890185")
TREASURY_BIC = env.str("TREASURY_BIC", default="BDFEFRPPCCT")

# --- Redis: short timeouts everywhere (docs/reliability-faults.md) ------------------------
# A Redis that is down refuses at once; one that is frozen would hold every caller until the
# TCP timeout. Seconds, for the cache, the broker and the result backend alike.
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=1.0)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=2.0)

# --- Cache: the rate limits of sign-in live here, so production shares one Redis cache ----
# Fail-soft (aid_portal/cache.py): a cache outage is a miss, never a 500 at sign-in.
CACHES = {
    "default": (
        {
            "BACKEND": "aid_portal.cache.FailSoftRedisCache",
            "LOCATION": env.str("REDIS_URL"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
        if env.str("REDIS_URL", default="")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "aid-portal"}
    ),
}

# --- Celery -------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    # Embedded default: no broker; every .delay() runs at once in the calling process.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Acknowledged late only where a task says so (the idempotent ones: applications, decisions,
# payments and aid_portal tasks); a task that sends an e-mail directly is not run twice.
CELERY_TASK_ACKS_LATE = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message taken by a worker that died unacknowledged goes back to the queue after this long.
# Longer than the longest task (a 300-file closing takes minutes), or a running task would be
# handed to a second worker; the outbox sweep and the stalled-closing resumption, not Redis,
# are what bring lost work back within minutes (OUTBOX_LEASE_SECONDS, CLOSING_STALLED_AFTER_SECONDS).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=1800),
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
# The worker and beat reconnect for as long as Redis is away (they are what brings the backlog
# back); a web process publishes once, briefly, and leaves the rest to the outbox sweep.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_PUBLISH_TIMEOUT = env.float("CELERY_PUBLISH_TIMEOUT", default=2.0)
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_RESULT_EXPIRES = 3600

# --- The outbox and the resumption of closings (applications.services.outbox) ------------
# A delivery that has not finished after this long is taken again (its worker died).
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
# How often beat runs the outbox sweep and looks for stalled closings.
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=60.0)
# A closing whose progress has not moved for this long is resumed.
CLOSING_STALLED_AFTER_SECONDS = env.int("CLOSING_STALLED_AFTER_SECONDS", default=300)
# /healthz answers 503 when the oldest undelivered outbox row is older than this.
OUTBOX_BACKLOG_MAX_AGE_SECONDS = env.int("OUTBOX_BACKLOG_MAX_AGE_SECONDS", default=900)
# Periodic tasks. Each entry names a task that calls one service and is safe to run twice.
CELERY_BEAT_SCHEDULE = {
    # The outbox's safety net: letters and e-mails whose immediate delivery did not happen
    # (broker away, worker killed) are delivered here.
    "outbox-sweep": {
        "task": "applications.sweep_outbox",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    "resume-stalled-closings": {
        "task": "decisions.resume_stalled_closings",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    # Every stage's deadline sweeps (aid_portal.sweeps): document reminders, the Horizons
    # incomplete-file rule (Art. 5), lapsed balances, unanswered repayment orders;
    # `python manage.py run_deadlines` runs the same sweeps for cron users.
    "deadline-sweeps": {
        "task": "aid_portal.tasks.run_deadlines",
        "schedule": crontab(minute=15, hour=2),
    },
    # Art. 12: personal data of files past their control period are minimised; the accounts stay.
    "archive-files": {
        "task": "aid_portal.tasks.archive_files",
        "schedule": crontab(minute=45, hour=3),
    },
    "clear-expired-sessions": {
        "task": "aid_portal.tasks.clear_expired_sessions",
        "schedule": crontab(minute=5, hour=3),
    },
}

# --- Security (production values come from the environment) -------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
