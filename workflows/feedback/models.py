from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency, Procedure
from workflows.dossiers.models import AuditRecord, Dossier


class FeedbackQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Feedback.Status.OPEN)

    def answered(self):
        return self.filter(status=Feedback.Status.ANSWERED)

    def answered_on_time(self):
        """Answered by the due date (Decision 766: feedback answered on time)."""
        return self.answered().filter(answered_at__lte=F("due_at"))

    def answered_late(self):
        return self.answered().filter(answered_at__gt=F("due_at"))

    def overdue(self, now):
        """Still waiting for an answer after its due date."""
        return self.open().filter(due_at__lt=now)

    def due_soon(self, now, before):
        """Still open, due between `now` and `before` (the window's due-soon horizon)."""
        return self.open().filter(due_at__gte=now, due_at__lt=before)

    def public(self):
        """What the public page may list: answered, and published by the officer who answered."""
        return self.answered().filter(is_public=True)


class Feedback(models.Model):
    """A citizen's feedback (phản ánh) or recommendation (kiến nghị) on a dossier or a procedure, answered by the
    agency that must answer it within its working days; the citizen then says whether they are satisfied.
    Changed only by workflows.feedback.services. Name, email and phone are personal data: never shown publicly."""

    class Kind(models.TextChoices):
        FEEDBACK = "feedback", _("Feedback")
        RECOMMENDATION = "recommendation", _("Recommendation")

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")

    code = models.CharField(_("feedback code"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.PROTECT, null=True, blank=True,
                                related_name="feedback")
    # The dossier's procedure when the feedback is on a dossier, so the indicators group both alike.
    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="feedback")
    agency = models.ForeignKey(Agency, verbose_name=_("agency that answers"), on_delete=models.PROTECT,
                               related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sender's account"),
                               on_delete=models.PROTECT, null=True, blank=True, related_name="feedback")
    author_name = models.CharField(_("sender"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    content = models.TextField(_("content"), max_length=5000)
    submitted_at = models.DateTimeField(_("sent on"))
    due_at = models.DateTimeField(_("answer due"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"),
                                    on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    is_public = models.BooleanField(_("published"), default=False,
                                    help_text=_("Listed on the public page, without personal data."))
    satisfied = models.BooleanField(_("satisfied with the handling"), null=True, blank=True)
    rated_at = models.DateTimeField(_("verdict given"), null=True, blank=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback and recommendations")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", answered_at__isnull=True, answer="")
                | (Q(status="answered", answered_at__isnull=False) & ~Q(answer="")),
                name="feedback_answer_matches_status"),
            models.CheckConstraint(condition=Q(is_public=False) | Q(status="answered"),
                                   name="feedback_public_once_answered"),
            models.CheckConstraint(condition=Q(satisfied__isnull=True, rated_at__isnull=True)
                                   | Q(status="answered", satisfied__isnull=False, rated_at__isnull=False),
                                   name="feedback_verdict_after_answer"),
            models.CheckConstraint(condition=Q(dossier__isnull=False) | Q(procedure__isnull=False),
                                   name="feedback_on_dossier_or_procedure"),
            models.CheckConstraint(condition=Q(author__isnull=False) | ~Q(email="") | ~Q(phone=""),
                                   name="feedback_sender_reachable"),
        ]
        indexes = [
            # The window's queues: an agency's open feedback by due date (to answer, due soon, overdue).
            models.Index(fields=["agency", "status", "due_at"], name="feedback_agency_queue_idx"),
            # The province administrator's due-soon and overdue queues, and the indicators' feedback falling due.
            models.Index(fields=["due_at"], name="feedback_due_idx"),
            # The indicators count by the day each was sent, answered and judged.
            models.Index(fields=["submitted_at"], name="feedback_submitted_idx"),
            models.Index(fields=["answered_at"], name="feedback_answered_idx"),
            models.Index(fields=["rated_at"], condition=Q(rated_at__isnull=False), name="feedback_rated_idx"),
            # The public page, newest answer first.
            models.Index(fields=["-answered_at"], condition=Q(is_public=True, status="answered"),
                         name="feedback_public_idx"),
            # The citizen's own list.
            models.Index(fields=["author", "-submitted_at"], name="feedback_author_idx"),
            models.Index(Upper("code"), name="feedback_code_search_idx"),
        ]

    def __str__(self):
        return self.code

    @property
    def answered_on_time(self):
        """Answered by its due date; None while waiting for the answer."""
        if self.answered_at is None:
            return None
        return self.answered_at <= self.due_at

    def is_overdue(self, now=None):
        return self.status == self.Status.OPEN and self.due_at < (now or timezone.now())


class FeedbackAuditEntry(AuditRecord):
    """One thing that happened to a feedback. Every feedback keeps its whole history here, whatever it is about;
    one on a dossier is also written into the dossier's own audit trail, which tells the dossier's story."""

    feedback = models.ForeignKey(Feedback, on_delete=models.PROTECT, related_name="audit_entries")

    class Meta:
        verbose_name = _("feedback audit entry")
        verbose_name_plural = _("feedback audit trail")
        ordering = ["feedback", "at", "id"]
        indexes = [models.Index(fields=["feedback", "at"], name="feedback_audit_at_idx")]
