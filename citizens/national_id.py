"""National sign-in: citizens through VNeID (the national portal's single sign-on), staff through the province's
identity provider, both OpenID Connect through allauth's `openid_connect` provider.

The national wire format lives here and only here: the claim names, how the assurance level is written, and what
an ID token must carry. allauth's provider does not check the nonce and skips the signature of a token fetched over
TLS; NationalIdProvider and TokenVerifier add both, and refuse a level lower than the one asked for.
"""

import datetime
import json
import secrets
import time
from urllib.parse import urlencode

import jwt
from allauth.account.internal.decorators import login_not_required
from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import user_logged_in
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.socialaccount.signals import social_account_added
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.http import NATIONAL_SIGN_IN_LEVEL, national_sign_in_level
from procedures.validators import normalise_phone, validate_identity_number, validate_phone_number

from .staff import PROVINCE_SECOND_FACTOR, is_staff

# The two identity providers, as SOCIALACCOUNT_PROVIDERS names them (the app's provider_id).
VNEID = "vneid"
PROVINCE = "province"

# The national format: claim names of the ID token and userinfo.
CLAIM_IDENTITY_NUMBER = "so_dinh_danh"
CLAIM_FULL_NAME = "ho_va_ten"
CLAIM_DATE_OF_BIRTH = "ngay_sinh"  # dd/mm/yyyy
CLAIM_PHONE = "so_dien_thoai"
CLAIM_LEVEL = "acr"  # "loa1" or "loa2"; read from the signed ID token only, never from userinfo
LEVEL_PREFIX = "loa"
# RFC 8176 methods that mean the province's identity provider checked a second factor.
SECOND_FACTOR_METHODS = frozenset({"mfa", "otp", "hwk", "sms"})
SIGNING_ALGORITHMS = ["RS256"]
CLOCK_LEEWAY_SECONDS = 30

# This session's national sign-in level (0: none) and, until the person signs in to it, an account waiting to be
# linked.
SESSION_LEVEL = NATIONAL_SIGN_IN_LEVEL
SESSION_PENDING_LINK = "onestop_national_pending_link"
PENDING_LINK_SECONDS = 15 * 60


def level_from_acr(acr):
    """"loa2" → 2; anything else (absent, malformed, unknown) → 0."""
    if isinstance(acr, str) and acr.startswith(LEVEL_PREFIX) and acr[len(LEVEL_PREFIX):] in {"1", "2"}:
        return int(acr[len(LEVEL_PREFIX):])
    return 0


def acr_for_level(level):
    return f"{LEVEL_PREFIX}{level}"


def parse_date_of_birth(value):
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value or "", pattern).date()
        except ValueError:
            continue
    return None


def person_from_claims(claims):
    """The person as the national provider describes them, in OneStop's words; values that fail OneStop's own
    validation are left out rather than stored."""
    person = {"identity_number": "", "full_name": (claims.get(CLAIM_FULL_NAME) or "").strip()[:150],
              "date_of_birth": parse_date_of_birth(claims.get(CLAIM_DATE_OF_BIRTH)), "phone": ""}
    try:
        validate_identity_number(claims.get(CLAIM_IDENTITY_NUMBER) or "")
        person["identity_number"] = claims[CLAIM_IDENTITY_NUMBER]
    except Exception:  # noqa: BLE001 - a ValidationError or a wrong type: either way not a usable number
        pass
    phone = normalise_phone(claims.get(CLAIM_PHONE) or "")
    try:
        validate_phone_number(phone)
        person["phone"] = phone
    except Exception:  # noqa: BLE001
        pass
    return person


class TokenVerifier:
    """Checks an ID token as OpenID Connect Core 3.1.3.7 asks: signed by a key of the provider's JWKS with an
    allowed algorithm, issued by it, for us, not expired, carrying a nonce (compared with the one this browser's
    request carried by nonce_matches)."""

    def __init__(self, *, jwks, issuer, client_id):
        self.jwks, self.issuer, self.client_id = jwks, issuer, client_id

    def verify(self, id_token):
        try:
            header = jwt.get_unverified_header(id_token)
            if header.get("alg") not in SIGNING_ALGORITHMS:
                raise OAuth2Error("ID token signed with a refused algorithm")
            key = self._key(header.get("kid"))
            claims = jwt.decode(id_token, key=key, algorithms=SIGNING_ALGORITHMS, audience=self.client_id,
                                issuer=self.issuer, leeway=CLOCK_LEEWAY_SECONDS,
                                options={"require": ["iss", "aud", "exp", "iat", "sub", "nonce"]})
        except jwt.PyJWTError as error:
            raise OAuth2Error(f"Invalid ID token: {error}") from error
        return claims

    @staticmethod
    def nonce_matches(claims, nonce):
        return bool(nonce) and secrets.compare_digest(str(claims.get("nonce", "")), nonce)

    def _key(self, kid):
        for jwk in self.jwks.get("keys", []):
            if jwk.get("kid") == kid and jwk.get("kty") == "RSA":
                return jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
        raise OAuth2Error("ID token signed by an unknown key")


