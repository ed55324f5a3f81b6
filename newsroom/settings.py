"""Settings for the Casefile newsroom site, read from the environment.

Development needs no variables at all. With DEBUG off the site refuses to
start unless SECRET_KEY, ALLOWED_HOSTS and CASEFILE_IDENTITY_KEYS are set.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from casefile.encryption import development_key, key_problem
from casefile.middleware import add_static_file_headers

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_networks(name):
    networks = []
    for item in env_list(name):
        try:
            networks.append(ipaddress.ip_network(item))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not an IP address or network, e.g. 10.0.0.5 or 10.0.0.0/24."
            ) from None
    return networks


DEBUG = env_flag("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "development-only-key-never-used-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver"]
else:
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "DEBUG is off: set SECRET_KEY to a random string of at least 50 characters."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DEBUG is off: set ALLOWED_HOSTS (comma-separated host names).")

# The keys the identities of confidential sources are encrypted with, newest first (see
# casefile/encryption.py and docs/production.md). Development derives one from SECRET_KEY.
CASEFILE_IDENTITY_KEYS = env_list("CASEFILE_IDENTITY_KEYS")
if not CASEFILE_IDENTITY_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DEBUG is off: set CASEFILE_IDENTITY_KEYS to a Fernet key (make one with `python -c \"from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\"`), newest first, "
            "comma-separated."
        )
    CASEFILE_IDENTITY_KEYS = [development_key(SECRET_KEY)]
for position, key in enumerate(CASEFILE_IDENTITY_KEYS, start=1):
    if problem := key_problem(key):
        raise ImproperlyConfigured(f"CASEFILE_IDENTITY_KEYS: key {position} is not a Fernet key; {problem}.")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The load balancer's addresses or networks. Only a request from one of them
# is believed about its client's address (X-Forwarded-For), so the login
# lockout counts failures per client, not per balancer. gunicorn.conf.py
# reads the same variable, for X-Forwarded-Proto.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
if "FORWARDED_ALLOW_IPS" in os.environ and "TRUSTED_PROXIES" not in os.environ:
    raise ImproperlyConfigured(
        "FORWARDED_ALLOW_IPS is now called TRUSTED_PROXIES: rename it, keeping its value."
    )

INSTALLED_APPS = [
    "casefile.apps.CasefileAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "casefile",
]

MIDDLEWARE = [
    # First, so that everything after it sees the client's address.
    "casefile.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before the page cache: a page is rendered in the language its address names.
    "casefile.middleware.LanguageFromAddressMiddleware",
    # Inside the HTTPS redirect, outside everything else: a cached page costs
    # little more than Django itself. Who is logged in is told by the session
    # cookie alone; a reader with a session gets pages rendered for them.
    "casefile.pagecache.PublicPageCacheMiddleware",
    # Inside the page cache, so that the edge's headers are kept with a cached page.
    "casefile.publishing.edge.EdgeCacheMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "casefile.middleware.SecurityHeadersMiddleware",
    # Outside sessions, users and the views: a reader's kept page needs none of them.
    "casefile.published.middleware.KeptPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: a view whose transaction lost a race to another (a deadlock, a slug taken meanwhile) runs again.
    "casefile.retries.RetryMiddleware",
]

ROOT_URLCONF = "newsroom.urls"

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
                "casefile.context_processors.newsroom",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A persistent connection may have been closed by PostgreSQL or a
        # pooler in between; check it before each request instead of failing.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Reporters and editors save at the same time; wait for the write lock
    # instead of failing at once. A transaction takes the lock when it begins
    # (IMMEDIATE): one that read first and asked for the lock later would be
    # refused at once, however long the timeout. With the write-ahead log,
    # readers go on while someone writes; NORMAL syncs it at checkpoints, so
    # a power cut (not a crash of the site) may lose the last few saves.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
elif os.environ.get("POSTGRES_JIT", "off") == "off":
    # PostgreSQL's JIT compiles a query that merely looks expensive, which
    # costs more than running the short queries of a page or the review queue.
    # POSTGRES_JIT=server leaves the server's setting, for a pooler that
    # refuses options at connection time.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.ReusedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "casefile",
            # A Redis that stops answering costs a request this long at most,
            # once: the cache then leaves it alone for a few seconds.
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.25")),
                "socket_timeout": float(os.environ.get("REDIS_TIMEOUT_SECONDS", "0.25")),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# 0 turns the public page cache off, e.g. to measure rendering.
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "600"))
# The longest a reader waits for a page another request is rendering before
# rendering it too.
PUBLIC_PAGE_RENDER_WAIT_SECONDS = float(os.environ.get("PUBLIC_PAGE_RENDER_WAIT_SECONDS", "10"))

# Publishing's work after an approval commits (keeping pages, purging the
# edge) and the notices emailed to the newsroom run as tasks of Django's tasks
# framework (the django-tasks backport), on the queues "default", "edge" and
# "mail". "database": queued in PostgreSQL (or SQLite) and run by `manage.py
# db_worker`, the production setting; "immediate": run in the request right
# after the commit, with no worker to start, the development default (a
# notice is then tried once, and the save waits for the mail server).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate" if DEBUG else "database")
if TASKS_BACKEND not in {"immediate", "database"}:
    raise ImproperlyConfigured("TASKS_BACKEND is 'database' (run `manage.py db_worker`) or 'immediate'.")
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend" if TASKS_BACKEND == "database"
        else "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "edge", "mail"],
    }
}
# Whether approved pages are rendered and kept after the commit (off only in
# tests that are not about kept pages: readers then get every page rendered
# for their request, as they do for a page not kept yet).
KEEP_PUBLIC_PAGES = env_flag("KEEP_PUBLIC_PAGES", True)
# Each web process holds the bytes of the kept pages it served last, up to
# this many bytes, instead of reading each page's text for every reader.
KEPT_PAGES_MEMORY_BYTES = int(os.environ.get("KEPT_PAGES_MEMORY_BYTES", str(32 * 1024 * 1024)))

# An edge cache (Varnish, a CDN) in front of the site: with EDGE_PURGE_URL set,
# readers' pages may be kept there for EDGE_MAX_AGE seconds, each tagged with
# surrogate keys, and every change readers see purges its keys at once.
EDGE_PURGE_URL = os.environ.get("EDGE_PURGE_URL", "")
EDGE_MAX_AGE = int(os.environ.get("EDGE_MAX_AGE", "86400"))
EDGE_STALE_SECONDS = int(os.environ.get("EDGE_STALE_SECONDS", "30"))
EDGE_PURGE_TIMEOUT = float(os.environ.get("EDGE_PURGE_TIMEOUT", "5"))

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Where a login lands when it names no page to return to, or one elsewhere: the desk.
LOGIN_REDIRECT_URL = "admin:index"

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "1"))
# The address is REMOTE_ADDR, the client's (ClientAddressMiddleware): a
# stranger's failures lock the username out at the stranger's address only.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# The language every record is written in first, and the languages its public texts may be translated
# into: readers choose one by the address (/zh-hans/cases/...), English has none. Adding a language here
# adds a column per translated text (`makemigrations`) and a folder under locale/ for the interface.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [
    ("en-gb", "English"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The newsroom's own: staff pages show times in it, and an editor's go-live time is read in it.
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise answers static files before the middleware that sets the
# security headers; it adds them itself.
WHITENOISE_ADD_HEADERS_FUNCTION = add_static_file_headers
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "casefile.static_files.CollectedStaticFilesStorage"
        )
    },
}

# The newsroom's own copies of its sources (casefile.models.Capture) are
# staff-only evidence: never under STATIC_URL or MEDIA_URL. They live in the
# file system (CAPTURE_ROOT) unless CAPTURE_S3_BUCKET names an S3-compatible
# bucket, which several servers share (django-storages; the credentials come
# from the usual AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
CAPTURE_S3_BUCKET = os.environ.get("CAPTURE_S3_BUCKET", "")
if CAPTURE_S3_BUCKET:
    STORAGES["captures"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CAPTURE_S3_BUCKET,
            "endpoint_url": os.environ.get("CAPTURE_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("CAPTURE_S3_REGION") or None,
            "location": os.environ.get("CAPTURE_S3_PREFIX", "captures"),
            # Evidence is never replaced: a name already taken gets a new one.
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    STORAGES["captures"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.environ.get("CAPTURE_ROOT", str(BASE_DIR / "captures")),
            "file_permissions_mode": 0o640,
            "directory_permissions_mode": 0o750,
        },
    }
# The largest document taken in, uploaded or fetched.
CAPTURE_MAX_BYTES = int(os.environ.get("CAPTURE_MAX_BYTES", str(50 * 1024 * 1024)))
# A document's text is read in a process of its own, stopped past these
# limits and the document refused (casefile.documents): the time and memory
# the reading takes, what a PDF's compressed streams unpack to, its pages and
# text operations, and how deep HTML nests (libxml2 stops at 2,048 anyway).
CAPTURE_READ_SECONDS = float(os.environ.get("CAPTURE_READ_SECONDS", "20"))
CAPTURE_READ_MAX_MEMORY_BYTES = int(os.environ.get("CAPTURE_READ_MAX_MEMORY_BYTES", str(1024 * 1024 * 1024)))
CAPTURE_READ_MAX_UNPACKED_BYTES = int(os.environ.get("CAPTURE_READ_MAX_UNPACKED_BYTES", str(64 * 1024 * 1024)))
CAPTURE_READ_MAX_PAGES = int(os.environ.get("CAPTURE_READ_MAX_PAGES", "2000"))
CAPTURE_READ_MAX_TEXT_OPERATIONS = int(os.environ.get("CAPTURE_READ_MAX_TEXT_OPERATIONS", "200000"))
CAPTURE_READ_MAX_HTML_DEPTH = int(os.environ.get("CAPTURE_READ_MAX_HTML_DEPTH", "512"))
# A fetch gives up on a server that answers or sends too slowly.
CAPTURE_FETCH_CONNECT_SECONDS = float(os.environ.get("CAPTURE_FETCH_CONNECT_SECONDS", "5"))
CAPTURE_FETCH_READ_SECONDS = float(os.environ.get("CAPTURE_FETCH_READ_SECONDS", "15"))
CAPTURE_FETCH_TOTAL_SECONDS = float(os.environ.get("CAPTURE_FETCH_TOTAL_SECONDS", "60"))
CAPTURE_FETCH_MAX_REDIRECTS = 5
# Loopback, private and link-local addresses are never fetched, except in the
# networks named here (a test's own server).
CAPTURE_FETCH_ALLOWED_NETWORKS = env_networks("CAPTURE_FETCH_ALLOWED_NETWORKS")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

ADMIN_PATH = os.environ.get("ADMIN_PATH", "admin/").strip("/") + "/"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
# How long the task worker waits for the mail server on each try of a notice.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "casefile@localhost")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

NEWSROOM_NAME = os.environ.get("NEWSROOM_NAME", "Casefile Newsroom")
NEWSROOM_URL = os.environ.get("NEWSROOM_URL", SITE_URL + "/")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_flag("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
