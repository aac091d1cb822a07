"""RepoHealth settings. Every value comes from the environment, read here once.

A malformed value stops start-up with ImproperlyConfigured naming the variable.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from repohealth.env import (
    env_bool,
    env_choice,
    env_email_url,
    env_int,
    env_list,
    env_proxy_ssl_header,
    env_rate,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REPOHEALTH_VAR_DIR") or BASE_DIR / "var")

# --- Core -------------------------------------------------------------------------------------
def _local_secret_key(path: Path) -> str:
    """Without DJANGO_SECRET_KEY: a random key made once for this installation, kept in var/
    (readable by its owner only), so sessions survive restarts and no key is ever hard-coded."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key
    except FileExistsError:  # pragma: no cover - another process made it first
        return path.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or _local_secret_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies in front of the app: the client address is then taken from X-Forwarded-For
# (the login lockout and the API throttles count per client address).
NUM_PROXIES = env_int("DJANGO_NUM_PROXIES", 0, minimum=0, maximum=10)
PORT = env_int("PORT", 8000, minimum=1, maximum=65535)

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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_rq",
    "axes",
    "csp",
    "repohealth",  # its ready() connects the token cache's receivers (repohealth/web/auth.py)
    "repositories",
    "scans",
    "watch",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "repohealth.web.csp.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "repohealth.web.middleware.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "repohealth.urls"
WSGI_APPLICATION = "repohealth.wsgi.application"

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
                "repohealth.web.context_processors.github",
                "repohealth.web.staff_status.staff_banner",
                "watch.context_processors.alerts",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
_sqlite_path = VAR_DIR / "repohealth.sqlite3"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_url("DATABASE_URL", f"sqlite:///{_sqlite_path}", schemes=("sqlite", "postgres", "postgresql", "pgsql")),
            conn_max_age=60,
        )
    }
except ValueError as exc:  # dj-database-url raises ValueError for unknown schemes
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and immediate transactions let the web process read while a worker writes. Each web
    # thread keeps its connection (conn_max_age above), as with PostgreSQL: opening one costs
    # Django's function registrations and the PRAGMAs below on every request.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that RQ worker processes started by the tests see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and queues --------------------------------------------------------------------
EMBEDDED_REDIS_SOCKET = VAR_DIR / "redis" / "redis.sock"
EMBEDDED_REDIS = not env_str("REDIS_URL")
REDIS_URL = env_url(
    "REDIS_URL", f"unix://{EMBEDDED_REDIS_SOCKET}?db=0", schemes=("redis", "rediss", "unix")
)

CACHES = {
    "default": {
        # Django's Redis cache that answers as a miss while Redis is away (repohealth/runtime/cache.py).
        "BACKEND": "repohealth.runtime.cache.TolerantRedisCache",
        "LOCATION": REDIS_URL,
        # Keys are stored as given: progress lives under exactly `health_check:{job_id}`.
        "KEY_FUNCTION": "repohealth.runtime.cache.make_key",
        # A Redis that is away is noticed in seconds, not after the operating system gives up.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    }
}

RQ_QUEUES = {
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60 * 60 * 24},
    # The periodic upkeep job's own queue and worker: a long scan never holds it up.
    "upkeep": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300},
    # The upkeep queue's former name: its worker listens here too, so jobs queued by an older release run.
    "maintenance": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300},
}

# --- The periodic upkeep job (repohealth/runtime/upkeep.py) --------------------------------------
UPKEEP_INTERVAL_SECONDS = env_int("UPKEEP_INTERVAL_SECONDS", 30, minimum=1, deprecated="MAINTENANCE_INTERVAL_SECONDS")
UPKEEP_LOCK_SECONDS = env_int("UPKEEP_LOCK_SECONDS", 120, minimum=5, deprecated="MAINTENANCE_LOCK_SECONDS")
UPKEEP_TASKS = [  # in this order on every pass
    "scans.upkeep.reap_dead_scans",
    "scans.upkeep.fail_unqueued_scans",
    "repositories.services.packages_remap_unreachable",  # what deps.dev did not answer at an import
    "repositories.search.index_pending",  # SQLite's search index catches up with the catalog's changes
    # watch/tasks.py
    "watch.tasks.start_due_schedules",
    "watch.tasks.start_dead_rechecks",
    "watch.tasks.digest_finished_scans",
    "watch.tasks.send_due_deliveries",
    "watch.tasks.prune",
]
# A queued scan with no job on the queue for this long is failed, saying why.
SCAN_UNQUEUED_TIMEOUT = env_int("SCAN_UNQUEUED_TIMEOUT", 60, minimum=1)
# A running scan waits this long for Redis to come back before it fails (resumable).
REDIS_OUTAGE_TIMEOUT = env_int("REDIS_OUTAGE_TIMEOUT", 300, minimum=1)
RQ_SHOW_ADMIN_LINK = True
# How many `rqworker default` processes `make run` starts (`make run WORKERS=4`); one scan larger
# than SCAN_SHARD_SIZE is shared by all of them.
RQ_WORKERS = env_int("RQ_WORKERS", 1, minimum=1, maximum=64)

