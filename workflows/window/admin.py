from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onestop.admin_pages import ServiceKeptAdmin
from onestop.http import client_ip
from procedures.formatting import local_moment, vnd
from procedures.forms import readable_answers
from procedures.models import Procedure, StepRole
from workflows.dossiers import rules, selectors, services, transitions, web
from workflows.dossiers.models import Dossier, DossierDocument
from workflows.dossiers.staff import StaffRole, agencies_where, staff_roles
from workflows.dossiers.states import CLOCK_STATES, PAYABLE_STATES, State
from workflows.paperwork import book, slips
from workflows.paperwork.forms import BookForm
from workflows.paperwork.web import book_response, slip_response
from workflows.payments import services as payments
from workflows.payments.forms import DeskPaymentForm
from workflows.payments.models import Payment
from workflows.store import services as store

from . import counter
from .display import sla_badge
from .forms import TransitionForm, VerifyDocumentForm


class QueueFilter(admin.SimpleListFilter):
    title = gettext_lazy("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [(queue.slug, queue.label) for queue in selectors.queues(request.user)]

    def queryset(self, request, queryset):
        queue = next((queue for queue in selectors.queues(request.user) if queue.slug == self.value()), None)
        return queryset.filter(queue.condition) if queue else queryset


class SlaFilter(admin.SimpleListFilter):
    title = gettext_lazy("deadline")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("on_time", _("On time")), ("due_soon", _("Due soon")), ("overdue", _("Overdue")),
                ("paused", _("Clock stopped"))]

    def queryset(self, request, queryset):
        return queryset.filter(selectors.sla_condition(self.value())) if self.value() else queryset


class StepFilter(admin.SimpleListFilter):
    """Steps by name: a chosen procedure's own steps, otherwise what each kind of step does."""

    title = gettext_lazy("step")
    parameter_name = "step"

    ROLE_STEPS = {StepRole.RECEIVING_OFFICER: gettext_lazy("Receiving at the desk"),
                  StepRole.SPECIALIST: gettext_lazy("Examination by the specialist"),
                  StepRole.DEPARTMENT_HEAD: gettext_lazy("Review by the department head"),
                  StepRole.AGENCY_LEADER: gettext_lazy("Signing by the agency leader"),
                  StepRole.RESULT_DESK: gettext_lazy("Returning the result")}

    def lookups(self, request, model_admin):
        procedure = Procedure.objects.filter(pk=_digits(request.GET.get("procedure__id__exact"))).first()
        version = procedure.current_version if procedure else None
        if version is not None:
            return [(str(step["order"]), f"{step['order']}. {step['name']}") for step in version.snapshot["steps"]]
        return list(self.ROLE_STEPS.items())

    def queryset(self, request, queryset):
        # Anything but a listed step (a hand-edited URL) shows the queue unfiltered.
        value = self.value() or ""
        if value in self.ROLE_STEPS:
            return queryset.filter(step_role=value)
        if value.isdigit() and len(value) < 3:
            return queryset.filter(current_step_order=int(value))
        return queryset


def _digits(value):
    return int(value) if value and value.isdigit() and len(value) < 10 else None


class CappedCountPaginator(Paginator):
    """Counting every dossier of a province costs more than showing a page: past CAP the count stops."""

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.CAP + 1].count()


