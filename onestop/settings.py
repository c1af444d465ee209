"""OneStop settings, read from the environment (12-factor).

With nothing configured OneStop runs on its embedded default: a SQLite file next to manage.py and Celery tasks
executed in-process. Set DATABASE_URL and REDIS_URL to run on PostgreSQL and Redis with real workers.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from onestop.observability import init_sentry

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-onestop-development-key-not-for-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# Local stand-ins for the national sign-in, payment platform and public service portal, under /mo-phong/
# (workflows.integrations.simulators): on for trying OneStop and for tests, refused by the production settings.
NATIONAL_SIMULATORS = env.bool("NATIONAL_SIMULATORS", default=True)
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
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    # The dossier engine's rooms (README, "How it is built"): the calendar and the engine first, then what
    # reads and acts on the dossiers.
    "workflows.worktime",
    "workflows.dossiers",
    "workflows.integrations",
    "workflows.integrations.simulators",
    "workflows.notifications",
    "workflows.payments",
    "workflows.feedback",
    "workflows.store",
    "workflows.paperwork",
    "workflows.sla",
    "workflows.reporting",
    "workflows.api",
    "workflows.window",
    "seeds",
]

MIDDLEWARE = [
    # First and last: request counts and latencies for /metrics/ (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Every log line of the request, and of the tasks it queues, carries its id (onestop.observability).
    "onestop.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer, error pages included (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
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
    # Staff reach nothing without their second factor, and their session ends after a working day.
    "citizens.staff.StaffSecondFactorMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# django-csp: scripts only from OneStop's own static files (no inline script, no eval), nothing loaded from
# elsewhere, never framed. Styles allow inline: a few templates set style attributes, and Swagger UI and ReDoc
# style their pages at run time. ReDoc's search runs in a worker made from a blob; icons are data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

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
# On PostgreSQL, the role the application runs as when DATABASE_URL is the tables' owner's, i.e. for `migrate`:
# each migrate then grants it what it needs and no more (`manage.py grant_app_role`).
DATABASE_APP_ROLE = env("DATABASE_APP_ROLE", default="")
# The key the audit trail's chained hashes are signed with (workflows/dossiers/audit_chain.py): kept out of the
# database, so that whoever holds only the database cannot add an entry that verifies. Unset: derived from
# SECRET_KEY; set it before rotating SECRET_KEY, to the value SECRET_KEY had, or every trail reads as forged.
ONESTOP_AUDIT_KEY = env("ONESTOP_AUDIT_KEY", default="")
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
# The API's JSON bodies carry their files base64-encoded (a third larger): a 20 MB signed result, or a filing with
# three 10 MB documents, fits. Read by onestop.parsers, not under DATA_UPLOAD_MAX_MEMORY_SIZE; larger is a 413.
API_MAX_BODY_SIZE = env.int("API_MAX_BODY_SIZE", default=40 * 1024 * 1024)

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
# Tasks outside the apps' tasks modules: beat's heartbeat, the national portal's sync.
CELERY_IMPORTS = ["onestop.health", "workflows.integrations.national_portal.tasks"]
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
    "workflows.notifications.tasks.sweep_deliveries": {"queue": "notifications"},
    "workflows.notifications.tasks.purge_delivered": {"queue": "timers"},
    "workflows.api.tasks.purge_idempotency_records": {"queue": "timers"},
    "workflows.payments.tasks.reconcile_online_payments": {"queue": "timers"},
    "workflows.integrations.national_portal.tasks.sync_dossier": {"queue": "notifications"},
    "workflows.integrations.national_portal.tasks.sweep_national_sync": {"queue": "notifications"},
    "workflows.integrations.national_portal.tasks.pull_national_dossiers": {"queue": "default"},
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
    # Proves beat (and a worker) alive to /health/ (onestop.health).
    "beat-heartbeat": {"task": "onestop.beat_heartbeat", "schedule": 60.0},
    # Deliveries still pending ONESTOP_DELIVERY_SWEEP_AFTER_SECONDS after their task was queued: the broker lost it.
    "sweep-deliveries": {"task": "workflows.notifications.tasks.sweep_deliveries", "schedule": 300.0},
    # Relayed events, sent deliveries and idempotency records past their retention.
    "purge-delivered": {"task": "workflows.notifications.tasks.purge_delivered",
                        "schedule": crontab(hour=3, minute=10)},
    # Online payments still waiting for the payment platform, asked about until final; receipts not fetched yet.
    "reconcile-online-payments": {"task": "workflows.payments.tasks.reconcile_online_payments",
                                  "schedule": env.float("PAYMENT_RECONCILE_SECONDS", default=300.0)},
    "purge-idempotency-records": {"task": "workflows.api.tasks.purge_idempotency_records",
                                  "schedule": crontab(minute=40)},
    # The national portal: dossiers whose sync is due and whose task was lost; dossiers filed on the portal.
    "national-portal-sweep": {"task": "workflows.integrations.national_portal.tasks.sweep_national_sync",
                              "schedule": 60.0},
    "national-portal-pull": {"task": "workflows.integrations.national_portal.tasks.pull_national_dossiers",
                             "schedule": env.float("NATIONAL_PORTAL_PULL_SECONDS", default=300.0)},
}
# A delivery still pending this long after a worker was handed it is handed out again (a broker restarted without
# persistence, a publish that failed mid-batch); never sent twice, see workflows/notifications/tasks.py.
ONESTOP_DELIVERY_SWEEP_AFTER_SECONDS = env.int("ONESTOP_DELIVERY_SWEEP_AFTER_SECONDS", default=900)
# Retention: relayed outbox events and sent deliveries (days), stored API answers to an Idempotency-Key (hours:
# they hold whole dossiers, identity numbers included). Failed and pending deliveries are kept.
ONESTOP_OUTBOX_RETENTION_DAYS = env.int("ONESTOP_OUTBOX_RETENTION_DAYS", default=30)
ONESTOP_IDEMPOTENCY_RETENTION_HOURS = env.int("ONESTOP_IDEMPOTENCY_RETENTION_HOURS", default=24)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP connection waits on the server, per operation: a hung mail server fails the delivery, which retries.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
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

# The national public service portal (workflows/integrations/national_portal): every dossier and its processing
# pushed to it, dossiers filed on it pulled in. Without NATIONAL_PORTAL_URL, the simulator at ONESTOP_SITE_URL
# /mo-phong/cong-dvc/ when NATIONAL_SIMULATORS is on, and nothing is sent otherwise. HTTP Basic credentials; seconds.
NATIONAL_PORTAL_URL = env("NATIONAL_PORTAL_URL", default="")
NATIONAL_PORTAL_USERNAME = env("NATIONAL_PORTAL_USERNAME", default="onestop")
NATIONAL_PORTAL_PASSWORD = env("NATIONAL_PORTAL_PASSWORD", default="")
# The province's code on the portal: the dossiers offered to pull are those of its procedures.
NATIONAL_PORTAL_PROVINCE_CODE = env("NATIONAL_PORTAL_PROVINCE_CODE", default="")
NATIONAL_PORTAL_CONNECT_TIMEOUT = env.float("NATIONAL_PORTAL_CONNECT_TIMEOUT", default=3.0)
NATIONAL_PORTAL_READ_TIMEOUT = env.float("NATIONAL_PORTAL_READ_TIMEOUT", default=10.0)
# A failed change is tried again after base * 2**(attempts - 1) seconds, at most max; a dossier still due this long
# after its task was queued lost that task, and the sweep hands it out again.
NATIONAL_PORTAL_RETRY_BASE_SECONDS = env.int("NATIONAL_PORTAL_RETRY_BASE_SECONDS", default=30)
NATIONAL_PORTAL_RETRY_MAX_SECONDS = env.int("NATIONAL_PORTAL_RETRY_MAX_SECONDS", default=3600)
NATIONAL_PORTAL_SWEEP_AFTER_SECONDS = env.int("NATIONAL_PORTAL_SWEEP_AFTER_SECONDS", default=300)
# The account dossiers taken in from the portal are filed by (created on first use, without a password).
NATIONAL_PORTAL_SERVICE_ACCOUNT = env("NATIONAL_PORTAL_SERVICE_ACCOUNT", default="cong-dvc-quoc-gia")

# Citizen accounts (django-allauth): sign in with email or phone, both verified before use.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "citizens.adapter.AccountAdapter"
# People are named by their name in allauth's messages, and its emails by the site's name.
ACCOUNT_USER_DISPLAY = "citizens.adapter.user_display"
ACCOUNT_FORMS = {"verify_phone": "citizens.adapter.PhoneCodeForm", "signup": "citizens.adapter.SignupForm"}
# Sign-up never tells whether an email, phone or identity number is registered (citizens.adapter.SignupForm): a
# signup with only an email waits for it to be verified, and the link signs the new citizen in.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
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
# Behind the TLS proxy every citizen arrives from the proxy's address: the rate limits (allauth's, the lookup's,
# the feedback's, /o/token/'s) and the audit trail read the client's address from the header the proxy writes
# (onestop.http.client_ip). Set the number of proxies in front of OneStop that append to X-Forwarded-For, or the
# header a single proxy sets (X-Real-IP); neither (the default) reads REMOTE_ADDR. OneStop must then be reachable
# only through those proxies, or a client could write the header itself.
ONESTOP_TRUSTED_PROXY_COUNT = env.int("ONESTOP_TRUSTED_PROXY_COUNT", default=0)
ONESTOP_CLIENT_IP_HEADER = env("ONESTOP_CLIENT_IP_HEADER", default="")
ALLAUTH_TRUSTED_PROXY_COUNT = ONESTOP_TRUSTED_PROXY_COUNT
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = ONESTOP_CLIENT_IP_HEADER or None
# Also guards the public dossier lookup against guessing, however it is reached (the portal's form, the feedback
# form, GET /api/v1/lookup/: onestop.limits.consume_lookup_attempt), one count for all of them.
# Feedback sent without an account is limited like the public lookup (workflows.feedback).
ACCOUNT_RATE_LIMITS = {"dossier_lookup": "10/m/ip,50/h/ip", "feedback_send": "5/m/ip,30/h/ip"}
# Staff sign in at /admin/login/ (citizens.staff): 5 wrong passwords for one account within 15 minutes refuse it,
# even with the right password, until the oldest of them is 15 minutes old; 20 from one client address likewise.
# A refused try costs no password hash. allauth's own login_failed (citizens, and the second factor's codes) stays.
ACCOUNT_RATE_LIMITS["staff_login_failed"] = env("STAFF_LOGIN_FAILED_RATE", default="5/15m/key,20/15m/ip")
# Staff must enrol a second factor (allauth.mfa: an authenticator app, with recovery codes) before reaching any
# page but the sign-in ones, and pass it in each session; a province administrator resets it (citizens.admin).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "OneStop"
# A code from the previous or next 30 seconds is accepted too: a phone's clock drifts, and a code typed as it
# changes still counts (RFC 6238's advice). Wrong codes fall under allauth's login_failed limit per account.
MFA_TOTP_TOLERANCE = 1
MFA_FORMS = {"authenticate": "citizens.adapter.StaffAuthenticateForm",
             "reauthenticate": "citizens.adapter.StaffReauthenticateForm",
             "activate_totp": "citizens.adapter.StaffActivateTOTPForm"}
# Staff emails are given by the province, not claimed at a signup: they need no verification before enrolment.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# A staff session ends a working day after sign-in (seconds), however active; citizens keep SESSION_COOKIE_AGE.
STAFF_SESSION_AGE = env.int("STAFF_SESSION_AGE", default=9 * 3600)
# The public lookup also per dossier code, whatever the address: a 4-digit verifier then takes months to guess
# from any number of addresses.
ACCOUNT_RATE_LIMITS |= {"dossier_lookup_code": "30/h/key,100/d/key"}
# Each public verification of a document (/xac-thuc/, POST /api/v1/verification/) validates its signatures.
ACCOUNT_RATE_LIMITS |= {"document_verification": env("DOCUMENT_VERIFICATION_RATE", default="20/m/ip,200/h/ip")}
# POST /o/token/ (onestop.limits.RateLimitedTokenView): every request per client id and per address, and failed
# ones more tightly (a wrong secret at most 10 times a minute, 30 an hour); a client asks for a token once an hour.
ACCOUNT_RATE_LIMITS |= {"oauth_token": "60/m/key,120/m/ip", "oauth_token_failed": "10/m/key,30/h/key,20/m/ip,100/h/ip"}
# The payment platform's callbacks (per address) and citizens starting online payments (per account).
ACCOUNT_RATE_LIMITS |= {"payment_notify": env("PAYMENT_NOTIFY_RATE", default="120/m/ip"),
                        "payment_start": "10/m/user,60/h/user"}
# National sign-in (citizens.national_id): citizens with VNeID through the national portal's single sign-on, staff
# with the province's identity provider, both OpenID Connect. Each needs its issuer (server_url: discovery is read
# from <server_url>/.well-known/openid-configuration), client id and secret; without a server_url its button is not
# shown. With NATIONAL_SIMULATORS on they default to the simulator (workflows.integrations.simulators.national_id)
# at ONESTOP_SITE_URL, as the other simulators do.
NATIONAL_ID_TIMEOUT = env.float("NATIONAL_ID_TIMEOUT", default=10.0)
SOCIALACCOUNT_REQUESTS_TIMEOUT = NATIONAL_ID_TIMEOUT
SOCIALACCOUNT_ADAPTER = "citizens.national_id.SocialAccountAdapter"
# The national identity system verified the person; no email is asked for (VNeID gives none).
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_STORE_TOKENS = False


def national_id_apps(*, simulators):
    """The identity providers whose issuer is known (VNEID_*, PROVINCE_IDP_*), else the simulator's."""
    apps = [
        {"provider_id": provider_id, "name": name,
         "client_id": env(f"{prefix}_CLIENT_ID", default=f"onestop-{provider_id}" if simulators else ""),
         "secret": env(f"{prefix}_CLIENT_SECRET", default=f"mo-phong-{provider_id}-secret" if simulators else ""),
         "settings": {"server_url": env(f"{prefix}_SERVER_URL",
                                        default=f"/mo-phong/dinh-danh/{provider_id}" if simulators else ""),
                      "scope": scope, "token_auth_method": "client_secret_post"}}
        for provider_id, name, prefix, scope in [
            ("vneid", "VNeID", "VNEID", ["openid", "profile"]),
            ("province", "Province account", "PROVINCE_IDP", ["openid", "profile", "email"])]
    ]
    return [app for app in apps if app["settings"]["server_url"]]