# --- Watch: schedules, rechecks, retention, alerts ---------------------------------------------
# A repository is dead (not found, blocked) for alerts only when that outcome repeats in this many
# consecutive checks at least this many seconds apart; until then it is `suspected`, and the
# upkeep job rechecks it once the gap has passed.
HEALTH_RECHECK_SCANS = env_int("HEALTH_RECHECK_SCANS", 2, minimum=1, maximum=10, deprecated="HEALTH_CONFIRM_SCANS")
HEALTH_RECHECK_SECONDS = env_int("HEALTH_RECHECK_SECONDS", 1800, minimum=0, deprecated="HEALTH_CONFIRM_SECONDS")
# The length of a schedule's "minute" in seconds: 60, except in tests (which use 1).
SCHEDULE_MINUTE_SECONDS = env_int("SCHEDULE_MINUTE_SECONDS", 60, minimum=1)
# Scan results and deliveries older than this are pruned (in batches, by the upkeep job); the
# latest result of every repository and every change row are kept.
RETENTION_DAYS = env_int("RETENTION_DAYS", 90, minimum=1)
RETENTION_BATCH = env_int("RETENTION_BATCH", 5000, minimum=100, maximum=100_000)
# Webhook targets: https only unless ALERT_ALLOW_HTTP; public addresses only unless
# ALERT_ALLOW_PRIVATE_TARGETS (repohealth/runtime/outbound.py).
ALERT_ALLOW_HTTP = env_bool("ALERT_ALLOW_HTTP", False)
ALERT_ALLOW_PRIVATE_TARGETS = env_bool("ALERT_ALLOW_PRIVATE_TARGETS", False)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6, minimum=1, maximum=20)
WEBHOOK_RETRY_SECONDS = env_int("WEBHOOK_RETRY_SECONDS", 30, minimum=1)  # doubled after each failure
WEBHOOK_DISABLE_AFTER = env_int("WEBHOOK_DISABLE_AFTER", 20, minimum=1)  # failures in a row
# Where e-mails, feeds and webhooks point people (links to repositories, scans, unsubscribing).
SITE_URL = env_url("SITE_URL", f"http://127.0.0.1:{PORT}", schemes=("http", "https")).rstrip("/")
# E-mail: EMAIL_URL=smtp://user:password@host:587 (or smtp+tls://, smtps://); console by default.
_email = env_email_url("EMAIL_URL", "console://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", "RepoHealth <repohealth@localhost>")
del _email

