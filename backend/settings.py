"""Django settings: one module, read from the environment.

Defaults serve a developer on one machine (SQLite and Celery's filesystem broker under
``var/``); production is reached by setting variables (see README, "Environment").
No secret has a default when DEBUG is off.
"""

from datetime import timedelta
from pathlib import Path

import django
import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from backend.logconfig import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# Local state (SQLite file, filesystem broker, beat schedule, file cache). Git-ignored.
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- Core -------------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Only ever used with DEBUG on (make run); Django's own check flags the prefix.
    SECRET_KEY = "django-insecure-local-development-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    # request.htmx: the dashboard answers htmx requests with the changed part of a page.
    "django_htmx",
    "programs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "programs.middleware.SecurityHeadersMiddleware",
    # Every error under /api/ in the API's JSON shape, also Django's own pages (DEBUG too).
    "programs.middleware.ApiErrorsAsJsonMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the query or the session: a NUL there is a 400, not a 500 (its
    # message in the language just chosen).
    "programs.middleware.RejectNullCharactersMiddleware",
    # Django's, without the redirect that loses an API request's body (programs/middleware.py).
    "programs.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the lock-out flag set during authentication.
    "axes.middleware.AxesMiddleware",
]

# bench/ swaps in a URLconf with a bare comparison view (bench/README.md).
ROOT_URLCONF = env("ROOT_URLCONF", default="backend.urls")
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"

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
            ],
        },
    },
]

AUTH_USER_MODEL = "programs.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses attempts for a locked-out username + address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "login"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Database -----------------------------------------------------------------------------------

# An empty variable counts as unset (compose files often pass VAR= through).
DATABASE_URL = env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side cursors (QuerySet.iterator(): the reminder planners, the CSV export) are
    # read to the end here, so plan them for all rows, not for a fast first tenth: with a
    # fast-start plan the dispatcher's "no reminder yet" anti-join became a nested loop over
    # every notification (measured: 227 s instead of 0.07 s for a run that found nothing new
    # among 100,000 sessions, before autovacuum had analyzed the new rows).
    pg_options = ["-c cursor_tuple_fraction=1"]
    if not env.bool("POSTGRES_JIT", default=False):
        # PostgreSQL's JIT compiles any query whose estimate passes jit_above_cost; for our
        # short grouped queries that compiling is most of the time (measured: the caseload's
        # adherence query took 158 ms, 148 of them JIT, against 10 ms without).
        pg_options.append("-c jit=off")
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = " ".join([options.get("options", ""), *pg_options]).strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat share the file in `make run`: WAL and immediate transactions keep
    # them from failing with "database is locked" under light concurrency.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory: Celery worker threads in tests must see the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

# --- Redis, cache and Celery --------------------------------------------------------------------

REDIS_URL = env("REDIS_URL", default="")


def _redis_db(url: str, db: int) -> str:
    """The same Redis server on another logical database (keeps cache and broker apart)."""
    base, _sep, _old = url.rstrip("/").rpartition("/")
    return f"{base}/{db}" if _old.isdigit() else f"{url.rstrip('/')}/{db}"


if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env(
                "CACHE_URL", default=_redis_db(REDIS_URL, env.int("CACHE_REDIS_DB", default=1))
            ),
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="hipcoach"),
            # Fail fast when Redis is down or hangs: throttling then lets requests through.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    # Shared by web and worker processes on one machine, unlike local memory.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or REDIS_URL or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    for _folder in ("broker", "processed", "results", "control"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    # The filesystem transport has no fan-out: no remote control, gossip or mingle.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
    CELERY_RESULT_BACKEND = env(
        "CELERY_RESULT_BACKEND", default=f"file://{VAR_DIR / 'celery' / 'results'}"
    )
else:
    # Redelivery of unacknowledged messages happens after this; it must exceed the longest task
    # (we keep no ETA tasks, see PITFALLS.md, so tasks are short).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)

CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="hipcoach")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a request or the dispatcher when the broker is down: fail fast, the
# dispatcher re-queues what it could not publish (services/reminder.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Beat runs in UTC: local-time crontabs misfire on clock-change days. Patient-local times are
# converted with zoneinfo where each row is scheduled, never by beat.
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE = {
    # Reminders: one dispatcher selects what is due from our own indexed table (never one beat
    # entry or ETA task per patient; PITFALLS.md). Each minute, so a reminder is at most a
    # minute late; the Notification table's unique key makes a second run harmless.
    "reminders-dispatch": {
        "task": "programs.tasks.reminders_dispatch",
        "schedule": timedelta(minutes=1),
        # A dispatch that could not start within the minute is replaced by the next one.
        "options": {"expires": 55},
    },
    # Questionnaire-due and weekly-pain reminders fire at a local time of day and look at
    # every followed programme: planned every ten minutes (the minute dispatcher sends them).
    "reminders-dispatch-daily": {
        "task": "programs.tasks.reminders_dispatch",
        "schedule": timedelta(minutes=10),
        "kwargs": {"kinds": ["questionnaire_due", "weekly_pain"]},
        "options": {"expires": 540},
    },
    # Programmes whose last session lies behind them are completed (frees the patient for a
    # new enrolment and ends their reminders).
    "programmes-complete-finished": {
        "task": "programs.tasks.programmes_complete_finished",
        "schedule": timedelta(hours=1),
    },
    # Alerts only time reveals (no log for 7 days, two weak weeks): once a night, 01:30 UTC
    # (a fixed UTC time cannot fall into a clock change; 02:30 or 03:30 in Amsterdam).
    "alerts-evaluate-nightly": {
        "task": "programs.tasks.alerts_evaluate_nightly",
        "schedule": crontab(hour=1, minute=30),
    },
    # Rotated refresh tokens pile up in the blacklist tables; expired ones are useless.
    "auth-flush-expired-tokens": {
        "task": "programs.tasks.auth_flush_expired_tokens",
        "schedule": timedelta(hours=24),
    },
}

# --- REST framework, OpenAPI, JWT ---------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "programs.api.authentication.JWTAuthentication",
        "programs.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "programs.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "programs.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "programs.api.errors.exception_handler",
    # Counted in the cache; if it is unreachable requests go through (programs/api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "programs.api.throttling.AnonRateThrottle",
        "programs.api.throttling.UserRateThrottle",
        "programs.api.throttling.PatientRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="120/minute"),
        "user": env("THROTTLE_USER", default="1200/minute"),
        "patient": env("THROTTLE_PATIENT", default="300/minute"),
        "login": env("THROTTLE_LOGIN", default="30/minute"),
        # Per refresh token: a token is exchanged once (plus parallel replays), so this only
        # stops a loop; per address it would refuse patients sharing a carrier's NAT address.
        "refresh": env("THROTTLE_REFRESH", default="10/minute"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Hip osteoarthritis exercise therapy API",
    "DESCRIPTION": (
        "Programmes, session logging, outcomes, reminders, monitoring and the insurer's "
        "12-treatment check. Every error has the shape `{error: {code, message, fields}}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "programs.models.people.Role",
        "ProgrammeStatusEnum": "programs.models.programme.ProgrammeStatus",
        "SessionStatusEnum": "programs.models.programme.SessionStatus",
        "SessionStateEnum": "programs.models.programme.SessionState",
        "LogStatusEnum": "programs.models.session.LogStatus",
        "AttendanceStatusEnum": "programs.models.session.AttendanceStatus",
        "ClaimVerdictEnum": "programs.models.reimbursement.ClaimVerdict",
        "NotCoveredReasonEnum": "programs.models.reimbursement.NOT_COVERED_REASONS",
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=10)),
    # The app is often offline for days; a month keeps patients signed in between sessions.
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
# A refresh token that was rotated less than this long ago is answered again with the pair that
# replaced it, so that parallel refreshes from the app (PITFALLS.md) do not log the patient out.
JWT_REFRESH_REUSE_GRACE = timedelta(seconds=env.int("JWT_REFRESH_REUSE_GRACE_SECONDS", default=30))

# --- Domain settings (docs/domain.md) -------------------------------------------------------------