SOCIALACCOUNT_PROVIDERS = {"openid_connect": {
    "provider_class": "citizens.national_id.NationalIdProvider",
    "OAUTH_PKCE_ENABLED": True,
    "APPS": national_id_apps(simulators=NATIONAL_SIMULATORS),
}}
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
    "DEFAULT_PARSER_CLASSES": ["onestop.parsers.BoundedJSONParser"],
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
                             "onestop.schema.problem_responses", "onestop.schema.empty_query_values"],
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "procedures.models.AdministrativeUnit.Kind",
        "AgencyKindEnum": "procedures.models.Agency.Kind",
        "FeeKindEnum": "procedures.models.Fee.Kind",
        "FormFieldKindEnum": "procedures.models.FormField.Kind",
        "DossierStateEnum": "workflows.dossiers.states.State",
        "PaymentMethodEnum": "workflows.payments.models.Payment.Method",
    },
}

# LOG_FORMAT=json (the production default) writes one JSON object a line with the request's id, for a log collector.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "onestop.observability.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
                   "json": {"()": "onestop.observability.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": env("LOG_FORMAT", default="plain"),
                             "filters": ["request_id"]}},
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
# The national payment platform (workflows/payments/platform.py): its API's base URL, our partner code and the
# shared secret its checksums are made with. Without a URL or a secret, online payment is not offered; with the
# simulators on, they default to the simulator of this server (/mo-phong/thanh-toan/).
PAYMENT_PLATFORM_URL = env("PAYMENT_PLATFORM_URL", default=f"{ONESTOP_SITE_URL}/mo-phong/thanh-toan"
                           if NATIONAL_SIMULATORS else "")
