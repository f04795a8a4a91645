"""Leerroute settings: one module, every value from the environment with a safe default.

Environment variables (documented once, here):

DJANGO_DEBUG            "1" for development (default "1" unless DJANGO_ENV=production)
DJANGO_ENV              "development" (default) or "production": production turns on the
                        secure cookie/HSTS settings and refuses to start without a secret key
DJANGO_SECRET_KEY       required in production; development falls back to a fixed local key
DJANGO_ALLOWED_HOSTS    comma separated (default "127.0.0.1,localhost")
DATABASE_URL            e.g. postgres://postgres@127.0.0.1:5432/leerroute;
                        unset: SQLite file db.sqlite3 next to manage.py
REDIS_URL               e.g. redis://127.0.0.1:6379/0: Celery broker and result backend;
                        unset: see LEERROUTE_TAKEN_MAP
LEERROUTE_TAKEN_MAP     without REDIS_URL: a folder that is the Celery broker (kombu's filesystem
                        transport) and result backend, for a worker with beat on one machine with
                        no server (`make run` sets it to .celery); unset too: tasks run in-process
CELERY_VISIBILITY_TIMEOUT  seconds after which Redis hands an unacknowledged task (its worker was
                        killed) to another worker (default 900); a copy that meets the still
                        running original waits for its lock
LEERROUTE_TAAK_VERWACHTE_MINUTEN  minutes a nightly job may take before its run shows as late on the
                        Taken screen and in /gezond/ (default 60)
LEERROUTE_TAAK_WACHT_SECONDEN  a task that finds its job running already retries after this many
                        seconds (default 60)
LEERROUTE_TAAK_MAX_POGINGEN  retries of a task (waiting for the lock or a database) before its run
                        fails (default 60)
CELERY_TASK_TIME_LIMIT  hard time limit per task in seconds (default 3600)
CELERY_TASK_SOFT_TIME_LIMIT  soft limit in seconds (default 3300)
LEERROUTE_CHECK_PHASES_TIME  "HH:MM" of the nightly fase check (default "02:00")
LEERROUTE_ROD_EXPORT_TIME    "HH:MM" of the nightly ROD delivery (default "03:00")
LEERROUTE_ROD_TRANSPORT      default ROD transport, "bestand" (batch file for upload by hand) or "soap";
                        per BRIN other transports in LEERROUTE_ROD_TRANSPORT["per_brin"] (settings.py)
LEERROUTE_ANONIMISEREN_TIME  "HH:MM" of the nightly anonymisation (retention; default "04:00")
LEERROUTE_BEWAARTERMIJN_JAREN  years after the end of a student's route after which their personal
                        data is anonymised (registratie/bewaartermijn.py; default 5)
LEERROUTE_MBO_STUDIEFINANCIERING  "1"/"0": whether the mbo-fase gives studiefinanciering
                        (R-INS-9, general practice, not in the seeds; default "1")
LEERROUTE_MBO_REISPRODUCT  "1"/"0": the same for the studentenreisproduct (default "1")
LEERROUTE_VERSLEUTELSLEUTELS  comma-separated Fernet keys for BSN/onderwijsnummer at rest; the first
                        encrypts, all decrypt (rotation). Required in production.
LEERROUTE_BSN_HASHSLEUTEL  secret key (32+ characters) of the keyed hash that finds a student by
                        exact number. Required in production; changing it needs a rehash.
LEERROUTE_API_TEMPO     requests per API key (or user) before the API answers 429, "<n>/<minute|hour>"
                        (default "600/minute")
LEERROUTE_ROD_SOAP_ENDPOINT  address of DUO's SOAP service for instellingen on the "soap" transport;
                        with LEERROUTE_ROD_SOAP_TIMEOUT (seconds, default 30), _TLS_CERT/_TLS_KEY
                        (client certificate), _CA_BUNDLE, _SIGN_CERT/_SIGN_KEY/_SIGN_KEY_PASSWORD
                        (WS-Security signing, needs xmlsec); registratie/rod/FORMAT-TERUGKOPPELING.md
LEERROUTE_ROD_UPLOAD_MAX_MB  largest file from DUO (feedback, snapshot) the ROD screens take, in MB
                        (default 500; a snapshot of 100,000 enrolments is about 100 MB)
MEDIA_ROOT              where stored files (ROD deliveries) go (default ./media)
LOG_LEVEL               root log level (default INFO)
DJANGO_CSRF_TRUSTED_ORIGINS  comma separated origins with scheme that may POST forms, e.g.
                        "https://leerroute.example.nl" (default none: same origin only)
DJANGO_HSTS_SECONDS     Strict-Transport-Security max-age (default 31536000 in production, 0 otherwise)
LEERROUTE_LOGIN_MAX_POGINGEN  failed logins (per username + IP address) before a lockout (default 5)
LEERROUTE_LOGIN_BLOKKADE_MINUTEN  how long such a lockout lasts, in minutes (default 30)
LEERROUTE_PROXY_AANTAL  number of trusted reverse proxies in front of the app that add
                        X-Forwarded-For (default 0): the lockout then uses the client's address
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_time(name: str, default: str) -> tuple[int, int]:
    hour, minute = env(name, default).split(":")
    return int(hour), int(minute)


ENVIRONMENT = env("DJANGO_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is verplicht in productie")
    SECRET_KEY = "development-only-not-secret-0c5b1f8e4a2d4e7f9b3a6c8d1e2f3a4b5c6d7e8f9a0b"

ALLOWED_HOSTS = [h.strip() for h in env("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]
ALLOWED_HOSTS += ["testserver"] if not PRODUCTION else []

INSTALLED_APPS = [
    "config.admin.LeerrouteAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django_htmx",
    "django_tables2",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "samenwerking",
    "leerroute",
    "registratie",
    "kwaliteit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "samenwerking.tweestaps.TweestapsVereistMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a lockout into the Dutch lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A backend whose client died (a killed worker) notices within 5 s even in the middle of a
    # long query, ends, and so releases the job's advisory lock (registratie/locks.py). PG 14+.
    # No JIT: the nightly checks' and the scope filters' row estimates are high enough to trigger
    # it, and compiling took longer (over a second per query) than the queries themselves.
    DATABASES["default"]["OPTIONS"] = {"options": "-c client_connection_check_interval=5000 -c jit=off"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a concurrent writer instead of failing at once (in-process tasks, dev server).
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "samenwerking.Gebruiker"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout after repeated failed logins (django-axes, attempts kept in the database).
# The lockout is per username + IP address combination: one attacker guessing one account is
# stopped, while a username spray from a school's shared NAT address cannot lock every teacher
# of that school out (an IP-only lockout would), and an attacker elsewhere cannot lock a
# colleague out by typing wrong passwords for their username (a username-only lockout would).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(env("LEERROUTE_LOGIN_MAX_POGINGEN", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LEERROUTE_LOGIN_BLOKKADE_MINUTEN", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LEERROUTE_PROXY_AANTAL = int(env("LEERROUTE_PROXY_AANTAL", "0"))
AXES_CLIENT_IP_CALLABLE = "samenwerking.tweestaps.client_ip"
AXES_RESET_ON_SUCCESS = True
# The Dutch page templates/registration/geblokkeerd.html, status 429 (Too Many Requests).
AXES_LOCKOUT_CALLABLE = "samenwerking.tweestaps.geblokkeerd"
# Two-step login (django-otp, TOTP). Who must use it: samenwerking.tweestaps.vereist_tweestaps.
OTP_TOTP_ISSUER = "Leerroute"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows an authenticator's secret key

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands")]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
# Production serves collected files (collectstatic into STATIC_ROOT); development and tests let
# WhiteNoise serve straight from the finders, so nothing has to be collected first.
STATIC_ROOT = BASE_DIR / "staticfiles" if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Sessions and cookies: safe by default, strict in production (HTTPS only there).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
# School computers are shared: closing the browser ends the session.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("DJANGO_CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]
SECURE_SSL_REDIRECT = PRODUCTION
# The container's health check asks over plain HTTP from inside (docker-compose.yml).
SECURE_REDIRECT_EXEMPT = [r"^gezond/$"]
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): only this site's own files; no inline script or style
# (templates use static/css and no script; /api/docs/ uses the bundled swagger-ui, see config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Browser sessions (which samenwerking.tweestaps holds to the two-step login) and, for
        # school software, a token created by an applicatiebeheerder in /beheer/. No Basic
        # authentication: a password alone would bypass the two-step login.
        # The key first: its WWW-Authenticate header makes a missing or wrong key a 401.
        "samenwerking.api.sleutels.SleutelAuthenticatie",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Per API key (or user), counted in the cache; LEERROUTE_API_TEMPO sets the rate.
    "DEFAULT_THROTTLE_CLASSES": ["samenwerking.api.sleutels.PerSleutelThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Previous/next links without a total: no exact COUNT over a huge scoped set.
    "DEFAULT_PAGINATION_CLASS": "samenwerking.paginering.VolgendeVorigePaginering",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
}
# Requests per API key (or user) before 429, as "<n>/<second|minute|hour|day>".
LEERROUTE_API_TEMPO = env("LEERROUTE_API_TEMPO", "600/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Leerroute API",
    "DESCRIPTION": "Doorlopende en geïntegreerde leerroutes vmbo-mbo",
    "VERSION": "1",
    # Every error status documented, the ETag/If-Match headers, and /api/ marked as deprecated alias.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema_aanvullen",
        "config.api.schema_links",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the installed drf-spectacular-sidecar, not a CDN (works offline, fits the CSP).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "soort" with their own choices: name each set after its class.
    "ENUM_NAME_OVERRIDES": {
        "InstellingSoortEnum": "samenwerking.models.InstellingSoort",
        "OvereenkomstSoortEnum": "samenwerking.models.OvereenkomstSoort",
        "OpleidingskenmerkEnum": "leerroute.models.Opleidingskenmerk",
        "FaseEnum": "registratie.models.Fase",
        "RedenEindeEnum": "registratie.models.RedenEinde",
        "UitstroomRedenEnum": "registratie.models.UitstroomReden",
    },
}

# Celery: Redis when REDIS_URL is set; else, with LEERROUTE_TAKEN_MAP, a folder is the broker and
# result backend (kombu's filesystem transport: a real worker with beat, no server; `make run`);
# with neither, tasks run in-process (tests, shell).
REDIS_URL = env("REDIS_URL")
LEERROUTE_TAKEN_MAP = env("LEERROUTE_TAKEN_MAP")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if REDIS_URL:
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
    _zichtbaar = int(env("CELERY_VISIBILITY_TIMEOUT", "900"))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _zichtbaar,
        # Look for tasks of killed workers often enough to hand them on within the timeout.
        "unacked_restore_interval": max(1, min(60, _zichtbaar // 10)),
        "unacked_restore_throttle": 1,
    }
elif LEERROUTE_TAKEN_MAP:
    _taken_map = (BASE_DIR / LEERROUTE_TAKEN_MAP).resolve()  # relative: to the project, whatever the cwd
    for _sub in ("berichten", "besturing", "resultaten"):
        (_taken_map / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_taken_map / "berichten"),
        "data_folder_out": str(_taken_map / "berichten"),
        "control_folder": str(_taken_map / "besturing"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_taken_map / 'resultaten'}"
else:
    CELERY_BROKER_URL, CELERY_RESULT_BACKEND = "memory://", "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not (REDIS_URL or LEERROUTE_TAKEN_MAP)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = int(env("CELERY_TASK_TIME_LIMIT", "3600"))
CELERY_TASK_SOFT_TIME_LIMIT = int(env("CELERY_TASK_SOFT_TIME_LIMIT", "3300"))
CELERY_TIMEZONE = TIME_ZONE
CELERY_RESULT_EXPIRES = timedelta(days=1)
LEERROUTE_TAAK_VERWACHTE_MINUTEN = int(env("LEERROUTE_TAAK_VERWACHTE_MINUTEN", "60"))
LEERROUTE_TAAK_WACHT_SECONDEN = int(env("LEERROUTE_TAAK_WACHT_SECONDEN", "60"))
LEERROUTE_TAAK_MAX_POGINGEN = int(env("LEERROUTE_TAAK_MAX_POGINGEN", "60"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task that ends while Redis is briefly away keeps retrying to store its result (with backoff,
# up to ~10 minutes) instead of turning finished work into a ConnectionError failure.
CELERY_RESULT_BACKEND_ALWAYS_RETRY = True
CELERY_RESULT_BACKEND_MAX_RETRIES = 60
# autodiscover finds <app>.tasks; the ROD tasks live beside their format in registratie/rod/.
CELERY_IMPORTS = ("registratie.rod.tasks",)

_check_hour, _check_minute = env_time("LEERROUTE_CHECK_PHASES_TIME", "02:00")
_rod_hour, _rod_minute = env_time("LEERROUTE_ROD_EXPORT_TIME", "03:00")
_anon_hour, _anon_minute = env_time("LEERROUTE_ANONIMISEREN_TIME", "04:00")
# The one beat schedule. Each entry names a task that tests/test_celery_beat.py imports.
CELERY_BEAT_SCHEDULE = {
    "check-phases-nightly": {
        "task": "registratie.tasks.check_phases_task",
        "schedule": crontab(hour=_check_hour, minute=_check_minute),
    },
    # The ROD queue (format v2); the format 1 batch export stays available as `rod_export`.
    "rod-verzenden-nightly": {
        "task": "registratie.rod.tasks.rod_verzenden_task",
        "schedule": crontab(hour=_rod_hour, minute=_rod_minute),
    },
    "anonymise-nightly": {
        "task": "registratie.tasks.anonimiseren_task",
        "schedule": crontab(hour=_anon_hour, minute=_anon_minute),
    },
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# R-INS-9: the seeds fix only the vo-fase (no studiefinanciering, no reisproduct); the mbo-fase
# follows the ordinary mbo rules, which we keep configurable.
LEERROUTE_MBO_STUDIEFINANCIERING = env_bool("LEERROUTE_MBO_STUDIEFINANCIERING", True)
LEERROUTE_MBO_REISPRODUCT = env_bool("LEERROUTE_MBO_REISPRODUCT", True)
# Retention: personal data of students whose route ended longer ago is anonymised nightly.
LEERROUTE_BEWAARTERMIJN_JAREN = int(env("LEERROUTE_BEWAARTERMIJN_JAREN", "5"))
# ROD format 2: the transport per instelling (registratie/rod/transport.py) and the count dates
# with their deadline and closing date, month-day, every year (registratie/rod/teldata.py).
LEERROUTE_ROD_TRANSPORT = {"standaard": env("LEERROUTE_ROD_TRANSPORT", "bestand"), "per_brin": {}}
LEERROUTE_ROD_TELDATA = {
    "vo": [{"teldatum": "10-01", "uiterlijk": "10-15", "gesloten": "12-01"}],
    "mbo": [
        {"teldatum": "10-01", "uiterlijk": "10-15", "gesloten": "12-01"},
        {"teldatum": "02-01", "uiterlijk": "02-15", "gesloten": "04-01"},
    ],
}

# Personal numbers at rest (samenwerking/versleuteling.py). Development and tests use fixed local
# keys; production refuses to start without its own.
# The development key is base64("development-only-not-secret-key!").
_DEV_VERSLEUTELSLEUTEL = "ZGV2ZWxvcG1lbnQtb25seS1ub3Qtc2VjcmV0LWtleSE="
LEERROUTE_VERSLEUTELSLEUTELS = [
    k.strip() for k in env("LEERROUTE_VERSLEUTELSLEUTELS").split(",") if k.strip()
] or ([] if PRODUCTION else [_DEV_VERSLEUTELSLEUTEL])
LEERROUTE_BSN_HASHSLEUTEL = env("LEERROUTE_BSN_HASHSLEUTEL") or (
    "" if PRODUCTION else "development-only-not-secret-hash-key"
)
if PRODUCTION and not (LEERROUTE_VERSLEUTELSLEUTELS and len(LEERROUTE_BSN_HASHSLEUTEL) >= 32):
    raise ImproperlyConfigured(
        "LEERROUTE_VERSLEUTELSLEUTELS en LEERROUTE_BSN_HASHSLEUTEL (minstens 32 tekens) "
        "zijn verplicht in productie"
    )

LEERROUTE_ROD_UPLOAD_MAX_MB = int(env("LEERROUTE_ROD_UPLOAD_MAX_MB", "500"))

# ROD over SOAP (registratie/rod/soap.py; FORMAT-TERUGKOPPELING.md beside it): for the
# instellingen whose LEERROUTE_ROD_TRANSPORT is "soap". "per_brin" overrides keys per BRIN.
LEERROUTE_ROD_SOAP = {
    "endpoint": env("LEERROUTE_ROD_SOAP_ENDPOINT"),
    "timeout": float(env("LEERROUTE_ROD_SOAP_TIMEOUT", "30")),
    "tls_certificaat": env("LEERROUTE_ROD_SOAP_TLS_CERT"),
    "tls_sleutel": env("LEERROUTE_ROD_SOAP_TLS_KEY"),
    "ca_bundel": env("LEERROUTE_ROD_SOAP_CA_BUNDLE"),
    "onderteken_certificaat": env("LEERROUTE_ROD_SOAP_SIGN_CERT"),
    "onderteken_sleutel": env("LEERROUTE_ROD_SOAP_SIGN_KEY"),
    "onderteken_wachtwoord": env("LEERROUTE_ROD_SOAP_SIGN_KEY_PASSWORD"),
    "per_brin": {},
}

# Every handler masks personal numbers (samenwerking/logfilter.py), the development server's
# request log included.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"nummers": {"()": "samenwerking.logfilter.NummersMaskeren"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["nummers"]},
        "server": {"class": "logging.StreamHandler", "formatter": "server", "filters": ["nummers"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        "django": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO"), "propagate": False},
    },
}
