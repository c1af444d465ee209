import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection, models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from onestop.uploads import private_storage
from procedures.models import AdministrativeUnit, Agency, Procedure, ProcedureVersion
from workflows.worktime.clock import read_clock

from . import audit_chain, rules, states
from .prepared import PreparedQuery
from .staff import StaffRole
from .transitions import TRANSITIONS


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


class DossierCodeCounter(models.Model):
    """The last sequence number a receiving agency gave out on a day; incremented under a row lock."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="dossier_code_counter_unique")]


def _result_path(dossier, filename):
    return f"results/{dossier.pk}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:8]}"


def registered_transition(**arguments):
    """django-fsm's transition, with the permission and label the registry gives the method's name."""

    def decorate(method):
        entry = TRANSITIONS[method.__name__]
        return transition(**arguments, permission=entry.may, custom={"label": entry.label})(method)

    return decorate


class Dossier(FSMModelMixin, models.Model):
    """A dossier (hồ sơ): filed under one version of a procedure, carried through its ISO steps against a deadline
    in working time. Its state changes only through the transitions below, called by workflows.dossiers.services."""

    State = states.State
    Channel = states.Channel
    NATIONAL_STATUS = states.NATIONAL_STATUS
    OPEN_STATES = states.OPEN_STATES
    WITHDRAWABLE_STATES = states.WITHDRAWABLE_STATES
    CLOCK_STATES = states.CLOCK_STATES
    RUNNING_STATES = states.RUNNING_STATES
    WAITING_STATES = states.WAITING_STATES
    CLOCK_STOPPED_STATES = states.CLOCK_STOPPED_STATES

    class SlaMark(models.TextChoices):
        NONE = "", _("On time")
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")

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
    # The VNeID assurance level of the applicant's sign-in when they filed: 0 not signed in with the national
    # identity, 1 or 2 the level the national provider asserted (the national portal reports it).
    national_sign_in_level = models.PositiveSmallIntegerField(_("national sign-in level at filing"), default=0)
    # Filed on the national public service portal and taken in from it (workflows.integrations.national_portal):
    # the portal's own id, unique so that a dossier offered twice is taken in once.
    national_portal_id = models.CharField(_("national portal dossier id"), max_length=64, unique=True, null=True,
                                          blank=True, editable=False)
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
    # What was verified of the result's digital signature at approval (workflows.signing); blank when unsigned.
    result_signer_name = models.CharField(_("result signed by"), max_length=200, blank=True)
    result_certificate_fingerprint = models.CharField(_("signer's certificate (SHA-256)"), max_length=64,
                                                      blank=True)
    result_signed_at = models.DateTimeField(_("result signed at"), null=True, blank=True)
    # 64-bit: a second obligation of a land levy passes what 32 bits hold (2,147,483,647 đồng).
    fees_due = models.PositiveBigIntegerField(_("fees due (VND)"), default=0)
    fees_paid = models.PositiveBigIntegerField(_("fees paid (VND)"), default=0)

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
    # announced once (workflows.sla.timers).
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
                         condition=~models.Q(state=states.State.DRAFT, filing_desk__isnull=True)),
            # The window's search: exact code, identity number and phone (the admin compares UPPER()). Any part
            # of a name is found through a trigram index, PostgreSQL only, made by migration 0010.
            models.Index(Upper("code"), name="dossier_code_search_idx"),
            models.Index(Upper("applicant_identity_number"), name="dossier_identity_search_idx"),
            models.Index(Upper("applicant_phone"), name="dossier_phone_search_idx"),
            # The SLA timers' scans: running dossiers by deadline. The marks stay out of the conditions, so that
            # marking a dossier rewrites no index (a HOT update, see migration 0014's fill factor).
            models.Index(fields=["due_at"], name="dossier_sla_scan_idx",
                         condition=models.Q(state__in=states.RUNNING_STATES)),
            models.Index(fields=["step_due_at"], name="dossier_step_sla_scan_idx",
                         condition=models.Q(state__in=states.RUNNING_STATES)),
            models.Index(fields=["supplement_due_at"], name="dossier_supplement_wait_idx",
                         condition=models.Q(state__in=states.WAITING_STATES)),
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
        return read_clock(self, now, due_at=due_at)

    @property
    def is_late(self):
        """Late once the legal deadline passed before the result, or once an apology was needed; it stays late."""
        if self.apology_count:
            return True
        if self.due_at is None:
            return False
        return (self.result_at or self.paused_at or timezone.now()) > self.due_at

    @property
    def fees_outstanding(self):
        """The fees and charges still to pay."""
        return max(self.fees_due - self.fees_paid, 0)

    # Transitions: they set fields only; workflows.dossiers.services computes times, locks, audits and saves. Who
    # may take each is read from the registry (workflows.dossiers.transitions).

    @registered_transition(field=state, source=State.DRAFT, target=State.SUBMITTED)
    def submit(self, *, at, code, receiving_agency):
        self.code = code
        self.receiving_agency = receiving_agency
        self.result_desk = self.result_desk or receiving_agency
        self.submitted_at = at

    @registered_transition(field=state, source=State.SUBMITTED, target=State.RECEIVED)
    def receive(self, *, at, competent_agency, due_at, first_step_due_at):
        self.competent_agency = competent_agency
        self.received_at = at
        self.due_at = self.appointment_at = due_at
        self._enter_step(self.steps[0])
        self.step_started_at, self.step_due_at = at, first_step_due_at

    @registered_transition(field=state, source=State.SUBMITTED, target=State.REFUSED)
    def refuse(self, *, at, reason):
        self.reason = reason
        self.closed_at = at

    @registered_transition(field=state, source=State.SUBMITTED, target=State.INCOMPLETE)
    def request_documents(self, *, at, missing, supplement_due_at):
        self._wait_for_applicant(missing=missing, until=supplement_due_at)

    @registered_transition(field=state, source=State.INCOMPLETE, target=State.SUBMITTED)
    def resubmit(self, *, at):
        self._stop_waiting()
        self.submitted_at = at

    @registered_transition(field=state, source=[State.RECEIVED, State.PROCESSING], target=State.PROCESSING,
                           conditions=[rules.next_step_processes])
    def hand_over(self, *, at, step_due_at, assignee=None):
        self._enter_step(self.next_step)
        self.assignee = assignee
        self.step_started_at, self.step_due_at = at, step_due_at

    @registered_transition(field=state, source=[State.RECEIVED, State.PROCESSING], target=None)
    def assign(self, *, assignee):
        self.assignee = assignee

    @registered_transition(field=state, source=State.PROCESSING,
                           target=RETURN_VALUE(State.RECEIVED, State.PROCESSING),
                           conditions=[rules.has_previous_step])
    def send_back(self, *, at, reason, step_due_at):
        previous = self.previous_step
        self._enter_step(previous)
        self.assignee = None
        self.step_started_at, self.step_due_at = at, step_due_at
        return self.State.RECEIVED if previous["role"] == StaffRole.RECEIVING_OFFICER else self.State.PROCESSING

    @registered_transition(field=state, source=State.PROCESSING, target=State.PAUSED,
                           conditions=[rules.may_still_ask_once])
    def request_supplement(self, *, at, missing, supplement_due_at):
        self._wait_for_applicant(missing=missing, until=supplement_due_at)
        self.paused_at = at
        self.supplements_in_processing += 1

    @registered_transition(field=state, source=State.PAUSED, target=State.PROCESSING)
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

    @registered_transition(field=state, source=State.PROCESSING, target=State.FEES_DUE)
    def notify_obligation(self, *, at, amount):
        """Taxes or charges the applicant must pay before the result (e.g. land use levy): the time they take
        does not count against the time limit."""
        self.fees_due += amount
        self.paused_at = at

    @registered_transition(field=state, source=State.FEES_DUE, target=State.PROCESSING)
    def obligation_paid(self, *, due_at, step_due_at):
        """Taken when the payments recorded cover what is due, never by hand."""
        self._resume(due_at=due_at, step_due_at=step_due_at)

    @registered_transition(field=state, source=State.PROCESSING, target=State.CONSULTING)
    def consult(self):
        """The consultations themselves are rows of Consultation, written by the service."""

    @registered_transition(field=state, source=State.CONSULTING, target=State.PROCESSING,
                           conditions=[rules.all_answered])
    def end_consultation(self):
        """Back to the step that asked."""

    @registered_transition(field=state, source=list(CLOCK_STATES), target=None, conditions=[rules.is_at_risk])
    def apologise(self, *, new_appointment):
        self.appointment_at = new_appointment
        self.apology_count += 1

    @registered_transition(field=state, source=State.PROCESSING, target=State.RESULT_READY,
                           conditions=[rules.decision_is_due])
    def approve(self, *, at, working_minutes_taken):
        self._decide(at=at, outcome=self.Outcome.APPROVED, reason="", working_minutes_taken=working_minutes_taken)

    @registered_transition(field=state, source=State.PROCESSING, target=State.RESULT_READY,
                           conditions=[rules.decision_is_due])
    def refuse_result(self, *, at, reason, working_minutes_taken):
        self._decide(at=at, outcome=self.Outcome.REFUSED, reason=reason, working_minutes_taken=working_minutes_taken)

    def _decide(self, *, at, outcome, reason, working_minutes_taken):
        self.outcome, self.reason, self.result_at = outcome, reason, at
        self.working_minutes_taken = working_minutes_taken
        if self.next_step:
            self._enter_step(self.next_step)
        self.assignee = None
        self.step_started_at, self.step_due_at = at, None

    @registered_transition(field=state, source=State.RESULT_READY, target=State.RETURNED)
    def return_result(self, *, at):
        self.returned_at = self.closed_at = at
        self._enter_step(None)
        self.step_started_at = self.step_due_at = None

    @registered_transition(field=state, source=list(WAITING_STATES), target=State.STOPPED)
    def lapse(self, *, at):
        """Taken by the SLA timers alone, never by a person: the applicant's waiting time ran out."""
        self.supplement_due_at = self.supplement_reminded_at = None
        self.paused_at = None
        self.closed_at = at
        self.assignee = None

    @registered_transition(field=state, source=list(WITHDRAWABLE_STATES),
                           target=RETURN_VALUE(State.WITHDRAWN, State.WITHDRAWAL_REQUESTED))
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

    @registered_transition(field=state, source=State.WITHDRAWAL_REQUESTED, target=State.WITHDRAWN)
    def accept_withdrawal(self, *, at):
        self.reason = self.withdrawal_reason
        self.state_before_withdrawal = ""
        self.closed_at = at
        self.assignee = None

    @registered_transition(field=state, source=State.WITHDRAWAL_REQUESTED,
                           target=RETURN_VALUE(State.RECEIVED, State.PROCESSING, State.PAUSED, State.CONSULTING,
                                                State.FEES_DUE))
    def decline_withdrawal(self):
        """Back where the dossier was when the applicant asked, its clock never having stopped."""
        previous = self.state_before_withdrawal
        self.state_before_withdrawal = self.withdrawal_reason = ""
        return previous