# --- GitHub and scans ---------------------------------------------------------------------------
GITHUB_TOKENS = env_list("GITHUB_TOKEN", [])
GITHUB_API_URL = env_url("GITHUB_API_URL", "https://api.github.com", schemes=("http", "https")).rstrip("/")
_default_graphql = (
    GITHUB_API_URL[: -len("/v3")] + "/graphql" if GITHUB_API_URL.endswith("/api/v3") else GITHUB_API_URL + "/graphql"
)
GITHUB_GRAPHQL_URL = env_url("GITHUB_GRAPHQL_URL", _default_graphql, schemes=("http", "https"))
GITHUB_TIMEOUT_SECONDS = env_int("GITHUB_TIMEOUT_SECONDS", 20, minimum=1)
GITHUB_MAX_RETRIES = env_int("GITHUB_MAX_RETRIES", 4, minimum=0, maximum=10)
# The circuit breaker (scans/github/breaker.py): this many connection-level failures in a row mean GitHub
# is unreachable; the scan then waits and probes, and fails (resumable) after the timeout.
GITHUB_UNREACHABLE_THRESHOLD = env_int("GITHUB_UNREACHABLE_THRESHOLD", 20, minimum=1)
GITHUB_UNREACHABLE_TIMEOUT = env_int("GITHUB_UNREACHABLE_TIMEOUT", 600, minimum=1)
# One budget for every worker (scans/github/budget.py, in Redis): paced below GitHub's secondary limits
# per token, before GitHub refuses. The window is GitHub's minute (shorter only in tests).
GITHUB_REST_POINTS_PER_MINUTE = env_int("GITHUB_REST_POINTS_PER_MINUTE", 900, minimum=1)
GITHUB_GRAPHQL_POINTS_PER_MINUTE = env_int("GITHUB_GRAPHQL_POINTS_PER_MINUTE", 2000, minimum=1)
GITHUB_MAX_CONCURRENT = env_int("GITHUB_MAX_CONCURRENT", 100, minimum=1)
GITHUB_PACING_WINDOW_SECONDS = env_int("GITHUB_PACING_WINDOW_SECONDS", 60, minimum=1)

SCAN_MODE = env_choice("SCAN_MODE", "auto", ("auto", "rest", "graphql"))
SCAN_CONCURRENCY = env_int("SCAN_CONCURRENCY", 8, minimum=1, maximum=100)
SCAN_GRAPHQL_BATCH = env_int("SCAN_GRAPHQL_BATCH", 100, minimum=1, maximum=100)
SCAN_PROGRESS_TTL = env_int("SCAN_PROGRESS_TTL", 3600, minimum=60)
SCAN_MAX_REPOSITORIES = env_int("SCAN_MAX_REPOSITORIES", 100_000, minimum=1)
# A scan started from a page over this many repositories asks to be approved first (how many,
# about how long, what it costs); the API and runscan never ask.
SCAN_APPROVE_OVER = env_int("SCAN_APPROVE_OVER", 1000, minimum=0, deprecated="SCAN_CONFIRM_OVER")
SCAN_POLL_INTERVAL_MS = env_int("SCAN_POLL_INTERVAL_MS", 500, minimum=100)
SCAN_HEARTBEAT_TIMEOUT = env_int("SCAN_HEARTBEAT_TIMEOUT", 90, minimum=5)
# A scan larger than this is split into shards, each an RQ job, so several workers share it.
SCAN_SHARD_SIZE = env_int("SCAN_SHARD_SIZE", 5000, minimum=1)

IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20_000_000, minimum=1)
IMPORT_MAX_ENTRIES = env_int("IMPORT_MAX_ENTRIES", 200_000, minimum=1)
# deps.dev: the repository behind a package a dependency document does not name (repositories/resolver.py)
DEPSDEV_API_URL = env_url("DEPSDEV_API_URL", "https://api.deps.dev", schemes=("http", "https")).rstrip("/")
DEPSDEV_CACHE_HOURS = env_int("DEPSDEV_CACHE_HOURS", 168, minimum=0)
DEPSDEV_MAX_CONCURRENT = env_int("DEPSDEV_MAX_CONCURRENT", 8, minimum=1, maximum=64)
DEPSDEV_TIMEOUT_SECONDS = env_int("DEPSDEV_TIMEOUT_SECONDS", 30, minimum=1)

