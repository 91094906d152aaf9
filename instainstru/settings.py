"""Django settings: every deploy-time value comes from the environment (see README)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from instainstru.env import email_settings, env_bool, env_int, env_list, env_networks, env_str

# Lets generic annotations like ModelAdmin[Model] work at run time, as django-stubs expects.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
# The catalog, the NYC gazetteer and the search eval cases ship with the repository.
DATA_DIR = BASE_DIR / "data"
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

_DEV_SECRET = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused in production below
ENVIRONMENT = env_str("INSTAINSTRU_ENV", "development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ImproperlyConfigured("INSTAINSTRU_ENV must be development, production or test")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
# Django's deploy check asks for 50+ characters with 5+ distinct ones; production refuses less.
if PRODUCTION and (DEBUG or SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "Production refuses to start with DEBUG on or without a random SECRET_KEY of 50+ characters."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])
# The proxies in front of the site: X-Forwarded-For is read only from them (apps/core/limits.py).
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
# /metrics: a bearer token and/or client networks; open only outside production when neither is set.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_networks("METRICS_ALLOWED_NETWORKS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django.contrib.postgres",
    "django_htmx",
    "template_partials",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "apps.core",
    "apps.catalog",
    "apps.accounts",
    "apps.search",
    "apps.instructors",
    "apps.availability",
    "apps.bookings",
    "apps.payments",
    "apps.media",
    "apps.notifications",
    "apps.reviews",
    "apps.referrals",
    "apps.messaging",
    "apps.audit",
    "apps.favorites",
    "apps.waitlist",
]

MIDDLEWARE = [
    "apps.core.middleware.RequestContextMiddleware",
    "apps.core.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.reject_nul_in_headers",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "apps.accounts.middleware.StaffTwoFactorMiddleware",
    "apps.core.middleware.ApplicationErrorPageMiddleware",
]

ROOT_URLCONF = "instainstru.urls"
WSGI_APPLICATION = "instainstru.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.core.context_processors.site",
                "apps.notifications.context_processors.unread",
                "apps.messaging.context_processors.unread",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions serialize writers, so check-then-insert under a transaction is safe.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
CACHE_KEY_PREFIX = env_str("CACHE_KEY_PREFIX", "ii")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis, with per-process memory standing in during an outage (apps/core/cache.py).
            "BACKEND": "apps.core.cache.FailoverRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Jobs: "celery" sends tasks to workers through the Redis broker and beat runs the sweeps;
# "inline" (the embedded default) runs tasks in the calling process and the sweeps from
# an in-process scheduler thread (apps/core/scheduler.py).
JOBS_MODE = env_str("JOBS_MODE", "celery" if REDIS_URL else "inline")
if JOBS_MODE not in {"celery", "inline"}:
    raise ImproperlyConfigured("JOBS_MODE must be celery or inline")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = JOBS_MODE == "inline"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-task leaves the message for another
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# One schedule for both modes: celery beat reads it, and so does the in-process scheduler.
# /readyz fails when the money sweeps (every 60 s) have not succeeded for this many seconds.
MONEY_SWEEPS_MAX_AGE = env_int("MONEY_SWEEPS_MAX_AGE", 600)
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "scheduler-heartbeat": {"task": "core.heartbeat", "schedule": 60.0},
    # Old picture files, abandoned uploads, background-check expiry and its 30-day reminder.
    "media-sweep": {"task": "media.sweep", "schedule": 300.0},
    # Weekly series booking their next weeks, authorizations at T−24 h and their retries,
    # warnings, unpaid cancellations, reminders, completion and capture at end + 24 h,
    # no-show resolution, orphaned card holds, credit expiry, payouts.
    "money-sweeps": {"task": "bookings.money_sweeps", "schedule": 60.0},
    # Stripe webhook events whose processing task was lost or failed.
    "payment-webhooks": {"task": "payments.webhooks_retry", "schedule": 120.0},
    # Emails about messages unread for 15 minutes (at most one per thread per hour).
    "message-emails": {"task": "messaging.unread_emails", "schedule": 60.0},
    # Instructors' imported calendars (ICS feeds) that are due a refresh.
    "imported-calendars": {"task": "availability.imported_calendars", "schedule": 60.0},
    # Waitlist: ends entries whose dates passed and re-checks open times (the check queued
    # after each cancellation or availability edit does the same at once; this catches a lost one).
    "waitlist-sweep": {"task": "waitlist.sweep", "schedule": 300.0},
    # Search's open-time index moved forward as days pass (rows renew days before they stop
    # covering the horizon; nothing to do most hours), and built for instructors without one.
    "open-quarters": {"task": "availability.open_quarters", "schedule": 3600.0},
}
# Calendar import (apps/availability/feeds): the largest feed we read, and the non-public
# networks a feed may live on (none: tests allow 127.0.0.1/32 for their local server).
CALENDAR_FEED_MAX_BYTES = env_int("CALENDAR_FEED_MAX_BYTES", 2_000_000)
CALENDAR_FEED_ALLOWED_PRIVATE_NETWORKS: list[str] = []

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 3600
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "apps.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "apps.accounts.forms.SignupForm"
ACCOUNT_FORMS = {
    "login": "apps.accounts.auth_forms.LoginForm",
    "signup": "apps.accounts.auth_forms.SignupForm",
    "reset_password_from_key": "apps.accounts.auth_forms.ResetPasswordKeyForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# A login or re-authentication this recent counts for account-changing pages (two-factor
# setup right after logging in asks nothing more: apps/accounts/adapter.py).
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Lockout: 5 failed logins for one account within 5 minutes block further attempts.
LOGIN_LOCKOUT_ATTEMPTS = env_int("LOGIN_LOCKOUT_ATTEMPTS", 5)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"10/m/ip,{LOGIN_LOCKOUT_ATTEMPTS}/300s/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "InstaInstru · "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "InstaInstru"
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_SERVE_SPECIFICATION = True

DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "InstaInstru <hello@instainstru.local>")
_email = email_settings(env_str("EMAIL_URL", "console:"))
EMAIL_BACKEND = str(_email.pop("EMAIL_BACKEND"))
globals().update(_email)

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/cropperjs", BASE_DIR / "node_modules" / "cropperjs" / "dist"),
]
# Outside production, serve static files straight from the finders: no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION

# Private files never live under a public URL; they are served through signed URLs.
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "local")
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
if STORAGE_BACKEND == "local":
    _default_storage: dict[str, object] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    }
elif STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET", ""),
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("S3_REGION", "auto"),
            "access_key": env_str("S3_ACCESS_KEY_ID", ""),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", ""),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be local or s3")
# Outside production static files are served from the source folders even with DEBUG off
# (`make run`), so there is no collectstatic step; production serves the collected, hashed set.
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

PAYMENT_GATEWAY = env_str("PAYMENT_GATEWAY", "local")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")
if PAYMENT_GATEWAY not in {"local", "stripe"}:
    raise ImproperlyConfigured("PAYMENT_GATEWAY must be local or stripe")
if PAYMENT_GATEWAY == "stripe" and not (STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured(
        "PAYMENT_GATEWAY=stripe needs STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET"
    )

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content security policy: our own scripts and styles only; no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data: blob: https:; style-src 'self'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)

# JSON lines in production (request id, user id, route and client on every line), readable
# text elsewhere.
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(client_ip)s] [%(request_id)s] %(message)s"},
        "json": {"()": "apps.core.log_filters.JsonFormatter"},
    },
    "filters": {"client_ip": {"()": "apps.core.log_filters.ClientIPFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["client_ip"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Per-user API limits (per client address when anonymous). Money operations (services marked
# @money_operation, apps/core/limits.py) also count against "money", from the API and pages.
API_RATE_LIMITS = {
    "reads": env_str("API_RATE_READS", "120/m"),
    "writes": env_str("API_RATE_WRITES", "30/m"),
    "money": env_str("API_RATE_MONEY", "5/m"),
}
# Per-user limits on conversations (apps/messaging/services.py), from the API and the pages
# alike: messages sent, new threads started, reports filed.
MESSAGING_RATE_LIMITS = {
    "messages": env_str("MESSAGE_RATE_SENDS", "20/m"),
    "threads": env_str("MESSAGE_RATE_NEW_THREADS", "20/d"),
    "reports": env_str("MESSAGE_RATE_REPORTS", "10/h"),
}
# An Idempotency-Key whose request died before answering is free again after this long
# (at once on PostgreSQL, where the dead request's advisory lock is gone): apps/core/idempotency.py.
IDEMPOTENCY_LEASE_SECONDS = env_int("IDEMPOTENCY_LEASE_SECONDS", 120)
CSRF_FAILURE_VIEW = "apps.core.views.csrf_failure"
FORM_RENDERER = "apps.core.forms.SiteFormRenderer"
