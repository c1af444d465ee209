"""Production hardening on top of onestop.settings: every value that must not be guessed comes from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import EMAIL_BACKEND, SMS_BACKEND, SOCIALACCOUNT_PROVIDERS, env, national_id_apps

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# Backends that print or keep messages in memory lose every verification code and notice: refuse to start.
_LOST_MESSAGES = {
    "EMAIL_URL": (EMAIL_BACKEND, {"django.core.mail.backends.console.EmailBackend",
                                  "django.core.mail.backends.locmem.EmailBackend",
                                  "django.core.mail.backends.dummy.EmailBackend"}),
    "SMS_BACKEND": (SMS_BACKEND, {"onestop.sms.ConsoleBackend", "onestop.sms.LocmemBackend"}),
}
for _variable, (_backend, _refused) in _LOST_MESSAGES.items():
    if _backend in _refused:
        raise ImproperlyConfigured(
            f"{_variable} selects {_backend}, which sends nothing: production needs a real mail server "
            f"(EMAIL_URL=smtp+tls://user:password@host:587) and a real SMS gateway "
            f"(SMS_BACKEND=onestop.sms.HttpGatewayBackend with SMS_GATEWAY_URL)."
        )

# The simulators sign people in as anyone and take payments that are never made.
if env.bool("NATIONAL_SIMULATORS", default=False):
    raise ImproperlyConfigured("NATIONAL_SIMULATORS is for development and tests: production talks to the real "
                               "national systems (README, \"The national systems\").")
NATIONAL_SIMULATORS = False
# National sign-in only with the real providers' addresses (VNEID_SERVER_URL, PROVINCE_IDP_SERVER_URL).
SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] = national_id_apps(simulators=False)
for _app in SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]:
    if not (_app["client_id"] and _app["secret"] and _app["settings"]["server_url"].startswith("https://")):
        raise ImproperlyConfigured(f"The {_app['name']} sign-in needs an https:// server URL, a client id and a "
                                   f"secret (VNEID_* or PROVINCE_IDP_*: SERVER_URL, CLIENT_ID, CLIENT_SECRET).")

# The demo's certificate authority signs for anyone who runs ./scripts/serve.
if env.bool("SIGNING_DEMO_KEYS", default=False):
    raise ImproperlyConfigured("SIGNING_DEMO_KEYS is for development: production trusts the province's roots "
                               "(RESULT_SIGNATURE_TRUST_ROOTS) and seals with the agency's certificate (AGENCY_SEAL).")
# Once the province's trust roots are configured, every result must carry its leader's valid signature.
RESULT_SIGNATURES_REQUIRED = env.bool("RESULT_SIGNATURES_REQUIRED",
                                      default=bool(RESULT_SIGNATURE_TRUST_ROOTS))  # noqa: F405
# The real payment platform only: without its URL and secret, online payment is not offered.
PAYMENT_PLATFORM_URL = env("PAYMENT_PLATFORM_URL", default="")
PAYMENT_PLATFORM_SECRET = env("PAYMENT_PLATFORM_SECRET", default="")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The container health check and Prometheus (bearer token) call these over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics/$"]
# One JSON object a line, with the request's id, for the province's log collector (LOG_FORMAT=plain to read by eye).
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")  # noqa: F405
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
