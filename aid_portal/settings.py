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
# The client's address behind the TLS proxy (aid_portal.net.client_ip): the request.META name of
# the header the proxies fill in, e.g. HTTP_X_FORWARDED_FOR, and how many proxies stand in front.
# Unset, only REMOTE_ADDR counts and the header is never believed.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="")
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)

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
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
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
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.AdminRequiresTOTPMiddleware",
    "aid_portal.middleware.AccessDeniedLogMiddleware",
    # After the user and messages are known (its 413 page shows the usual header); the multipart
    # body is parsed here, capped, before CsrfViewMiddleware.process_view reads request.POST.
    "aid_portal.middleware.UploadSizeLimitMiddleware",
    "aid_portal.middleware.PrivacyHeadersMiddleware",
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
                "aid_portal.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "aid_portal.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: opening one costs more than a whole simulation request. Each worker
# keeps its connection for CONN_MAX_AGE seconds, checked before its first use in a request
# (CONN_HEALTH_CHECKS), so a restarted PostgreSQL costs one failed check, never a 500. The
# development server opens a thread per request, where a kept connection would only leak.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0 if DEBUG else 600))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True))
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
# Sign-up and password reset answer an address that has an account as they answer a new one,
# and accounts.forms.SignupForm makes both take the same time (one password hash each).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Password guessing: at most 20 failed attempts a minute from one client address, counted by
# allauth in the default cache (see CACHES). No limit per account: it would let anyone lock an
# officer out by knowing their e-mail; accounts.throttle slows guessing on an account instead.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("ACCOUNT_LOGIN_FAILED_RATE", default="20/m/ip"),
}
# Second factor (allauth.mfa): a TOTP application, with recovery codes for a lost phone.
# Optional for officers (/comptes/2fa/), required for the Django admin
# (accounts.middleware.AdminRequiresTOTPMiddleware).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Portail des aides aux études"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = env.str("LOGIN_REDIRECT_URL", default="/tableau-de-bord/")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- The portal's identity: who runs it, where it answers --------------------------------
# Shown in the header, the footer, the legal pages, the admin and every e-mail. The base URL
# is the public address: e-mails link to the file with it, whatever host served the request.
PORTAL_NAME = env.str("PORTAL_NAME", default="Portail des aides aux études")
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The public body that operates the portal (publisher of the site, data controller).
PORTAL_OPERATOR = env.str("PORTAL_OPERATOR", default="Région Occitanie")
PORTAL_OPERATOR_ADDRESS = env.str("PORTAL_OPERATOR_ADDRESS", default="")
# The publication director named by the legal notice (mentions légales).
PORTAL_PUBLICATION_DIRECTOR = env.str("PORTAL_PUBLICATION_DIRECTOR", default="")
PORTAL_HOST = env.str("PORTAL_HOST", default="")
PORTAL_CONTACT_EMAIL = env.str("PORTAL_CONTACT_EMAIL", default="contact@example.org")
PORTAL_DPO_EMAIL = env.str("PORTAL_DPO_EMAIL", default="dpo@example.org")
# Optional: the operator's logo (an absolute URL or a path under STATIC_URL); none by default.
PORTAL_LOGO = env.str("PORTAL_LOGO", default="")

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
# The portal's public address, printed in letters (where the rules of the engine are published,
# CRPA R311-3-1-1) and in the information notice on personal data.
PORTAL_URL = env.str("PORTAL_URL", default="http://localhost:8000").rstrip("/")
# Personal data of a file that was never paid (rejected, rejected as incomplete, closed,
# withdrawn, or a draft left untouched) are minimised this long after the file's last change
# (aid_portal.archive; stated in the notice at /donnees-personnelles/). Two years covers the
# appeal periods (2 months for the recours gracieux, then 2 months for the tribunal after its
# answer) and a new application the next academic year. Applies from 1 September 2026.
RETENTION_NEVER_PAID_MONTHS = env.int("RETENTION_NEVER_PAID_MONTHS", default=24)
RETENTION_NEVER_PAID_FROM = env.str("RETENTION_NEVER_PAID_FROM", default="2026-09-01")

# --- Treasury: the ordering account of SEPA credit transfers (payments runs) -------------
# The demo defaults are a syntactically valid test account; production sets the paying
# authority's own account (Banque de France, for a local authority's paierie).
TREASURY_NAME = env.str("TREASURY_NAME", default="")
TREASURY_IBAN = env.str("TREASURY_IBAN", default="FR7630001007941234567890185")
TREASURY_BIC = env.str("TREASURY_BIC", default="BDFEFRPPCCT")

