"""OneStop settings, read from the environment (12-factor).

With nothing configured OneStop runs on its embedded default: a SQLite file next to manage.py and Celery tasks
executed in-process. Set DATABASE_URL and REDIS_URL to run on PostgreSQL and Redis with real workers.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-onestop-development-key-not-for-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "workflows.window.apps.WindowAdminConfig",  # Django's admin, with the single window's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "procedures",
    "citizens",
    "allauth",
    "allauth.account",
    # The dossier engine's rooms (README, "How it is built"): the calendar and the engine first, then what
    # reads and acts on the dossiers.
    "workflows.worktime",
    "workflows.dossiers",
    "workflows.integrations",
    "workflows.notifications",
    "workflows.payments",
    "workflows.feedback",
    "workflows.paperwork",
    "workflows.sla",
    "workflows.reporting",
    "workflows.api",
    "workflows.window",
    "seeds",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "onestop.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "onestop.middleware.RefuseNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "onestop.urls"
WSGI_APPLICATION = "onestop.wsgi.application"
ASGI_APPLICATION = "onestop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "onestop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "citizens.context_processors.inbox",
            ],
        },
    },
    {
        # Emails and text messages (notifications/messages/): plain text, never escaped for HTML.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Short queries only: JIT compiling a plan the planner overprices costs more than it saves (~190 ms a page).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a small office: readers never block the writer (WAL), a writer waits its turn
    # instead of failing, and every transaction takes the write lock when it begins, so two officers acting at
    # once run one after the other and the second sees the first's change (select_for_update is a no-op here).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20),
        "init_command": "PRAGMA journal_mode=WAL",
    })

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "citizens.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# allauth ships no Vietnamese: its strings are translated in their own catalogue.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "allauth", BASE_DIR / "locale" / "third_party"]
FORMAT_MODULE_PATH = ["onestop.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "onestop" / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Applicants' documents: never under MEDIA_ROOT, never served by URL.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads larger than this are rejected before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "onestop.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# No broker configured: the embedded default runs tasks in-process.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The embedded default runs tasks in-process; with a broker a worker takes each queue (README: Operations).
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "workflows.notifications.tasks.relay_outbox": {"queue": "notifications"},
    "workflows.notifications.tasks.deliver": {"queue": "notifications"},
    "workflows.notifications.tasks.deliver_many": {"queue": "notifications"},
    "citizens.tasks.send_text": {"queue": "notifications"},
    "workflows.sla.tasks.run_sla_timers": {"queue": "timers"},
    "workflows.sla.tasks.send_daily_digest": {"queue": "timers"},
    "workflows.sla.tasks.retime_dossiers": {"queue": "timers"},
    "workflows.reporting.tasks.refresh_indicators": {"queue": "timers"},
    "workflows.dossiers.tasks.sweep_orphan_files": {"queue": "timers"},
}
# With the broker down an officer's action waits at most a fraction of a second before the outbox takes over.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
CELERY_BEAT_SCHEDULE = {
    # Catches up on outbox events whose relay could not be handed to the broker when they were written.
    "relay-outbox": {"task": "workflows.notifications.tasks.relay_outbox", "schedule": 60.0},
    # Due soon, overdue, reminders and lapsed supplement requests; safe to run from two beats at once.
    "sla-timers": {"task": "workflows.sla.tasks.run_sla_timers",
                   "schedule": env.float("ONESTOP_SLA_SCAN_SECONDS", default=300.0)},
    # Leaders' summary at 07:00; the task skips days that are not working days.
    "daily-digest": {"task": "workflows.sla.tasks.send_daily_digest",
                     "schedule": crontab(hour=7, minute=0)},
    # The indicators' tallies of the days before today; reports count later days live.
    "refresh-indicators": {"task": "workflows.reporting.tasks.refresh_indicators",
                           "schedule": crontab(hour=1, minute=15)},
    # Files left by uploads whose filing rolled back.
    "sweep-orphan-files": {"task": "workflows.dossiers.tasks.sweep_orphan_files",
                           "schedule": crontab(hour=2, minute=30)},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="OneStop <no-reply@onestop.localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Text messages (phone verification, notifications), see onestop/sms.py. SMS_BACKEND is one of
# onestop.sms.ConsoleBackend (logs them, the default), onestop.sms.FileBackend (appends a JSON line per
# message to SMS_FILE_PATH/<date>.jsonl), onestop.sms.LocmemBackend (tests) or onestop.sms.HttpGatewayBackend
# (production: SMS_GATEWAY_URL, SMS_GATEWAY_TOKEN as bearer token, SMS_SENDER as the registered brandname).
SMS_BACKEND = env("SMS_BACKEND", default="onestop.sms.ConsoleBackend")
# Under the private root: the messages hold verification codes, and /private-media/ is git-ignored.
SMS_FILE_PATH = Path(env("SMS_FILE_PATH", default=str(PRIVATE_MEDIA_ROOT / "sent-sms")))
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN", default="")
SMS_SENDER = env("SMS_SENDER", default="OneStop")
# Seconds; attempts in all (connection errors, timeouts, 429, 5xx), waiting backoff * 2**n between them.
SMS_GATEWAY_CONNECT_TIMEOUT = env.float("SMS_GATEWAY_CONNECT_TIMEOUT", default=3.0)
SMS_GATEWAY_READ_TIMEOUT = env.float("SMS_GATEWAY_READ_TIMEOUT", default=10.0)
SMS_GATEWAY_ATTEMPTS = env.int("SMS_GATEWAY_ATTEMPTS", default=3)
SMS_GATEWAY_BACKOFF = env.float("SMS_GATEWAY_BACKOFF", default=0.5)

# Webhooks to integrators (workflows/integrations/webhooks.py), in seconds; retries follow the notifications' backoff.
WEBHOOK_CONNECT_TIMEOUT = env.float("WEBHOOK_CONNECT_TIMEOUT", default=3.0)
WEBHOOK_READ_TIMEOUT = env.float("WEBHOOK_READ_TIMEOUT", default=10.0)

# Citizen accounts (django-allauth): sign in with email or phone, both verified before use.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "citizens.adapter.AccountAdapter"
# People are named by their name in allauth's messages, and its emails by the site's name.
ACCOUNT_USER_DISPLAY = "citizens.adapter.user_display"
ACCOUNT_FORMS = {"verify_phone": "citizens.adapter.PhoneCodeForm"}
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
# Either an email or a phone is required: CitizenSignupForm checks that at least one is given.
ACCOUNT_SIGNUP_FIELDS = ["email", "phone", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "citizens.forms.CitizenSignupForm"
# Mandatory verification would make email required for everyone; a phone is verified at signup instead, and
# filing a dossier needs a verified email or phone (citizens.views.filing.start_filing).
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
# Six digits: what people expect to type from an SMS.
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[OneStop] "
ACCOUNT_LOGOUT_REDIRECT_URL = "procedures:catalogue"
# Also guards the public dossier lookup (citizens.views.account.lookup) against guessing.
# Feedback sent without an account is limited like the public lookup (workflows.feedback).
ACCOUNT_RATE_LIMITS = {"dossier_lookup": "10/m/ip,50/h/ip", "feedback_send": "5/m/ip,30/h/ip"}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "citizens:dossiers"
SILENCED_SYSTEM_CHECKS = [
    # allauth wants one login method required at signup; ours requires email or phone, whichever the citizen has.
    "account.W001",
]

# The REST API (/api/v1/, onestop/api.py): integrators use OAuth2 client credentials (POST /o/token/); staff and
# citizens their session or an OAuth2 token of their own. Errors are RFC 9457 problem details.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "onestop.api.ClientCredentialsAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # One throttle for all callers: each client at its own rate, people at API_USER_RATE.
    "DEFAULT_THROTTLE_CLASSES": ["onestop.api.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env("API_USER_RATE", default="300/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only: documents travel base64-encoded inside it.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "onestop.problems.problem_details",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
OAUTH2_PROVIDER = {
    "SCOPES": {
        "catalogue:read": "Read the catalogue",
        "dossiers:read": "Read dossiers",
        "dossiers:file": "File dossiers for citizens",
        "dossiers:act": "Act on dossiers",
        "webhooks": "Receive webhooks",
        "payments:record": "Record payments from the payment platform",
    },
    # A client gets only the scopes its ApiClient grants.
    "SCOPES_BACKEND_CLASS": "onestop.api.ClientScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "PKCE_REQUIRED": True,
    # The OAuth 2.0 Security BCP (RFC 9700) throughout: no implicit or password grants, S256 PKCE only, tokens
    # only in the Authorization header and stored hashed, the `iss` response parameter, refresh tokens rotated
    # with replay detection, https redirect URIs.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
# django-oauth-toolkit's models, named so migrations that point at them resolve.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
SPECTACULAR_SETTINGS = {
    "TITLE": "OneStop API",
    "DESCRIPTION": "The one-stop-shop for administrative procedures: the catalogue, dossiers and their "
                   "transitions, for integrated systems. Errors are RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs are public documentation; every endpoint they describe needs a token.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The fonts people already have: the docs load nothing from outside the site.
    "REDOC_UI_SETTINGS": {"theme": {"typography": {
        "fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif",
        "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"}}}},
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "onestop.schema.problem_responses"],
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "procedures.models.AdministrativeUnit.Kind",
        "AgencyKindEnum": "procedures.models.Agency.Kind",
        "FeeKindEnum": "procedures.models.Fee.Kind",
        "FormFieldKindEnum": "procedures.models.FormField.Kind",
        "DossierStateEnum": "workflows.dossiers.states.State",
        "PaymentMethodEnum": "workflows.payments.models.Payment.Method",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint and its font library narrate every PDF at INFO.
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# The province this installation serves: its official unit code.
ONESTOP_PROVINCE_CODE = env("ONESTOP_PROVINCE_CODE", default="38")

# Development servers serve static files straight from the apps; production serves the collected, hashed copies.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# The working-day clock (see workflows/worktime/calendar.py): 8 hours a day is the public-sector norm; provinces
# differ in where they put them (one works 07:30-12:00,13:00-16:30).
ONESTOP_WORKING_PERIODS = env("ONESTOP_WORKING_PERIODS", default="07:00-11:30,13:30-17:00")
# Same-working-day procedures received after this time are settled the next working day; a procedure may set its own.
ONESTOP_SAME_DAY_CUTOFF = env("ONESTOP_SAME_DAY_CUTOFF", default="15:00")
ONESTOP_DUE_SOON_WORKING_HOURS = env.int("ONESTOP_DUE_SOON_WORKING_HOURS", default=8)
# A step's share is often half a day: its holders are told this long before it is due.
ONESTOP_STEP_DUE_SOON_WORKING_HOURS = env.int("ONESTOP_STEP_DUE_SOON_WORKING_HOURS", default=2)
# How long an applicant has to send what a supplement request asks for before the request lapses and the
# dossier is stopped, and how long before that they are reminded (working days).
ONESTOP_SUPPLEMENT_WAIT_WORKING_DAYS = env.int("ONESTOP_SUPPLEMENT_WAIT_WORKING_DAYS", default=30)
ONESTOP_SUPPLEMENT_REMINDER_WORKING_DAYS = env.int("ONESTOP_SUPPLEMENT_REMINDER_WORKING_DAYS", default=5)
# Citizens' feedback and recommendations are answered within this many working days (workflows.feedback).
ONESTOP_FEEDBACK_ANSWER_WORKING_DAYS = env.int("ONESTOP_FEEDBACK_ANSWER_WORKING_DAYS", default=10)
# Where people reach OneStop: the links in emails.
ONESTOP_SITE_URL = env("ONESTOP_SITE_URL", default="http://127.0.0.1:8000")
# What emails and messages call the site ("Hello from …").
ONESTOP_SITE_NAME = env("ONESTOP_SITE_NAME", default="OneStop")
ONESTOP_CALENDAR_YEARS_BACK = 5
ONESTOP_CALENDAR_YEARS_AHEAD = 5
