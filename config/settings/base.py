"""Settings that work with no environment at all (the "embedded default").

SQLite, local-memory cache, console email, eager Celery, media in ./media and a
generated development secret. Every value can be overridden from the
environment; production.py makes the important ones mandatory.
"""
import base64
import hashlib
import hmac
import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
# Only for the embedded default: production.py refuses to start without SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="dev-insecure-0z8k!cocreate-embedded-default-not-for-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "axes",
    "csp",
    "core",
    "community",
    "community.cocreation",
    "community.trials",
    "community.privacy",
    "community.integrity",
    "community.insights",
    "gamification",
    "moderation",
    "dashboard",
    "devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Replica reads for safe requests, the primary after a write (a no-op without replicas).
    "core.dbrouting.ReplicaRoutingMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the signed-in user read from the cache (core/sessionauth.py).
    "core.sessionauth.CachedAuthenticationMiddleware",
    # The device cookie and the keyed IP-prefix / device hashes integrity reads (docs/integrity.md).
    "core.client_signals.ClientSignalsMiddleware",
    # Query-string and form input no column can store (NUL): a 400 here, never a 500 in the database.
    "core.request_guard.RejectUnstorableInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, as django-axes asks: turns a locked-out log-in (web form, admin) into its 429 page.
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
                "community.privacy.context_processors.policy_banner",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- read replicas, read-your-writes, PgBouncer (docs/deploy.md) -----------------------------
# DATABASE_REPLICA_URLS: comma-separated streaming replicas of DATABASE_URL. Reads of safe web
# requests go to them (round robin); writes, transactions, Celery tasks, commands and the pages
# in DATABASE_PRIMARY_PATHS read the primary; after a write the person's reads stay on the
# primary for DATABASE_PIN_SECONDS (a cookie; core/dbrouting.py, django-multidb-router).
REPLICA_DATABASES = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    _alias = f"replica{_number}"
    DATABASES[_alias] = env.db_url_config(_url)
    DATABASES[_alias]["ATOMIC_REQUESTS"] = False
    DATABASES[_alias]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    # Tests: a replica is the test database's mirror (a per-test transaction is invisible to a
    # real replica); tests/test_replicas.py points it back at the real replica on purpose.
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    REPLICA_DATABASES.append(_alias)
DATABASE_PIN_SECONDS = env.int("DATABASE_PIN_SECONDS", default=15)
DATABASE_PRIMARY_PATHS = env.list("DATABASE_PRIMARY_PATHS", default=[
    "/moderation/", "/api/moderation/",  # the queue and cases: claims and decisions must see the latest
    "/me/points/", "/api/me/points/",  # the ledger
    "/rewards/", "/me/rewards/", "/api/rewards/", "/api/me/rewards/",  # the store, redemptions
    "/admin/",
])
DATABASE_ROUTERS = ["core.dbrouting.PrimaryReplicaRouter"] if REPLICA_DATABASES else []
MULTIDB_PINNING_SECONDS = DATABASE_PIN_SECONDS
MULTIDB_PINNING_COOKIE = "cocreate_pin"
MULTIDB_PINNING_COOKIE_HTTPONLY = True
# DATABASE_POOLER=pgbouncer: the DATABASE_URLs point at PgBouncer in transaction pooling mode.
# A server connection then belongs to a client only for one transaction, so no server-side
# (named, WITH HOLD) cursors for .iterator(), and no session state: Django's psycopg 3 backend
# then sends no server-side prepared statements (no PREPARED_READS, core/prepared.py) and the
# only SETs in the code are SET LOCAL; do not set OPTIONS assume_role / server_side_binding with PgBouncer.
DATABASE_POOLER = env("DATABASE_POOLER", default="")
if DATABASE_POOLER == "pgbouncer":
    for _db in DATABASES.values():
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
        _db["PREPARED_READS"] = False
elif DATABASE_POOLER:
    raise ImproperlyConfigured(f"DATABASE_POOLER must be empty or 'pgbouncer', not {DATABASE_POOLER!r}")
else:
    # A direct connection keeps its session: the few hottest reads may run as prepared statements
    # when connections persist (core/prepared.py). Django's own cursors still prepare nothing.
    for _db in DATABASES.values():
        _db["PREPARED_READS"] = _db["ENGINE"] == "django.db.backends.postgresql"

