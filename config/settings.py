"""Settings, all read from the environment.

SQLite in ``var/`` is the embedded default so that a newcomer needs nothing else; production sets
``DATABASE_URL`` (PostgreSQL), ``SECRET_KEY``, ``DEBUG=0`` and ``ALLOWED_HOSTS``.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config import logs

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or ("insecure-development-key-never-use-in-production" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DEBUG 关闭时必须设置 SECRET_KEY 环境变量。")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Before django-simple-history and django-axes: its cleanup commands of the same names replace theirs
    # (audit records are kept AUDIT_RETENTION_DAYS).
    "operations",
    "simple_history",
    "import_export",
    "config.apps.LoginProtectionConfig",  # django-axes, under a Chinese name
    "csp",
    "django_tasks",
    "config.apps.BackgroundTasksConfig",  # django-tasks-db, under a Chinese name
    "accounts",
    "regions",
    "beneficiaries",
    "policies",
    "rosters",
    "claims",
    "payments",
    "ledgers",
    "assistance",
    "monitoring",
    "health",
    "employment",
    "projects",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from here (no CDN)
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the rest, so that every response gets their headers, also the ones other middleware answers with.
    "csp.middleware.CSPMiddleware",
    "config.security.NoStoreMiddleware",
    # Static files, which WhiteNoise answers itself: before the rest, as WhiteNoise asks, but inside the
    # three above so that they get their headers too (NoStoreMiddleware leaves their caching alone).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication (it refreshes signed-in sessions only), and so before the session is saved.
    "config.security.SessionIdleMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Before any view or CSRF check reads the body: an upload over the limit is answered at once.
    "spreadsheets.uploads.UploadLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks, so that it sees the outcome of authentication.
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout so that the web server and the task worker can share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # PostgreSQL's JIT compiled each misestimated aggregate of the ledger and statistics pages for 0.3-0.5 s
    # (docs/performance.md, "A province"); the product's queries are short or index-bound, so it is off.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "accounts.roles.RoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after 30 minutes without a request (a shared computer at a hospital window). The expiry is
# pushed back at most once a minute (config.security.SessionIdleMiddleware), not by a write on every request:
# an idle session ends 29 to 30 minutes after its last request.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(30 * 60)))
SESSION_REFRESH_INTERVAL = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Five failed logins for one user name from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address is REMOTE_ADDR, or behind configured proxies the one they saw: never one the client wrote.
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"

# Reverse proxies in front of the server (0: none). Only then are X-Forwarded-Proto (HTTPS) and
# X-Forwarded-For (the client's address, for django-axes) believed; each proxy must set X-Forwarded-Proto
# itself and append to X-Forwarded-For. Without proxies anybody could send those headers.
try:
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT") or "0")
except ValueError:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT 必须是整数（服务器前面的反向代理层数，没有则为 0）。") from None
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT 不能为负数。")
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts, styles and everything else only from this site's own
# files; no inline script, style or handler anywhere (static/js/app.js binds behaviour, docs/decisions.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# The interface is Chinese whatever the browser asks (no LocaleMiddleware): Django's own messages, the admin's.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # Chinese for the third-party apps that have none (locale/zh_Hans/LC_MESSAGES/django.po)
FORMAT_MODULE_PATH = ["config.formats"]  # ISO dates first, the only form a date input takes (config/formats/)
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "staticfiles"))
# Production serves what collectstatic gathered into STATIC_ROOT (bin/serve runs it): names carrying a hash of
# the content, cached for ever, and gzipped copies. Development (and the tests) serve the source folders as
# they are, found anew on each request, with nothing to collect first.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
                    else "config.staticfiles.GzipManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "spreadsheets.uploads.LimitedUploadHandler",  # counts what arrives, against UPLOAD_MAX_BYTES
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Files we are given (uploads, imports, files named to commands) are refused past these limits, with
# a message naming the limit (spreadsheets/limits.py). A county with a larger list raises them here.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(64 * 1024 * 1024)))
SPREADSHEET_MAX_INFLATED_BYTES = int(os.environ.get("SPREADSHEET_MAX_INFLATED_BYTES", str(512 * 1024 * 1024)))
SPREADSHEET_MAX_ROWS = int(os.environ.get("SPREADSHEET_MAX_ROWS", "1048576"))
SPREADSHEET_MAX_COLUMNS = int(os.environ.get("SPREADSHEET_MAX_COLUMNS", "256"))
SPREADSHEET_MAX_CELLS = int(os.environ.get("SPREADSHEET_MAX_CELLS", "12000000"))
JSON_MAX_DEPTH = int(os.environ.get("JSON_MAX_DEPTH", "64"))
# A roster that would end more than this share of its source's open holdings in the area is applied
# only when the number of people leaving is typed back (rosters/services.py, Exits).
ROSTER_EXIT_CONFIRM_SHARE = float(os.environ.get("ROSTER_EXIT_CONFIRM_SHARE", "0.10"))

# Audit records (history, the access and export log, login records) are kept at least this many days: the
# cleanup commands refuse anything younger (operations/retention.py). The environment may lengthen it, never
# shorten it.
AUDIT_RETENTION_MIN_DAYS = 180
try:
    AUDIT_RETENTION_DAYS = int(os.environ.get("AUDIT_RETENTION_DAYS") or AUDIT_RETENTION_MIN_DAYS)
except ValueError:
    raise ImproperlyConfigured("AUDIT_RETENTION_DAYS 必须是整数（审计记录保存的天数）。") from None
if AUDIT_RETENTION_DAYS < AUDIT_RETENTION_MIN_DAYS:
    raise ImproperlyConfigured(
        f"AUDIT_RETENTION_DAYS 不能小于 {AUDIT_RETENTION_MIN_DAYS}：审计记录至少保存 {AUDIT_RETENTION_MIN_DAYS} 天。")

# Money: every stored amount has this many digits, two after the point (yuan and fen).
MONEY_MAX_DIGITS = 14

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# The API for the other offices' systems (api/): partners' keys, their scopes and rate limits, problem details.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.PartnerKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.auth.PartnerScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.PartnerRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.PartnerAutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_response",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,  # money as "123.45", never a float
}
SPECTACULAR_SETTINGS = {
    "TITLE": "健康扶贫医疗保障管理系统 数据交换接口",
    "DESCRIPTION": "供医保信息平台、民政、乡村振兴、卫健和医疗机构的系统调用。每个对接系统持有管理员签发的密钥，"
                   "只能访问其区域内、其权限范围内的数据；每次调用都有记录。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "APPEND_COMPONENTS": {"securitySchemes": {"partnerKey": {
        "type": "http", "scheme": "bearer", "description": "管理员签发的对接系统密钥：Authorization: Bearer hfp_…"}}},
    "SECURITY": [{"partnerKey": []}],
    "AUTHENTICATION_WHITELIST": [],
}

IMPORT_EXPORT_SKIP_ADMIN_ACTION_EXPORT_UI = False
# The library's escaping strips a leading "=" from real data, leaves + - @ live and turns numbers into
# text; the admin base (accounts/adminscope.py) prefixes formula-like text cells with an apostrophe instead.
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# Reverting to a historical version in the admin would save an old copy past the services that check
# the rules (and, before the admin was scoped, across areas): history is read-only (docs/decisions.md).
SIMPLE_HISTORY_REVERT_DISABLED = True

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# One line per record, each printed once: standard error, or with LOG_DIR, files rotated by size
# (config/logs.py).
LOGGING = logs.configuration(os.environ)
