"""What the citizen portal reads: always the signed-in citizen's own dossiers, with what each page shows."""

from allauth.account.models import EmailAddress
from django.db.models import Prefetch
from django.utils.dateparse import parse_datetime

from workflows.dossiers import transitions
from workflows.dossiers.models import AuditEntry, Dossier, DossierDocument
from workflows.notifications.models import Notification


def has_verified_contact(user):
    """Whether the agency can reach this citizen: a verified phone, or a verified email address."""
    return user.phone_verified or EmailAddress.objects.filter(user=user, verified=True).exists()


def citizen_dossiers(user):
    """The citizen's own dossiers, newest first, with what the list shows."""
    return (Dossier.objects.filter(applicant=user)
            .select_related("procedure", "receiving_agency")
            .only("id", "code", "state", "created_at", "submitted_at", "appointment_at", "due_at", "paused_at",
                  "result_at", "apology_count", "procedure__name", "procedure__code", "receiving_agency__name")
            .order_by("-created_at", "-id"))


def citizen_dossier(user, pk):
    """One of the citizen's own dossiers, with its documents; DoesNotExist for anyone else's."""
    current = DossierDocument.objects.filter(is_current=True).order_by("document_order")
    return (Dossier.objects.filter(applicant=user)
            .select_related("procedure", "procedure_version", "receiving_agency", "competent_agency",
                            "result_desk", "commune", "rating")
            .prefetch_related(Prefetch("documents", queryset=current, to_attr="current_documents"))
            .get(pk=pk))


def citizen_document(user, dossier_pk, document_pk):
    return DossierDocument.objects.get(pk=document_pk, dossier_id=dossier_pk, dossier__applicant=user)


def timeline(dossier):
    """The events the citizen sees, oldest first, each with its label and, where addressed to them, its note.
    Internal steps (assignments, hand-backs between officers, consultation answers) stay inside the
    administration: the transition registry says which events the applicant sees."""
    entries = AuditEntry.objects.filter(dossier=dossier, action__in=transitions.timeline_actions())
    return [
        {"at": entry.at, "action": entry.action, "label": transitions.timeline_label(entry.action, entry.to_state),
         "note": entry.note if transitions.shows_note(entry.action) else "",
         "new_appointment": parse_datetime(entry.data["new_appointment"]) if "new_appointment" in entry.data
         else None}
        for entry in entries.order_by("at", "id").only("at", "action", "note", "data", "to_state")
    ]


def inbox(user):
    """The citizen's notifications, newest first, with their dossier for the link."""
    return (Notification.objects.filter(recipient=user).select_related("dossier")
            .only("id", "event", "data", "created_at", "read_at", "dossier__id", "dossier__code"))


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