PAYMENT_PLATFORM_PARTNER_CODE = env("PAYMENT_PLATFORM_PARTNER_CODE", default="ONESTOP")
PAYMENT_PLATFORM_SECRET = env("PAYMENT_PLATFORM_SECRET", default="simulated-payment-secret"
                              if NATIONAL_SIMULATORS else "")
# Seconds to wait on the platform per request.
PAYMENT_PLATFORM_TIMEOUT = env.float("PAYMENT_PLATFORM_TIMEOUT", default=10.0)
# A payment the platform has not settled this long after it started is abandoned (a later answer still counts).
PAYMENT_PENDING_MAX_MINUTES = env.int("PAYMENT_PENDING_MAX_MINUTES", default=24 * 60)
ONESTOP_CALENDAR_YEARS_BACK = 5
ONESTOP_CALENDAR_YEARS_AHEAD = 5

# Operations (README: Operations). /metrics/ answers Prometheus with `Authorization: Bearer <METRICS_TOKEN>`; without
# a token it does not exist. Errors go to Sentry or a compatible server only when SENTRY_DSN is set.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENABLED = init_sentry(SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default="production"),
                             traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0))
# /health/ reports "degraded" when beat's heartbeat (every minute) is older than this, when an outbox event waits
# longer than this for its relay (every minute), or when a delivery is still pending this long after its event
# (the sweeper re-queues after ONESTOP_DELIVERY_SWEEP_AFTER_SECONDS).
ONESTOP_HEALTH_BEAT_STALE_SECONDS = env.int("ONESTOP_HEALTH_BEAT_STALE_SECONDS", default=300)
ONESTOP_HEALTH_OUTBOX_LAG_SECONDS = env.int("ONESTOP_HEALTH_OUTBOX_LAG_SECONDS", default=300)
ONESTOP_HEALTH_DELIVERY_PENDING_SECONDS = env.int("ONESTOP_HEALTH_DELIVERY_PENDING_SECONDS", default=1800)

