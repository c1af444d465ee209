"""Real PostgreSQL connections acting at once: one officer wins, codes never collide."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from workflows import services
from workflows.models import Dossier

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