REDIS_URL = env("REDIS_URL", default="")
# The cache may live in its own Redis database (e.g. redis://…/1): django-redis's
# cache.clear() runs FLUSHDB, which would also drop the Celery tasks queued in REDIS_URL's.
CACHE_URL = env("CACHE_URL", default=REDIS_URL)

if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="cocreate"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Small tables read on nearly every request (privilege grants, the current privacy policy) are
# also kept by each process this long (core.localcache); 0 reads them from the cache every time.
LOCAL_CACHE_SECONDS = env.int("LOCAL_CACHE_SECONDS", default=10)
# Stored page parts under content-addressed keys (the signed-in product page's layout, panel and
# body) are also kept by each process, up to this many bytes (core.localcache); 0 turns that off.
LOCAL_FRAGMENT_CACHE_BYTES = env.int("LOCAL_FRAGMENT_CACHE_BYTES", default=16 * 1024 * 1024)
# The moderation queue's counts (one scan of every queued case) are shared by all moderators'
# page loads this long (moderation.selectors.queue_counts); 0 counts on every load.
MODERATION_QUEUE_COUNTS_SECONDS = env.int("MODERATION_QUEUE_COUNTS_SECONDS", default=5)

# Sessions are read from the cache and written through to the database: a signed-in request
# reads no session row. The cache must be shared by every process that serves requests (Redis;
# the embedded default's local-memory cache serves only `manage.py runserver`'s one process).
# core.sessionauth's engine is Django's cached_db, reading the signed-in user's cache entries in
# the same round trip as the session.
SESSION_ENGINE = "core.sessionauth"

AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every password check while the account or the address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- allauth: sign-up and log-in by email -----------------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# A display name at sign-up (shown on reviews and entries instead of "ne***"); allauth's
# messages and e-mails name the person by it and the site by COCREATE_SITE_NAME.
ACCOUNT_SIGNUP_FORM_CLASS = "community.forms.SignupForm"
ACCOUNT_USER_DISPLAY = "community.accounts.user_display"
ACCOUNT_ADAPTER = "community.accounts.AccountAdapter"
COCREATE_SITE_NAME = "共创 Cocreate"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{COCREATE_SITE_NAME}] "
ACCOUNT_RATE_LIMITS = {
    # Failed log-ins are counted by django-axes (below), for the web, the admin and the API
    # alike; allauth's own counter would answer the same attempts with a different message.
    "login_failed": None,
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}


def _user_display(user):
    """How allauth names the person in its messages ("Signed in as ..."): the display name."""
    return user.public_name


ACCOUNT_USER_DISPLAY = _user_display
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

