from django.db import connection
from django.db.models import Q
from django.utils import timezone

from workflows.worktime.clock import working_calendar

from .models import AdministrativeUnit, Agency, Procedure, ProcedureVersion, RequiredDocument
from .search import TYPO_SIMILARITY, name_similarity, words_match


def search_procedures(*, query="", field=None, level=None, agency=None):
    """The procedures a citizen may file today, matching the words typed and the filters chosen."""
    procedures = Procedure.objects.available().select_related("field", "competent_agency")
    ordering = ["field__name", "name"]
    if query.strip():
        matches = words_match(query, "name", "code", "field__name")
        if connection.vendor == "postgresql":
            # Best matches first; when no procedure has every word, a mistyped one ("khai xinh") still finds its
            # procedure by the similarity of its name.
            procedures = procedures.annotate(similarity=name_similarity(query))
            if procedures.filter(matches).exists():
                procedures = procedures.filter(matches)
            else:
                procedures = procedures.filter(similarity__gte=TYPO_SIMILARITY)
            ordering = ["-similarity", "name"]
        else:
            procedures = procedures.filter(matches)
    if field is not None:
        procedures = procedures.filter(field=field)
    if level:
        procedures = procedures.filter(level=level)
    if agency is not None:
        procedures = procedures.filter(
            Q(competent_agency=agency) | Q(competent_agency__isnull=True, competent_agency_kind=agency.kind)
        )
    return procedures.order_by(*ordering)


def procedure_detail(*, code):
    """One available procedure with everything its public page shows, in a fixed number of queries."""
    return (
        Procedure.objects.available()
        .select_related("field", "competent_agency__unit")
        .prefetch_related("steps", "documents", "fees", "legal_basis")
        .get(code=code)
    )


def communes():
    """The commune-level units in force today (communes, wards, special zones), for choosing where a
    commune-level procedure is settled."""
    return (AdministrativeUnit.objects.effective_today().filter(kind__in=AdministrativeUnit.COMMUNE_KINDS)
            .order_by("name"))


def receiving_desks(*, level, boundary_free):
    """Where an applicant may file a dossier of a procedure settled at `level`."""
    desks = Agency.objects.effective_today().filter(receives_dossiers=True).select_related("unit")
    kinds = _desk_kinds(level, boundary_free)
    return (desks if kinds is None else desks.filter(kind__in=kinds)).order_by("kind", "name")


def receives(desk, *, level, boundary_free):
    """Whether `desk` (as loaded) is one of receiving_desks."""
    kinds = _desk_kinds(level, boundary_free)
    return (desk.receives_dossiers and desk.in_force_on(timezone.localdate())
            and (kinds is None or desk.kind in kinds))


def _desk_kinds(level, boundary_free):
    """The kinds of desk that receive a procedure's dossiers; None when any desk does."""
    if boundary_free:
        return None
    if level == Procedure.Level.PROVINCE:
        return [Agency.Kind.SERVICE_CENTRE, Agency.Kind.SERVICE_CENTRE_BRANCH]
    return [Agency.Kind.COMMUNE_SERVICE_POINT]


def agencies_settling_procedures():
    """Agencies to filter the catalogue by: those that settle at least one procedure, or commune committees."""
    return (
        Agency.objects.effective_today()
        .filter(Q(procedures__isnull=False) | Q(kind=Agency.Kind.COMMUNE_COMMITTEE))
        .distinct()
        .order_by("name")
    )


def downloadable_template(*, procedure_code, document_id):
    """A document template of an available procedure, which anyone may download."""
    return RequiredDocument.objects.exclude(template="").get(
        pk=document_id, procedure__code=procedure_code, procedure__in=Procedure.objects.available()
    )


# Published versions never change, so each process reads one at most once (the catalogue holds a few thousand).
_frozen_versions = {}


def frozen_version(pk, *, procedure_id):
    """A published version of a procedure, from this process's memory after the first read."""
    version = _frozen_versions.get(pk)
    if version is None or version.procedure_id != procedure_id:
        if len(_frozen_versions) >= 20_000:
            _frozen_versions.clear()
        version = _frozen_versions[pk] = ProcedureVersion.objects.get(pk=pk)
    return version


def current_version(procedure):
    """The version a dossier of `procedure` is filed under today (None before it is published), from memory."""
    pk = procedure.versions.order_by("-number").values_list("pk", flat=True).first()
    return frozen_version(pk, procedure_id=procedure.pk) if pk is not None else None


def expected_appointment(procedure, received_at=None):
    """When a dossier of this procedure received at `received_at` (now by default) would be settled, and how many
    working minutes from receipt that is: what desks quote on the phone and the portal shows."""
    received_at = received_at or timezone.now()
    calendar = working_calendar()
    appointment = calendar.due(received_at, procedure.time_limit_rule)
    return {"received_at": received_at, "appointment": appointment,
            "working_minutes": calendar.working_minutes_between(received_at, appointment)}