# --- Auth, i18n, static -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "catalog:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
# Without DEBUG (make run, the web machines) whitenoise serves the collected, compressed files in
# STATIC_ROOT (`collectstatic`, which make run runs); with DEBUG (make dev) the app folders, as they change.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- REST framework -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token -> user from the cache for 60 s (no query per poll); a wrong token counts against the
        # anonymous rate.
        "repohealth.web.auth.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        # Reached only without credentials: counts the request against the anonymous rate.
        "repohealth.web.throttling.AnonymousRateLimit",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Nesting too deep for the JSON decoder is a 400, not a RecursionError. The import adds multipart itself.
    "DEFAULT_PARSER_CLASSES": ["repohealth.web.parsers.JSONParser"],
    # Every error as `{"detail": ...}`, plus the field or parameter it names (repohealth/web/api.py).
    "EXCEPTION_HANDLER": "repohealth.web.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "repohealth.web.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": ["repohealth.web.throttling.AnonRateThrottle",
                                 "repohealth.web.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_THROTTLE_ANON", "60/min"),
        "user": env_rate("API_THROTTLE_USER", "1200/min"),
        # GET /api/bulk/health-check/{id}/progress only (a poller at 300 ms makes 200 a minute).
        "progress": env_rate("API_THROTTLE_PROGRESS", "3000/min", minimum_per_minute=1200),
    },
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RepoHealth API",
    "DESCRIPTION": "Catalog of GitHub repositories and their health; bulk health-check scans.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # The schema names the two ways to log in; AnonymousRateLimit authenticates nobody.
    "AUTHENTICATION_WHITELIST": ["repohealth.web.auth.CachedTokenAuthentication",
                                 "rest_framework.authentication.SessionAuthentication"],
    # A repository's health and a result's outcome are one set of states: one name in the schema.
    # The other choice sets more than one serializer shares: one name each.
    "ENUM_NAME_OVERRIDES": {
        "HealthEnum": "repositories.models.Repository.Health",
        "EventEnum": "repositories.models.RepositoryChange.Event",
        "StatusEnum": "scans.models.ScanJob.Status",
        "ScanPassEnum": "scans.models.ScanJob.Pass",
        "DeliveryStatusEnum": "watch.models.Delivery.Status",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Former names kept as aliases are marked deprecated (repohealth/web/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "repohealth.web.schema.mark_deprecated"],
}

# --- Logging: the GitHub token never reaches a log line ------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "repohealth.runtime.logging.RedactTokensFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"],
             "level": env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()},
    # django-axes logs every login at INFO; lockouts are WARNING.
    "loggers": {"urllib3": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

GITHUB_RETRY_BACKOFF_MS = env_int("GITHUB_RETRY_BACKOFF_MS", 1000, minimum=1)
GITHUB_SECONDARY_BACKOFF_SECONDS = env_int("GITHUB_SECONDARY_BACKOFF_SECONDS", 60, minimum=1)

# --- Security: HTTPS, request limits, login lockout, Content-Security-Policy ---------------------
# DJANGO_SECURE=1 (behind an HTTPS proxy) switches every HTTPS setting on; each has its own variable.
DJANGO_SECURE = env_bool("DJANGO_SECURE", False)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", DJANGO_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000 if DJANGO_SECURE else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", DJANGO_SECURE)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", DJANGO_SECURE)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", DJANGO_SECURE)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", DJANGO_SECURE)


SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header(
    "DJANGO_SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto" if DJANGO_SECURE else "")

# Largest request body outside the imports (413 before it is read); the import routes take up to
# twice IMPORT_MAX_BYTES and 64 KiB (the file and its JSON or multipart envelope) and check the file.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 2_000_000, minimum=1024)

# django-axes: 10 failed logins for one username from one address lock that pair out for 15
# minutes (pages and admin alike). A success resets the count. Unlock early with
# `manage.py axes_reset_username NAME` (or axes_reset) or in the admin's "Access attempts".
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "repohealth.web.throttling.client_ip"

# django-csp 4: no inline script or style anywhere on our pages (htmx's indicator style is off in
# base.html). django-rq's dashboard has inline scripts and styles: repohealth.web.csp relaxes the
# policy for CSP_RELAXED_PATH_PREFIXES only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
CSP_RELAXED_PATH_PREFIXES = ("/admin/django_rq/",)
CSP_RELAXED_DIRECTIVES = {
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
}

# django-rq's Prometheus metrics (/admin/django_rq/dashboard/metrics/) answer staff, or a scraper
# sending `Authorization: Bearer <RQ_API_TOKEN>` when that is set.
RQ_API_TOKEN = env_str("RQ_API_TOKEN")