# --- log-in lockout (django-axes) ---------------------------------------------------
# One lockout for every way of presenting a password: the log-in form, the admin log-in
# and the API token endpoint all call authenticate(request=...), and axes' backend (first
# in AUTHENTICATION_BACKENDS) refuses any password while the account or the address is
# locked. Counted per account from any address, and per address for any account.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Tries during a lockout do not extend it: someone hammering an account cannot keep its
# owner out for longer than one cool-off after the lock began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "email"
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
_COOLOFF_MINUTES = int(AXES_COOLOFF_TIME.total_seconds() // 60)
# Shown by the API (and by axes' plain-text answer); the web page says the same at more length.
AXES_COOLOFF_MESSAGE = (
    f"登录失败次数过多，该账号或当前网络已暂停登录 {_COOLOFF_MINUTES} 分钟，请稍后再试。"
    f" Too many failed log-in attempts: logging in to this account or from this network"
    f" is paused for {_COOLOFF_MINUTES} minutes."
)
# Redis when there is one (shared by every web process, keys expire by themselves); the
# database otherwise, so the embedded default's lockout also holds across processes.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler" if CACHE_URL else "axes.handlers.database.AxesDatabaseHandler"
AXES_ENABLE_ADMIN = not CACHE_URL  # the admin lists attempts only when they are rows
AXES_DISABLE_ACCESS_LOG = True  # no row per successful log-in: only failures are needed
AXES_VERBOSE = False  # no banner on every manage.py command; failures are still logged


def _axes_username(request, credentials):
    """The account an attempt names, however it was presented: allauth and the token API
    pass ``email``, the admin's form ``username``. Lower-cased, as accounts are looked up,
    so ``Alice@...`` and ``alice@...`` share one count."""
    name = (credentials or {}).get("email") or (credentials or {}).get("username")
    if not name and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        name = data.get("login") or data.get("email") or data.get("username")
    return name.strip().lower() if isinstance(name, str) and name.strip() else None


def _axes_client_address(request):
    """The client's address exactly as the API throttles take it (``NUM_PROXIES``). Behind a
    proxy REMOTE_ADDR is the proxy itself: locking that address would lock everyone out."""
    from rest_framework.throttling import BaseThrottle

    return BaseThrottle().get_ident(request)


AXES_USERNAME_CALLABLE = _axes_username
AXES_CLIENT_IP_CALLABLE = _axes_client_address

# The embedded default prints e-mails to the console, decoded and under a banner, so the
# sign-up verification link is easy to find in `make run`'s output (core/mail.py).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="core.mail.ConsoleEmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Cocreate <no-reply@cocreate.local>")

# --- i18n --------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_TZ = True

# --- static and media ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Apache ECharts from the npm registry (package.json / package-lock.json; `make install` runs
# `npm ci`): served from our own static files as vendor/echarts/echarts.min.js, never a CDN.
ECHARTS_DIST = BASE_DIR / "node_modules" / "echarts" / "dist"
if ECHARTS_DIST.is_dir():
    STATICFILES_DIRS.append(("vendor/echarts", ECHARTS_DIST))
# Files served at the site's root (whitenoise): /favicon.ico, which browsers and feed readers
# ask for whatever the page links.
WHITENOISE_ROOT = BASE_DIR / "public"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads: checked in community/images.py before anything is stored.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
COCREATE_IMAGE_MAX_BYTES = env.int("COCREATE_IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
COCREATE_IMAGE_MAX_PIXELS = env.int("COCREATE_IMAGE_MAX_PIXELS", default=40_000_000)
COCREATE_REVIEW_MAX_PHOTOS = 9
# Daily vote caps by trust (community/votelimits.py): new votes per day (helpful, entry and poll
# votes together) = COCREATE_VOTES_PER_DAY x the multiplier of the voter's level (the highest
# listed level at or below theirs). 0 turns the caps off. Multipliers: "level:x,level:x".
# Shared fragments of the product page (community/pagecache.py): seconds an unused review card or
# rating summary stays in the cache; 0 renders every card live. Keys carry each object's version,
# so this is not a staleness window.
PAGE_FRAGMENT_SECONDS = env.int("PAGE_FRAGMENT_SECONDS", default=3600)
COCREATE_VOTES_PER_DAY = env.int("COCREATE_VOTES_PER_DAY", default=50)
COCREATE_VOTE_LEVEL_MULTIPLIERS = {
    int(level): float(x)
    for level, x in (pair.split(":") for pair in env(
        "COCREATE_VOTE_LEVEL_MULTIPLIERS", default="1:1,2:1.5,3:2,4:3,5:4").split(",") if pair.strip())
}
# Trained classifier artifacts (versioned; see docs/classifier.md).
COCREATE_MODEL_DIR = Path(env("COCREATE_MODEL_DIR", default=str(BASE_DIR / "var" / "models")))
# "Download my data" ZIPs: private, outside MEDIA_ROOT, never served except to their owner (docs/privacy.md).
PRIVACY_EXPORT_ROOT = Path(env("PRIVACY_EXPORT_ROOT", default=str(BASE_DIR / "var" / "exports")))

# Growth dashboard (docs/dashboard.md): days the nightly reconcile re-reads, and how long the
# fake-interaction figure (read through a hook from the interaction log) is cached.
DASHBOARD_RECONCILE_DAYS = env.int("DASHBOARD_RECONCILE_DAYS", default=7)
DASHBOARD_FAKE_RATE_CACHE_SECONDS = env.int("DASHBOARD_FAKE_RATE_CACHE_SECONDS", default=300)
# The computed figures are cached per filter and scope until the next rollup run (at most this long).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300)
# While one request computes a run's figures, others get the previous run's (single flight).
DASHBOARD_COMPUTE_LOCK_SECONDS = env.int("DASHBOARD_COMPUTE_LOCK_SECONDS", default=120)

# --- Celery: eager (in-process, errors propagate) unless a broker is configured ---
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
# Nobody reads a task's return value. Storing it cost a Redis write per task, and with a
# result backend every send also SUBSCRIBEd and UNSUBSCRIBEd to the result's channel: two
# more round trips on each request that enqueues (a vote, a review).
CELERY_TASK_IGNORE_RESULT = env.bool("CELERY_TASK_IGNORE_RESULT", default=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not bool(REDIS_URL))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="default")
# Queues screening / default / batch / email, routed by task-name pattern (config/queues.py,
# docs/deploy.md). First match wins; a name no pattern matches goes to the default queue.
CELERY_QUEUE_PREFIX = env("CELERY_QUEUE_PREFIX", default="")
CELERY_QUEUE_PATTERNS = [
    ("moderation.case_screen", "screening"),
    ("moderation.screening_resume", "screening"),
    ("*.screen_*", "screening"),
    ("*_screen", "screening"),
    ("*email*", "email"),
    ("*.mail_*", "email"),
    ("*rescore*", "batch"),
    ("*rebuild*", "batch"),
    ("*backfill*", "batch"),
    ("*retrain*", "batch"),
    ("*.rollups_*", "batch"),
    ("*rollup*", "batch"),
    ("*integrity_scan*", "batch"),
    ("*.scan_*", "batch"),
    ("*_scan", "batch"),
    ("*insights*", "batch"),
    ("*export*", "batch"),
    ("*retention*", "batch"),
    ("*_daily", "batch"),
    ("*_nightly", "batch"),
    ("*_due", "batch"),
    ("*_expire", "batch"),
    ("*.known_answer_requeue", "batch"),
]
CELERY_TASK_ROUTES = ("config.queues.route_task",)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Brand insights (docs/insights.md): only published reviews scoring at least this are quoted;
# aspects compare the last INSIGHTS_PERIOD_DAYS days with the period before; a complaint is
# "rising" when the one-sided two-proportion z-test of its negative share gives p below
# INSIGHTS_RISING_P with at least INSIGHTS_RISING_MIN_MENTIONS mentions in each period; ideas
# join a theme at this estimated Jaccard similarity (MinHash, moderation's near-duplicate index).
INSIGHTS_QUOTE_MIN_QUALITY = env.int("INSIGHTS_QUOTE_MIN_QUALITY", default=55)
INSIGHTS_PERIOD_DAYS = env.int("INSIGHTS_PERIOD_DAYS", default=30)
INSIGHTS_RISING_P = env.float("INSIGHTS_RISING_P", default=0.05)
INSIGHTS_RISING_MIN_MENTIONS = env.int("INSIGHTS_RISING_MIN_MENTIONS", default=5)
INSIGHTS_IDEA_GROUP_AT = env.float("INSIGHTS_IDEA_GROUP_AT", default=0.5)
INSIGHTS_REFRESH_SECONDS = env.int("INSIGHTS_REFRESH_SECONDS", default=300)

# Periodic work is declared here, in one place (see config/celery.py).
CELERY_BEAT_SCHEDULE = {
    # Brand insights: incremental every 5 minutes (watermark + dirty marks), full refresh nightly.
    "insights-run": {
        "task": "insights.run",
        "schedule": INSIGHTS_REFRESH_SECONDS,
    },
    "insights-rebuild-nightly": {
        "task": "insights.rebuild",
        "schedule": 24 * 60 * 60,
    },
    # Growth dashboard: incremental rollups every 5 minutes, and a nightly re-read of the last
    # DASHBOARD_RECONCILE_DAYS days (picks up deletions and vote invalidations; docs/dashboard.md).
    "dashboard-rollups-run": {
        "task": "dashboard.rollups_run",
        "schedule": 5 * 60,
    },
    "dashboard-rollups-reconcile-nightly": {
        "task": "dashboard.rollups_reconcile",
        "schedule": 24 * 60 * 60,
    },
    # Votes' points settle in batches (gamification/votesettle.py): the votes ring for a run; this
    # one covers a lost task and puts back the pairs of a run that died or failed.
    "gamification-votes-settle": {
        "task": "gamification.votes_settle",
        "schedule": 60,
    },
    "gamification-points-vest-due": {
        "task": "gamification.points_vest_due",
        "schedule": 15 * 60,
    },
    "community-rebuild-counters-nightly": {
        "task": "community.counters_rebuild",
        "schedule": 24 * 60 * 60,
    },
    "moderation-expire-leases": {
        "task": "moderation.expire_leases",
        "schedule": 60,
    },
    # First submissions screened in batches, one task per batch (moderation.services.screening_ring):
    # an item whose task was lost with its worker, or that a batch left, is rung for again.
    "moderation-screening-resume": {
        "task": "moderation.screening_resume",
        "schedule": 60,
    },
    # The integrity scan (issue 11): invalidate clear fake interactions, open ring cases, hold fake
    # reviews. Idempotent; a run still going when the next is due makes the next one return.
    "moderation-integrity-scan": {
        "task": "moderation.integrity_scan",
        "schedule": 30 * 60,
    },
    "gamification-badges-backfill-nightly": {
        "task": "gamification.badges_backfill",
        "schedule": 24 * 60 * 60,
    },
    "moderation-known-answer-requeue": {
        "task": "moderation.known_answer_requeue",
        "schedule": 60 * 60,
        "kwargs": {"share": 0.05, "limit": 50},
    },
    "moderation-classifier-retrain-nightly": {
        "task": "moderation.classifier_retrain",
        "schedule": 24 * 60 * 60,
    },
    # Yesterday's quality audit sample; hourly is safe (a day is drawn once) and survives missed runs.
    "moderation-audit-draw-daily": {
        "task": "moderation.audit_draw_daily",
        "schedule": 60 * 60,
    },
    # Challenge phases follow their schedule; idempotent, so a missed or doubled run is harmless.
    "community-challenges-advance": {
        "task": "community.challenges_advance",
        "schedule": 60,
    },
    # Trial testers: one reminder before the report deadline, then overdue marking (both idempotent).
    "community-trials-remind": {
        "task": "community.trials_remind",
        "schedule": 60 * 60,
    },
    "community-trials-mark-overdue": {
        "task": "community.trials_mark_overdue",
        "schedule": 15 * 60,
    },
    "privacy-retention-nightly": {
        "task": "privacy.retention_run",
        "schedule": 24 * 60 * 60,
    },
    # Privacy: export files are deleted when their 7 days are up; deletions whose 7-day
    # cool-off has passed are carried out (both idempotent; docs/privacy.md).
    "privacy-exports-expire": {
        "task": "privacy.data_exports_expire",
        "schedule": 60 * 60,
    },
    "privacy-deletions-run-due": {
        "task": "privacy.deletions_run_due",
        "schedule": 60 * 60,
    },
    # Interaction signals past the retention window: counted into daily aggregates, then stripped.
    # Yesterday's fake-interaction audit sample (idempotent per day, like the quality audit's).
    "moderation-fakerate-draw-daily": {
        "task": "moderation.fakerate_draw_daily",
        "schedule": 60 * 60,
    },
    "integrity-interaction-signals-expire": {
        "task": "integrity.interaction_signals_expire",
        "schedule": 60 * 60,
    },
}

# Retention windows in days, one per kind of personal data (docs/privacy-consent-access.md).
RETENTION_INTEGRITY_SIGNALS_DAYS = env.int("RETENTION_INTEGRITY_SIGNALS_DAYS", default=90)
RETENTION_LOGIN_HISTORY_DAYS = env.int("RETENTION_LOGIN_HISTORY_DAYS", default=180)
RETENTION_EXPORTS_DAYS = env.int("RETENTION_EXPORTS_DAYS", default=7)
# Trial shipping data: kept until the trial's report deadline plus this many days.
RETENTION_TRIAL_SHIPPING_DAYS = env.int("RETENTION_TRIAL_SHIPPING_DAYS", default=30)
RETENTION_REJECTED_CONTENT_DAYS = env.int("RETENTION_REJECTED_CONTENT_DAYS", default=180)

# --- integrity signals (docs/integrity.md, "Interaction log and signals") ---------------
# Key of the HMAC over IP prefixes and device ids. Without INTEGRITY_SIGNAL_KEY it is derived
# from SECRET_KEY (which production requires), so hashes change when either key changes.
INTEGRITY_SIGNAL_KEY = env("INTEGRITY_SIGNAL_KEY", default="") or hmac.new(
    SECRET_KEY.encode(), b"cocreate.integrity.signal-key", hashlib.sha256
).hexdigest()
# How long interaction rows keep their signals (hashes, UA family): RETENTION_INTEGRITY_SIGNALS_DAYS above.

# --- the fake-interaction rate (docs/integrity.md, "The fake-interaction rate") -----------
# Counted interactions drawn per day for moderators to label genuine / fake / can't tell.
INTEGRITY_FAKE_AUDIT_SAMPLE_SIZE = env.int("INTEGRITY_FAKE_AUDIT_SAMPLE_SIZE", default=50)
# Green: the combined rate's 95% upper bound is under the target. Red: the combined rate itself
# is at or over the red line. Yellow: in between.
INTEGRITY_FAKE_RATE_TARGET = env.float("INTEGRITY_FAKE_RATE_TARGET", default=0.05)
INTEGRITY_FAKE_RATE_RED = env.float("INTEGRITY_FAKE_RATE_RED", default=0.05)

# --- the integrity scan (docs/integrity.md, "Actions, scan and replay") -------------------
# The beat task scans the interaction log of the last INTEGRITY_SCAN_DAYS days every 30 minutes.
INTEGRITY_SCAN_DAYS = env.int("INTEGRITY_SCAN_DAYS", default=30)
INTEGRITY_SCAN_BATCH = env.int("INTEGRITY_SCAN_BATCH", default=50_000)  # log rows per query
# Combined suspicion at which an interaction is invalidated (clear) / its cluster goes to moderators (unclear).
INTEGRITY_INVALIDATE_AT = env.float("INTEGRITY_INVALIDATE_AT", default=0.8)
INTEGRITY_REVIEW_AT = env.float("INTEGRITY_REVIEW_AT", default=0.5)
# Behaviour-only review suspicion at which a public review is held as "fake or undisclosed
# incentive" (0.004% of organic, 29% of spam reviews on the seed-11 simulation); not below
# INTEGRITY_REVIEW_MIN_REVIEWS stored reviews (the scores rank reviews against each other).
INTEGRITY_REVIEW_HOLD_AT = env.float("INTEGRITY_REVIEW_HOLD_AT", default=0.7)
INTEGRITY_REVIEW_MIN_REVIEWS = env.int("INTEGRITY_REVIEW_MIN_REVIEWS", default=200)

# Points for content stay pending this many days without an upheld report (docs/gamification.md).
GAMIFICATION_VEST_DAYS = env.int("GAMIFICATION_VEST_DAYS", default=3)

# --- API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.AnonRateThrottle",
        "core.api.throttling.SignedInRateThrottle",
    ],
    # How many proxies sit in front of gunicorn: DRF then takes the client address from
    # X-Forwarded-For at that depth. 0 (the default) ignores the header, so a client
    # cannot dodge the anonymous throttle by sending a random one.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="120/min"),
        "user": env("API_THROTTLE_USER", default="600/min"),
        "writes": env("API_THROTTLE_WRITES", default="60/min"),
    },
    # DRF's parsers, with the JSON one refusing too-deep nesting as a 400 (core/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # DRF's, with the common Accept headers answered without parsing them (core/api/negotiation.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.negotiation.QuickContentNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cocreate API",
    "DESCRIPTION": "Reviews, votes and co-creation for social e-commerce.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Content-Security-Policy (django-csp) ----------------------------------------------
