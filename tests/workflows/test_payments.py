"""Fees paid for a dossier: at the desk by its officers, online by the payment platform; never more than is due,
never twice, and never on a dossier that owes nothing or is closed."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import Integrator
from tests.office import with_fees
from tests.workflows.test_lifecycle import filed, received
from workflows.dossiers import services
from workflows.dossiers.models import Dossier
from workflows.payments import services as payments
from workflows.payments.models import Payment

pytestmark = pytest.mark.django_db

FEES = 100_000


@pytest.fixture
def fees(office):
    return with_fees(office, FEES)


@pytest.fixture
def platform(django_user_model, office):
    """The payment platform's service account: an API client granted payments:record, seeing the desk's
    dossiers."""
    return Integrator(django_user_model, "paygov", scopes=["dossiers:read", "payments:record"],
                      roles=[(office.desk, "receiving_officer")]).account


def pay(dossier, user, amount=FEES, method="desk", reference="BL-0001", **kwargs):
    return payments.record_payment(dossier=dossier, acting_user=user, amount=amount, method=method,
                                   reference=reference, **kwargs)


def nothing_written(dossier, version):
    dossier.refresh_from_db()
    return (not Payment.objects.exists() and dossier.fees_paid == 0 and dossier.version == version
            and not dossier.audit_entries.filter(action="record_payment").exists())


def test_a_payment_at_the_desk_is_recorded_added_to_what_was_paid_and_audited(fees):
    dossier = received(fees)
    assert (dossier.fees_due, dossier.fees_paid, dossier.fees_outstanding) == (FEES, 0, FEES)

    payment, created = pay(dossier, fees.receiver, amount=40_000, reference="BL-0001", client_ip="10.0.0.7")

    assert created and (payment.amount, payment.method, payment.reference) == (40_000, "desk", "BL-0001")
    assert payment.recorded_by == fees.receiver and payment.paid_at is not None
    after = Dossier.objects.get(pk=dossier.pk)
    assert (after.fees_paid, after.fees_outstanding, after.version) == (40_000, 60_000, dossier.version + 1)
    assert after.state == "received"
    entry = after.audit_entries.get(action="record_payment")
    assert entry.data == {"amount": 40_000, "method": "desk", "reference": "BL-0001"}
    assert (entry.actor, entry.actor_role, entry.actor_agency) == (fees.receiver, "receiving_officer", fees.desk)
    assert (entry.from_state, entry.to_state, entry.client_ip) == ("received", "received", "10.0.0.7")

    pay(after, fees.result_desk, amount=60_000, reference="BL-0002")
    after.refresh_from_db()
    assert (after.fees_paid, after.fees_outstanding) == (FEES, 0)
    assert after.audit_entries.filter(action="record_payment").latest("id").actor_role == "result_desk"


def _refused(office):
    return services.refuse_dossier(dossier=filed(office), acting_user=office.receiver, reason="Không thuộc thẩm quyền")


def _withdrawn(office):
    return services.withdraw_dossier(dossier=filed(office), acting_user=office.citizen, reason="Nộp nhầm")


def _draft(office):
    # A walk-in draft, which the receiving officer can see.
    return services.create_draft(procedure=office.procedure, acting_user=office.receiver,
                                 applicant={"name": "Phạm Văn Đức", "identity_number": "038090004321"})


REFUSALS = {
    "more than is due": (True, received, {"amount": FEES + 1}, ValidationError),
    "nothing": (True, received, {"amount": 0}, ValidationError),
    "a negative amount": (True, received, {"amount": -5}, ValidationError),
    "a dossier without fees": (False, received, {}, services.InvalidTransition),
    "a refused dossier": (True, _refused, {}, services.InvalidTransition),
    "a withdrawn dossier": (True, _withdrawn, {}, services.InvalidTransition),
    "a draft": (True, _draft, {}, services.InvalidTransition),
    "a payment in the future": (True, received, {"paid_at": timezone.now() + timedelta(days=1)}, ValidationError),
    "a reference too long to keep": (True, received, {"reference": "x" * 101}, ValidationError),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_a_refused_payment_writes_nothing(office, case):
    charged, make, kwargs, error = REFUSALS[case]
    if charged:
        with_fees(office, FEES)
    dossier = make(office)

    with pytest.raises(error):
        pay(dossier, office.receiver, **kwargs)

    assert nothing_written(dossier, dossier.version)


def test_a_second_payment_may_not_take_the_dossier_beyond_what_it_owes(fees):
    dossier = received(fees)
    pay(dossier, fees.receiver, amount=70_000, reference="BL-0001")

    with pytest.raises(ValidationError) as refusal:
        pay(dossier, fees.receiver, amount=40_000, reference="BL-0002")

    assert "30.000 ₫" in refusal.value.message_dict["amount"][0]
    dossier.refresh_from_db()
    assert dossier.fees_paid == 70_000 and dossier.payments.count() == 1


def test_the_platform_records_online_payments_and_only_with_its_reference(fees, platform):
    dossier = received(fees)

    with pytest.raises(ValidationError) as refusal:
        pay(dossier, platform, method="online", reference="")
    assert "reference" in refusal.value.message_dict

    paid_at = timezone.now() - timedelta(minutes=3)
    payment, created = pay(dossier, platform, method="online", reference="PAYGOV-000123", paid_at=paid_at)

    assert created and payment.paid_at == paid_at and payment.recorded_by == platform
    entry = Dossier.objects.get(pk=dossier.pk).audit_entries.get(action="record_payment")
    assert (entry.actor_role, entry.actor_agency, entry.data["method"]) == ("integrated_system", None, "online")


def test_a_repeated_callback_returns_the_first_payment_and_records_nothing_more(fees, platform):
    dossier = received(fees)
    first, created = pay(dossier, platform, method="online", reference="PAYGOV-000123",
                         expected_version=dossier.version)
    version = Dossier.objects.get(pk=dossier.pk).version

    # The retry carries the version it first read, and the dossier is fully paid by now: still the same answer.
    again, created_again = pay(dossier, platform, method="online", reference="PAYGOV-000123",
                               expected_version=dossier.version)

    assert (created, created_again, again.pk) == (True, False, first.pk)
    dossier.refresh_from_db()
    assert (dossier.fees_paid, dossier.version, dossier.payments.count()) == (FEES, version, 1)
    assert dossier.audit_entries.filter(action="record_payment").count() == 1


def test_a_reference_already_recorded_for_another_payment_is_refused(fees, platform):
    dossier, other = received(fees), received(fees)
    pay(dossier, platform, amount=50_000, method="online", reference="PAYGOV-000123")

    for target, amount in ((dossier, 40_000), (other, 50_000)):
        with pytest.raises(ValidationError) as refusal:
            pay(target, platform, amount=amount, method="online", reference="PAYGOV-000123")
        assert "reference" in refusal.value.message_dict

    assert Payment.objects.count() == 1 and Dossier.objects.get(pk=other.pk).fees_paid == 0


def test_a_stale_version_is_told_to_reload(fees):
    dossier = received(fees)
    with pytest.raises(services.DossierChanged):
        pay(dossier, fees.receiver, expected_version=dossier.version - 1)
    assert nothing_written(dossier, dossier.version)


def test_only_the_desk_records_desk_payments_and_only_the_platform_online_ones(fees, platform, django_user_model):
    dossier = received(fees)
    other_system = Integrator(django_user_model, "khac", scopes=["dossiers:read", "dossiers:act"],
                              roles=[(fees.desk, "receiving_officer")]).account
    refused = [
        (fees.specialist, "desk"),  # works at the department, not at the desk
        (fees.other_receiver, "desk"),  # another desk
        (fees.citizen, "desk"),
        (fees.receiver, "online"),  # an officer cannot say the platform was paid
        (platform, "desk"),  # the platform was not at the desk, whatever roles its account holds
        (other_system, "online"),  # an API client without payments:record
    ]
    for user, method in refused:
        with pytest.raises(services.NotPermitted):
            pay(dossier, user, method=method, reference=f"{user.username}-1")

    assert nothing_written(dossier, dossier.version)


# The single window


def dossier_page(client, dossier):
    return client.get(reverse("admin:workflows_dossier_change", args=[dossier.pk]))


def post_payment(client, dossier, **data):
    return client.post(reverse("admin:workflows_dossier_payment", args=[dossier.pk]),
                       {"expected_version": dossier.version, "amount": FEES, "reference": "BL-0007", **data},
                       follow=True)


def test_the_desk_records_a_payment_from_the_dossier_page(client, fees):
    dossier = received(fees)
    client.force_login(fees.receiver)

    form = dossier_page(client, dossier).context["payment_form"]
    assert form.initial == {"amount": FEES, "expected_version": dossier.version}

    response = post_payment(client, dossier)

    assert response.redirect_chain[-1][0] == reverse("admin:workflows_dossier_change", args=[dossier.pk])
    payment = Payment.objects.get()
    assert (payment.dossier_id, payment.amount, payment.method, payment.reference, payment.recorded_by) == (
        dossier.pk, FEES, "desk", "BL-0007", fees.receiver)
    body = response.content.decode()
    assert "BL-0007" in body and response.context["payment_form"] is None  # nothing left to pay


def test_a_refused_desk_payment_shows_on_the_form_and_records_nothing(client, fees):
    dossier = received(fees)
    client.force_login(fees.receiver)

    too_much = post_payment(client, dossier, amount=FEES + 1)
    assert too_much.status_code == 200 and "amount" in too_much.context["payment_form"].errors
    assert "BL-0007" not in too_much.content.decode().split('id="payments"')[1].split("</table>")[0]

    stale = post_payment(client, dossier, expected_version=dossier.version - 1)
    assert stale.status_code == 200 and stale.context["payment_form"].non_field_errors()
    assert stale.context["payment_form"]["expected_version"].value() == dossier.version

    blank = post_payment(client, dossier, amount="", reference="")
    assert blank.status_code == 200 and {"amount", "reference"} <= set(blank.context["payment_form"].errors)

    client.force_login(fees.specialist)  # sees the dossier at the department, takes no money
    refused = post_payment(client, dossier)
    assert refused.status_code == 200 and refused.context["payment_form"].non_field_errors()
    assert not Payment.objects.exists()


def test_the_form_is_offered_to_the_desk_only_while_fees_are_due(client, office):
    no_fees = received(office)
    client.force_login(office.receiver)
    assert dossier_page(client, no_fees).context["payment_form"] is None

    with_fees(office, FEES)
    dossier = received(office)
    assert dossier_page(client, dossier).context["payment_form"] is not None
    client.force_login(office.specialist)
    page = dossier_page(client, dossier)
    assert page.status_code == 200 and page.context["payment_form"] is None