# A session log can be changed this many days after it was first received, then it is locked.
SESSION_LOG_EDITABLE_DAYS = env.int("SESSION_LOG_EDITABLE_DAYS", default=7)
# docs/domain.md §4: "adherent" means this share of due sessions done, or more.
ADHERENCE_THRESHOLD = env.float("ADHERENCE_THRESHOLD", default=0.8)
# docs/domain.md §3 (Thomeé 1997): pain during exercise above this is a flare signal (P1) ...
PAIN_DURING_ACCEPTABLE_MAX = env.int("PAIN_DURING_ACCEPTABLE_MAX", default=5)
# ... and weekly pain this much above baseline is one too (P3).
PAIN_WEEKLY_RISE_SIGNAL = env.int("PAIN_WEEKLY_RISE_SIGNAL", default=2)
# docs/domain.md §2, clinically important change: NRS pain 2 points or 30% (Farrar 2001; Salaffi
# 2004), Oxford Hip Score 5 (Beard 2015), HOOS subscales 10 and PSFS 2 (both *verify*). The
# performance tests have no default; add one here (as JSON in the environment) to flag them.
CLINICALLY_IMPORTANT_CHANGE = env.json(
    "CLINICALLY_IMPORTANT_CHANGE",
    default={
        "nrs_pain": {"points": 2, "percent": 30},
        "oxford": {"points": 5},
        "hoos": {"points": 10},
        "psfs": {"points": 2},
    },
)
# docs/domain.md §5 R8: codes on a claim, kept as data. CSI 012: the first 12 treatments for
# osteoarthritis of hip or knee; 009: beyond them. Vektis diagnosis codes 6223 hip, 7023 knee.
REIMBURSEMENT_CODES = env.json(
    "REIMBURSEMENT_CODES",
    default={
        "csi_covered": "012",
        "csi_beyond_limit": "009",
        "diagnosis": {"6223": "hip", "7023": "knee"},
    },
)
# Sync: changes younger than this are sent again on the next pull (late commits, clock skew).
SYNC_OVERLAP_SECONDS = env.int("SYNC_OVERLAP_SECONDS", default=60)

# --- Reminders ------------------------------------------------------------------------------------

# Push: FCM when a service-account file is given, else a backend that only logs.
FCM_CREDENTIALS_FILE = env("FCM_CREDENTIALS_FILE", default="")
PUSH_BACKEND = env(
    "PUSH_BACKEND",
    default="programs.delivery.push.FCMPushBackend"
    if FCM_CREDENTIALS_FILE
    else "programs.delivery.push.LoggingPushBackend",
)
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)
# Weekly pain check: Sunday 19:00 local time.
WEEKLY_PAIN_REMINDER_WEEKDAY = 6
WEEKLY_PAIN_REMINDER_TIME = "19:00"
QUESTIONNAIRE_REMINDER_TIME = "10:00"

# --- Failed-login throttling (django-axes) ------------------------------------------------------

AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# Username together with address: knowing a patient's username is not enough to lock them out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "programs.permissions.client_ip"
AXES_LOCKOUT_CALLABLE = "programs.api.errors.login_locked_out_response"
AXES_VERBOSE = False

# --- Internationalisation and time --------------------------------------------------------------

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "programs" / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Email --------------------------------------------------------------------------------------

_email = env.email_url("EMAIL_URL", default="consolemail://")
if django.VERSION >= (6, 1):
    # Django 6.1 replaces EMAIL_BACKEND and EMAIL_HOST... with MAILERS.
    _backend = _email["EMAIL_BACKEND"]
    _options = {}
    if _backend.endswith("smtp.EmailBackend"):
        _smtp = {
            "host": _email.get("EMAIL_HOST"),
            "port": _email.get("EMAIL_PORT"),
            "username": _email.get("EMAIL_HOST_USER"),
            "password": _email.get("EMAIL_HOST_PASSWORD"),
            "use_tls": _email.get("EMAIL_USE_TLS"),
            "use_ssl": _email.get("EMAIL_USE_SSL"),
            "timeout": _email.get("EMAIL_TIMEOUT") or 10,
        }
        _options = {key: value for key, value in _smtp.items() if value not in (None, "")}
    elif _backend.endswith("filebased.EmailBackend"):
        _options = {"file_path": _email.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")}
    MAILERS = {"default": {"BACKEND": _backend, "OPTIONS": _options}}
else:
    globals().update({key: value for key, value in _email.items() if value not in (None, "")})
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@localhost")

# --- Security (manage.py check --deploy is clean when DEBUG is off) ------------------------------

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "programs.api.errors.csrf_failure"
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

# --- Logging ------------------------------------------------------------------------------------

# UTC with its offset in every process (web, gunicorn, worker, beat); text lines or JSON lines
# (LOG_FORMAT=json, for a log collector). backend/logconfig.py says what is kept out.
LOGGING = logging_config(
    log_format=env("LOG_FORMAT", default="text"), level=env("LOG_LEVEL", default="INFO")
)
