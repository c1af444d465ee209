"""Behind the TLS proxy every request comes from the proxy's address: the client's is read from the header the
trusted proxies write, and nothing a client writes itself is believed."""

import pytest
from allauth.account.adapter import get_adapter
from django.test import RequestFactory
from django.urls import reverse

from onestop.http import client_ip
from workflows.dossiers.models import AuditEntry

PROXY = "10.0.0.2"


def request_from(forwarded=None, **headers):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    extra.update({f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()})
    return RequestFactory().get("/", REMOTE_ADDR=PROXY, **extra)


@pytest.fixture
def one_proxy(settings):
    settings.ONESTOP_TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    return settings


@pytest.mark.parametrize("forwarded, proxies, expected", [
    ("203.0.113.7", 0, PROXY),  # no proxy configured: the header is anyone's to write, and ignored
    ("203.0.113.7", 1, "203.0.113.7"),
    ("198.51.100.66, 203.0.113.7", 1, "203.0.113.7"),  # the client wrote the left entry itself
    ("1.1.1.1, 2.2.2.2, 203.0.113.7", 1, "203.0.113.7"),
    ("198.51.100.66, 203.0.113.7, 10.0.0.1", 2, "203.0.113.7"),  # two proxies: the outer one saw the client
    ("203.0.113.7", 2, PROXY),  # fewer hops than proxies: it did not come through them all
    (None, 1, PROXY),
    ("not-an-address", 1, PROXY),
    ("203.0.113.7:51234", 1, "203.0.113.7"),
    ("[2001:db8::7]:443", 1, "2001:db8::7"),
], ids=["no-proxy-ignores-header", "one-proxy", "forged-left-entry-ignored", "many-forged-entries",
        "two-proxies", "too-few-hops", "no-header", "garbage", "with-port", "ipv6-with-port"])
def test_the_client_is_the_address_the_outermost_trusted_proxy_saw(settings, forwarded, proxies, expected):
    settings.ONESTOP_TRUSTED_PROXY_COUNT = proxies

    assert client_ip(request_from(forwarded)) == expected


def test_a_proxy_that_writes_its_own_header_is_read_instead(settings):
    settings.ONESTOP_CLIENT_IP_HEADER = "X-Real-IP"
    settings.ONESTOP_TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_from("198.51.100.66", **{"X-Real-IP": "203.0.113.9"})) == "203.0.113.9"
    assert client_ip(request_from("198.51.100.66")) == PROXY


def test_allauths_limits_count_the_same_client_as_the_audit_trail(one_proxy):
    request = request_from("198.51.100.66, 203.0.113.7")

    assert get_adapter(request).get_client_ip(request) == "203.0.113.7"


def test_a_sign_in_that_skipped_a_proxy_is_refused_normally_not_a_server_error(client, db, settings):
    # allauth's own reading raises ImproperlyConfigured when X-Forwarded-For has fewer hops than proxies.
    settings.ONESTOP_TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2

    response = client.post(reverse("account_login"), {"login": "nobody@example.vn", "password": "wrong"},
                           HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR=PROXY)

    assert response.status_code == 200 and response.context["form"].errors


def test_the_audit_trail_records_the_citizens_address_not_the_proxys(client, portal, one_proxy):
    client.force_login(portal.citizen)

    client.post(reverse("citizens:start", args=[portal.procedure.code]),
                HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.7", REMOTE_ADDR=PROXY)

    assert AuditEntry.objects.get(action="created").client_ip == "203.0.113.7"


@pytest.mark.parametrize("proxies", [0, 1])
def test_sign_in_attempts_are_limited_per_client_behind_the_proxy(client, db, settings, proxies):
    settings.ONESTOP_TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}

    def sign_in(address, forged=""):
        return client.post(reverse("account_login"), {"login": "nobody@example.vn", "password": "wrong"},
                           HTTP_X_FORWARDED_FOR=f"{forged}{address}", REMOTE_ADDR=PROXY).status_code

    assert [sign_in("203.0.113.7") for _ in range(3)] == [200, 200, 200]
    assert sign_in("203.0.113.7") == 429
    assert sign_in("203.0.113.7", forged="198.51.100.1, ") == 429
    # Without a trusted proxy everyone is the proxy, one limit for the province; with it, each client its own.
    assert sign_in("203.0.113.8") == (200 if proxies else 429)
