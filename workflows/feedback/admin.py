from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onestop.admin_pages import ServiceKeptAdmin
from onestop.http import client_ip
from procedures.formatting import local_moment
from workflows.dossiers.selectors import due_soon_before, is_province_admin, visible_dossiers
from workflows.dossiers.staff import StaffRole, agencies_where

from . import selectors, services
from .forms import AnswerForm
from .models import Feedback, FeedbackAuditEntry


class QueueFilter(admin.SimpleListFilter):
    title = gettext_lazy("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(queue.slug, queue.label) for queue in selectors.queues(timezone.now())]

    def queryset(self, request, queryset):
        queue = next((queue for queue in selectors.queues(timezone.now()) if queue.slug == self.value()), None)
        return queryset.filter(queue.condition) if queue else queryset


@admin.register(Feedback)
class FeedbackAdmin(ServiceKeptAdmin):
    """The window's feedback queue: what the agencies of a staff member's answering roles must answer, marked
    due soon or overdue, and each feedback's page with the answer form. What the citizen wrote is never edited;
    feedback changes only through its answer."""

    list_display = ["code_link", "kind", "procedure_name", "agency", "sent_on", "deadline", "verdict"]
    list_filter = [QueueFilter, "kind", "satisfied"]
    search_fields = ["=code", "=dossier__code", "author_name"]
    list_select_related = ["procedure", "agency"]
    list_per_page = 25
    change_list_template = "admin/feedback/feedback/change_list.html"

    def has_module_permission(self, request):
        return selectors.may_read_feedback(request.user)

    def get_queryset(self, request):
        return selectors.visible_feedback(request.user)

    def get_list_display(self, request):
        # Most staff answer for one agency: its name on every row says nothing.
        if is_province_admin(request.user) or len(agencies_where(request.user, *selectors.ANSWERING_ROLES)) > 1:
            return self.list_display
        return [name for name in self.list_display if name != "agency"]

    def get_ordering(self, request):
        # What waits for an answer comes most urgent first; the rest newest first.
        return ["due_at", "id"] if request.GET.get("queue") in ("open", "due_soon", "overdue") else [
            "-submitted_at", "-id"]

    def changelist_view(self, request, extra_context=None):
        waiting = [queue for queue in selectors.queues(timezone.now()) if queue.slug != "answered"]
        counts = self.get_queryset(request).order_by().aggregate(
            **{queue.slug: Count("pk", filter=queue.condition) for queue in waiting})
        extra_context = {**(extra_context or {}),
                         "queue_counts": [(queue, counts[queue.slug]) for queue in waiting],
                         "current_queue": request.GET.get("queue", "")}
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("feedback code"), ordering="code")
    def code_link(self, feedback):
        return format_html('<a href="{}">{}</a>', reverse("admin:feedback_feedback_change", args=[feedback.pk]),
                           feedback.code)

    @admin.display(description=gettext_lazy("procedure"), ordering="procedure__name")
    def procedure_name(self, feedback):
        return feedback.procedure.name if feedback.procedure_id else "—"

    @admin.display(description=gettext_lazy("sent on"), ordering="submitted_at")
    def sent_on(self, feedback):
        return local_moment(feedback.submitted_at)

    @admin.display(description=gettext_lazy("answer due"), ordering="due_at")
    def deadline(self, feedback):
        now = timezone.now()
        status = selectors.deadline_status(feedback, now, due_soon_before(now))
        return format_html('<span class="sla sla-{}">{}<br>{}</span>', status,
                           local_moment(feedback.due_at), DEADLINE_LABELS[status])

    @admin.display(description=gettext_lazy("satisfied"))
    def verdict(self, feedback):
        if feedback.satisfied is None:
            return "—"
        return _("Satisfied") if feedback.satisfied else _("Not satisfied")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [path("<int:pk>/answer/", wrap(self.answer_view), name="feedback_feedback_answer"),
                *super().get_urls()]

    def _visible(self, request, pk):
        feedback = (self.get_queryset(request).select_related("author", "answered_by", "dossier__procedure")
                    .filter(pk=pk).first())
        if feedback is None:
            raise Http404
        return feedback

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            raise PermissionDenied  # feedback changes only through its answer (answer_view)
        return self._feedback_page(request, self._visible(request, object_id))

    def _feedback_page(self, request, feedback, *, answer_form=None):
        now = timezone.now()
        deadline = selectors.deadline_status(feedback, now, due_soon_before(now))
        may_answer = feedback.status == Feedback.Status.OPEN and selectors.may_answer(request.user, feedback)
        entries = (FeedbackAuditEntry.objects.filter(feedback=feedback).select_related("actor", "actor_agency")
                   .order_by("at", "id"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "title": str(feedback), "feedback": feedback,
            "deadline": deadline, "deadline_label": DEADLINE_LABELS[deadline],
            "dossier_visible": feedback.dossier_id is not None
            and visible_dossiers(request.user).filter(pk=feedback.dossier_id).exists(),
            "answer_form": answer_form or (AnswerForm() if may_answer else None),
            "entries": [{"entry": entry, "action": ACTION_LABELS.get(entry.action, entry.action),
                         "role": ROLE_LABELS.get(entry.actor_role, entry.actor_role)} for entry in entries],
        }
        return TemplateResponse(request, "admin/feedback/feedback/feedback.html", context)

    def answer_view(self, request, pk):
        """An officer of the agency that must answer sends the answer, and says whether it is published."""
        if request.method != "POST":
            return redirect("admin:feedback_feedback_change", pk)
        feedback = self._visible(request, pk)
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                services.answer_feedback(feedback=feedback, acting_user=request.user,
                                         answer=form.cleaned_data["answer"], publish=form.cleaned_data["publish"],
                                         client_ip=client_ip(request))
            except services.AlreadyAnswered as error:
                messages.warning(request, str(error))
                return redirect("admin:feedback_feedback_change", pk)
            except services.FeedbackError as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                form.add_error("answer", error.message_dict.get("answer", error.messages))
            else:
                messages.success(request, _("Answer sent to the citizen."))
                return redirect("admin:feedback_feedback_change", pk)
        return self._feedback_page(request, feedback, answer_form=form)


DEADLINE_LABELS = {
    "on_time": gettext_lazy("On time"),
    "due_soon": gettext_lazy("Due soon"),
    "overdue": gettext_lazy("Overdue"),
    "answered_on_time": gettext_lazy("Answered on time"),
    "answered_late": gettext_lazy("Answered late"),
}
ACTION_LABELS = {
    "feedback_sent": gettext_lazy("Feedback sent"),
    "feedback_answered": gettext_lazy("Feedback answered"),
    "feedback_rated": gettext_lazy("Verdict on the handling of feedback"),
}
ROLE_LABELS = {
    **{role.value: role.label for role in StaffRole},
    "applicant": gettext_lazy("Applicant"),
    "citizen": gettext_lazy("Citizen"),
}
