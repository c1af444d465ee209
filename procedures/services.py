from django.db import transaction

from .models import Procedure, ProcedureVersion
from .validators import validate_step_shares


@transaction.atomic
def publish_procedure_version(*, procedure, acting_user=None):
    """Freeze the procedure as it now stands, so dossiers filed from now on keep exactly this version.

    Refuses (ValidationError) a procedure whose steps do not add up to its time limit. Publishing an unchanged
    procedure returns its current version instead of a duplicate.
    """
    procedure = (
        Procedure.objects.select_for_update(of=("self",))
        .select_related("field", "competent_agency", "result_type")
        .prefetch_related("steps", "documents__document_type", "fees", "legal_basis", "form_fields")
        .get(pk=procedure.pk)
    )
    validate_step_shares(time_limit=procedure.time_limit, shares=[step.share for step in procedure.steps.all()])
    snapshot = procedure.snapshot()
    current = procedure.current_version
    if current is not None and current.snapshot == snapshot:
        return current
    return ProcedureVersion.objects.create(
        procedure=procedure,
        number=current.number + 1 if current else 1,
        snapshot=snapshot,
        created_by=acting_user,
    )
