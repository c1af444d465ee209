"""The payment platform records fees paid online through the API; its retried callbacks record nothing twice."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tests.api.conftest import Integrator, filing
from tests.office import with_fees
from workflows.dossiers import services
from workflows.dossiers.models import Dossier
from workflows.payments.models import Payment

pytestmark = pytest.mark.django_db

FEES = 75_000


@pytest.fixture
def code(integrator, office):
    """A dossier of a procedure with a charge, filed by the national portal."""
    with_fees(office, FEES)
    response = integrator.api().post("/api/v1/dossiers/", filing(office), format="json")
    assert response.status_code == 201, response.json()
    return response.json()["code"]


@pytest.fixture
def platform(django_user_model, office):
    return Integrator(django_user_model, "paygov", scopes=["dossiers:read", "payments:record"],
                      roles=[(office.desk, "receiving_officer")])


def callback(**overrides):
    paid_at = timezone.localtime() - timedelta(seconds=30)
    return {"amount": FEES, "method": "online", "reference": "PAYGOV-20261124-000123",
            "paid_at": paid_at.isoformat(timespec="seconds"), **overrides}


def test_the_payment_platform_records_an_online_payment_and_the_dossier_shows_it(code, platform):
    api = platform.api()

    paid_at = (timezone.now() - timedelta(minutes=1)).replace(microsecond=0)
    response = api.post(f"/api/v1/dossiers/{code}/payments/", callback(paid_at=paid_at.isoformat()), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert parse_datetime(body.pop("paid_at")) == paid_at
    assert body == {"dossier": code, "amount": FEES, "method": "online", "reference": "PAYGOV-20261124-000123",
                    "fees_due": FEES, "fees_paid": FEES}
    dossier = api.get(f"/api/v1/dossiers/{code}/").json()
    assert (dossier["fees_due"], dossier["fees_paid"]) == (FEES, FEES)
    [payment] = dossier["payments"]
    assert (payment["amount"], payment["method"], payment["reference"]) == (FEES, "online", "PAYGOV-20261124-000123")
    assert parse_datetime(payment["paid_at"]) == paid_at
    entry = Dossier.objects.get(code=code).audit_entries.get(action="record_payment")
    assert entry.actor == platform.account and entry.actor_role == "integrated_system"


def test_a_retried_callback_answers_200_with_the_first_payment_and_records_nothing(code, platform):
    api = platform.api()

    first = api.post(f"/api/v1/dossiers/{code}/payments/", callback(), format="json")
    again = api.post(f"/api/v1/dossiers/{code}/payments/", callback(), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    dossier = Dossier.objects.get(code=code)
    assert dossier.payments.count() == 1 and dossier.fees_paid == FEES
    assert dossier.audit_entries.filter(action="record_payment").count() == 1


def test_a_client_without_the_payments_scope_is_refused(code, platform, office, django_user_model):
    reader = Integrator(django_user_model, "reader", scopes=["dossiers:read", "dossiers:act"],
                        roles=[(office.desk, "receiving_officer")])
    assert reader.token("payments:record").status_code == 400  # not granted: no token carries it

    for api in (reader.api(), platform.api(scope="dossiers:read")):
        refused = api.post(f"/api/v1/dossiers/{code}/payments/", callback(), format="json")
        assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    assert not Payment.objects.exists()


def test_refusals_are_problems_and_record_nothing(code, platform, office):
    api = platform.api()
    path = f"/api/v1/dossiers/{code}/payments/"

    too_much = api.post(path, callback(amount=FEES + 1), format="json")
    assert too_much.status_code == 400 and "amount" in too_much.json()["errors"]
    no_reference = api.post(path, callback(reference=""), format="json")
    assert no_reference.status_code == 400 and "reference" in no_reference.json()["errors"]
    assert api.post(path, callback(method="cash"), format="json").status_code == 400
    assert api.post(path, callback(amount=0), format="json").status_code == 400
    assert api.post(path, callback(paid_at="2999-01-01T00:00:00Z"), format="json").status_code == 400
    stale = api.post(path, callback(), format="json", HTTP_IF_MATCH='"999"')
    assert stale.status_code == 412 and stale["Content-Type"] == "application/problem+json"
    assert api.post(path, callback(version=999), format="json").status_code == 409
    assert api.post(path, callback(method="desk"), format="json").status_code == 403  # the platform takes no cash

    dossier = Dossier.objects.get(code=code)
    services.refuse_dossier(dossier=dossier, acting_user=office.receiver, reason="Không thuộc thẩm quyền")
    closed = api.post(path, callback(), format="json")
    assert closed.status_code == 409 and closed.json()["detail"]
    assert not Payment.objects.exists() and Dossier.objects.get(code=code).fees_paid == 0


def test_a_dossier_without_fees_takes_no_payment(integrator, office, platform):
    code = integrator.api().post("/api/v1/dossiers/", filing(office), format="json").json()["code"]

    refused = platform.api().post(f"/api/v1/dossiers/{code}/payments/", callback(), format="json")

    assert refused.status_code == 409 and not Payment.objects.exists()


def test_the_desk_records_through_the_api_with_its_session_but_never_an_online_payment(code, office, client):
    client.force_login(office.receiver)
    path = f"/api/v1/dossiers/{code}/payments/"

    online = client.post(path, callback(), content_type="application/json")
    desk = client.post(path, {"amount": 25_000, "method": "desk", "reference": "BL-0042"},
                       content_type="application/json")

    assert online.status_code == 403
    assert desk.status_code == 201 and desk.json()["fees_paid"] == 25_000
