"""Every act starts by locking the dossier's row with a statement the ORM writes once: what it reads is the dossier
as the ORM reads it, and it is refused outside the transaction that changes the dossier."""

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from tests.workflows.test_audit_integrity import settled
from workflows.dossiers.models import Dossier
from workflows.dossiers.prepared import PreparedQuery
from workflows.dossiers.services.core import lock


@pytest.mark.django_db
def test_the_locked_dossier_is_the_dossier_as_the_orm_reads_it(office):
    dossier = settled(office)  # dates, JSON, money, a result file and a code all set
    with transaction.atomic():
        locked = lock(dossier, dossier.version)
    read = Dossier.objects.get(pk=dossier.pk)
    for field in Dossier._meta.concrete_fields:
        assert getattr(locked, field.attname) == getattr(read, field.attname), field.name
    assert locked.procedure_version.snapshot == read.procedure_version.snapshot


@pytest.mark.django_db
def test_a_dossier_that_is_gone_cannot_be_locked(office):
    with transaction.atomic(), pytest.raises(Dossier.DoesNotExist):
        lock(Dossier(pk=987_654_321), None)


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused(office):
    dossier = settled(office)
    with pytest.raises(TransactionManagementError):
        lock(dossier, None)


def test_a_prepared_query_takes_the_id_as_its_only_parameter():
    with pytest.raises(ValueError, match="exactly one parameter"):
        PreparedQuery(lambda pk: Dossier.objects.filter(pk=pk, version__gt=1)).sql()
