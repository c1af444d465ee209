"""A stand-in for the national sign-in (VNeID through the national portal's single sign-on) and for the province's
staff identity provider: a small OpenID Connect provider, for trying OneStop and for tests.

Each realm is an issuer of its own, /mo-phong/dinh-danh/<realm>, with discovery, JWKS, an authorize page listing
demo people to sign in as, token (authorization code, S256 PKCE) and userinfo. Its RSA key is made once and kept
(NationalIdKey). It talks to OneStop only through the browser and HTTP, as the real ones do; the claim names are
the national format OneStop reads in citizens.national_id.
"""

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .models import NationalIdKey

CODE_SECONDS = 60
TOKEN_SECONDS = 3600
ACCESS_TOKEN_SALT = "simulators.national_id.access_token"


@dataclass(frozen=True)
class Person:
    sub: str
    claims: dict
    level: int = 2
    amr: list = field(default_factory=lambda: ["pwd"])

    @property
    def display_name(self):
        return self.claims.get("ho_va_ten") or self.claims.get("name", "")

    @property
    def second_factor(self):
        return "otp" in self.amr


# Invented people with valid identity numbers (province of birth registration, century and sex, year of birth).
# The first is the demo citizen `congdan` of seeds, so that linking an existing account can be tried.
VNEID_PEOPLE = (
    Person("vneid-7f3a91c2", {"so_dinh_danh": "038095001234", "ho_va_ten": "Nguyễn Văn An",
                              "ngay_sinh": "12/03/1995", "so_dien_thoai": "0912345678"}, level=2),
    Person("vneid-b52e0d47", {"so_dinh_danh": "001196012345", "ho_va_ten": "Trần Thị Bình",
                              "ngay_sinh": "25/07/1996", "so_dien_thoai": "0987654321"}, level=2),
    Person("vneid-0c9d83e1", {"so_dinh_danh": "040188007890", "ho_va_ten": "Phạm Thị Dung",
                              "ngay_sinh": "03/11/1988", "so_dien_thoai": "0977888999"}, level=2),
    Person("vneid-61aa4f08", {"so_dinh_danh": "038201004567", "ho_va_ten": "Lê Hoàng Cường",
                              "ngay_sinh": "19/05/2001", "so_dien_thoai": "0903111222"}, level=1),
    Person("vneid-e4172b9d", {"so_dinh_danh": "038090002468", "ho_va_ten": "Hoàng Minh Đức",
                              "ngay_sinh": "08/01/1990", "so_dien_thoai": "0934555666"}, level=1),
)
# The province's staff directory: the demo staff of seeds, the first with the province's own second factor.
PROVINCE_PEOPLE = (
    Person("tinh-tiepnhan", {"email": "tiepnhan@demo.onestop.vn", "email_verified": True, "name": "Lê Thị Hương",
                             "preferred_username": "tiepnhan"}, amr=["pwd", "otp"]),
    Person("tinh-chuyenvien", {"email": "chuyenvien@demo.onestop.vn", "email_verified": True,
                               "name": "Trần Minh Tuấn", "preferred_username": "chuyenvien"}),
    Person("tinh-khach", {"email": "khach@thanhhoa.gov.vn", "email_verified": True, "name": "Vũ Văn Khách",
                          "preferred_username": "khach"}, amr=["pwd", "otp"]),
)


@dataclass(frozen=True)
class Realm:
    name: str
    title: str
    people: tuple
    client_id: str
    client_secret: str
    scopes: tuple


# The clients registered with the simulator: OneStop's defaults when NATIONAL_SIMULATORS is on (onestop.settings).
REALMS = {
    "vneid": Realm("vneid", "VNeID", VNEID_PEOPLE, "onestop-vneid", "mo-phong-vneid-secret",
                   ("openid", "profile")),
    "province": Realm("province", "Province identity", PROVINCE_PEOPLE, "onestop-province",
                      "mo-phong-province-secret", ("openid", "profile", "email")),
}
WELL_KNOWN = "/.well-known/openid-configuration"
CALLBACK_PATH = "/tai-khoan/oidc/{realm}/login/callback/"


def _realm(name):
    try:
        return REALMS[name]
    except KeyError:
        raise Http404 from None


def _signing_key():
    """The simulator's own RSA key: made at the first request and kept."""
    key = NationalIdKey.objects.order_by("pk").first()
    if key is None:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
        try:
            key = NationalIdKey.objects.create(kid=secrets.token_hex(8), private_key_pem=pem)
        except IntegrityError:
            key = NationalIdKey.objects.order_by("pk").first()
    return key


def issuer(request, realm):
    """https://host/mo-phong/dinh-danh/<realm>: where its discovery document is found under /.well-known/."""
    return request.build_absolute_uri(reverse("simulators:national_id_discovery", args=[realm.name])
                                      ).removesuffix(WELL_KNOWN)


def sign_id_token(claims, *, key=None):
    key = key or _signing_key()
    return jwt.encode(claims, key.private_key_pem, algorithm="RS256", headers={"kid": key.kid})


@require_GET
def discovery(request, realm):
    realm = _realm(realm)
    base = issuer(request, realm)
    return JsonResponse({
        "issuer": base,
        "authorization_endpoint": f"{base}/authorize/",
        "token_endpoint": f"{base}/token/",
        "userinfo_endpoint": f"{base}/userinfo/",
        "jwks_uri": f"{base}/jwks/",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "acr_values_supported": ["loa1", "loa2"] if realm.name == "vneid" else [],
        "scopes_supported": list(realm.scopes),
    })