# Digital signatures (workflows/signing; README: Signed results and sealed documents). A result the approving
# leader uploads must carry a PAdES signature that holds, by a certificate chaining to one of the province's trust
# roots (PEM or DER files) and carrying the leader's identity number, when RESULT_SIGNATURES_REQUIRED is on (the
# production default); with it off a signature is still checked if the file has one and roots are configured.
# Revocation: CRL files kept locally, and CRLs/OCSP fetched online when SIGNATURE_REVOCATION_FETCHING is on;
# "hard-fail" refuses a certificate whose revocation status cannot be established.
# SIGNING_DEMO_KEYS (./scripts/serve, never production) uses the keys `manage.py make_demo_signing_keys` writes.
SIGNING_DEMO_DIR = PRIVATE_MEDIA_ROOT / "signing-demo"
_demo_signing = SIGNING_DEMO_DIR if env.bool("SIGNING_DEMO_KEYS", default=False) else None
RESULT_SIGNATURES_REQUIRED = env.bool("RESULT_SIGNATURES_REQUIRED", default=False)
RESULT_SIGNATURE_TRUST_ROOTS = env.list("RESULT_SIGNATURE_TRUST_ROOTS",
                                        default=[str(_demo_signing / "ca.pem")] if _demo_signing else [])
RESULT_SIGNATURE_CRLS = env.list("RESULT_SIGNATURE_CRLS",
                                 default=[str(_demo_signing / "ca.crl")] if _demo_signing else [])