# Only the site's own scripts and styles. Templates carry no inline script, style element or
# style attribute: code lives in static/. The API docs' inline set-up carries the request's
# nonce ({{ request.csp_nonce }}); the 500 page, rendered without a request (so without a
# nonce), is allowed by the hash of its <style> block.


def _inline_style_hashes(template):
    text = (BASE_DIR / "templates" / template).read_text(encoding="utf-8")
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()}'"
        for block in re.findall(r"<style>(.*?)</style>", text, flags=re.DOTALL)
    ]


# Redoc (/api/redoc/) adds a style element while its bundle loads, before it is handed the
# nonce: perfect-scrollbar's CSS (inserted empty, then filled). drf-spectacular-sidecar is
# pinned; tests/test_csp.py fails if a new bundle changes it.
_REDOC_STYLE_HASHES = [
    "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='",
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # the empty element
]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE, *_inline_style_hashes("500.html"), *_REDOC_STYLE_HASHES],
        # data: Swagger UI's icons; blob: photo previews before upload.
        # Redoc's "API docs by Redocly" logo (cdn.redoc.ly) stays blocked; Redoc then hides it.
        "img-src": [SELF, "data:", "blob:"],
        # Redoc builds its search worker from a blob.
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Failed log-ins and lockouts (WARNING) are kept; not a line for every successful log-in.
        "axes": {"level": "WARNING"},
    },
}

# Content quality (moderation/quality, docs/quality.md): lowest score of each band, the
# score under which a clean submission is held for the queue ("low_quality"), and the
# writing coach's rate per signed-in user.
QUALITY_BANDS = {"ok": 30, "good": 55, "great": 75}
QUALITY_HOLD_BELOW = env.int("QUALITY_HOLD_BELOW", default=25)
QUALITY_COACH_THROTTLE = env("QUALITY_COACH_THROTTLE", default="120/min")
QUALITY_RESCORE_DEBOUNCE_SECONDS = 60