@admin.register(Dossier)
class DossierAdmin(ServiceKeptAdmin):
    """The single window: queues of the dossiers a staff member's agencies and roles allow, and each dossier's
    page with the transitions they may take now. Dossiers change through their transitions only."""

    # The clock leads; the columns fit 1,280 px beside the filters (long procedure names are clipped, in full
    # on hover).
    list_display = ["time_left", "code_link", "applicant_name", "procedure_name", "state_and_step", "assigned_to",
                    "appointment"]
    list_filter = [QueueFilter, SlaFilter, StepFilter, "state", "channel", "procedure__field", "procedure"]
    search_fields = ["=code", "applicant_name", "=applicant_identity_number", "=applicant_phone"]
    list_select_related = ["procedure", "procedure_version", "assignee"]
    list_per_page = 25
    ordering = ["-submitted_at", "-id"]
    paginator = CappedCountPaginator
    show_full_result_count = False
    change_list_template = "admin/workflows/dossier/change_list.html"

    def has_module_permission(self, request):
        return request.user.is_active and (request.user.is_superuser or bool(staff_roles(request.user)))

    def get_queryset(self, request):
        return selectors.visible_dossiers(request.user).order_by("-submitted_at", "-id")

    @admin.display(description=gettext_lazy("code"), ordering="code")
    def code_link(self, dossier):
        return format_html('<a href="{}">{}</a>', reverse("admin:workflows_dossier_change", args=[dossier.pk]),
                           dossier.code or _("Draft #%(id)s") % {"id": dossier.pk})

    @admin.display(description=gettext_lazy("procedure"), ordering="procedure__name")
    def procedure_name(self, dossier):
        return format_html('<span class="clamp" title="{}">{}</span>', dossier.procedure.name, dossier.procedure.name)

    @admin.display(description=gettext_lazy("state and step"), ordering="state")
    def state_and_step(self, dossier):
        step = dossier.current_step
        return format_html("{}<br><small>{}</small>", dossier.get_state_display(), step["name"] if step else "")

    @admin.display(description=gettext_lazy("Assigned to"), ordering="assignee__username")
    def assigned_to(self, dossier):
        return dossier.assignee or "—"

    @admin.display(description=gettext_lazy("appointment"), ordering="appointment_at")
    def appointment(self, dossier):
        return local_moment(dossier.appointment_at) if dossier.appointment_at else "—"

    @admin.display(description=gettext_lazy("deadline"), ordering="due_at")
    def time_left(self, dossier):
        return sla_badge(dossier)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "queue_counts": selectors.queue_counts(request.user),
                         "current_queue": request.GET.get("queue", ""),
                         "can_file_walk_in": bool(agencies_where(request.user, StaffRole.RECEIVING_OFFICER)),
                         "can_open_book": book.desks_for(request.user).exists()}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("file/", wrap(self.file_walk_in_view), name="workflows_dossier_file"),
            path("file/applicant/", wrap(counter.applicant_lookup_view), name="workflows_dossier_applicant"),
            path("book/", wrap(self.book_view), name="workflows_dossier_book"),
            path("<int:pk>/act/<slug:name>/", wrap(self.act_view), name="workflows_dossier_act"),
            path("<int:pk>/note/", wrap(self.note_view), name="workflows_dossier_note"),
            path("<int:pk>/answer/", wrap(self.answer_view), name="workflows_dossier_answer"),
            path("<int:pk>/payment/", wrap(self.payment_view), name="workflows_dossier_payment"),
            path("<int:pk>/document/<int:document_pk>/", wrap(self.document_view),
                 name="workflows_dossier_document"),
            path("<int:pk>/document/<int:document_pk>/verify/", wrap(self.verify_document_view),
                 name="workflows_dossier_verify_document"),
            path("<int:pk>/store/<int:item_pk>/", wrap(self.store_item_view), name="workflows_dossier_store_item"),
            path("<int:pk>/slip/<slug:name>/", wrap(self.slip_view), name="workflows_dossier_slip"),
            *super().get_urls(),
        ]

    def _visible(self, request, pk):
        dossier = (self.get_queryset(request).select_related(
            "procedure", "procedure_version", "receiving_agency", "competent_agency", "result_desk", "filing_desk",
            "assignee", "commune").filter(pk=pk).first())
        if dossier is None:
            raise Http404
        return dossier

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            raise PermissionDenied  # a dossier changes only through its transitions (act_view)
        return self._dossier_page(request, self._visible(request, object_id))

    def _dossier_page(self, request, dossier, *, payment_form=None, taken=None):
        """The dossier's page; `taken` is a transition's form sent back with its errors and what was typed."""
        offered = [
            {"name": transition.name, "label": transition.custom.get("label", transition.name),
             "form": taken if taken is not None and taken.transition.name == transition.name
             else TransitionForm(name=transition.name, dossier=dossier, initial={"expected_version": dossier.version})}
            for transition in services.available_transitions(dossier, request.user)
            if transitions.get(transition.name).in_window
        ]
        # The registry's order: the way forward first, refusals after it.
        order = list(transitions.TRANSITIONS)
        offered.sort(key=lambda offer: order.index(offer["name"]))
        snapshot = dossier.procedure_version.snapshot
        consultations = list(dossier.consultations.select_related("agency"))
        my_agencies = {agency_id for agency_id, _role in staff_roles(request.user)}
        answers = readable_answers(snapshot.get("form", []), dossier.form_data)
        trail = list(selectors.audit_trail(dossier))
        trail_breaks = selectors.trail_breaks(trail)
        broken = {found.entry_id for found in trail_breaks}
        entries = [
            {"entry": entry, "action": transitions.label(entry.action),
             "from": _state_label(entry.from_state), "to": _state_label(entry.to_state),
             "role": _role_label(entry.actor_role), "broken": entry.pk in broken}
            for entry in trail
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "title": str(dossier), "dossier": dossier, "snapshot": snapshot,
            "answers": answers, "entries": entries, "trail_breaks": trail_breaks,
            "transitions": offered,
            "documents": dossier.documents.filter(is_current=True).order_by("document_order"),
            "may_verify": dossier.state == State.SUBMITTED and rules.is_receiving_officer(dossier, request.user),
            "clock": dossier.clock() if dossier.state in CLOCK_STATES else None,
            "step_clock": dossier.clock(due_at=dossier.step_due_at)
            if dossier.step_due_at and dossier.state in CLOCK_STATES else None,
            "slips": [(name, slips.SLIPS[name].label) for name in slips.available_slips(dossier)],
            "consultations": consultations,
            "may_answer": dossier.state == State.CONSULTING and any(
                consultation.answered_at is None and consultation.agency_id in my_agencies
                for consultation in consultations),
            "payments": dossier.payments.select_related("recorded_by").order_by("paid_at", "id"),
            "payment_form": payment_form or (self._desk_payment_form(dossier)
                                             if self._may_take_desk_payment(request, dossier) else None),
        }
        return TemplateResponse(request, "admin/workflows/dossier/dossier.html", context)

    @staticmethod
    def _may_take_desk_payment(request, dossier):
        return (dossier.fees_outstanding > 0 and dossier.state in PAYABLE_STATES
                and payments.may_record_payment(dossier, request.user, Payment.Method.DESK))

    @staticmethod
    def _desk_payment_form(dossier, data=None):
        return DeskPaymentForm(data, initial={"amount": dossier.fees_outstanding,
                                              "expected_version": dossier.version})

    def file_walk_in_view(self, request):
        return counter.file_walk_in_view(request, model_admin=self)

    def act_view(self, request, pk, name):
        """Takes a transition. What the person typed is kept: a form error or a refusal by the service shows the
        page again with the form as it was sent; a dossier someone else changed meanwhile is shown afresh."""
        if request.method != "POST":
            return redirect("admin:workflows_dossier_change", pk)
        dossier = self._visible(request, pk)
        form = TransitionForm(request.POST, request.FILES, name=name, dossier=dossier)
        if form.is_valid():
            try:
                form.take(request.user, client_ip(request))
            except services.DossierChanged as error:
                messages.warning(request, str(error))
                return redirect("admin:workflows_dossier_change", pk)
            except services.DossierError as error:
                messages.error(request, str(error))
                return redirect("admin:workflows_dossier_change", pk)
            except ValidationError as error:
                # A refusal about one field (a result's signature) shows beside that field.
                for field, errors in (error.message_dict if hasattr(error, "error_dict")
                                      else {None: error.messages}).items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Done: %(dossier)s is now %(state)s.") % {
                    "dossier": dossier, "state": Dossier.objects.get(pk=pk).get_state_display()})
                return redirect("admin:workflows_dossier_change", pk)
        if form.transition is None or not form.transition.in_window:
            messages.error(request, _("This cannot be done from the single window."))
            return redirect("admin:workflows_dossier_change", pk)
        messages.error(request, _("%(action)s: %(errors)s") % {"action": form.transition.label, "errors": " ".join(
            f"{form.fields[field].label if field in form.fields else ''} {' '.join(errors)}".strip()
            for field, errors in form.errors.items())})
        return self._dossier_page(request, dossier, taken=form)

    def payment_view(self, request, pk):
        """The receiving or result desk records fees paid at the desk; a refusal shows on the form."""
        if request.method != "POST":
            return redirect("admin:workflows_dossier_change", pk)
        dossier = self._visible(request, pk)
        form = self._desk_payment_form(dossier, request.POST)
        if form.is_valid():
            try:
                payments.record_payment(dossier=dossier, acting_user=request.user, method=Payment.Method.DESK,
                                        amount=form.cleaned_data["amount"],
                                        reference=form.cleaned_data["reference"],
                                        expected_version=form.cleaned_data["expected_version"],
                                        client_ip=client_ip(request))
            except services.DossierChanged as error:
                # Someone else (perhaps the payment platform) changed it: the form again, with what is due now.
                dossier = self._visible(request, pk)
                if not dossier.fees_outstanding:
                    messages.warning(request, str(error))
                    return redirect("admin:workflows_dossier_change", pk)
                form = self._desk_payment_form(dossier, {"amount": dossier.fees_outstanding,
                                                         "reference": form.cleaned_data["reference"],
                                                         "expected_version": dossier.version})
                form.is_valid()
                form.add_error(None, str(error))
            except services.DossierError as error:
                form.add_error(None, str(error))
            except ValidationError as error:
                for field, errors in (error.message_dict if hasattr(error, "error_dict")
                                      else {None: error.messages}).items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Payment of %(amount)s recorded.") % {
                    "amount": vnd(form.cleaned_data["amount"])})
                return redirect("admin:workflows_dossier_change", pk)
        return self._dossier_page(request, self._visible(request, pk), payment_form=form)

    def answer_view(self, request, pk):
        """A consulted agency's officer gives their agency's opinion."""
        if request.method != "POST":
            return redirect("admin:workflows_dossier_change", pk)
        dossier = self._visible(request, pk)
        try:
            services.answer_consultation(dossier=dossier, acting_user=request.user,
                                         answer=request.POST.get("answer", ""),
                                         client_ip=client_ip(request))
        except services.DossierError as error:
            messages.error(request, str(error))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your agency's opinion is recorded."))
        return redirect("admin:workflows_dossier_change", pk)

    def note_view(self, request, pk):
        if request.method != "POST":
            return redirect("admin:workflows_dossier_change", pk)
        dossier = self._visible(request, pk)
        try:
            services.add_note(dossier=dossier, acting_user=request.user, note=request.POST.get("note", ""),
                              client_ip=client_ip(request))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Note added."))
        return redirect("admin:workflows_dossier_change", pk)

    def document_view(self, request, pk, document_pk):
        dossier = self._visible(request, pk)
        document = DossierDocument.objects.filter(pk=document_pk, dossier=dossier).first()
        if document is None:
            raise Http404
        return web.document_response(document)

    def verify_document_view(self, request, pk, document_pk):
        """The receiving officer has checked a document against its original: marked verified, and kept in the
        applicant's document store when it is a paper the state issues."""
        if request.method != "POST":
            return redirect("admin:workflows_dossier_change", pk)
        dossier = self._visible(request, pk)
        document = DossierDocument.objects.filter(pk=document_pk, dossier=dossier).first()
        if document is None:
            raise Http404
        form = VerifyDocumentForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
            return redirect("admin:workflows_dossier_change", pk)
        try:
            _document, item = store.verify_document(document=document, acting_user=request.user,
                                                    client_ip=client_ip(request), **form.cleaned_data)
        except (services.DossierError, store.StoreError) as error:
            messages.error(request, str(error))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(document)s verified%(kept)s.") % {
                "document": document.name,
                "kept": _(", and kept in the applicant's document store") if item else ""})
        return redirect("admin:workflows_dossier_change", pk)

    def store_item_view(self, request, pk, item_pk):
        """An item of the applicant's document store, opened for this dossier while the officer's agency handles it;
        the read is logged with its purpose."""
        dossier = self._visible(request, pk)
        purpose = "receipt" if dossier.state in (State.SUBMITTED, State.INCOMPLETE) else "processing"
        try:
            item = store.read_for_dossier(item_id=item_pk, dossier=dossier, officer=request.user, purpose=purpose)
        except services.NotPermitted as error:
            raise PermissionDenied(str(error)) from None
        return FileResponse(item.file.open("rb"), filename=item.original_filename, content_type=item.content_type)

    def book_view(self, request):
        """Form 07: the tracking book of a desk this person works at, for the days they choose, as PDF or XLSX."""
        form = BookForm(request.GET or None, user=request.user)
        if not form.fields["desk"].queryset.exists():
            raise PermissionDenied
        if form.is_valid():
            return book_response(form.register(), form.cleaned_data["file_format"])
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Dossier tracking book"), "form": form}
        return TemplateResponse(request, "admin/workflows/dossier/book.html", context)

    def slip_view(self, request, pk, name):
        dossier = self._visible(request, pk)
        if name not in slips.available_slips(dossier):
            raise Http404
        return slip_response(request, dossier, name)


def _state_label(value):
    return Dossier.State(value).label if value in Dossier.State.values else value


def _role_label(value):
    return StaffRole(value).label if value in StaffRole.values else value