class DocumentOrigin(models.TextChoices):
    UPLOAD = "upload", _("Uploaded")
    STORE = "store", _("Reused from the document store")


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
    # Where the file came from: uploaded for this dossier, or a copy of an item of the applicant's document store
    # (workflows.store), named by its id and origin here so that the engine keeps no import of the store.
    origin = models.CharField(_("origin"), max_length=10, choices=DocumentOrigin.choices,
                              default=DocumentOrigin.UPLOAD)
    store_item_id = models.PositiveBigIntegerField(_("document store item"), null=True, blank=True)
    origin_reference = models.CharField(_("taken from"), max_length=60, blank=True,
                                        help_text=_("The code of the dossier that issued or verified it."))
    # Checked against the original: by an officer at receipt, or already when it was kept in the store.
    verified = models.BooleanField(_("verified"), default=False)

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


class OutboxEvent(models.Model):
    """Something that happened which people or integrators must hear of, written in the same transaction as the
    change (a transactional outbox, workflows.dossiers.events): once committed a relay turns it into deliveries, so
    nothing is lost if the broker is down and nothing is sent for a change that rolled back.
    workflows.notifications says who each event is for."""

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
                                name="outbox_pending_idx"),
                   # The purge of relayed events (workflows.notifications.tasks.purge_delivered).
                   models.Index(fields=["relayed_at"], condition=models.Q(relayed_at__isnull=False),
                                name="outbox_relayed_idx")]

    def __str__(self):
        return f"{self.event} {self.dossier or ''}".strip()


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


