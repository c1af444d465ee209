"""What the citizen portal reads: always the signed-in citizen's own dossiers, with what each page shows."""

from allauth.account.models import EmailAddress
from django.db.models import Prefetch
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from workflows.models import AuditEntry, Dossier, DossierDocument, Notification

# The events of a dossier's life a citizen is told about, in their words. Internal steps (assignments,
# hand-backs between officers, consultation answers) stay inside the administration.
TIMELINE_EVENTS = {
    "created": _("You started this dossier"),
    "submit": _("Submitted"),
    "receive": _("Received: the appointment is set"),
    "refuse": _("Not received"),
    "request_documents": _("You were asked to complete the dossier"),
    "resubmit": _("You completed the dossier"),
    "hand_over": _("Moved on to the next step of processing"),
    "request_supplement": _("You were asked for a supplement: the clock stopped"),
    "supply": _("Supplement received: the clock restarted"),
    "consult": _("Other agencies were consulted"),
    "apologise": _("Apology: a new appointment"),
    "approve": _("Result ready"),
    "refuse_result": _("Result: not eligible"),
    "return_result": _("Result returned"),
    "withdraw": _("You withdrew this dossier"),
    "accept_withdrawal": _("Your withdrawal was accepted"),
    "decline_withdrawal": _("Your withdrawal request was declined"),
    "rated": _("You rated the service"),
    "record_payment": _("Your payment of the fees was recorded"),
}
# Whose note the citizen reads: the reasons and requests addressed to them.
EVENTS_WITH_NOTES = {"refuse", "request_documents", "request_supplement", "apologise", "refuse_result", "withdraw",
                     "decline_withdrawal"}
# Withdrawing a received dossier is a request the agency settles.
WITHDRAWAL_REQUEST_LABEL = _("You asked to withdraw this dossier")


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
    """The events the citizen sees, oldest first, each with its label and, where addressed to them, its note."""
    entries = AuditEntry.objects.filter(dossier=dossier, action__in=TIMELINE_EVENTS).order_by("at", "id")
    return [
        {"at": entry.at, "action": entry.action,
         "label": WITHDRAWAL_REQUEST_LABEL if entry.to_state == Dossier.State.WITHDRAWAL_REQUESTED
         else TIMELINE_EVENTS[entry.action],
         "note": entry.note if entry.action in EVENTS_WITH_NOTES else "",
         "new_appointment": parse_datetime(entry.data["new_appointment"]) if "new_appointment" in entry.data
         else None}
        for entry in entries.only("at", "action", "note", "data", "to_state")
    ]


def find_for_lookup(*, code, verifier):
    """The public lookup: the dossier whose code matches and whose applicant's phone number, or the last four
    digits of their identity number, matches too; None otherwise. Drafts have no code and are never found."""
    verifier = _digits(verifier)
    if len(verifier) < 4:
        return None
    dossier = (Dossier.objects.filter(code=code.strip().upper())
               .select_related("procedure", "receiving_agency")
               .only("id", "code", "state", "appointment_at", "due_at", "paused_at", "result_at", "apology_count",
                     "applicant_phone", "applicant_identity_number", "procedure__name",
                     "receiving_agency__name")
               .first())
    if dossier is None:
        return None
    identity, phone = dossier.applicant_identity_number, _digits(dossier.applicant_phone)
    if (len(verifier) == 4 and len(identity) == 12 and identity.endswith(verifier)) or (
        len(verifier) >= 9 and verifier == phone
    ):
        return dossier
    return None


def _digits(value):
    """A phone number or identity number as digits alone, +84 written as the leading 0."""
    digits = "".join(character for character in value or "" if character.isdigit())
    return "0" + digits[2:] if digits.startswith("84") and len(digits) == 11 else digits


def inbox(user):
    """The citizen's notifications, newest first, with their dossier for the link."""
    return (Notification.objects.filter(recipient=user).select_related("dossier")
            .only("id", "event", "data", "created_at", "read_at", "dossier__id", "dossier__code"))


def unread_count(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
