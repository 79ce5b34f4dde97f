"""Settings shared by every environment. Environment-specific modules import * from here."""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env("JISHI_DATA_DIR", str(BASE_DIR)) or BASE_DIR)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "jishi.core",
    "jishi.org",
    "jishi.records",
    "jishi.accounts",
    "jishi.search",
    "jishi.supervision",
    "jishi.notifications",
    "jishi.duties",
    "jishi.tasks",
    "jishi.summaries",
    "jishi.integrity",
    "jishi.feeds",
    "jishi.insights",
    "jishi.assessment",
    "jishi.portal",
    "jishi.demo",  # the `demo` command; above every app, as it builds through them all
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "jishi.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside every middleware that reads the database (sessions, users, lockouts): a lost connection answers 503.
    "jishi.core.outage.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a login refused for too many failures into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "org.Person"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "records:today"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "jishi.org.context_processors.roles",
            ],
        },
    },
    {
        # Django's Jinja2 backend for the hot templates (an app's jinja2/ directory): record lists, the page header.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "jishi.core.jinja_env.environment"},
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'jishi.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while a record is written; IMMEDIATE avoids "database is locked" upgrades.
    DATABASES["default"]["ENGINE"] = "jishi.core.sqlite"  # Django's, waiting for the write lock in short steps
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }
else:
    DATABASES["default"]["OPTIONS"] = {
        # Parameters bound by the server, so that psycopg prepares a statement run again and again (the list pages'
        # compiled queries) and PostgreSQL plans it once per connection instead of on every request.
        "server_side_binding": True,
        # Django turns psycopg's automatic prepare off unless told (prepare_threshold=None, for poolers such as
        # PgBouncer in transaction mode): a statement run a second time on a connection is prepared, so the list
        # pages' statements are planned once per connection (planning cost 2.1 ms against 0.24 ms to execute).
        "prepare_threshold": 2,
        # Random reads cost about what sequential ones do on SSDs with the working set cached; at the default 4 the
        # planner hashed every unit and duty to label twenty records instead of looking up twenty of each.
        "options": "-c random_page_cost=1.1",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "jishi" / "locale"]