@require_GET
def jwks(request, realm):
    _realm(realm)
    key = _signing_key()
    public = serialization.load_pem_private_key(key.private_key_pem.encode(), password=None).public_key()
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
    return JsonResponse({"keys": [{**jwk, "kid": key.kid, "use": "sig", "alg": "RS256"}]})


def _authorize_error(redirect_uri, state, error):
    return HttpResponseRedirect(f"{redirect_uri}?{urlencode({'error': error, 'state': state})}")


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request, realm):
    """The page where a demo person is chosen; choosing one sends the browser back to OneStop with a code."""
    realm = _realm(realm)
    params = request.POST if request.method == "POST" else request.GET
    redirect_uri, state = params.get("redirect_uri", ""), params.get("state", "")
    if params.get("client_id") != realm.client_id:
        return HttpResponseBadRequest("Unknown client_id")
    if urlsplit(redirect_uri).path != CALLBACK_PATH.format(realm=realm.name) or \
            urlsplit(redirect_uri).scheme not in {"http", "https"}:
        return HttpResponseBadRequest("redirect_uri not registered for this client")
    if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
        return _authorize_error(redirect_uri, state, "unsupported_response_type")
    if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
        return _authorize_error(redirect_uri, state, "invalid_request")
    if request.method == "POST":
        if "cancel" in request.POST:
            return _authorize_error(redirect_uri, state, "access_denied")
        person = next((person for person in realm.people if person.sub == request.POST.get("sub")), None)
        if person is not None:
            code = secrets.token_urlsafe(24)
            cache.set(f"simulators:national-id:code:{code}", {
                "realm": realm.name, "client_id": realm.client_id, "redirect_uri": redirect_uri,
                "sub": person.sub, "nonce": params.get("nonce", ""),
                "code_challenge": params.get("code_challenge", ""), "auth_time": int(time.time()),
            }, timeout=CODE_SECONDS)
            return HttpResponseRedirect(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}")
    hidden = {name: params.get(name, "") for name in ("client_id", "redirect_uri", "response_type", "scope",
                                                       "state", "nonce", "code_challenge", "code_challenge_method",
                                                       "acr_values")}
    return render(request, "simulators/national_id_authorize.html", {
        "realm": realm, "people": realm.people, "hidden": hidden, "acr_values": params.get("acr_values", ""),
    })


def _client_credentials(request):
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return "", ""
        return client_id, secret
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _token_error(error, status=400):
    return JsonResponse({"error": error}, status=status)


@csrf_exempt
@require_POST
def token(request, realm):
    realm = _realm(realm)
    client_id, secret = _client_credentials(request)
    if client_id != realm.client_id or not secrets.compare_digest(secret, realm.client_secret):
        return _token_error("invalid_client", status=401)
    if request.POST.get("grant_type") != "authorization_code":
        return _token_error("unsupported_grant_type")
    key = f"simulators:national-id:code:{request.POST.get('code', '')}"
    grant = cache.get(key)
    cache.delete(key)  # a code is used once
    if not grant or grant["realm"] != realm.name or grant["client_id"] != client_id or \
            grant["redirect_uri"] != request.POST.get("redirect_uri"):
        return _token_error("invalid_grant")
    if grant["code_challenge"]:
        verifier = request.POST.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()
        if not secrets.compare_digest(challenge, grant["code_challenge"]):
            return _token_error("invalid_grant")
    person = next(person for person in realm.people if person.sub == grant["sub"])
    now = int(time.time())
    claims = {"iss": issuer(request, realm), "aud": client_id, "sub": person.sub, "iat": now,
              "exp": now + TOKEN_SECONDS, "auth_time": grant["auth_time"], "nonce": grant["nonce"],
              "jti": secrets.token_hex(12), "amr": person.amr, **person.claims}
    if realm.name == "vneid":
        claims["acr"] = f"loa{person.level}"
    access_token = signing.dumps({"realm": realm.name, "sub": person.sub}, salt=ACCESS_TOKEN_SALT)
    return JsonResponse({"access_token": access_token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS,
                         "id_token": sign_id_token(claims)})


@require_GET
def userinfo(request, realm):
    realm = _realm(realm)
    header = request.META.get("HTTP_AUTHORIZATION", "")
    try:
        grant = signing.loads(header.removeprefix("Bearer "), salt=ACCESS_TOKEN_SALT, max_age=TOKEN_SECONDS)
    except signing.BadSignature:
        return _token_error("invalid_token", status=401)
    person = next((person for person in realm.people if person.sub == grant["sub"]), None)
    if person is None or grant["realm"] != realm.name:
        return _token_error("invalid_token", status=401)
    return JsonResponse({"sub": person.sub, **person.claims})


urlpatterns = [
    path(f"<str:realm>{WELL_KNOWN}", discovery, name="national_id_discovery"),
    path("<str:realm>/jwks/", jwks, name="national_id_jwks"),
    path("<str:realm>/authorize/", authorize, name="national_id_authorize"),
    path("<str:realm>/token/", token, name="national_id_token"),
    path("<str:realm>/userinfo/", userinfo, name="national_id_userinfo"),
]
