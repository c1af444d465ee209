"""The limits that hold whichever door is used: the public lookup (portal form, API), filing without a verified
contact (portal, API), and the OAuth2 token endpoint."""

import base64

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from tests.api.conftest import Integrator, filing
from tests.citizens.test_my_dossiers import received
from workflows.dossiers import services
from workflows.dossiers.models import Dossier

PROXY = "10.0.0.2"


@pytest.fixture
def behind_the_proxy(settings):
    settings.ONESTOP_TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def integrator(db, django_user_model, portal):
    """A system filing for citizens at the service centre's desk."""
    return Integrator(django_user_model, "dvcqg", roles=[(portal.desk, "receiving_officer")])


def portal_lookup(client, dossier, verifier, address="203.0.113.7", forged=""):
    return client.post(reverse("citizens:lookup"), {"code": dossier.code, "verifier": verifier},
                       HTTP_X_FORWARDED_FOR=f"{forged}{address}", REMOTE_ADDR=PROXY)


def api_lookup(client, dossier, verifier, address="203.0.113.7"):
    return client.get("/api/v1/lookup/", {"code": dossier.code, "verifier": verifier},
                      HTTP_X_FORWARDED_FOR=address, REMOTE_ADDR=PROXY)


def test_each_client_behind_the_proxy_has_its_own_lookup_limit_and_forging_does_not_escape_it(
        client, portal, behind_the_proxy):
    dossier = received(portal)
    assert {portal_lookup(client, dossier, f"{n:04d}").status_code for n in range(10)} == {200}

    assert portal_lookup(client, dossier, "0010").status_code == 429
    assert portal_lookup(client, dossier, "0011", forged="198.51.100.1, ").status_code == 429
    neighbour = portal_lookup(client, dossier, "1234", address="203.0.113.8")
    assert neighbour.status_code == 200 and neighbour.context["dossier"] == dossier


def test_a_citizens_session_on_the_api_guesses_no_faster_than_the_portal(client, portal):
    dossier = received(portal)
    client.force_login(portal.other_citizen)
    assert {api_lookup(client, dossier, f"{n:04d}").status_code for n in range(10)} == {404}

    refused = api_lookup(client, dossier, "1234")

    assert refused.status_code == 429 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["status"] == 429
    assert dossier.get_state_display() not in refused.content.decode()


def test_the_portal_and_the_api_count_the_same_attempts(client, portal, behind_the_proxy):
    dossier = received(portal)
    for n in range(5):
        assert portal_lookup(client, dossier, f"{n:04d}").status_code == 200
    client.force_login(portal.other_citizen)
    for n in range(5, 10):
        assert api_lookup(client, dossier, f"{n:04d}").status_code == 404

    assert api_lookup(client, dossier, "1234").status_code == 429
    assert portal_lookup(client, dossier, "1234").status_code == 429
    assert api_lookup(client, dossier, "1234", address="203.0.113.8").status_code == 200


def test_guesses_at_one_dossier_spread_over_many_addresses_are_stopped(client, portal, settings, behind_the_proxy):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "dossier_lookup_code": "12/h/key"}
    dossier, other = received(portal), received(portal)
    client.force_login(portal.other_citizen)
    addresses = [f"203.0.113.{n}" for n in range(1, 7)]
    for n, address in enumerate(addresses):  # two guesses from each: far below each address's own limit
        assert portal_lookup(client, dossier, f"{2 * n:04d}", address=address).status_code == 200
        assert api_lookup(client, dossier, f"{2 * n + 1:04d}", address=address).status_code == 404

    assert portal_lookup(client, dossier, "1234", address="198.51.100.9").status_code == 429
    assert portal_lookup(client, other, "1234", address="198.51.100.9").status_code == 200


def test_an_integrators_lookups_count_too(integrator, office):
    api = integrator.api(scope="dossiers:read")
    code = integrator.api().post("/api/v1/dossiers/", filing(office), format="json").json()["code"]
    statuses = [api.get("/api/v1/lookup/", {"code": code, "verifier": f"{n:04d}"}).status_code for n in range(11)]

    assert statuses == [404] * 10 + [429]