class NationalIdOAuth2Adapter(OpenIDConnectOAuth2Adapter):
    """allauth's adapter, with every ID token's signature checked (not only the ones not fetched directly)."""

    def complete_login(self, request, app, token, **kwargs):
        id_token = kwargs["response"].get("id_token")
        if not id_token:
            raise OAuth2Error("No ID token in the token response")
        # The nonce is checked in SocialAccountAdapter.pre_social_login, where this browser's state is known.
        claims = self.verify(app, id_token)
        data = {"id_token": claims}
        if app.settings.get("fetch_userinfo", True):
            userinfo = self._fetch_user_info(token.token)
            if str(userinfo.get("sub")) != str(claims["sub"]):
                raise OAuth2Error("The userinfo belongs to someone else than the ID token")
            data["userinfo"] = userinfo
        return self.get_provider().sociallogin_from_response(request, data)

    def verify(self, app, id_token):
        with get_social_adapter().get_requests_session() as session:
            response = session.get(self.openid_config["jwks_uri"], timeout=settings.NATIONAL_ID_TIMEOUT)
            response.raise_for_status()
            jwks = response.json()
        return TokenVerifier(jwks=jwks, issuer=self.openid_config["issuer"], client_id=app.client_id).verify(id_token)


class NationalIdProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider, sending a nonce and the assurance level asked for, remembered in the
    state kept in this browser's session."""

    oauth2_adapter_class = NationalIdOAuth2Adapter
    package = "allauth.socialaccount.providers.openid_connect"  # where allauth.urls finds its URLs

    @property
    def server_url(self):
        # A path (the simulator's default) is on OneStop itself, as the server reaches it.
        url = self.app.settings["server_url"]
        if url.startswith("/"):
            url = settings.ONESTOP_SITE_URL.rstrip("/") + url
        return self.wk_server_url(url)

    def get_auth_params_from_request(self, request, action):
        # No parameters from the query string: the level is asked for with ?level= and nothing else passes.
        return self.get_auth_params()

    def get_redirect_from_request_kwargs(self, request):
        kwargs = super().get_redirect_from_request_kwargs(request)
        level = request.GET.get("level", "")
        kwargs["level_requested"] = int(level) if level in {"1", "2"} else 0
        return kwargs

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        level = kwargs.pop("level_requested", 0)
        nonce = secrets.token_urlsafe(32)
        auth_params["nonce"] = nonce
        if level:
            auth_params["acr_values"] = acr_for_level(level)
        return super().redirect(request, process, next_url, data, auth_params=auth_params, nonce=nonce,
                                level_requested=level, **kwargs)


