"""Settings from the environment, with embedded defaults.

No variable set means: SQLite (WAL) in ./data, in-process cache, Vietnamese UI. Production sets
DATABASE_URL=postgres://… and REDIS_URL=redis://… and runs several app servers.
"""

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("DIEMCAU_DATA_DIR", Path.cwd() / "data")).resolve()


def _private_data_dir() -> None:
    """The data folder holds the database, keys and exports: readable by this user only."""
    try:
        DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
        if DATA_DIR.stat().st_mode & 0o077:
            DATA_DIR.chmod(0o700)
    except OSError:  # read-only checkout or a folder owned by someone else: leave it as it is
        pass


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use DIEMCAU_SECRET_KEY, else a key kept in the data folder so sessions survive restarts."""
    if key := os.environ.get("DIEMCAU_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    try:
        _private_data_dir()
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key
    except OSError:  # read-only checkout (CI copies, containers): a process-local key still works
        return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DIEMCAU_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("DIEMCAU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DIEMCAU_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "auditlog",
    "django_tasks_db",
    "diemcau.web",
    "diemcau.accounts",
    "diemcau.units",
    "diemcau.sites",
    "diemcau.tasks",
    "diemcau.programme",
    "diemcau.delegates",
    "diemcau.attendance",
    "diemcau.questions",
    "diemcau.operations",
    "diemcau.console",
    "diemcau.reports",
    "diemcau.streaming",
    "diemcau.assessment",
    "diemcau.audit",
    "diemcau.exports",
    "diemcau.notifications",
    "diemcau.alerts",
    "diemcau.backup",
    "diemcau.metrics",
]

MIDDLEWARE = [
    # Leaves the matched URL pattern for the request metrics (metrics/wsgi.py counts and times).
    "diemcau.metrics.middleware.RouteLabelMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A session opened by a site link that was reissued since ends here (console).
    "diemcau.console.middleware.SiteLinkSessionMiddleware",
    # request.user.is_verified(): whether this session passed its second factor.
    "django_otp.middleware.OTPMiddleware",
    # Roles that must use two-factor sign-in (and demo passwords in production) are held here.
    "diemcau.accounts.middleware.SignInPolicyMiddleware",
    # Who and from where, for the audit trail of every change made in this request.
    "diemcau.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Counts failed sign-ins and answers a locked-out caller (django-axes); keep it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "diemcau.urls"
WSGI_APPLICATION = "diemcau.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "diemcau.web.context.roles",
            ],
        },
    },
]


def _databases() -> dict[str, dict[str, object]]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
        return {"default": config}
    _private_data_dir()
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "diemcau.sqlite3",
            # Tests use a file too, not shared-cache memory: WAL and busy_timeout then behave
            # as in production when a background thread writes beside a request.
            "TEST": {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")},
            # Keep each thread's connection: opening one (Django's SQL functions, the PRAGMAs)
            # cost 3–4 ms of CPU per request, more than most requests themselves.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # WAL lets readers (dashboards) run beside the one writer; IMMEDIATE takes the
                # write lock at BEGIN so two writers queue on busy_timeout instead of failing.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }


DATABASES = _databases()
if _env_bool("DIEMCAU_DB_POOLER", False):
    # PgBouncer in transaction mode hands each transaction any server connection: a server-side
    # cursor would not outlive it.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
# Live state of sites (heartbeats): key prefix in Redis, and whether this process runs the
# once-a-second flusher (off for one-shot commands that only read).
DIEMCAU_LIVE_PREFIX = os.environ.get("DIEMCAU_LIVE_PREFIX", "diemcau:live:")
DIEMCAU_LIVE_FLUSHER = _env_bool("DIEMCAU_LIVE_FLUSHER", True)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "diemcau",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes answers first and counts failures; ModelBackend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# -- Sign-in policy (accounts) ---------------------------------------------------------------
# Roles whose people must pass a second factor (TOTP) before any page or API call with their
# session; empty to relax, add roles to extend. Bearer tokens are not affected.
DIEMCAU_2FA_ROLES = [
    r.strip()
    for r in os.environ.get("DIEMCAU_2FA_ROLES", "central_organiser,province_organiser").split(",")
    if r.strip()
]
# Production mode: demo accounts cannot sign in until their password is changed.
DIEMCAU_DEMO = _env_bool("DIEMCAU_DEMO", True)
AXES_FAILURE_LIMIT = int(os.environ.get("DIEMCAU_SIGNIN_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("DIEMCAU_SIGNIN_COOLOFF_HOURS", "0.25"))
AXES_RESET_ON_SUCCESS = True
# Failures are counted per account at an address, and per address. Not per account alone: then
# anyone anywhere could keep any organiser out. A province office signs in from behind one NAT
# address, so the address alone may fail DIEMCAU_SIGNIN_ADDRESS_FACTOR times as often (20 by
# default) before it locks, a lockout always ends after the cool-off (failures while locked do
# not extend it), and a success clears only that account's count (accounts.signin).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
DIEMCAU_SIGNIN_ADDRESS_FACTOR = int(os.environ.get("DIEMCAU_SIGNIN_ADDRESS_FACTOR", "4"))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "diemcau.accounts.signin.SignInAttemptsHandler"
AXES_LOCKOUT_CALLABLE = "diemcau.accounts.signin.lockout_response"
AXES_VERBOSE = False
if _env_bool("DIEMCAU_BEHIND_PROXY", False):
    # Behind the nginx front the caller is the last address it adds, not nginx itself.
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
OTP_TOTP_ISSUER = "diemcau"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# Words ours must win over Django's own catalogues for (see that file).
LOCALE_PATHS: list[Path] = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Unset: served from the apps by WhiteNoise (finders), no collectstatic step. Set (production,
# `diemcau deploy-config`): `diemcau manage collectstatic` fills it and nginx serves it.
STATIC_ROOT = os.environ.get("DIEMCAU_STATIC_ROOT", "").strip() or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

# -- Headers and cookies ---------------------------------------------------------------------
# The address delegates' phones reach: every printed QR code and link starts with it (publicurl.py).
# Unset: the request's own address, else http://127.0.0.1:8000; production mode warns (W001).
DIEMCAU_PUBLIC_URL = os.environ.get("DIEMCAU_PUBLIC_URL", "").strip().rstrip("/")
_HTTPS = DIEMCAU_PUBLIC_URL.lower().startswith("https://")
# Behind an HTTPS front, cookies never travel in clear and browsers remember to use HTTPS.
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if _HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False  # other hosts of the ministry's domain are not ours
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if _env_bool("DIEMCAU_BEHIND_PROXY", False):
    # nginx in front terminates TLS and says so; only trust this when it really is there.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content Security Policy from Django 6 itself: no inline script except with the response's
# nonce, no plug-ins, no framing; the player fetches HLS from the origin and the relays.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],  # style="" attributes of charts; no script
    "img-src": [CSP.SELF, "data:", "blob:"],
    "media-src": [CSP.SELF, "blob:", "http:", "https:"],
    "connect-src": [CSP.SELF, "http:", "https:"],
    "worker-src": [CSP.SELF, "blob:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# -- Delegate pages (assessment) -------------------------------------------------------------
# A badge or link opens a delegate's pages only after the last 4 digits of their CCCD; the pass
# lasts a conference day; wrong answers are limited per delegate and per address in a window.
DIEMCAU_DELEGATE_PASS_HOURS = float(os.environ.get("DIEMCAU_DELEGATE_PASS_HOURS", "12"))
DIEMCAU_DELEGATE_FACTOR_TRIES = int(os.environ.get("DIEMCAU_DELEGATE_FACTOR_TRIES", "5"))
DIEMCAU_DELEGATE_FACTOR_ADDRESS_TRIES = int(
    os.environ.get("DIEMCAU_DELEGATE_FACTOR_ADDRESS_TRIES", "30")
)
DIEMCAU_DELEGATE_FACTOR_WINDOW_MINUTES = int(
    os.environ.get("DIEMCAU_DELEGATE_FACTOR_WINDOW_MINUTES", "15")
)

# -- Files -----------------------------------------------------------------------------------
# Uploads larger than this are refused before they are read (imports of sites and delegates,
# materials, images): diemcau.uploads.LimitedUploadHandler stores nothing past it.
DIEMCAU_UPLOAD_MAX_BYTES = int(float(os.environ.get("DIEMCAU_UPLOAD_MAX_MB", "50")) * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "diemcau.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Background jobs (imports, exports, reports, certificate batches) go through Django's Tasks
# framework: the database backend of django-tasks-db stores each job in the shared database and
# `diemcau worker` processes run them, so a job outlives the app server that started it and any
# server's page can watch it. DIEMCAU_TASKS_INLINE runs them in the calling thread instead
# (tests, one-shot commands).
DIEMCAU_TASKS_INLINE = _env_bool("DIEMCAU_TASKS_INLINE", False)
# /metrics answers a bearer token equal to this (and does not exist without it). Request
# counters are shared by the app-server processes through PROMETHEUS_MULTIPROC_DIR, which
# `diemcau up` sets to $DIEMCAU_DATA_DIR/metrics.
DIEMCAU_METRICS_TOKEN = os.environ.get("DIEMCAU_METRICS_TOKEN", "").strip()
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# -- Audit trail (audit) ---------------------------------------------------------------------
# Every change to sites, delegates, people, grants, tokens, settings, programme, answers, grades
# and certificates, and every import/export, is recorded (django-auditlog, into audit.Entry).
# DIEMCAU_AUDIT=0 records nothing: only for measuring what the trail costs (bench_audit.py).
DIEMCAU_AUDIT = _env_bool("DIEMCAU_AUDIT", True)
AUDITLOG_LOGENTRY_MODEL = "audit.Entry"

# -- Messages to sites (notifications) ---------------------------------------------------------
# E-mail goes over SMTP with Django's e-mail framework (its MAILERS setting), one connection per
# batch of messages. DIEMCAU_SMTP_STARTTLS upgrades a plain connection (port 587),
# DIEMCAU_SMTP_SSL speaks TLS from the first byte (port 465).
DIEMCAU_EMAIL_BACKEND = os.environ.get(
    "DIEMCAU_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
MAILERS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": DIEMCAU_EMAIL_BACKEND,
        "OPTIONS": {
            "host": os.environ.get("DIEMCAU_SMTP_HOST", "127.0.0.1"),
            "port": int(os.environ.get("DIEMCAU_SMTP_PORT", "25")),
            "username": os.environ.get("DIEMCAU_SMTP_USER", ""),
            "password": os.environ.get("DIEMCAU_SMTP_PASSWORD", ""),
            "use_tls": _env_bool("DIEMCAU_SMTP_STARTTLS", False),
            "use_ssl": _env_bool("DIEMCAU_SMTP_SSL", False),
            "timeout": int(os.environ.get("DIEMCAU_SMTP_TIMEOUT", "30")),
        }
        if DIEMCAU_EMAIL_BACKEND.endswith("smtp.EmailBackend")
        else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DIEMCAU_EMAIL_FROM", "hoinghi@localhost")
# SMS through a brandname gateway's HTTP API: where to POST, how to sign in, the body to send
# ($to, $text, $sender, $ref are filled in, escaped for the content type).
DIEMCAU_SMS_URL = os.environ.get("DIEMCAU_SMS_URL", "")
DIEMCAU_SMS_USER = os.environ.get("DIEMCAU_SMS_USER", "")
DIEMCAU_SMS_PASSWORD = os.environ.get("DIEMCAU_SMS_PASSWORD", "")
DIEMCAU_SMS_TOKEN = os.environ.get("DIEMCAU_SMS_TOKEN", "")
DIEMCAU_SMS_CONTENT_TYPE = os.environ.get("DIEMCAU_SMS_CONTENT_TYPE", "application/json")
DIEMCAU_SMS_BODY = os.environ.get(
    "DIEMCAU_SMS_BODY", '{"to": "$to", "text": "$text", "sender": "$sender", "ref": "$ref"}'
)
DIEMCAU_SMS_SENDER = os.environ.get("DIEMCAU_SMS_SENDER", "")
DIEMCAU_SMS_PHONE_FORMAT = os.environ.get("DIEMCAU_SMS_PHONE_FORMAT", "84")  # 84… or 0…
DIEMCAU_SMS_DIACRITICS = os.environ.get("DIEMCAU_SMS_DIACRITICS", "strip")  # or keep
DIEMCAU_SMS_MAX_PARTS = int(os.environ.get("DIEMCAU_SMS_MAX_PARTS", "4"))
DIEMCAU_SMS_TIMEOUT = float(os.environ.get("DIEMCAU_SMS_TIMEOUT", "10"))
# Messages handed to each channel per second, over all workers (shared through the cache).
DIEMCAU_NOTIFY_RATES = {
    "email": float(os.environ.get("DIEMCAU_NOTIFY_RATE_EMAIL", "100")),
    "sms": float(os.environ.get("DIEMCAU_NOTIFY_RATE_SMS", "20")),
    "zalo": float(os.environ.get("DIEMCAU_NOTIFY_RATE_ZALO", "20")),
}
# A failed hand-over is tried this many times in all, waiting BACKOFF_S, 2×, 4×… between.
DIEMCAU_NOTIFY_ATTEMPTS = int(os.environ.get("DIEMCAU_NOTIFY_ATTEMPTS", "4"))
DIEMCAU_NOTIFY_BACKOFF_S = float(os.environ.get("DIEMCAU_NOTIFY_BACKOFF_S", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DIEMCAU_LOG_LEVEL", "WARNING")},
}