TIME_ZONE = env("JISHI_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# `jishi serve` collects static files first, so WhiteNoise never scans the finders per process.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# Notification email: SMTP when a host is given, otherwise printed by the worker (development).
EMAIL_HOST = env("JISHI_EMAIL_HOST", "") or ""
EMAIL_PORT = int(env("JISHI_EMAIL_PORT", "25") or 25)
EMAIL_HOST_USER = env("JISHI_EMAIL_USER", "") or ""
EMAIL_HOST_PASSWORD = env("JISHI_EMAIL_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("JISHI_EMAIL_TLS", False)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("JISHI_EMAIL_FROM", "记实 <jishi@localhost>") or "jishi@localhost"
# Links in email need the address people open Jishi at.
JISHI_SITE_URL = env("JISHI_SITE_URL", "http://127.0.0.1:8000") or "http://127.0.0.1:8000"

ALLOWED_HOSTS = env_list("JISHI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])

# A sign-in lasts one working day from the moment it was made (not renewed by activity), then asks again.
SESSION_COOKIE_AGE = round(float(env("JISHI_SESSION_HOURS", "10") or 10) * 3600)
if SESSION_COOKIE_AGE <= 0:
    raise ImproperlyConfigured("JISHI_SESSION_HOURS must be a positive number of hours.")

# Security headers (docs/architecture.md, "Security headers"). Every script and style is a file from this origin:
# no inline <script>, handler, style attribute or eval anywhere, htmx included (base.html's htmx-config).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Sent by jishi.core.middleware.PermissionsPolicyMiddleware: Jishi uses none of these browser features, so a page that
# tried (an injected script, an uploaded file opened in the browser) gets none of them.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Jishi's own rules (PRODUCT.md, "Time rules"). Changing them changes behaviour for everyone.
JISHI_LATE_ENTRY_DAYS = int(env("JISHI_LATE_ENTRY_DAYS", "7") or 7)
JISHI_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
# A task (督办) with no event and no linked record for this many working days is listed as stuck.
JISHI_TASK_STUCK_WORKING_DAYS = int(env("JISHI_TASK_STUCK_WORKING_DAYS", "5") or 5)
# Supervision: a comment stays editable by its author this long; an inquiry's due day at most this far ahead;
# group figures about fewer people than this are not shown (PRODUCT.md, "Privacy and proportion").
JISHI_COMMENT_EDIT_MINUTES = int(env("JISHI_COMMENT_EDIT_MINUTES", "15") or 15)
JISHI_INQUIRY_MAX_DAYS = int(env("JISHI_INQUIRY_MAX_DAYS", "30") or 30)
JISHI_MIN_GROUP_SIZE = int(env("JISHI_MIN_GROUP_SIZE", "5") or 5)
# Insights: the analytics store (Parquet partitions by month, read with DuckDB) kept beside the database.
JISHI_INSIGHTS_DIR = Path(env("JISHI_INSIGHTS_DIR", str(DATA_DIR / "insights")) or DATA_DIR / "insights")
# A record write asks the worker to refresh the store after its commit (tests turn it off where they do not need it).
JISHI_INSIGHTS_REFRESH_ON_WRITE = True
# Processes a full rebuild of the store uses, each building a run of months (0: one per core, at most four).
JISHI_INSIGHTS_WORKERS = int(env("JISHI_INSIGHTS_WORKERS", "0") or 0)
# 政务公开 (issue 18): working days between a record's date and its publication on the portal (0–60); the publishing
# run is enqueued after record writes at most hourly (off: only `jishi portal publish`, from cron, publishes).
JISHI_PORTAL_DELAY_DAYS = int(env("JISHI_PORTAL_DELAY_DAYS", "3") or 3)
JISHI_PORTAL_PUBLISH_ON_WRITE = True
# Findings' thresholds (jishi/insights/findings.py DEFAULTS lists every key and what it means); set only what differs.
JISHI_FINDINGS: dict[str, float] = {
    "overstaffed_ratio": 0.6,  # hours per filer per working day at most this share of the peer median …
    "understaffed_ratio": 1.5,  # … or at least this multiple, and staffing_mads MADs away
    "silo_ratio": 0.35,  # cross-unit links per filer at most this share of the peer median
    "off_duty_share": 0.4,  # at least this share of hours recorded without a duty
    "copy_similarity": 0.8,  # a record this similar to the author's previous days' is a near copy
    "long_day_hours": 16,  # a day's records adding up to more than this is implausible
    "backfill_cluster_dates": 3,  # late records for this many dates submitted on one day are a batch
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Signed-in people are cached per worker while their accounts are unchanged (jishi.core.cache).
# django-axes first: it refuses a locked-out login before any password is checked (jishi/accounts/lockout.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "jishi.accounts.backends.CachedModelBackend"]

# Login lockout (django-axes, jishi/accounts/lockout.py). An account is locked after JISHI_LOGIN_FAILURE_LIMIT wrong
# passwords, an address after JISHI_LOGIN_ADDRESS_FAILURE_LIMIT (higher: a whole office may sit behind one NAT
# address), each until JISHI_LOGIN_LOCKOUT_MINUTES have passed since its last failure; the right password does not
# open a locked account. Administrators unlock with `jishi unlock` or the admin's 登录失败 list.
AXES_FAILURE_LIMIT = int(env("JISHI_LOGIN_FAILURE_LIMIT", "5") or 5)
JISHI_LOGIN_ADDRESS_FAILURE_LIMIT = int(env("JISHI_LOGIN_ADDRESS_FAILURE_LIMIT", "50") or 50)
_lockout_minutes = int(env("JISHI_LOGIN_LOCKOUT_MINUTES", "15") or 15)
if min(AXES_FAILURE_LIMIT, JISHI_LOGIN_ADDRESS_FAILURE_LIMIT, _lockout_minutes) < 1:
    raise ImproperlyConfigured("JISHI_LOGIN_FAILURE_LIMIT, …_ADDRESS_FAILURE_LIMIT, …_LOCKOUT_MINUTES: at least 1.")
AXES_COOLOFF_TIME = timedelta(minutes=_lockout_minutes)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "jishi.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "jishi.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True  # the account's own failures only (LockoutHandler.reset_user_attempts)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lockout ends when it said it would
AXES_ENABLE_ADMIN = False  # shown on Jishi's admin site instead (jishi/accounts/admin.py)
# Behind reverse proxies, how many append to X-Forwarded-For (else every client shares the proxy's address); 0: the
# address the connection comes from. The lockout and the rate limits read it the same way (core.throttling).
JISHI_PROXY_COUNT = int(env("JISHI_PROXY_COUNT", "0") or 0)
AXES_CLIENT_IP_CALLABLE = "jishi.core.throttling.client_address"

# Request rate limits (jishi/core/throttling.py), "count/period" per fixed window: `api` every API call per person
# (per address without a sign-in), `search` and `export` per person on the page and the API alike, `bad_token`
# wrong API tokens per address. Over a limit: 429 with Retry-After (JSON on the API, a short page otherwise).
JISHI_RATE_LIMITS = {
    "api": env("JISHI_RATE_API", "600/min"),
    "search": env("JISHI_RATE_SEARCH", "30/min"),
    "export": env("JISHI_RATE_EXPORT", "10/10min"),
    "bad_token": env("JISHI_RATE_BAD_TOKEN", "20/min"),
    # Citizens' messages on the portal (留言), per sender's address: a short window and a day.
    "feedback": env("JISHI_RATE_FEEDBACK", "3/10min"),
    "feedback_day": env("JISHI_RATE_FEEDBACK_DAY", "10/day"),
    # The portal's open-data API (/public/api/), per address: its pages are not kept by the page cache.
    "public_api": env("JISHI_RATE_PUBLIC_API", "300/min"),
}
for _scope, _rate in JISHI_RATE_LIMITS.items():  # an empty value: no limit
    if _rate and not re.fullmatch(r"\d+/\d*(s|sec|min|h|hour|d|day)", _rate):
        raise ImproperlyConfigured(f"JISHI_RATE_{_scope.upper()} must read like 30/min or 10/10min, not {_rate!r}.")

# Shared by every gunicorn worker (the rate limits are counted here): Redis when JISHI_CACHE_URL is given
# (redis://…, needs the `redis` package), otherwise files under the data directory. Reference data is cached per
# worker apart from this (jishi/core/cache.py).
_cache_url = env("JISHI_CACHE_URL", "") or ""
CACHES: dict[str, dict[str, object]]
if _cache_url.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}}
elif _cache_url:
    raise ImproperlyConfigured("JISHI_CACHE_URL must be a redis:// address (or unset: files under JISHI_DATA_DIR).")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            # Its incr() rewrites an entry with this timeout: long enough for the longest rate-limit window (a day).
            "TIMEOUT": 86400,
            # It lists its directory on every write (0.6 ms for 300 files, 27 ms for 20,000 here): keep it small.
            "OPTIONS": {"MAX_ENTRIES": 500},
        }
    }
# The general API limit is a safety net against a runaway script, counted on every API call: on the file cache that
# write cost about half the API list's throughput (bench/RESULTS.md, seventh session). Without Redis it is counted in
# each worker's memory instead (a person may then reach the limit once per worker); wrong tokens, search and export,
# which guard against guessing and expensive work, are always counted where every worker sees them. The open-data
# API's limit is counted like the general one (an address may then reach it once per worker).
CACHES["worker"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jishi-rate"}
JISHI_RATE_CACHES = {scope: "default" if _cache_url else "worker" for scope in ("api", "public_api")}