@login_not_required
def callback(request, provider_id):
    """allauth's OpenID Connect callback, with NationalIdOAuth2Adapter's checks (its own view builds allauth's
    adapter directly): onestop.urls routes /tai-khoan/oidc/<provider_id>/login/callback/ here."""
    try:
        return OAuth2CallbackView.adapter_view(NationalIdOAuth2Adapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


def national_sign_in_required(request, level):
    """The page asking a citizen to sign in with VNeID at `level` (or, signed in with a password, to link their
    VNeID account), then to come back to what they were doing."""
    login_url = reverse("openid_connect_login", kwargs={"provider_id": VNEID})
    return render(request, "citizens/national_signin_required.html", {
        "level": level, "login_url": f"{login_url}?{urlencode({'level': level})}",
        "process": "connect" if request.user.is_authenticated else "login", "next": request.get_full_path(),
        "signed_in_level": national_sign_in_level(request),
    }, status=403)


def _refuse(request, message, *, status=403):
    raise ImmediateHttpResponse(render(request, "citizens/national_signin_refused.html",
                                       {"message": message}, status=status))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """What a national sign-in may do: a VNeID sign-in signs in the account already linked, links one the person
    has just proved control of, or opens a new one; never takes over an account holding the same identity number
    without its password. A province sign-in reaches only a staff account the province already has."""

    def pre_social_login(self, request, sociallogin):
        provider_id = sociallogin.account.provider
        claims = sociallogin.account.extra_data.get("id_token", {})
        state = sociallogin.state or {}
        if not TokenVerifier.nonce_matches(claims, state.get("nonce")):
            _refuse(request, _("The sign-in answer did not match this browser's request. Start again."))
        level = level_from_acr(claims.get(CLAIM_LEVEL))
        if level < state.get("level_requested", 0):
            _refuse(request, _("This procedure needs a VNeID account of level %(level)s; the national identity "
                               "system confirmed level %(got)s only.") % {"level": state["level_requested"],
                                                                          "got": level})
        sociallogin.state["national_level"] = level
        if provider_id == PROVINCE:
            self._staff_login(request, sociallogin)
        elif provider_id == VNEID:
            self._citizen_login(request, sociallogin)

    def _citizen_login(self, request, sociallogin):
        if sociallogin.state["national_level"] == 0:
            _refuse(request, _("The national identity system did not confirm an identification level."))
        person = person_from_claims(_claims(sociallogin))
        if not person["identity_number"]:
            _refuse(request, _("The national identity system did not give a valid identity number."))
        holder = get_user_model().objects.filter(identity_number=person["identity_number"]).first()
        if request.user.is_authenticated and sociallogin.state.get("process") == "connect":
            owner = sociallogin.user if sociallogin.is_existing else holder
            if request.user.identity_number not in (None, "", person["identity_number"]) or \
                    (owner is not None and owner != request.user):
                _refuse(request, _("This VNeID account belongs to another identity number than this account's."))
            _remember_level(request, request.user, sociallogin.state["national_level"])
            return
        if sociallogin.is_existing:
            return
        if holder is not None:
            # Linked only once the person signs in to that account with its password (link_pending_account).
            request.session[SESSION_PENDING_LINK] = {"login": sociallogin.serialize(), "user": holder.pk,
                                                     "until": time.time() + PENDING_LINK_SECONDS}
            raise ImmediateHttpResponse(render(request, "citizens/national_signin_link.html", {}))

    def _staff_login(self, request, sociallogin):
        if sociallogin.is_existing:
            if not is_staff(sociallogin.user):
                _refuse(request, _("This account has no staff rights in OneStop."))
            return
        claims = _claims(sociallogin)
        email = (claims.get("email") or "").strip()
        # Matched once by the address the province vouches for, then by the provider's subject.
        staff = next((user for user in get_user_model().objects.filter(email__iexact=email, is_active=True)
                      if is_staff(user)), None) if email and claims.get("email_verified") is True else None
        if staff is None:
            _refuse(request, _("The province account %(email)s has no staff account in OneStop. Ask the province "
                               "administrator.") % {"email": email or "?"})
        sociallogin.connect(request, staff)

    def is_open_for_signup(self, request, sociallogin):
        return sociallogin.account.provider == VNEID

    def save_user(self, request, sociallogin, form=None):
        # Two first sign-ins of the same person at once: the second finds the identity number taken.
        try:
            with transaction.atomic():
                return super().save_user(request, sociallogin, form)
        except IntegrityError:
            _refuse(request, _("An account was opened for this identity number a moment ago. Sign in with VNeID "
                               "again."), status=409)

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        person = person_from_claims(_claims(sociallogin))
        user.full_name, user.identity_number = person["full_name"], person["identity_number"]
        user.date_of_birth = person["date_of_birth"]
        if person["phone"] and not get_user_model().objects.filter(phone=person["phone"]).exists():
            # The VNeID account is bound to this number: the national system verified it.
            user.phone, user.phone_verified = person["phone"], True
        user.identity_verified_at = timezone.now()
        return user


def _claims(sociallogin):
    """The userinfo completed by the ID token; the signed ID token wins where both speak."""
    data = sociallogin.account.extra_data
    return {**data.get("userinfo", {}), **data.get("id_token", {})}


def second_factor_at_province(sociallogin):
    """Whether a sign-in came from the province's identity provider with a second factor it checked itself (the
    ID token's `amr`): it then stands for OneStop's authenticator code."""
    if sociallogin is None or sociallogin.account.provider != PROVINCE:
        return False
    methods = sociallogin.account.extra_data.get("id_token", {}).get("amr") or []
    return isinstance(methods, list) and bool(SECOND_FACTOR_METHODS & set(methods))


def _remember_level(request, user, level):
    request.session[SESSION_LEVEL] = level
    fields = []
    if level > getattr(user, "national_assurance_level", 0):
        user.national_assurance_level = level
        fields.append("national_assurance_level")
    if level and not user.identity_verified_at:
        user.identity_verified_at = timezone.now()
        fields.append("identity_verified_at")
    if fields:
        user.save(update_fields=fields)


@receiver(user_logged_in, dispatch_uid="citizens.national_id.signed_in")
def on_signed_in(sender, request, user, sociallogin=None, **kwargs):
    if sociallogin is not None and sociallogin.account.provider == VNEID:
        _remember_level(request, user, sociallogin.state.get("national_level", 0))
    elif second_factor_at_province(sociallogin):
        record_authentication(request, user, "mfa", type=PROVINCE_SECOND_FACTOR)
    elif sociallogin is None:
        link_pending_account(request, user)


@receiver(social_account_added, dispatch_uid="citizens.national_id.connected")
def on_connected(sender, request, sociallogin, **kwargs):
    if sociallogin.account.provider == VNEID:
        person = person_from_claims(_claims(sociallogin))
        user = sociallogin.user
        if not user.identity_number:
            user.identity_number = person["identity_number"]
            user.save(update_fields=["identity_number"])
        _remember_level(request, user, sociallogin.state.get("national_level", 0))


def link_pending_account(request, user):
    """After a sign-in with the password of the account that holds the VNeID identity number: the VNeID account is
    linked to it, and this session counts at the level VNeID confirmed a moment ago."""
    pending = request.session.pop(SESSION_PENDING_LINK, None)
    if not pending or pending["user"] != user.pk or pending["until"] < time.time():
        return
    sociallogin = SocialLogin.deserialize(pending["login"])
    if person_from_claims(_claims(sociallogin))["identity_number"] != user.identity_number:
        return
    with transaction.atomic():
        sociallogin.connect(request, user)
