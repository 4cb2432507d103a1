"""Django settings, all from the environment (see relance.config and DESIGN.md section 6)."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from relance.config import ConfigError, Env, database
from relance.core.aging import parse_buckets
from relance.core.errors import DomainError
from relance.core.privacy import DEFAULT_RETENTION_YEARS, retention

PACKAGE_DIR = Path(__file__).resolve().parent
WORK_DIR = Path.cwd()

try:
    env = Env()
    DEBUG = env.bool("RELANCE_DEBUG", False)
    # The command line signs nothing that outlives the process, so it runs without a
    # key; the web server refuses to start without one (relance.config.require_secret_key).
    SECRET_KEY_FROM_ENV = bool(env.secret("RELANCE_SECRET_KEY"))
    SECRET_KEY = env.secret("RELANCE_SECRET_KEY") or secrets.token_urlsafe(50)
    ALLOWED_HOSTS = env.list(
        "RELANCE_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"]
    )
    DATABASES = {"default": database(env, WORK_DIR)}
    EMAIL_HOST = env.str("RELANCE_EMAIL_HOST", "localhost")
    EMAIL_PORT = env.int("RELANCE_EMAIL_PORT", 25)
    EMAIL_HOST_USER = env.str("RELANCE_EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env.secret("RELANCE_EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env.bool("RELANCE_EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env.bool("RELANCE_EMAIL_USE_SSL", False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ConfigError("RELANCE_EMAIL_USE_TLS and RELANCE_EMAIL_USE_SSL exclude each other")
    DEFAULT_FROM_EMAIL = env.str("RELANCE_DEFAULT_FROM_EMAIL", "relance@localhost")
    MEDIA_ROOT = Path(env.str("RELANCE_MEDIA_ROOT") or WORK_DIR / "media")
    EMAIL_TIMEOUT = env.int("RELANCE_EMAIL_TIMEOUT", 30)
    # Links in messages (the debtor portal) need the address the web app is reached at.
    BASE_URL = env.str("RELANCE_BASE_URL", "http://localhost:8000").rstrip("/")
    # The debtor portal (docs/portal.md): link validity, requests per minute per address
    # and per link, largest attachment.
    PORTAL_LINK_DAYS = env.int("RELANCE_PORTAL_LINK_DAYS", 60)
    PORTAL_RATE_PER_MINUTE = env.int("RELANCE_PORTAL_RATE_PER_MINUTE", 60)
    PORTAL_MAX_UPLOAD_MB = env.int("RELANCE_PORTAL_MAX_UPLOAD_MB", 10)
    SMS_BACKEND = env.choice("RELANCE_SMS_BACKEND", ("file", "twilio"), "file")
    SMS_FILE = env.str("RELANCE_SMS_FILE") or str(WORK_DIR / "sms.jsonl")
    SMS_URL = env.str(
        "RELANCE_SMS_URL", "https://api.twilio.com/2010-04-01/Accounts/{account}/Messages.json"
    )
    SMS_ACCOUNT = env.str("RELANCE_SMS_ACCOUNT")
    SMS_TOKEN = env.secret("RELANCE_SMS_TOKEN")
    SMS_FROM = env.str("RELANCE_SMS_FROM")
    # A sender that stops without a trace (another machine, a lost container) frees what
    # it claimed after this many minutes; on the same machine, as soon as it is gone.
    SEND_LEASE_MINUTES = env.int("RELANCE_SEND_LEASE_MINUTES", 15)
    # Upper limits in days of the aged balance's overdue buckets (docs/reports.md).
    AGING_BUCKETS = env.str("RELANCE_AGING_BUCKETS", "30,60,90")
    try:
        parse_buckets(AGING_BUCKETS)
    except DomainError as exc:
        raise ConfigError(f"RELANCE_AGING_BUCKETS={AGING_BUCKETS!r}: {exc}") from None
    # Years after a customer's last activity before `relance privacy purge` erases its
    # personal data (docs/privacy.md).
    try:
        RETENTION_YEARS = retention(env.int("RELANCE_RETENTION_YEARS", DEFAULT_RETENTION_YEARS))
    except DomainError as exc:
        raise ConfigError(f"RELANCE_RETENTION_YEARS: {exc}") from None
    # Webhooks never go to loopback, private or link-local addresses (SSRF) except to
    # the hosts an administrator lists here.
    WEBHOOK_ALLOWED_HOSTS = env.list("RELANCE_WEBHOOK_ALLOWED_HOSTS", [])
    # Served over HTTPS (usually behind a proxy that sets X-Forwarded-Proto): cookies
    # only travel encrypted, plain HTTP is redirected, browsers are told to stay on HTTPS.
    HTTPS = env.bool("RELANCE_HTTPS", False)
    HSTS_SECONDS = env.int("RELANCE_HSTS_SECONDS", 31536000)
    # Login attempts per minute, counted per address and per username (docs/security.md).
    LOGIN_ATTEMPTS_PER_MINUTE = env.int("RELANCE_LOGIN_ATTEMPTS_PER_MINUTE", 5)
    # The rate limits count in Django's cache: each process its own unless they share
    # one, as several `relance serve --workers` must (a Redis server).
    CACHE_URL = env.secret("RELANCE_CACHE_URL")  # it may hold the server's password
    if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("RELANCE_CACHE_URL: a redis://, rediss:// or unix:// address is expected")
except ConfigError as exc:
    raise ImproperlyConfigured(str(exc)) from None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "relance",
    "relance.ledger",
    "relance.accounts",
    "relance.collection",
    "relance.imports",
    "relance.channels",
    "relance.handoff",
    "relance.bank",
    "relance.reports",
    "relance.prediction",
    "relance.risk",
    "relance.api",
    "relance.webhooks",
    "ninja",  # its static files: the API docs page works offline
    "relance.portal",
    "django_tasks",
    "django_tasks_db",
]

# Background work runs on the database itself: no broker to install.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "relance.urls"
WSGI_APPLICATION = "relance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "relance.accounts.context.access",
            ]
        },
    }
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"  # finance leads land on where the cash is
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }

STATIC_URL = "static/"
STORAGES = {
    "default": {"BACKEND": "relance.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Served straight from the package by WhiteNoise: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Joining the browsers' preload list is a commitment the operator makes on its own.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Passwords: Django's default hashers, PBKDF2-SHA256 first (1,000,000 iterations in
# Django 5.2); no extra dependency (docs/security.md).
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# Django's defaults, plus: no portal token in what django.request logs (relance.logs).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"portal_tokens": {"()": "relance.logs.PortalTokens"}},
    "loggers": {"django.request": {"filters": ["portal_tokens"]}},
}
