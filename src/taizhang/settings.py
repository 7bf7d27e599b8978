"""Settings for taizhang, read from environment variables with safe defaults.

Defaults give a zero-setup install: a SQLite file under ``./var/``, a secret key generated once and kept in
``./var/secret_key``, the file cache under ``./var/cache``. Production sets ``TAIZHANG_ENV=production`` plus
``SECRET_KEY``, ``DATABASE_URL``, ``ALLOWED_HOSTS`` and (for several app servers) ``REDIS_URL``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("TAIZHANG_HOME", Path.cwd())).resolve()
VAR_DIR = Path(os.environ.get("TAIZHANG_VAR", HOME / "var")).resolve()
NODE_MODULES = Path(os.environ.get("TAIZHANG_NODE_MODULES", HOME / "node_modules")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


PRODUCTION = os.environ.get("TAIZHANG_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

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
    "django_filters",
    "django_htmx",
    "simple_history",
    "rules",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "taizhang.core",
    "taizhang.org",
    "taizhang.ledgers",
    "taizhang.projects",
    "taizhang.issues",
    "taizhang.notifications",
    "taizhang.web",
    "taizhang.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "taizhang.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "taizhang.core.middleware.AuditContextMiddleware",
    "taizhang.core.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "taizhang.urls"
WSGI_APPLICATION = "taizhang.wsgi.application"
AUTH_USER_MODEL = "org.User"

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
                "taizhang.web.context_processors.shell",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'taizhang.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while a writer commits; the timeout waits for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ---------------------------------------------------------------------------------------------
if redis_url := os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
else:
    # File cache is shared by all worker processes on one machine, unlike the local-memory cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- authentication and sessions -----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))  # one working day
SESSION_SAVE_EVERY_REQUEST = True  # idle expiry: the clock restarts on every request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
# Lock the account, not the address: a whole office shares one intranet address behind NAT, and one
# mistyping colleague must not lock everyone out (so axes.W006 is silenced on purpose).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The issue ledger's covering indexes (INCLUDE columns) speed PostgreSQL up; SQLite uses their keys alone,
    # which is all it needs at its scale. Said once here rather than on every migrate and serve.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# --- internationalisation ------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Django 5.2's zh_Hans DATE_INPUT_FORMATS uses %n/%j wrongly; ours are in taizhang/formats/.
FORMAT_MODULE_PATH = ["taizhang.formats"]

# --- static files --------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Front-end packages come from npm (package.json) and are served by the app: never from a CDN.
STATICFILES_DIRS = [
    ("vendor/tabler", NODE_MODULES / "@tabler/core/dist"),
    ("vendor/tabler-icons", NODE_MODULES / "@tabler/icons-webfont/dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org/dist"),
    ("vendor/echarts", NODE_MODULES / "echarts/dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet/dist"),
    ("vendor/leaflet.markercluster", NODE_MODULES / "leaflet.markercluster/dist"),
    ("vendor/tom-select", NODE_MODULES / "tom-select/dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collectstatic (demo, tests) whitenoise serves straight from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- API -----------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "taizhang.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "taizhang.core.api_errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "taizhang API",
    "DESCRIPTION": "Ledgers of a district government: units, people, areas, projects, issues.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "IssueStatusEnum": "taizhang.issues.choices.Status",
        "CoordinateSystemEnum": "taizhang.issues.choices.CoordinateSystem",
        "EvidenceKindEnum": "taizhang.issues.choices.EvidenceKind",
        "RobotKindEnum": "taizhang.notifications.models.RobotKind",
        "IssueSeverityEnum": "taizhang.issues.choices.Severity",
        "ProblemSeverityEnum": [("error", "error"), ("warning", "warning")],
        "ReportStatusEnum": "taizhang.projects.choices.ReportStatus",
        "CampaignKindEnum": "taizhang.projects.choices.CampaignKind",
        "ProjectLightEnum": "taizhang.projects.choices.Light",
        "ProjectStageEnum": "taizhang.projects.choices.Stage",
        "ProjectImportanceEnum": "taizhang.projects.choices.Importance",
        "ProjectNatureEnum": "taizhang.projects.choices.Nature",
        "ProcedureStatusEnum": "taizhang.projects.choices.ProcedureStatus",
    },
}

# --- jobs ----------------------------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- security ------------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")  # preload is a public-internet choice

# --- e-mail --------------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "taizhang@localhost")

# --- logging -------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"taizhang": {"level": os.environ.get("TAIZHANG_LOG_LEVEL", "INFO"), "propagate": True}},
}

# --- taizhang ------------------------------------------------------------------------------------------
TAIZHANG = {
    # Unit code that receives points lying outside every responsibility area.
    "DEFAULT_ROUTING_UNIT": os.environ.get("TAIZHANG_DEFAULT_ROUTING_UNIT", "CGJ"),
    # A point within this distance (metres) of a road segment is routed to that segment.
    "ROAD_TOLERANCE_M": float(os.environ.get("TAIZHANG_ROAD_TOLERANCE_M", "30")),
    # Map tiles are off unless an intranet tile server is configured ({z}/{x}/{y} template).
    "MAP_TILE_URL": os.environ.get("TAIZHANG_MAP_TILE_URL", ""),
    "MAP_TILE_ATTRIBUTION": os.environ.get("TAIZHANG_MAP_TILE_ATTRIBUTION", ""),
    # Absolute address of the site, for links in e-mails and group-robot messages (e.g. https://taizhang.gov.cn).
    "BASE_URL": os.environ.get("TAIZHANG_BASE_URL", ""),
    # The district's own name is data, shown as it is in every language.
    "DISTRICT_NAME": os.environ.get("TAIZHANG_DISTRICT_NAME", "郑州市二七区"),
    # Spreadsheet imports (see docs/ledgers.md): size limits, and when checking and importing run as jobs.
    "IMPORT_MAX_MB": float(os.environ.get("TAIZHANG_IMPORT_MAX_MB", "20")),
    "IMPORT_MAX_UNCOMPRESSED_MB": float(os.environ.get("TAIZHANG_IMPORT_MAX_UNCOMPRESSED_MB", "400")),
    "IMPORT_STREAM_ABOVE_MB": float(os.environ.get("TAIZHANG_IMPORT_STREAM_ABOVE_MB", "16")),
    "IMPORT_BACKGROUND_ABOVE_KB": float(os.environ.get("TAIZHANG_IMPORT_BACKGROUND_ABOVE_KB", "256")),
    "IMPORT_CHUNK_ROWS": int(os.environ.get("TAIZHANG_IMPORT_CHUNK_ROWS", "500")),
    # Key projects: the day of the next month by which a month's report is due.
    "PROJECT_REPORT_DUE_DAY": int(os.environ.get("TAIZHANG_PROJECT_REPORT_DUE_DAY", "5")),
}