# --- Electronic signature of the letters (applications/signing.py) ----------------------
# The authority's certificate and private key (PEM files) and the key's passphrase. Unset, the
# letters are signed with a demonstration certificate kept in .signing/, which
# `manage.py ensure_signing_certificate` creates (`make run` and the tests' fixtures run it).
# LETTER_SIGNING_TRUSTED_CERTS: earlier certificates (comma-separated paths) whose letters the
# verification page still recognises after a renewal.
LETTER_SIGNING_DEMO = not env.str("LETTER_SIGNING_CERT", default="")
LETTER_SIGNING_CERT = env.str("LETTER_SIGNING_CERT", default=str(BASE_DIR / ".signing" / "demo-certificate.pem"))
LETTER_SIGNING_KEY = env.str("LETTER_SIGNING_KEY", default=str(BASE_DIR / ".signing" / "demo-key.pem"))
LETTER_SIGNING_KEY_PASSPHRASE = env.str("LETTER_SIGNING_KEY_PASSPHRASE", default="")
LETTER_SIGNING_TRUSTED_CERTS = env.list("LETTER_SIGNING_TRUSTED_CERTS", default=[])

# --- Uploads: a file may weigh 10 MB (applications.documents.MAX_UPLOAD_BYTES), one request
# UPLOAD_MAX_REQUEST_BYTES; beyond, 413 before the body is read (aid_portal.middleware).
UPLOAD_MAX_REQUEST_BYTES = env.int("UPLOAD_MAX_REQUEST_BYTES", default=30 * 1024 * 1024)

# --- The anonymous simulation API (POST /api/v1/simulate): what one client may ask ----------
# A batch holds at most SIMULATE_MAX_CASES cases in a body of at most SIMULATE_MAX_BODY_BYTES
# (413 beyond, before the body is read); each client may have SIMULATE_RATE_CASES cases computed
# per SIMULATE_RATE_WINDOW seconds (429 with Retry-After beyond). docs/reliability.md states them.
SIMULATE_MAX_CASES = env.int("SIMULATE_MAX_CASES", default=100)
SIMULATE_MAX_BODY_BYTES = env.int("SIMULATE_MAX_BODY_BYTES", default=256 * 1024)
SIMULATE_RATE_CASES = env.int("SIMULATE_RATE_CASES", default=300)
SIMULATE_RATE_WINDOW = env.int("SIMULATE_RATE_WINDOW", default=60)
# The client is identified by core.net.client_ip (CLIENT_IP_HEADER, TRUSTED_PROXY_COUNT above).

# --- Redis: short timeouts everywhere (docs/reliability.md) ------------------------
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
# autodiscover_tasks() reads the `tasks` modules of INSTALLED_APPS only; aid_portal is not an
# app, so the worker imports its housekeeping tasks by name (beat would send them to nobody).
CELERY_IMPORTS = ["aid_portal.tasks"]

# Queues split by urgency (docs/scaling.md), each consumed by its own workers in production
# (docker-compose.yml): a closing's thousands of letters must not delay a student's proof of
# filing, and a night's sweep must not hold up either.
# - default: e-mails and the safety nets that run every minute (seconds of work, urgent);
# - letters: PDFs rendered, signed, stored and mailed (about 0.2 s each, in bursts of thousands);
# - sweeps: closings and the nightly sweeps (minutes of work, nobody waits on them by the second).
# Work written to the outbox runs inside applications.deliver_outbox, published to the queue
# its row's task is routed to here (applications.services.outbox._publish), so this table also
# routes letters that are delivered through the outbox.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "applications.send_mail": {"queue": "default"},
    "applications.deliver_outbox": {"queue": "default"},
    "applications.deliver_outbox_many": {"queue": "default"},
    "applications.sweep_outbox": {"queue": "default"},
    "decisions.resume_stalled_closings": {"queue": "default"},
    "aid_portal.ping": {"queue": "default"},
    "decisions.issue_decision_letters": {"queue": "letters"},
    "decisions.issue_letter": {"queue": "letters"},
    "payments.issue_formal_notice": {"queue": "letters"},
    "payments.issue_repayment_demand": {"queue": "letters"},
    "decisions.close_session": {"queue": "sweeps"},
    "aid_portal.tasks.run_deadlines": {"queue": "sweeps"},
    "aid_portal.tasks.archive_files": {"queue": "sweeps"},
    "aid_portal.tasks.clear_expired_sessions": {"queue": "sweeps"},
}

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
# The sweep takes a row only once it has been due this long: until then the message published
# for it is presumed waiting in its queue (a closing's letters, queued behind each other).
OUTBOX_SWEEP_GRACE_SECONDS = env.float("OUTBOX_SWEEP_GRACE_SECONDS", default=120.0)
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
# Content-Security-Policy (django-csp 4): scripts and style sheets from the portal's own static
# files only, no inline script nor event handler. Inline `style` attributes are allowed through
# style-src-attr alone: Django's admin, allauth's e-mail page and a few layout widths and the
# session progress bar use them; they cannot run code, and <style> elements stay refused.
# img-src allows data: for Bootstrap's form icons and the TOTP QR code of allauth.mfa.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Only bench/web.py sets it: routes /bench/bare/, the bare view its figures are compared with.
BENCH_BARE_VIEW = env.bool("BENCH_BARE_VIEW", default=False)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs each step of each PDF at INFO ("Step 5 - Creating layout"): nine lines a letter.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
