"""Real PostgreSQL connections acting at once: one officer wins, codes never collide."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from workflows.dossiers import services
from workflows.dossiers.models import Dossier
from workflows.payments import services as payments

pytestmark = pytest.mark.django_db(transaction=True)


def in_own_connection(function):
    """Runs in a worker thread, which Django gives its own database connection."""

    def run(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    return run


def test_two_officers_acting_at_once_one_wins_the_other_is_told_to_reload(office):
    dossier = services.submit_dossier(
        dossier=services.create_draft(procedure=office.procedure, acting_user=office.citizen),
        acting_user=office.citizen, receiving_agency=office.desk,
    )
    seen = dossier.version
    start = threading.Barrier(2)

    @in_own_connection
    def act(service, **kwargs):
        start.wait()
        try:
            service(dossier=Dossier.objects.get(pk=dossier.pk), acting_user=office.receiver,
                    expected_version=seen, **kwargs)
            return "done"
        except services.DossierChanged as error:
            return str(error)

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda job: act(*job[0], **job[1]), [
            ((services.receive_dossier,), {}),
            ((services.refuse_dossier,), {"reason": "Không thuộc thẩm quyền"}),
        ]))

    assert sorted(outcome == "done" for outcome in outcomes) == [False, True]
    dossier.refresh_from_db()
    assert dossier.state in ("received", "refused")
    assert dossier.version == seen + 1
    assert dossier.audit_entries.filter(action__in=["receive", "refuse"]).count() == 1


def test_concurrent_filing_at_one_desk_gives_unique_gap_free_codes(office):
    drafts = [services.create_draft(procedure=office.procedure, acting_user=office.citizen) for _ in range(40)]

    @in_own_connection
    def submit(draft):
        return services.submit_dossier(dossier=draft, acting_user=office.citizen,
                                       receiving_agency=office.desk).code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(submit, drafts))

    assert len(set(codes)) == 40
    assert sorted(int(code.rsplit("-", 1)[1]) for code in codes) == list(range(1, 41))


def test_two_desks_recording_at_once_never_take_more_than_is_due(office, monkeypatch):
    from django.core.exceptions import ValidationError

    from tests.office import with_fees

    with_fees(office, 100_000)
    dossier = services.receive_dossier(dossier=services.submit_dossier(
        dossier=services.create_draft(procedure=office.procedure, acting_user=office.citizen),
        acting_user=office.citizen, receiving_agency=office.desk), acting_user=office.receiver)
    start = threading.Barrier(2)
    audit = payments.audit

    def slow_audit(*args, **kwargs):
        # The first payment holds the dossier's lock a while: the second must wait for it, then see it.
        time.sleep(0.3)
        return audit(*args, **kwargs)

    monkeypatch.setattr(payments, "audit", slow_audit)

    @in_own_connection
    def pay(officer, reference):
        start.wait()
        try:
            payments.record_payment(dossier=Dossier.objects.get(pk=dossier.pk), acting_user=officer,
                                    amount=60_000, method="desk", reference=reference)
            return "paid"
        except ValidationError as error:
            return error.message_dict["amount"][0]

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda job: pay(*job), [(office.receiver, "BL-1"), (office.result_desk, "BL-2")]))

    assert sorted(outcome == "paid" for outcome in outcomes) == [False, True]
    dossier.refresh_from_db()
    assert (dossier.fees_paid, dossier.payments.count()) == (60_000, 1)
    assert dossier.audit_entries.filter(action="record_payment").count() == 1


def test_a_callback_delivered_twice_at_once_records_one_payment(office, django_user_model):
    from tests.api.conftest import Integrator
    from tests.office import with_fees

    with_fees(office, 100_000)
    dossier = services.submit_dossier(
        dossier=services.create_draft(procedure=office.procedure, acting_user=office.citizen),
        acting_user=office.citizen, receiving_agency=office.desk)
    platform = Integrator(django_user_model, "paygov", scopes=["payments:record"]).account
    start = threading.Barrier(2)

    @in_own_connection
    def callback(_):
        start.wait()
        payment, created = payments.record_payment(dossier=Dossier.objects.get(pk=dossier.pk), acting_user=platform,
                                                   amount=100_000, method="online", reference="PAYGOV-000123")
        return payment.pk, created

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(callback, range(2)))

    assert len({pk for pk, _created in outcomes}) == 1
    assert sorted(created for _pk, created in outcomes) == [False, True]
    dossier.refresh_from_db()
    assert (dossier.fees_paid, dossier.payments.count()) == (100_000, 1)
    assert dossier.audit_entries.filter(action="record_payment").count() == 1