# --- GitHub App credentials and GraphQL metadata age (keep this block at the end) -------
# A GitHub App's installation token joins the pool of GITHUB_TOKEN personal tokens. All three
# variables or none. GITHUB_APP_PRIVATE_KEY is the PEM text itself (newlines may be written \n)
# or the path of the .pem file GitHub gave; GITHUB_APP_ID is the app's id (or its client id).
def _pem_private_key(name: str) -> str:
    value = env_str(name).replace("\\n", "\n")
    if value and not value.startswith("-----BEGIN"):
        path = Path(value).expanduser()
        try:
            value = path.read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}: cannot read the PEM file {path} ({exc.strerror})") from None
    if value and not (value.startswith("-----BEGIN") and "PRIVATE KEY-----" in value):
        raise ImproperlyConfigured(f"{name} is neither a PEM private key (-----BEGIN ... PRIVATE KEY-----) "
                                   "nor the path of one")
    return value + "\n" if value else ""


GITHUB_APP_ID = env_str("GITHUB_APP_ID")
GITHUB_APP_PRIVATE_KEY = _pem_private_key("GITHUB_APP_PRIVATE_KEY")
GITHUB_APP_INSTALLATION_ID = env_int("GITHUB_APP_INSTALLATION_ID", 0, minimum=1)
_github_app = {"GITHUB_APP_ID": GITHUB_APP_ID, "GITHUB_APP_PRIVATE_KEY": GITHUB_APP_PRIVATE_KEY,
               "GITHUB_APP_INSTALLATION_ID": GITHUB_APP_INSTALLATION_ID}
if any(_github_app.values()) and not all(_github_app.values()):
    raise ImproperlyConfigured("A GitHub App needs GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY and "
                               "GITHUB_APP_INSTALLATION_ID; missing: "
                               + ", ".join(name for name, value in _github_app.items() if not value))
GITHUB_APP_CONFIGURED = all(_github_app.values())

# Scans ask the full metadata for repositories whose full metadata is this old or was never
# fetched: GraphQL's full query (topics, watchers, open issues and pull requests, the default
# branch's commits of the last year, the latest release: 5 points per 100 repositories), REST's
# three maintenance-signal requests; elsewhere the lean query (1 point per 100) or one request.
SCAN_FULL_METADATA_HOURS = env_int("SCAN_FULL_METADATA_HOURS", 24, minimum=0)
# Health first: a scan of more than this many repositories asks every one the lean query (GraphQL:
# 1 point per 100; REST: one request each) in a health pass, so the whole catalog has a health in
# about a quarter of the points; the full metadata of those whose full metadata is due follows in a
# metadata pass that spends at most SCAN_METADATA_BUDGET_SHARE percent of each token's rate limit
# (as a schedule's share does), oldest metadata first (docs/github-access.md, "Health first").
SCAN_HEALTH_FIRST_OVER = env_int("SCAN_HEALTH_FIRST_OVER", 20_000, minimum=0)
SCAN_METADATA_BUDGET_SHARE = env_int("SCAN_METADATA_BUDGET_SHARE", 50, minimum=1, maximum=100)

# --- Is it still maintained? (repositories/maintenance.py) ---------------------------------------
# `active`: at least MAINTAINED_MIN_COMMITS default-branch commits, or a release, in the last
# MAINTAINED_ACTIVE_DAYS; `inactive` (and the health `stale`): no commit and no release in the last
# MAINTAINED_INACTIVE_DAYS; `quiet` between. Topics in MAINTAINED_FINISHED_TOPICS mark a repository
# `finished` without a click (for organisations that tag their own; none by default).
MAINTAINED_MIN_COMMITS = env_int("MAINTAINED_MIN_COMMITS", 6, minimum=1)
MAINTAINED_ACTIVE_DAYS = env_int("MAINTAINED_ACTIVE_DAYS", 365, minimum=1)
MAINTAINED_INACTIVE_DAYS = env_int("MAINTAINED_INACTIVE_DAYS", 730, minimum=1, deprecated="SCAN_STALE_DAYS")
MAINTAINED_FINISHED_TOPICS = [t.strip().lower() for t in env_str("MAINTAINED_FINISHED_TOPICS").split(",") if t.strip()]
if MAINTAINED_INACTIVE_DAYS < MAINTAINED_ACTIVE_DAYS:
    raise ImproperlyConfigured(f"MAINTAINED_INACTIVE_DAYS ({MAINTAINED_INACTIVE_DAYS}) is shorter than "
                               f"MAINTAINED_ACTIVE_DAYS ({MAINTAINED_ACTIVE_DAYS})")
