from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procedures.forms import application_form, form_data_for_storage
from procedures.models import Agency, Procedure
from procedures.templatetags.catalogue import vnd

from . import notifications, selectors, services, slips, web
from .forms import DeskPaymentForm, WalkInForm
from .models import (ApiClient, AuditEntry, CalendarException, Delivery, Dossier, DossierDocument, Payment,
                     StaffMembership, WebhookSubscription)
from .permissions import StaffRole, agencies_where, staff_roles


@admin.register(CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "day"


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency"]
    list_filter = ["role", "agency__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__name"]
    autocomplete_fields = ["user", "agency"]
    list_select_related = ["user", "agency"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Emails and SMS to applicants and staff; a failed one is sent again from here once its cause is fixed."""

    list_display = ["event_dossier", "event_name", "channel", "recipient", "language", "status", "attempts",
                    "sent_at"]
    list_filter = ["status", "channel", "event__event"]
    search_fields = ["recipient", "event__dossier__code"]
    list_select_related = ["event__dossier"]
    readonly_fields = ["event", "channel", "recipient", "status", "attempts", "last_error", "sent_at"]
    actions = ["send_again"]

    @admin.display(description=gettext_lazy("dossier"))
    def event_dossier(self, delivery):
        return delivery.event.dossier

    @admin.display(description=gettext_lazy("event"))
    def event_name(self, delivery):
        labels = {**ACTION_LABELS, **notifications.EVENT_LABELS}
        return labels.get(delivery.event.event, delivery.event.event)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Send the failed ones again"))
    def send_again(self, request, queryset):
        from .tasks import deliver

        ids = list(queryset.filter(status=Delivery.Status.FAILED).values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids).update(status=Delivery.Status.PENDING, attempts=0)
        transaction.on_commit(lambda: [deliver.delay(pk) for pk in ids])
        self.message_user(request, _("%(count)s deliveries sent again.") % {"count": len(ids)})


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=gettext_lazy("scopes"), choices=ApiClient.Scope.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiClient
        fields = ["application", "scopes", "rate_limit"]

    def clean_rate_limit(self):
        from rest_framework.throttling import SimpleRateThrottle

        rate = self.cleaned_data["rate_limit"]
        try:
            SimpleRateThrottle.parse_rate(None, rate)
        except (ValueError, KeyError, IndexError):
            raise ValidationError(_("Write it as a number of requests per s, min, hour or day, e.g. 600/min."))
        return rate


class WebhookInline(admin.TabularInline):
    model = WebhookSubscription
    extra = 0
    fields = ["url", "secret", "events", "is_active"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """An integrated system: its OAuth2 application (client id and secret, and the service account whose staff
    roles bound what it sees and does), the scopes it may ask for, its rate limit and its webhooks."""

    form = ApiClientForm
    list_display = ["__str__", "client_id", "scopes", "rate_limit"]
    list_select_related = ["application"]
    inlines = [WebhookInline]

    @admin.display(description=gettext_lazy("client id"))
    def client_id(self, client):
        return client.application.client_id


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
    title = gettext_lazy("step")
    parameter_name = "step"

    ORDERS = [str(order) for order in range(1, 9)]

    def lookups(self, request, model_admin):
        return [(order, _("Step %(order)s") % {"order": order}) for order in self.ORDERS]

    def queryset(self, request, queryset):
        # Anything but a listed step (a hand-edited URL) shows the queue unfiltered.
        return queryset.filter(current_step_order=self.value()) if self.value() in self.ORDERS else queryset


class CappedCountPaginator(Paginator):
    """Counting every dossier of a province costs more than showing a page: past CAP the count stops."""

    CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.CAP + 1].count()


class TransitionForm(forms.Form):
    """What a person types when taking a transition; the fields shown depend on the transition."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("Reason, or what is missing"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))
    assignee = forms.ModelChoiceField(label=gettext_lazy("To"), queryset=None, required=False)
    new_appointment = forms.DateTimeField(label=gettext_lazy("New appointment"), required=False,
                                          widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                          input_formats=["%Y-%m-%dT%H:%M"])
    agencies = forms.ModelMultipleChoiceField(label=gettext_lazy("Agencies to consult"), required=False,
                                              queryset=Agency.objects.effective_today().order_by("name"))
    days = forms.IntegerField(label=gettext_lazy("Working days to answer"), min_value=1, max_value=30,
                              required=False)
    result_file = forms.FileField(label=gettext_lazy("Result document (PDF)"), required=False)
    amount = forms.IntegerField(label=gettext_lazy("Amount to pay (VND)"), min_value=1,
                                max_value=services.MAX_OBLIGATION, required=False)

    FIELDS = {
        "refuse": ["reason"], "request_documents": ["reason"], "send_back": ["reason"],
        "request_supplement": ["reason"], "refuse_result": ["reason"],
        "hand_over": ["assignee", "reason"], "assign": ["assignee"], "apologise": ["new_appointment", "reason"],
        "consult": ["agencies", "reason", "days"], "approve": ["result_file", "reason"], "receive": ["reason"],
        "notify_obligation": ["amount", "reason"],
        "accept_withdrawal": ["reason"], "decline_withdrawal": ["reason"],
    }

    def __init__(self, *args, name, dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.name = name
        keep = {"expected_version", *self.FIELDS.get(name, [])}
        for field in [field for field in self.fields if field not in keep]:
            del self.fields[field]
        if "assignee" in self.fields:
            step = dossier.next_step if name == "hand_over" else dossier.current_step
            self.fields["assignee"].queryset = (selectors.colleagues_for_step(dossier, step) if step
                                                else get_user_model().objects.none())
            self.fields["assignee"].required = name == "assign"
        if name == "consult":
            self.fields["agencies"].required = self.fields["days"].required = True
        if name == "notify_obligation":
            self.fields["amount"].required = True


def _take(name, dossier, user, data, client_ip):
    """Calls the service behind transition `name` with what the person typed."""
    common = {"dossier": dossier, "acting_user": user, "expected_version": data["expected_version"],
              "client_ip": client_ip}
    reason = data.get("reason", "")
    actions = {
        "submit": lambda: services.submit_dossier(**common),
        "receive": lambda: services.receive_dossier(note=reason, **common),
        "refuse": lambda: services.refuse_dossier(reason=reason, **common),
        "request_documents": lambda: services.request_documents(missing=reason, **common),
        "resubmit": lambda: services.resubmit_dossier(**common),
        "hand_over": lambda: services.hand_over(assignee=data.get("assignee"), note=reason, **common),
        "assign": lambda: services.assign_dossier(assignee=data["assignee"], **common),
        "send_back": lambda: services.send_back(reason=reason, **common),
        "request_supplement": lambda: services.request_supplement(missing=reason, **common),
        "supply": lambda: services.supply_supplement(**common),
        "consult": lambda: services.consult_agencies(agencies=list(data["agencies"]), question=reason,
                                                     days=data["days"], **common),
        "apologise": lambda: services.apologise(new_appointment=data.get("new_appointment"), reason=reason,
                                                **common),
        "approve": lambda: services.approve_dossier(result_file=data.get("result_file"), note=reason, **common),
        "refuse_result": lambda: services.refuse_result(reason=reason, **common),
        "return_result": lambda: services.return_result(**common),
        "notify_obligation": lambda: services.notify_financial_obligation(amount=data["amount"], reason=reason,
                                                                         **common),
        "accept_withdrawal": lambda: services.accept_withdrawal(note=reason, **common),
        "decline_withdrawal": lambda: services.decline_withdrawal(reason=reason, **common),
    }
    if name not in actions:
        raise services.NotPermitted(_("This cannot be done from the single window."))
    return actions[name]()


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """The single window: queues of the dossiers a staff member's agencies and roles allow, and each dossier's
    page with the transitions they may take now. Dossiers change through their transitions only."""

    list_display = ["code_link", "applicant_name", "procedure", "state", "step", "assignee", "appointment_at",
                    "time_left"]
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

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return selectors.visible_dossiers(request.user).order_by("-submitted_at", "-id")

    @admin.display(description=gettext_lazy("code"), ordering="code")
    def code_link(self, dossier):
        return format_html('<a href="{}">{}</a>', reverse("admin:workflows_dossier_change", args=[dossier.pk]),
                           dossier.code or _("Draft #%(id)s") % {"id": dossier.pk})

    @admin.display(description=gettext_lazy("step"))
    def step(self, dossier):
        step = dossier.current_step
        return step["name"] if step else "—"

    @admin.display(description=gettext_lazy("time left"))
    def time_left(self, dossier):
        if dossier.state not in Dossier.CLOCK_STATES:
            return "—"
        reading = dossier.clock()
        hours = reading.working_minutes_left / 60
        text = (_("late by %(hours).1f h") % {"hours": -hours} if hours < 0
                else _("%(hours).1f h left") % {"hours": hours})
        if reading.status == "paused":
            text = _("stopped")
        return format_html('<span class="sla sla-{}">{}</span>', reading.status, text)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "queue_counts": selectors.queue_counts(request.user),
                         "current_queue": request.GET.get("queue", ""),
                         "can_file_walk_in": bool(agencies_where(request.user, StaffRole.RECEIVING_OFFICER))}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("file/", wrap(self.file_walk_in_view), name="workflows_dossier_file"),
            path("<int:pk>/act/<slug:name>/", wrap(self.act_view), name="workflows_dossier_act"),
            path("<int:pk>/note/", wrap(self.note_view), name="workflows_dossier_note"),
            path("<int:pk>/answer/", wrap(self.answer_view), name="workflows_dossier_answer"),
            path("<int:pk>/payment/", wrap(self.payment_view), name="workflows_dossier_payment"),
            path("<int:pk>/document/<int:document_pk>/", wrap(self.document_view),
                 name="workflows_dossier_document"),
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

    def _dossier_page(self, request, dossier, *, payment_form=None):
        transitions = [
            {"name": transition.name, "label": transition.custom.get("label", transition.name),
             "form": TransitionForm(name=transition.name, dossier=dossier,
                                    initial={"expected_version": dossier.version})}
            for transition in services.available_transitions(dossier, request.user)
            if transition.name not in ("withdraw", "end_consultation")
        ]
        snapshot = dossier.procedure_version.snapshot
        consultations = list(dossier.consultations.select_related("agency"))
        my_agencies = {agency_id for agency_id, _role in staff_roles(request.user)}
        answers = [(spec["label"], dossier.form_data.get(spec["name"])) for spec in snapshot.get("form", [])]
        entries = [
            {"entry": entry, "action": ACTION_LABELS.get(entry.action, entry.action),
             "from": _state_label(entry.from_state), "to": _state_label(entry.to_state),
             "role": _role_label(entry.actor_role)}
            for entry in AuditEntry.objects.filter(dossier=dossier).select_related("actor", "actor_agency")
            .order_by("at", "id")
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "title": str(dossier), "dossier": dossier, "snapshot": snapshot,
            "answers": answers, "entries": entries, "transitions": transitions,
            "documents": dossier.documents.filter(is_current=True).order_by("document_order"),
            "clock": dossier.clock() if dossier.state in Dossier.CLOCK_STATES else None,
            "step_clock": dossier.clock(due_at=dossier.step_due_at)
            if dossier.step_due_at and dossier.state in Dossier.CLOCK_STATES else None,
            "slips": [(name, slips.SLIPS[name].label) for name in slips.available_slips(dossier)],
            "consultations": consultations,
            "may_answer": dossier.state == Dossier.State.CONSULTING and any(
                consultation.answered_at is None and consultation.agency_id in my_agencies
                for consultation in consultations),
            "payments": dossier.payments.select_related("recorded_by").order_by("paid_at", "id"),
            "payment_form": payment_form or (self._desk_payment_form(dossier)
                                             if self._may_take_desk_payment(request, dossier) else None),
        }
        return TemplateResponse(request, "admin/workflows/dossier/dossier.html", context)

    @staticmethod
    def _may_take_desk_payment(request, dossier):
        return (dossier.fees_outstanding > 0 and dossier.state in services.PAYABLE_STATES
                and services.may_record_payment(dossier, request.user, Payment.Method.DESK))

    @staticmethod
    def _desk_payment_form(dossier, data=None):
        return DeskPaymentForm(data, initial={"amount": dossier.fees_outstanding,
                                              "expected_version": dossier.version})

    def file_walk_in_view(self, request):
        """Filing at the counter: any procedure of any agency in the province, for a walk-in applicant; then
        receipt, a supplement request or a refusal."""
        if not agencies_where(request.user, StaffRole.RECEIVING_OFFICER):
            raise PermissionDenied
        procedure = Procedure.objects.available().filter(code=request.GET.get("procedure", "")).first()
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("File a walk-in dossier"),
                   "procedures": Procedure.objects.available().order_by("name").only("code", "name"),
                   "procedure": procedure}
        if procedure is None:
            return TemplateResponse(request, "admin/workflows/dossier/file_walk_in.html", context)
        snapshot = procedure.current_version.snapshot
        data = request.POST if request.method == "POST" else None
        form = WalkInForm(data, snapshot=snapshot)
        application = application_form(snapshot.get("form", []), data=data, prefix="form")
        if data is not None and form.is_valid():
            if form.cleaned_data["decision"] != "receive":
                for field in application.fields.values():
                    field.required = False  # an incomplete or refused dossier is recorded as it came
            if application.is_valid():
                dossier = self._file_walk_in(request, procedure, form, application)
                if dossier is not None:
                    return redirect("admin:workflows_dossier_change", dossier.pk)
        context.update(form=form, application=application, documents=list(enumerate(snapshot["documents"], 1)))
        return TemplateResponse(request, "admin/workflows/dossier/file_walk_in.html", context)

    def _file_walk_in(self, request, procedure, form, application):
        uploads = web.document_uploads(request, procedure.current_version.snapshot)
        client_ip = web.client_ip(request)
        try:
            # Filing and the decision stand or fall together: a refused receipt leaves no half-filed dossier.
            with transaction.atomic():
                dossier = self._file_and_decide(request, procedure, form, application, uploads, client_ip)
        except services.DossierError as error:
            messages.error(request, str(error))
            return None
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return None
        messages.success(request, _("Filed: %(code)s, %(state)s.") % {"code": dossier.code,
                                                                        "state": dossier.get_state_display()})
        return dossier

    def _file_and_decide(self, request, procedure, form, application, uploads, client_ip):
        decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
        dossier = services.file_dossier(
            procedure=procedure, acting_user=request.user, applicant=form.applicant,
            form_data=form_data_for_storage(application), commune=form.cleaned_data.get("commune"),
            result_delivery=form.cleaned_data["result_delivery"],
            delivery_address=form.cleaned_data["delivery_address"],
            paper_documents=form.cleaned_data["paper_documents"], uploads=uploads, client_ip=client_ip)
        common = {"dossier": dossier, "acting_user": request.user, "client_ip": client_ip}
        if decision == "request_documents":
            return services.request_documents(missing=reason, **common)
        if decision == "refuse":
            return services.refuse_dossier(reason=reason, **common)
        return services.receive_dossier(**common)

    def act_view(self, request, pk, name):
        if request.method != "POST":
            return redirect("admin:workflows_dossier_change", pk)
        dossier = self._visible(request, pk)
        form = TransitionForm(request.POST, request.FILES, name=name, dossier=dossier)
        if not form.is_valid():
            messages.error(request, "; ".join(f"{form.fields[field].label if field in form.fields else ''}: "
                                              f"{' '.join(errors)}" for field, errors in form.errors.items()))
            return redirect("admin:workflows_dossier_change", pk)
        try:
            _take(name, dossier, request.user, form.cleaned_data, web.client_ip(request))
        except services.DossierChanged as error:
            messages.warning(request, str(error))
        except services.DossierError as error:
            messages.error(request, str(error))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Done: %(dossier)s is now %(state)s.") % {
                "dossier": dossier, "state": Dossier.objects.get(pk=pk).get_state_display()})
        return redirect("admin:workflows_dossier_change", pk)

    def payment_view(self, request, pk):
        """The receiving or result desk records fees paid at the desk; a refusal shows on the form."""
        if request.method != "POST":
            return redirect("admin:workflows_dossier_change", pk)
        dossier = self._visible(request, pk)
        form = self._desk_payment_form(dossier, request.POST)
        if form.is_valid():
            try:
                services.record_payment(dossier=dossier, acting_user=request.user, method=Payment.Method.DESK,
                                        amount=form.cleaned_data["amount"],
                                        reference=form.cleaned_data["reference"],
                                        expected_version=form.cleaned_data["expected_version"],
                                        client_ip=web.client_ip(request))
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
                                         client_ip=web.client_ip(request))
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
                              client_ip=web.client_ip(request))
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

    def slip_view(self, request, pk, name):
        dossier = self._visible(request, pk)
        if name not in slips.available_slips(dossier):
            raise Http404
        return web.slip_response(request, dossier, name)


ACTION_LABELS = {
    **{transition.name: transition.custom.get("label", transition.name)
       for transition in Dossier().get_all_state_transitions()},
    "created": gettext_lazy("Created"), "form_changed": gettext_lazy("Form changed"),
    "document_attached": gettext_lazy("Document attached"), "rated": gettext_lazy("Service rated"),
    "consultation_answered": gettext_lazy("Consultation answered"), "note": gettext_lazy("Internal note"),
    "record_payment": gettext_lazy("Payment recorded"),
}


def _state_label(value):
    return Dossier.State(value).label if value in Dossier.State.values else value


def _role_label(value):
    return StaffRole(value).label if value in StaffRole.values else value

