import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from onestop.uploads import private_storage
from procedures.models import AdministrativeUnit, Agency, Procedure, ProcedureVersion

from .calendar import SlaStatus
from .permissions import LEADER_ROLES, StaffRole, holds_role, staff_roles


class StaffMembership(models.Model):
    """A role a staff member holds at an agency; a person may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_memberships")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(_("role"), max_length=30, choices=StaffRole.choices)

    class Meta:
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [models.UniqueConstraint(fields=["user", "agency", "role"], name="staff_role_unique")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} — {self.agency}"


class CalendarException(models.Model):
    """A day the government announced differently from the holiday rules: an extra day off, or a working day
    (a make-up Saturday, or a cancelled day off)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("reason"), max_length=200, help_text=_("e.g. the decision that announced it"))

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day:%d/%m/%Y} {self.get_kind_display()}: {self.name}"


class DossierCodeCounter(models.Model):
    """The last sequence number a receiving agency gave out on a day; incremented under a row lock."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="dossier_code_counter_unique")]


def _is_applicant(dossier, user):
    return user is not None and user.is_authenticated and dossier.applicant_id == user.pk


def _is_filing_officer(dossier, user):
    return holds_role(user, dossier.filing_desk_id, StaffRole.RECEIVING_OFFICER)


def _is_filing_system(dossier, user):
    """An integrated system files for a citizen through the API, as its own service account."""
    return (dossier.channel == Dossier.Channel.INTEGRATED and user is not None and user.is_authenticated
            and dossier.filed_by_id == user.pk)


def _may_submit(dossier, user):
    return _is_applicant(dossier, user) or _is_filing_officer(dossier, user) or _is_filing_system(dossier, user)


def _is_receiving_officer(dossier, user):
    return holds_role(user, dossier.receiving_agency_id, StaffRole.RECEIVING_OFFICER)


def may_edit(dossier, user):
    """The applicant, the integrated system that filed it, or a receiving officer of the desk that received the
    dossier (or, for a draft, filed it)."""
    return _is_applicant(dossier, user) or _is_filing_system(dossier, user) or holds_role(
        user, dossier.receiving_agency_id or dossier.filing_desk_id, StaffRole.RECEIVING_OFFICER
    )


def _is_current_step_actor(dossier, user):
    step = dossier.current_step
    if step is None:
        return False
    if dossier.assignee_id is not None:
        return dossier.assignee_id == user.pk
    return holds_role(user, dossier.step_agency_id(step), step["role"])


def _may_assign(dossier, user):
    step = dossier.current_step
    return step is not None and (
        holds_role(user, dossier.step_agency_id(step), step["role"], *LEADER_ROLES)
    )


def _is_result_desk(dossier, user):
    return holds_role(user, dossier.result_desk_id, StaffRole.RESULT_DESK)


def _next_step_processes(dossier):
    following = dossier.next_step
    return following is not None and following["role"] != StaffRole.RESULT_DESK


def _has_previous_step(dossier):
    return dossier.previous_step is not None


def _may_still_ask_once(dossier):
    return dossier.supplements_in_processing == 0


def _is_at_risk(dossier):
    reading = dossier.clock()
    return reading is not None and reading.status in (SlaStatus.DUE_SOON, SlaStatus.OVERDUE, SlaStatus.PAUSED)


def _leads_competent_agency(dossier, user):
    return holds_role(user, dossier.competent_agency_id, *LEADER_ROLES)


def _may_settle_withdrawal(dossier, user):
    """A leader of the competent agency, or whoever works the current step."""
    return _leads_competent_agency(dossier, user) or _is_current_step_actor(dossier, user)


def _all_answered(dossier):
    return not dossier.consultations.filter(answered_at__isnull=True).exists()


def _is_consulted(dossier, user):
    consulted = {agency_id for agency_id, _role in staff_roles(user)}
    return dossier.consultations.filter(agency_id__in=consulted).exists()


def _decision_is_due(dossier):
    step = dossier.current_step
    return step is not None and not _next_step_processes(dossier) and dossier.state == Dossier.State.PROCESSING


def _result_path(dossier, filename):
    return f"results/{dossier.pk}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:8]}"


class Dossier(FSMModelMixin, models.Model):
    """A dossier (hồ sơ): filed under one version of a procedure, carried through its ISO steps against a deadline
    in working time. Its state changes only through the transitions below, called by workflows.services."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted, waiting for receipt")
        INCOMPLETE = "incomplete", _("Supplement requested before receipt")
        REFUSED = "refused", _("Not received")
        RECEIVED = "received", _("Received")
        PROCESSING = "processing", _("Processing")
        PAUSED = "paused", _("Waiting for the applicant's supplement")
        CONSULTING = "consulting", _("Consulting other agencies")
        RESULT_READY = "result_ready", _("Result ready")
        RETURNED = "returned", _("Result returned")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        STOPPED = "stopped", _("Processing stopped: the supplement did not come in time")
        FEES_DUE = "fees_due", _("Waiting for the financial obligation to be paid")
        WITHDRAWAL_REQUESTED = "withdrawal_requested", _("Withdrawal requested")

    # The national public service portal's statuses (DOMAIN.md), for status sync.
    NATIONAL_STATUS = {
        State.DRAFT: None,
        State.SUBMITTED: "new",
        State.INCOMPLETE: "supplement_requested",
        State.REFUSED: "not_received",
        State.RECEIVED: "received",
        State.PROCESSING: "processing",
        State.PAUSED: "supplement_requested",
        State.CONSULTING: "processing",
        State.RESULT_READY: "processed",
        State.RETURNED: "result_returned",
        State.WITHDRAWN: "withdrawn",
        State.STOPPED: "processing_stopped",
        State.FEES_DUE: "financial_obligation_due",
        State.WITHDRAWAL_REQUESTED: "withdrawal_requested",
    }
    OPEN_STATES = (State.SUBMITTED, State.INCOMPLETE, State.RECEIVED, State.PROCESSING, State.PAUSED,
                   State.CONSULTING, State.FEES_DUE, State.WITHDRAWAL_REQUESTED)
    # The applicant may withdraw: at once before receipt, by a request the agency settles after it.
    WITHDRAWABLE_STATES = (State.SUBMITTED, State.INCOMPLETE, State.RECEIVED, State.PROCESSING, State.PAUSED,
                           State.CONSULTING, State.FEES_DUE)
    CLOCK_STATES = (State.RECEIVED, State.PROCESSING, State.PAUSED, State.CONSULTING, State.FEES_DUE,
                    State.WITHDRAWAL_REQUESTED)
    # The clock runs: what the SLA timers watch. A withdrawal request is still being processed, so its clock runs,
    # unless it was asked while the clock stood still (paused_at is then still set).
    RUNNING_STATES = (State.RECEIVED, State.PROCESSING, State.CONSULTING, State.WITHDRAWAL_REQUESTED)
    # Waiting for the applicant to supply what was asked; the request lapses when the waiting time runs out.
    WAITING_STATES = (State.INCOMPLETE, State.PAUSED)
    # The clock stands still: a supplement or a financial obligation is awaited from the applicant.
    CLOCK_STOPPED_STATES = (State.PAUSED, State.FEES_DUE)

    class SlaMark(models.TextChoices):
        NONE = "", _("On time")
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        COUNTER = "counter", _("At a desk")
        POST = "post", _("By post")
        INTEGRATED = "integrated", _("Integrated system")

    class ResultDelivery(models.TextChoices):
        AT_DESK = "at_desk", _("At the desk where it was filed")
        POST = "post", _("By post")
        ONLINE = "online", _("Online, as an electronic document")

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    code = models.CharField(_("dossier code"), max_length=40, unique=True, null=True, blank=True)
    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT,
                                  related_name="dossiers")
    procedure_version = models.ForeignKey(ProcedureVersion, on_delete=models.PROTECT, related_name="dossiers")

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("applicant account"),
                                  on_delete=models.PROTECT, null=True, blank=True, related_name="dossiers")
    applicant_name = models.CharField(_("applicant"), max_length=200)
    applicant_identity_number = models.CharField(_("identity number"), max_length=12, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("email"), blank=True)
    applicant_address = models.CharField(_("address"), max_length=300, blank=True)

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # The account that filed it: the citizen, the officer at the counter, or an integrator's service account.
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    filing_desk = models.ForeignKey(Agency, verbose_name=_("filed at desk"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    receiving_agency = models.ForeignKey(Agency, verbose_name=_("receiving agency"), on_delete=models.PROTECT,
                                         null=True, blank=True, related_name="received_dossiers")
    competent_agency = models.ForeignKey(Agency, verbose_name=_("competent agency"), on_delete=models.PROTECT,
                                         null=True, blank=True, related_name="settled_dossiers")
    result_desk = models.ForeignKey(Agency, verbose_name=_("result returned at"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    commune = models.ForeignKey(AdministrativeUnit, verbose_name=_("commune"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="dossiers")

    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    result_delivery = models.CharField(_("result delivered"), max_length=20, choices=ResultDelivery.choices,
                                       default=ResultDelivery.AT_DESK)
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    result_file = models.FileField(_("result document"), storage=private_storage, upload_to=_result_path,
                                   max_length=200, blank=True)
    fees_due = models.PositiveIntegerField(_("fees due (VND)"), default=0)
    fees_paid = models.PositiveIntegerField(_("fees paid (VND)"), default=0)

    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True)
    current_step_order = models.PositiveSmallIntegerField(_("current step"), null=True, blank=True)
    # The role that works the current step, kept beside it (the step itself lives in the version's JSON) so the
    # queues find a step's unassigned dossiers with an index.
    step_role = models.CharField(_("step role"), max_length=30, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned to"), on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="assigned_dossiers")
    step_started_at = models.DateTimeField(_("step started"), null=True, blank=True)
    step_due_at = models.DateTimeField(_("step due"), null=True, blank=True)
    # What the SLA timers last announced for the legal deadline and for the current step, so that each is
    # announced once (workflows.timers).
    sla_mark = models.CharField(max_length=10, choices=SlaMark.choices, blank=True, default=SlaMark.NONE)
    step_sla_mark = models.CharField(max_length=10, choices=SlaMark.choices, blank=True, default=SlaMark.NONE)
    supplement_due_at = models.DateTimeField(_("supplement expected by"), null=True, blank=True)
    supplement_reminded_at = models.DateTimeField(null=True, blank=True)

    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    due_at = models.DateTimeField(_("legal deadline"), null=True, blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    result_at = models.DateTimeField(_("result ready"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    supplements_in_processing = models.PositiveSmallIntegerField(default=0)
    # Working minutes from the start of the clock to the decision, paused periods excluded (the indicators' processing
    # time); set when the result is decided.
    working_minutes_taken = models.PositiveIntegerField(_("working minutes taken"), null=True, blank=True)
    apology_count = models.PositiveSmallIntegerField(_("apologies"), default=0)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why it was refused, or what is missing."))
    # While the applicant's withdrawal request waits: the state to go back to if it is declined, and the
    # applicant's reason (kept apart from `reason`, which may hold what a paused dossier still waits for).
    state_before_withdrawal = models.CharField(_("state before the withdrawal request"), max_length=20,
                                               choices=State.choices, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    version = models.PositiveIntegerField(default=1, help_text=_("Changes at every transition."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["receiving_agency", "state"], name="dossier_receiving_state_idx"),
            models.Index(fields=["competent_agency", "state"], name="dossier_competent_state_idx"),
            models.Index(fields=["assignee", "state"], name="dossier_assignee_state_idx"),
            models.Index(fields=["applicant", "-created_at"], name="dossier_applicant_idx"),
            models.Index(fields=["state", "due_at"], name="dossier_state_due_idx"),
            models.Index(fields=["step_role", "competent_agency"], condition=models.Q(assignee__isnull=True),
                         name="dossier_unassigned_step_idx"),
            # The single window's default order, without citizens' private drafts.
            models.Index(fields=["-submitted_at", "-id"], name="dossier_window_order_idx",
                         condition=~models.Q(state="draft", filing_desk__isnull=True)),
            # The window's search: exact code, identity number and phone (the admin compares UPPER()). Any part
            # of a name is found through a trigram index, PostgreSQL only, made by migration 0010.
            models.Index(Upper("code"), name="dossier_code_search_idx"),
            models.Index(Upper("applicant_identity_number"), name="dossier_identity_search_idx"),
            models.Index(Upper("applicant_phone"), name="dossier_phone_search_idx"),
            # The SLA timers' scans: running dossiers by deadline. The marks stay out of the conditions, so that
            # marking a dossier rewrites no index (a HOT update, see migration 0014's fill factor).
            models.Index(fields=["due_at"], name="dossier_sla_scan_idx",
                         condition=models.Q(state__in=["received", "processing", "consulting",
                                                       "withdrawal_requested"])),
            models.Index(fields=["step_due_at"], name="dossier_step_sla_scan_idx",
                         condition=models.Q(state__in=["received", "processing", "consulting",
                                                       "withdrawal_requested"])),
            models.Index(fields=["supplement_due_at"], name="dossier_supplement_wait_idx",
                         condition=models.Q(state__in=["incomplete", "paused"])),
            # The indicators count the days not yet tallied live, by the date of each event.
            models.Index(fields=["received_at"], name="dossier_received_idx"),
            models.Index(fields=["result_at"], name="dossier_result_idx"),
            models.Index(fields=["closed_at"], name="dossier_closed_idx"),
        ]

    def __str__(self):
        return self.code or _("Draft dossier #%(id)s") % {"id": self.pk}

    # The ISO process this dossier was filed under

    @property
    def steps(self):
        return self.procedure_version.snapshot["steps"]

    def step(self, order):
        return next((step for step in self.steps if step["order"] == order), None)

    @property
    def current_step(self):
        return self.step(self.current_step_order) if self.current_step_order else None

    @property
    def next_step(self):
        later = [step for step in self.steps if self.current_step_order and step["order"] > self.current_step_order]
        return later[0] if later else None

    @property
    def previous_step(self):
        earlier = [step for step in self.steps if self.current_step_order and step["order"] < self.current_step_order]
        return earlier[-1] if earlier else None

    def _enter_step(self, step):
        self.current_step_order = step["order"] if step else None
        self.step_role = step["role"] if step else ""
        self.step_sla_mark = self.SlaMark.NONE

    def _wait_for_applicant(self, *, missing, until):
        self.reason = missing
        self.supplement_due_at, self.supplement_reminded_at = until, None

    def _stop_waiting(self):
        self.reason = ""
        self.supplement_due_at = self.supplement_reminded_at = None

    @staticmethod
    def step_agency_field(role):
        """Receiving and returning happen at the desks; the steps between, at the competent agency."""
        return {StaffRole.RECEIVING_OFFICER: "receiving_agency",
                StaffRole.RESULT_DESK: "result_desk"}.get(role, "competent_agency")

    def step_agency_id(self, step):
        return getattr(self, f"{self.step_agency_field(step['role'])}_id")

    @property
    def national_status(self):
        return self.NATIONAL_STATUS[self.state]

    def clock(self, now=None, *, due_at=None):
        """Due at, working time left (or late by), and on time / due soon / overdue / paused, against the legal
        deadline or `due_at` (e.g. the current step's); None before receipt."""
        from .clock import read_clock

        return read_clock(self, now, due_at=due_at)

    @property
    def is_late(self):
        """Late once the legal deadline passed before the result, or once an apology was needed; it stays late."""
        if self.apology_count:
            return True
        if self.due_at is None:
            return False
        from django.utils import timezone

        return (self.result_at or self.paused_at or timezone.now()) > self.due_at

    @property
    def fees_outstanding(self):
        """The fees and charges still to pay."""
        return max(self.fees_due - self.fees_paid, 0)

    # Transitions: they set fields only; workflows.services computes times, locks, audits and saves.

    @transition(field=state, source=State.DRAFT, target=State.SUBMITTED, permission=_may_submit,
                custom={"label": _("Submit")})
    def submit(self, *, at, code, receiving_agency):
        self.code = code
        self.receiving_agency = receiving_agency
        self.result_desk = self.result_desk or receiving_agency
        self.submitted_at = at

    @transition(field=state, source=State.SUBMITTED, target=State.RECEIVED, permission=_is_receiving_officer,
                custom={"label": _("Receive")})
    def receive(self, *, at, competent_agency, due_at, first_step_due_at):
        self.competent_agency = competent_agency
        self.received_at = at
        self.due_at = self.appointment_at = due_at
        self._enter_step(self.steps[0])
        self.step_started_at, self.step_due_at = at, first_step_due_at

    @transition(field=state, source=State.SUBMITTED, target=State.REFUSED, permission=_is_receiving_officer,
                custom={"label": _("Refuse to receive"), "needs_reason": True})
    def refuse(self, *, at, reason):
        self.reason = reason
        self.closed_at = at

    @transition(field=state, source=State.SUBMITTED, target=State.INCOMPLETE, permission=_is_receiving_officer,
                custom={"label": _("Request a supplement"), "needs_reason": True})
    def request_documents(self, *, at, missing, supplement_due_at):
        self._wait_for_applicant(missing=missing, until=supplement_due_at)

    @transition(field=state, source=State.INCOMPLETE, target=State.SUBMITTED, permission=may_edit,
                custom={"label": _("Resubmit")})
    def resubmit(self, *, at):
        self._stop_waiting()
        self.submitted_at = at

    @transition(field=state, source=[State.RECEIVED, State.PROCESSING], target=State.PROCESSING,
                conditions=[_next_step_processes], permission=_is_current_step_actor,
                custom={"label": _("Hand over to the next step")})
    def hand_over(self, *, at, step_due_at, assignee=None):
        self._enter_step(self.next_step)
        self.assignee = assignee
        self.step_started_at, self.step_due_at = at, step_due_at

    @transition(field=state, source=[State.RECEIVED, State.PROCESSING], target=None, permission=_may_assign,
                custom={"label": _("Assign to a colleague")})
    def assign(self, *, assignee):
        self.assignee = assignee

    @transition(field=state, source=State.PROCESSING, target=RETURN_VALUE(State.RECEIVED, State.PROCESSING),
                conditions=[_has_previous_step], permission=_is_current_step_actor,
                custom={"label": _("Send back to the previous step"), "needs_reason": True})
    def send_back(self, *, at, reason, step_due_at):
        previous = self.previous_step
        self._enter_step(previous)
        self.assignee = None
        self.step_started_at, self.step_due_at = at, step_due_at
        return self.State.RECEIVED if previous["role"] == StaffRole.RECEIVING_OFFICER else self.State.PROCESSING

    @transition(field=state, source=State.PROCESSING, target=State.PAUSED, conditions=[_may_still_ask_once],
                permission=_is_current_step_actor,
                custom={"label": _("Request a supplement (stops the clock)"), "needs_reason": True})
    def request_supplement(self, *, at, missing, supplement_due_at):
        self._wait_for_applicant(missing=missing, until=supplement_due_at)
        self.paused_at = at
        self.supplements_in_processing += 1

    @transition(field=state, source=State.PAUSED, target=State.PROCESSING, permission=may_edit,
                custom={"label": _("Supplement received (restarts the clock)")})
    def supply(self, *, at, due_at, step_due_at):
        self._stop_waiting()
        self._resume(due_at=due_at, step_due_at=step_due_at)

    def _resume(self, *, due_at, step_due_at):
        self.paused_at = None
        self.due_at = due_at
        self.appointment_at = max(self.appointment_at, due_at)
        self.step_due_at = step_due_at
        # New deadlines: the timers judge them afresh.
        self.sla_mark = self.step_sla_mark = self.SlaMark.NONE

    @transition(field=state, source=State.PROCESSING, target=State.FEES_DUE, permission=_is_current_step_actor,
                custom={"label": _("Notify the financial obligation (stops the clock)"), "needs_reason": True})
    def notify_obligation(self, *, at, amount):
        """Taxes or charges the applicant must pay before the result (e.g. land use levy): the time they take
        does not count against the time limit."""
        self.fees_due += amount
        self.paused_at = at

    @transition(field=state, source=State.FEES_DUE, target=State.PROCESSING, permission=lambda dossier, user: False,
                custom={"label": _("Financial obligation paid (restarts the clock)")})
    def obligation_paid(self, *, due_at, step_due_at):
        """Taken when the payments recorded cover what is due, never by hand."""
        self._resume(due_at=due_at, step_due_at=step_due_at)

    @transition(field=state, source=State.PROCESSING, target=State.CONSULTING, permission=_is_current_step_actor,
                custom={"label": _("Consult other agencies")})
    def consult(self):
        """The consultations themselves are rows of Consultation, written by the service."""

    @transition(field=state, source=State.CONSULTING, target=State.PROCESSING, conditions=[_all_answered],
                permission=_is_consulted, custom={"label": _("All consulted agencies answered")})
    def end_consultation(self):
        """Back to the step that asked."""

    @transition(field=state, source=list(CLOCK_STATES), target=None, conditions=[_is_at_risk],
                permission=_leads_competent_agency,
                custom={"label": _("Apologise and set a new appointment"), "needs_reason": True})
    def apologise(self, *, new_appointment):
        self.appointment_at = new_appointment
        self.apology_count += 1

    @transition(field=state, source=State.PROCESSING, target=State.RESULT_READY, conditions=[_decision_is_due],
                permission=_is_current_step_actor, custom={"label": _("Approve: result ready")})
    def approve(self, *, at, working_minutes_taken):
        self._decide(at=at, outcome=self.Outcome.APPROVED, reason="", working_minutes_taken=working_minutes_taken)

    @transition(field=state, source=State.PROCESSING, target=State.RESULT_READY, conditions=[_decision_is_due],
                permission=_is_current_step_actor,
                custom={"label": _("Refuse: not eligible"), "needs_reason": True})
    def refuse_result(self, *, at, reason, working_minutes_taken):
        self._decide(at=at, outcome=self.Outcome.REFUSED, reason=reason, working_minutes_taken=working_minutes_taken)

    def _decide(self, *, at, outcome, reason, working_minutes_taken):
        self.outcome, self.reason, self.result_at = outcome, reason, at
        self.working_minutes_taken = working_minutes_taken
        if self.next_step:
            self._enter_step(self.next_step)
        self.assignee = None
        self.step_started_at, self.step_due_at = at, None

    @transition(field=state, source=State.RESULT_READY, target=State.RETURNED, permission=_is_result_desk,
                custom={"label": _("Return the result")})
    def return_result(self, *, at):
        self.returned_at = self.closed_at = at
        self._enter_step(None)
        self.step_started_at = self.step_due_at = None

    @transition(field=state, source=list(WAITING_STATES), target=State.STOPPED, permission=lambda dossier, user: False,
                custom={"label": _("Stop: the supplement did not come in time")})
    def lapse(self, *, at):
        """Taken by the SLA timers alone, never by a person: the applicant's waiting time ran out."""
        self.supplement_due_at = self.supplement_reminded_at = None
        self.paused_at = None
        self.closed_at = at
        self.assignee = None

    @transition(field=state, source=list(WITHDRAWABLE_STATES),
                target=RETURN_VALUE(State.WITHDRAWN, State.WITHDRAWAL_REQUESTED), permission=_is_applicant,
                custom={"label": _("Withdraw"), "needs_reason": True})
    def withdraw(self, *, at, reason):
        """Before receipt the dossier is withdrawn at once; once received, the agency settles the request."""
        if self.state in (self.State.SUBMITTED, self.State.INCOMPLETE):
            self.reason = reason
            self.closed_at = at
            self.assignee = None
            return self.State.WITHDRAWN
        self.state_before_withdrawal = self.state
        self.withdrawal_reason = reason
        return self.State.WITHDRAWAL_REQUESTED

    @transition(field=state, source=State.WITHDRAWAL_REQUESTED, target=State.WITHDRAWN,
                permission=_may_settle_withdrawal, custom={"label": _("Accept the withdrawal")})
    def accept_withdrawal(self, *, at):
        self.reason = self.withdrawal_reason
        self.state_before_withdrawal = ""
        self.closed_at = at
        self.assignee = None

    @transition(field=state, source=State.WITHDRAWAL_REQUESTED,
                target=RETURN_VALUE(State.RECEIVED, State.PROCESSING, State.PAUSED, State.CONSULTING,
                                    State.FEES_DUE),
                permission=_may_settle_withdrawal,
                custom={"label": _("Decline the withdrawal"), "needs_reason": True})
    def decline_withdrawal(self):
        """Back where the dossier was when the applicant asked, its clock never having stopped."""
        previous = self.state_before_withdrawal
        self.state_before_withdrawal = self.withdrawal_reason = ""
        return previous


def _document_path(document, filename):
    return f"dossiers/{document.dossier_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:8]}"


class DossierDocument(models.Model):
    """A file an applicant or officer attached to a dossier, for one of its required documents. A replacement
    (e.g. answering a supplement request) keeps the earlier file, no longer current."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="documents")
    document_order = models.PositiveSmallIntegerField(_("required document"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=500)
    file = models.FileField(_("file"), storage=private_storage, upload_to=_document_path, max_length=200)
    original_filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    is_current = models.BooleanField(_("current"), default=True)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")
        ordering = ["dossier", "document_order", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "document_order"], condition=models.Q(is_current=True),
                                    name="one_current_file_per_required_document"),
        ]

    def __str__(self):
        return self.name


class Rating(models.Model):
    """The applicant's rating of how they were served, once the result is out (the satisfaction indicator)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="rating")
    score = models.PositiveSmallIntegerField(_("score"), choices=[(score, str(score)) for score in range(1, 6)])
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    rated_at = models.DateTimeField(_("rated"), db_index=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5),
                                              name="rating_score_1_to_5")]

    def __str__(self):
        return f"{self.dossier} {self.score}/5"


class Payment(models.Model):
    """Fees and charges paid for a dossier: online through the payment platform, or at the desk."""

    class Method(models.TextChoices):
        ONLINE = "online", _("Online, through the payment platform")
        DESK = "desk", _("At the desk")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments")
    amount = models.PositiveIntegerField(_("amount (VND)"))
    method = models.CharField(_("paid"), max_length=10, choices=Method.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True,
                                 help_text=_("The payment platform's transaction or the desk's receipt number."))
    paid_at = models.DateTimeField(_("paid at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["dossier", "paid_at"]
        constraints = [
            models.UniqueConstraint(fields=["method", "reference"], condition=~models.Q(reference=""),
                                    name="payment_reference_once"),
        ]

    def __str__(self):
        return f"{self.dossier} {self.amount} VND"


class Notification(models.Model):
    """A message in a person's portal inbox about one of their dossiers, written in the same transaction as the
    change it reports. Its text is composed when read (workflows.notifications), in the reader's language."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(_("event"), max_length=40)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("sent"))
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True),
                         name="notification_unread_idx"),
        ]

    def __str__(self):
        return f"{self.event} {self.dossier_id}"


class OutboxEvent(models.Model):
    """Something people must be told by email or SMS, written in the same transaction as the change (a
    transactional outbox): a relay turns it into deliveries once committed, so nothing is lost if the broker is
    down and nothing is sent for a change that rolled back. workflows.notifications says who each event is for."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="outbox_events")
    # A person the event is addressed to by name (a leader's daily digest); otherwise it is worked out from the
    # event and its dossier.
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="+")
    event = models.CharField(_("event"), max_length=40)
    data = models.JSONField(default=dict, blank=True)
    # Events that must happen once whoever writes them (a digest per leader per day) carry a key.
    key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    relayed_at = models.DateTimeField(_("relayed"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [models.Index(fields=["created_at"], condition=models.Q(relayed_at__isnull=True),
                                name="outbox_pending_idx")]

    def __str__(self):
        return f"{self.event} {self.dossier or ''}".strip()


class Delivery(models.Model):
    """One message of an outbox event to one recipient on one channel; sent at most once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey("WebhookSubscription", on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=500)
    language = models.CharField(_("language"), max_length=8, default=settings.LANGUAGE_CODE)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["event", "channel", "recipient"],
                                               name="one_delivery_per_recipient")]
        indexes = [models.Index(fields=["status"], condition=~models.Q(status="sent"), name="delivery_open_idx")]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient}"


class ApiClient(models.Model):
    """An integrated system (the national portal, another provincial system, a payment platform, a mobile app)
    calling the REST API with OAuth2 client credentials. It acts as the application's service account: that
    account's staff roles say which agencies' dossiers it may read and act on, and its scopes what it may do."""

    class Scope(models.TextChoices):
        CATALOGUE_READ = "catalogue:read", _("Read the catalogue")
        DOSSIERS_READ = "dossiers:read", _("Read dossiers")
        DOSSIERS_FILE = "dossiers:file", _("File dossiers for citizens")
        DOSSIERS_ACT = "dossiers:act", _("Act on dossiers")
        WEBHOOKS = "webhooks", _("Receive webhooks")
        PAYMENTS_RECORD = "payments:record", _("Record payments from the payment platform")

    application = models.OneToOneField(settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE,
                                       related_name="api_client")
    scopes = models.JSONField(_("scopes"), default=list, help_text=_("What this client may ask a token for."))
    rate_limit = models.CharField(_("rate limit"), max_length=20, default="600/min",
                                  help_text=_("Requests per second, minute, hour or day, e.g. 600/min."))

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self):
        return self.application.name


class WebhookSubscription(models.Model):
    """An API client's endpoint told of dossier events it may see, each delivery signed with the secret."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    # Kept readable: every delivery is signed with it (HMAC-SHA256).
    secret = models.CharField(_("signing secret"), max_length=100)
    events = models.JSONField(_("events"), default=list, blank=True,
                              help_text=_("The dossier actions to send, e.g. receive, approve; empty for all."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self):
        return self.url

    def wants(self, action):
        return not self.events or action in self.events


class IdempotencyRecord(models.Model):
    """The response to a request that carried an Idempotency-Key, so a retried request gets the same answer and
    never files twice."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="one_response_per_idempotency_key")]


class Consultation(models.Model):
    """Inter-agency consultation (liên thông): another agency's opinion, within its own share of the time."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="consultations")
    agency = models.ForeignKey(Agency, verbose_name=_("consulted agency"), on_delete=models.PROTECT,
                               related_name="consultations")
    question = models.TextField(_("question"))
    requested_at = models.DateTimeField(_("requested"))
    due_at = models.DateTimeField(_("answer due"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["dossier", "requested_at"]
        indexes = [models.Index(fields=["agency", "answered_at"], name="consultation_open_idx")]


class PausePeriod(models.Model):
    """A time the clock stood still while the dossier waited for the applicant."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="pauses")
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.TextField(_("what is missing"))

    class Meta:
        verbose_name = _("paused period")
        verbose_name_plural = _("paused periods")
        ordering = ["dossier", "started_at"]


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit trail is append-only.")

    def delete(self):
        raise TypeError("The audit trail is append-only.")


class AuditEntry(models.Model):
    """One thing that happened to a dossier. Written once in the same transaction as the change, never updated or
    deleted; the citizen's timeline and the process control slip are drawn from it. Our own model rather than
    django-fsm-log because it also records data and document changes, the acting role and agency, and the step."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="audit_entries")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+")
    actor_role = models.CharField(_("as"), max_length=30, blank=True)
    actor_agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    step_order = models.PositiveSmallIntegerField(_("step"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["dossier", "at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="audit_dossier_at_idx")]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit trail is append-only.")


class TallyCounts(models.Model):
    """What happened to the dossiers of one procedure at one agency over a day (IndicatorTally) or a month
    (MonthlyTally), counted by workflows.indicators so that a report over any period sums a few rows instead of
    scanning the dossiers. Each count is dated by its own event: receipt, decision, closing, the deadline passing,
    the rating."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    received_online = models.PositiveIntegerField(default=0)
    received_counter = models.PositiveIntegerField(default=0)
    received_integrated = models.PositiveIntegerField(default=0)
    full_online_eligible = models.PositiveIntegerField(default=0)
    full_online = models.PositiveIntegerField(default=0)
    with_fees = models.PositiveIntegerField(default=0)
    paid_online = models.PositiveIntegerField(default=0)
    digitised = models.PositiveIntegerField(default=0)
    settled_on_time = models.PositiveIntegerField(default=0)
    settled_late = models.PositiveIntegerField(default=0)
    settled_approved = models.PositiveIntegerField(default=0)
    results_electronic = models.PositiveIntegerField(default=0)
    settled_minutes = models.BigIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    stopped = models.PositiveIntegerField(default=0)
    # Dossiers leaving processing (decided, withdrawn or stopped after receipt), and the deadline passing on an open
    # dossier and such a dossier leaving: running sums of these give what is in progress, and late, on any day.
    exits = models.PositiveIntegerField(default=0)
    overdue_from = models.PositiveIntegerField(default=0)
    overdue_exits = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    rating_points = models.PositiveIntegerField(default=0)
    dissatisfied = models.PositiveIntegerField(default=0)


    class Meta:
        abstract = True


class IndicatorTally(TallyCounts):
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "agency", "procedure"], name="tally_once_per_day")]
        indexes = [models.Index(fields=["agency", "day"], name="tally_agency_day_idx"),
                   models.Index(fields=["procedure", "day"], name="tally_procedure_day_idx")]


class MonthlyTally(TallyCounts):
    """The days of a month summed: a year's report reads twelve of these per agency and procedure."""

    month = models.DateField(help_text=_("The first day of the month."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "agency", "procedure"], name="tally_once_per_month")]
        indexes = [models.Index(fields=["agency", "month"], name="monthly_tally_agency_idx")]


class DurationCounts(models.Model):
    """How many dossiers decided over a day or a month took a given number of working days (rounded up): the
    median's distribution, summed like the tallies."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    working_days = models.PositiveIntegerField()
    dossiers = models.PositiveIntegerField()

    class Meta:
        abstract = True


class DurationTally(DurationCounts):
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "agency", "procedure", "working_days"],
                                               name="duration_once_per_day")]
        indexes = [models.Index(fields=["agency", "day"], name="duration_agency_day_idx")]


class MonthlyDurationTally(DurationCounts):
    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "agency", "procedure", "working_days"],
                                               name="duration_once_per_month")]
        indexes = [models.Index(fields=["agency", "month"], name="monthly_duration_agency_idx")]


class TallyRefresh(models.Model):
    """The tallies are complete up to and including this day; later days are counted live."""

    complete_through = models.DateField(null=True)
    refreshed_at = models.DateTimeField(null=True)
