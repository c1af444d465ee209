"""Rate limits that span more than one door: the public dossier lookup (the portal's form, the feedback form and the
API count the same attempts) and the OAuth2 token endpoint. Both count in allauth's rate limiter, keyed by
onestop.http.client_ip (through the account adapter), with the rates of ACCOUNT_RATE_LIMITS."""

import base64
import binascii
from urllib.parse import unquote

# The internal module: the public allauth.core.ratelimit.consume() leaves GET requests alone, and the API's lookup
# is a GET that must count.
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.http import JsonResponse
from django.utils.translation import gettext as _
from oauth2_provider.views import TokenView

# Whose ACCOUNT_RATE_LIMITS the rates are read from.
APP = "allauth.account"


def consume_lookup_attempt(request, *, code=None):
    """Counts one attempt at the public lookup from this address, and one on the dossier's code when given; False
    once the address, or the code, has used its attempts, whichever door (portal, feedback, API) they went through.
    The limit on the code holds against guesses spread over many addresses."""
    request = getattr(request, "_request", request)  # a DRF request: its Django request carries the headers
    if not allauth_ratelimit.consume(request, app=APP, action="dossier_lookup", limit_get=True):
        return False
    if code is None:
        return True
    return bool(allauth_ratelimit.consume(request, app=APP, action="dossier_lookup_code", key=code.strip().upper(),
                                          limit_get=True))


class RateLimitedTokenView(TokenView):
    """POST /o/token/ with limits per client id and per address on every request and, tighter, on failed ones, so
    a client's secret cannot be guessed and the endpoint cannot be flooded. Refusals are 429 with an OAuth 2.0
    error body (RFC 6749 §5.2's shape) and Retry-After."""

    def post(self, request, *args, **kwargs):
        client_id = _client_id(request)
        may_fail_again = allauth_ratelimit.consume(request, app=APP, action="oauth_token_failed", key=client_id,
                                                   dry_run=True)
        if not may_fail_again or not allauth_ratelimit.consume(request, app=APP, action="oauth_token", key=client_id):
            return _too_many_requests()
        response = super().post(request, *args, **kwargs)
        if response.status_code in (400, 401):
            allauth_ratelimit.consume(request, app=APP, action="oauth_token_failed", key=client_id)
        return response


def _client_id(request):
    """The client id the request names: in HTTP Basic credentials (form-encoded, RFC 6749 §2.3.1) or the body."""
    scheme, _space, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        if ":" in decoded:
            return unquote(decoded.split(":", 1)[0])
    return request.POST.get("client_id", "")


def _too_many_requests():
    response = JsonResponse({
        "error": "slow_down",
        "error_description": _("Too many token requests from this client or address. Wait a minute and try again."),
    }, status=429)
    response["Retry-After"] = "60"
    response["Cache-Control"] = "no-store"
    return response