class AuditRecord(models.Model):
    """What every audit trail records of one thing that happened: when, who in which capacity, what, and the
    details. Written once in the same transaction as the change, never updated or deleted."""

    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+")
    actor_role = models.CharField(_("as"), max_length=30, blank=True)
    actor_agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit trail is append-only.")


class AuditEntry(AuditRecord):
    """One thing that happened to a dossier; the citizen's timeline and the process control slip are drawn from
    it. Our own model rather than django-fsm-log because it also records data and document changes, the acting
    role and agency, and the step."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="audit_entries")
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    step_order = models.PositiveSmallIntegerField(_("step"), null=True, blank=True)
    # The hash chain (audit_chain): a forged, altered or removed entry breaks it, and `verify_audit` says where.
    sequence = models.PositiveIntegerField(_("position"), editable=False)
    previous_hash = models.CharField(_("previous entry's hash"), max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(_("hash"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["dossier", "at", "id"]
        indexes = [models.Index(fields=["dossier", "at"], name="audit_dossier_at_idx")]
        # One entry per place: two writers that somehow both missed the dossier's lock fail instead of forking.
        constraints = [models.UniqueConstraint(fields=["dossier", "sequence"], name="audit_one_entry_per_position")]

    def save(self, *args, **kwargs):
        if self.pk is None:
            self._chain_to_trail()
        super().save(*args, **kwargs)

    def _chain_to_trail(self):
        """Takes the next place in the dossier's trail. Entries are written in the transaction that holds the
        dossier's row lock (services.core.lock), so concurrent actions take their places one after the other."""
        with connection.cursor() as cursor:
            cursor.execute(_TRAIL_HEAD.sql(), [self.dossier_id])
            last = cursor.fetchone()
        self.sequence, self.previous_hash = (last[0] + 1, last[1]) if last else (1, "")
        self.entry_hash = audit_chain.entry_hash(self)


# The last entry of a dossier's trail, its position and hash: read on every audited act.
_TRAIL_HEAD = PreparedQuery(lambda dossier_id: AuditEntry.objects.filter(dossier_id=dossier_id)
                            .order_by("-sequence").values_list("sequence", "entry_hash")[:1])