SIGNATURE_REVOCATION_FETCHING = env.bool("SIGNATURE_REVOCATION_FETCHING", default=False)
SIGNATURE_REVOCATION_MODE = env("SIGNATURE_REVOCATION_MODE", default="soft-fail")
# The agency's certificate that seals slips and copies: a PKCS#12 file, or a key on a PKCS#11 token (a hardware
# module's library, the token's label, the key's label and the user PIN). Without either nothing is sealed.
AGENCY_SEAL = {
    "PKCS12": env("AGENCY_SEAL_PKCS12", default=str(_demo_signing / "agency.p12") if _demo_signing else ""),
    "PASSPHRASE": env("AGENCY_SEAL_PASSPHRASE", default=""),
    "PKCS11_MODULE": env("AGENCY_SEAL_PKCS11_MODULE", default=""),
    "PKCS11_TOKEN": env("AGENCY_SEAL_PKCS11_TOKEN", default=""),
    "PKCS11_KEY_LABEL": env("AGENCY_SEAL_PKCS11_KEY_LABEL", default=""),
    "PKCS11_CERT_LABEL": env("AGENCY_SEAL_PKCS11_CERT_LABEL", default=""),
    "PKCS11_PIN": env("AGENCY_SEAL_PKCS11_PIN", default=""),
    "PKCS11_RAW_MECHANISM": env.bool("AGENCY_SEAL_PKCS11_RAW_MECHANISM", default=False),
}
# Seals are timestamped by the province's RFC 3161 timestamp authority, or by a local one from a key file (demo).
SIGNING_TSA_URL = env("SIGNING_TSA_URL", default="")
SIGNING_TSA_PKCS12 = env("SIGNING_TSA_PKCS12", default=str(_demo_signing / "tsa.p12") if _demo_signing else "")
SIGNING_TSA_PASSPHRASE = env("SIGNING_TSA_PASSPHRASE", default="")