def test_feedback_without_an_account_is_limited_per_client_behind_the_proxy(client, portal, settings,
                                                                             behind_the_proxy):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "feedback_send": "2/m/ip"}

    def send(address, forged=""):
        return client.post(reverse("feedback:send-on-procedure", args=[portal.procedure.code]),
                           {"kind": "feedback", "content": "Chậm.", "author_name": "Bình", "phone": "0912345678"},
                           HTTP_X_FORWARDED_FOR=f"{forged}{address}", REMOTE_ADDR=PROXY).status_code

    assert [send("203.0.113.7"), send("203.0.113.7")] == [302, 302]
    assert send("203.0.113.7") == 429
    assert send("203.0.113.7", forged="198.51.100.1, ") == 429
    assert send("203.0.113.8") == 302


@pytest.fixture
def unverified_citizen(django_user_model):
    return django_user_model.objects.create_user("chuaxacminh", "chua@example.vn", "x", phone="0912000111")


def test_a_citizen_without_a_verified_contact_cannot_file_through_the_api(client, portal, unverified_citizen):
    client.force_login(unverified_citizen)
    body = filing(portal)
    del body["applicant"]

    response = client.post("/api/v1/dossiers/", body, content_type="application/json")

    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
    with translation.override("vi"):
        expected = gettext("Verify your email address or your phone number first: the agency must be able to "
                           "reach you.")
    assert response.json()["detail"] == expected
    assert not Dossier.objects.exists()


def test_the_filing_service_itself_refuses_an_unreachable_citizen(portal, unverified_citizen):
    with pytest.raises(services.NotPermitted):
        services.create_draft(procedure=portal.procedure, acting_user=unverified_citizen)

    unverified_citizen.phone_verified = True
    unverified_citizen.save(update_fields=["phone_verified"])
    assert services.create_draft(procedure=portal.procedure, acting_user=unverified_citizen).applicant == (
        unverified_citizen)


def test_the_portal_keeps_its_own_message_and_sends_the_citizen_to_verify(client, portal, unverified_citizen):
    client.force_login(unverified_citizen)

    response = client.post(reverse("citizens:start", args=[portal.procedure.code]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("account_email")
    with translation.override("vi"):
        expected = gettext("Verify your email address or your phone number first: the agency must be able to "
                           "reach you. Follow the link we sent you, or send it again below.")
    assert [str(message) for message in response.context["messages"]] == [expected]
    assert not Dossier.objects.exists()


def token_request(integrator, secret, address="203.0.113.7", client_id=None):
    pair = f"{client_id or integrator.application.client_id}:{secret}".encode()
    return APIClient().post("/o/token/", {"grant_type": "client_credentials"},
                            HTTP_AUTHORIZATION=f"Basic {base64.b64encode(pair).decode()}",
                            HTTP_X_FORWARDED_FOR=address, REMOTE_ADDR=PROXY)


def test_guessing_a_clients_secret_is_stopped_and_told_in_oauths_format(integrator, behind_the_proxy):
    assert {token_request(integrator, f"guess-{n}").status_code for n in range(10)} == {401}

    refused = token_request(integrator, integrator.secret, address="203.0.113.99")

    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert refused.json()["error"] == "slow_down" and refused.json()["error_description"]


def test_failures_from_one_address_stop_it_guessing_other_clients_but_not_others(db, django_user_model,
                                                                                 behind_the_proxy):
    clients = [Integrator(django_user_model, f"he-thong-{n}") for n in range(11)]
    statuses = [token_request(clients[n // 2], "wrong").status_code for n in range(20)]
    assert set(statuses) == {401}

    assert token_request(clients[10], "wrong").status_code == 429
    assert token_request(clients[10], clients[10].secret).status_code == 429
    assert token_request(clients[10], clients[10].secret, address="203.0.113.8").status_code == 200


def test_a_client_asking_for_tokens_in_a_loop_is_slowed(integrator, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "oauth_token": "3/m/key,120/m/ip"}

    statuses = [token_request(integrator, integrator.secret).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
