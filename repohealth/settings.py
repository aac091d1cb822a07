"""RepoHealth settings. Every value comes from the environment, read here once.

A malformed value stops start-up with ImproperlyConfigured naming the variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("REPOHEALTH_VAR_DIR") or BASE_DIR / "var")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}={value} is above the maximum of {maximum}")
    return value


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip()
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise ImproperlyConfigured(f"{name}={value!r} is not a URL with one of the schemes {', '.join(schemes)}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} must be one of {', '.join(choices)}")
    return value


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
    "repositories",
    "scans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
                "repohealth.context_processors.github",
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
    # WAL and immediate transactions let the web process read while a worker writes.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
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
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Keys are stored as given: progress lives under exactly `health_check:{job_id}`.
        "KEY_FUNCTION": "repohealth.cache.make_key",
    }
}

RQ_QUEUES = {
    "default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60 * 60 * 24},
}
RQ_SHOW_ADMIN_LINK = True

# --- GitHub and scans ---------------------------------------------------------------------------
GITHUB_TOKENS = env_list("GITHUB_TOKEN", [])
GITHUB_API_URL = env_url("GITHUB_API_URL", "https://api.github.com", schemes=("http", "https")).rstrip("/")
_default_graphql = (
    GITHUB_API_URL[: -len("/v3")] + "/graphql" if GITHUB_API_URL.endswith("/api/v3") else GITHUB_API_URL + "/graphql"
)
GITHUB_GRAPHQL_URL = env_url("GITHUB_GRAPHQL_URL", _default_graphql, schemes=("http", "https"))
GITHUB_TIMEOUT_SECONDS = env_int("GITHUB_TIMEOUT_SECONDS", 20, minimum=1)
GITHUB_MAX_RETRIES = env_int("GITHUB_MAX_RETRIES", 4, minimum=0, maximum=10)

SCAN_MODE = env_choice("SCAN_MODE", "auto", ("auto", "rest", "graphql"))
SCAN_CONCURRENCY = env_int("SCAN_CONCURRENCY", 8, minimum=1, maximum=100)
SCAN_GRAPHQL_BATCH = env_int("SCAN_GRAPHQL_BATCH", 100, minimum=1, maximum=100)
SCAN_STALE_DAYS = env_int("SCAN_STALE_DAYS", 365, minimum=1)
SCAN_PROGRESS_TTL = env_int("SCAN_PROGRESS_TTL", 3600, minimum=60)
SCAN_MAX_REPOSITORIES = env_int("SCAN_MAX_REPOSITORIES", 100_000, minimum=1)
SCAN_POLL_INTERVAL_MS = env_int("SCAN_POLL_INTERVAL_MS", 500, minimum=100)
SCAN_HEARTBEAT_TIMEOUT = env_int("SCAN_HEARTBEAT_TIMEOUT", 90, minimum=5)

IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20_000_000, minimum=1)
IMPORT_MAX_ENTRIES = env_int("IMPORT_MAX_ENTRIES", 200_000, minimum=1)

# --- Auth, i18n, static -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "repositories:list"
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
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
    X_FRAME_OPTIONS = "DENY"
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- REST framework -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],  # import adds multipart itself
    "DEFAULT_PAGINATION_CLASS": "repohealth.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RepoHealth API",
    "DESCRIPTION": "Catalog of GitHub repositories and their health; bulk health-check scans.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging: the GitHub token never reaches a log line ------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_tokens": {"()": "repohealth.logging.RedactTokensFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()},
    "loggers": {"urllib3": {"level": "WARNING"}},
}

GITHUB_RETRY_BACKOFF_MS = env_int("GITHUB_RETRY_BACKOFF_MS", 1000, minimum=1)
GITHUB_SECONDARY_BACKOFF_SECONDS = env_int("GITHUB_SECONDARY_BACKOFF_SECONDS", 60, minimum=1)

# --- GitHub App credentials and GraphQL metadata age (issue 17; keep this block at the end) -------
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

# GraphQL scans ask the full query (topics, watchers, open issues and pull requests: 4 points per
# 100 repositories) for repositories whose full metadata is this old or was never fetched, and the
# lean one (1 point per 100) for the others.
SCAN_FULL_METADATA_HOURS = env_int("SCAN_FULL_METADATA_HOURS", 24, minimum=0)
