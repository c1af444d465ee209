"""What every API endpoint shares: who is calling (an integrator's OAuth2 client, or a person with their session or
token), what the call may do (scopes), how often (rate limits), and the refusals it may answer with (their shape
is onestop.problems). Imported by DRF's settings, so it must not import DRF's views."""

import re

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import AccessToken
from oauth2_provider.scopes import BaseScopes
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.throttling import SimpleRateThrottle

from .http import client_ip


class ClientCredentialsAuthentication(OAuth2Authentication):
    """A bearer token. One issued to a client by its own credentials acts as the client's service account (the
    application's user), whose staff roles bound what it may see and do."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            if request.headers.get("Authorization", "").split(" ", 1)[0].lower() == "bearer":
                # A token was sent but is unknown, expired or revoked: say so, not "no credentials".
                raise exceptions.AuthenticationFailed(
                    _("The access token is not valid: it is unknown, expired or revoked. Ask for a new one "
                      "(POST /o/token/) and send it as \"Authorization: Bearer <token>\"."), code="invalid_token")
            return None
        user, token = result
        if user is None:
            user = token.application.user
            if user is None or not user.is_active:
                raise exceptions.AuthenticationFailed(_("This client has no active service account."))
        return user, token


class ClientScopes(BaseScopes):
    """A client asks only for the scopes its ApiClient grants; a person's token may carry any."""

    def get_all_scopes(self):
        return settings.OAUTH2_PROVIDER["SCOPES"]

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        client = getattr(application, "api_client", None)
        return list(client.scopes) if client is not None else list(self.get_all_scopes())

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)


def api_client(request):
    """The ApiClient behind the request's token, or None for a person."""
    token = request.auth
    if isinstance(token, AccessToken) and token.user_id is None:
        return getattr(token.application, "api_client", None)
    return None


class HasScope(IsAuthenticated):
    """Signed in, and a token must carry the scope the view names for the action (`view.scopes`: action →
    scope). A session is a person in a browser: their own roles alone decide, in the services."""

    message = gettext_lazy("The token lacks the scope this needs.")

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        token = request.auth
        if not isinstance(token, AccessToken):
            return True
        scope = view.scopes.get(getattr(view, "action", None) or request.method.lower())
        return scope is not None and token.allow_scopes([scope])


class ClientRateThrottle(SimpleRateThrottle):
    """Each client at the rate set on it; people at API_USER_RATE; anonymous callers by address. A counter per
    window, incremented atomically in the cache: every worker sees every request, at one cache call each."""

    def __init__(self):
        """Nothing to read yet: the rate depends on the caller, so allow_request sets it per request."""

    def allow_request(self, request, view):
        client = api_client(request)
        self.rate = client.rate_limit if client else settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"]
        if client is not None:
            ident = f"client-{client.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = client_ip(request)  # behind the proxy, the client's address, not the proxy's
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.now = self.timer()
        window = int(self.now // self.duration)
        key = f"throttle-api-{ident}-{window}"
        # The first request of a window creates its counter; the others increment it.
        if self.cache.add(key, 1, self.duration + 1):
            return True
        try:
            return self.cache.incr(key) <= self.num_requests
        except ValueError:  # the counter expired between the two calls: a new window has begun
            return True

    def wait(self):
        """Until the window ends."""
        return self.duration - self.now % self.duration


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"


class UnprocessableEntity(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"


class StrictPageSize:
    """A pagination mixin: a page_size that is not a whole number is refused, as the schema's `integer` says,
    instead of being silently replaced by the default (an empty one still means the default)."""

    def get_page_size(self, request):
        size = request.query_params.get(self.page_size_query_param, "")
        if size and not re.fullmatch(r"-?[0-9]+", size):
            raise exceptions.ValidationError({self.page_size_query_param: [_("Give a whole number.")]})
        return super().get_page_size(request)
