"""Every transition of a dossier, in one place.

Each entry says what the transition is called, who may take it, what the person taking it fills in (and which of
the service's keywords each answer reaches), whether the applicant is told and how their timeline names it, the
official slip that documents it, the line it writes on the process control slip and in which capacity its actor
works. The dossier's state machine (`Dossier`'s methods of the same names) reads its permissions here; the API's
actions, the window's forms, the portal's timeline, the notifications and the slips read the rest. Adding a
transition means a method on the dossier, an entry here and its service (`@serves`); the system checks
(`workflows.dossiers.checks`) refuse to start when one of the three is missing.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import rules
from .states import State


@dataclass(frozen=True)
class Ask:
    """Something the person taking a transition fills in: its field in the window's form and the API's body, the
    service's keyword it reaches, whether it must be given, and what it is for."""

    field: str
    argument: str = ""
    required: bool = True
    help: str = ""

    @property
    def keyword(self):
        return self.argument or self.field


class Capacity:
    """Where the actor works when taking it, for the audit entry."""

    DESK = "desk"  # the receiving desk (or, before filing completes, the filing desk)
    RESULT_DESK = "result_desk"
    STEP = "step"  # the agency and role of the current step, or a leader there
    STEP_OR_LEADER = "step_or_leader"  # as STEP, or a leader of the competent agency


@dataclass(frozen=True)
class Handover:
    """A line of the process control slip (form 06): its official wording and where the dossier went: back to
    the same step ("same"), the next or previous ISO step, the applicant, or the consulted agencies."""

    label: str
    goes_to: str
    from_applicant: bool = False
    # The step's holder is done with it: the slip names them as the step's holder.
    finishes_step: bool = False


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    may: object = rules.nobody
    asks: tuple = ()
    # False: taken by the system alone (its permission refuses everyone); no form, no API action.
    by_hand: bool = True
    in_window: bool = True
    in_api: bool = True
    capacity: str = Capacity.STEP
    # The applicant is told, in their inbox, by email and by SMS (notifications/messages/<name>.txt).
    tells_applicant: bool = False
    # How the applicant's timeline names it; None keeps it inside the administration.
    timeline: str | None = None
    # The timeline shows the note: a reason or a request addressed to the applicant.
    timeline_note: bool = False
    # The timeline's name when the transition led to this state instead.
    timeline_when: tuple = ()
    slip: str | None = None
    handover: Handover | None = None
    # It cannot be undone: the window asks the person to confirm it.
    confirm: bool = False

    @property
    def event(self):
        """The event integrators' webhooks receive."""
        return f"dossier.{self.name}"

    @property
    def path(self):
        """The API's action: POST /api/v1/dossiers/{code}/<path>/."""
        return self.name.replace("_", "-")

    def timeline_label(self, to_state):
        return dict(self.timeline_when).get(to_state, self.timeline)


@dataclass(frozen=True)
class Act:
    """Something audited that is not a transition of the state machine."""

    name: str
    label: str
    timeline: str | None = None
    handover: Handover | None = None


NOTE = Ask("note", required=False)
REASON = Ask("reason", help="The reason, or exactly what is missing, in writing.")
MISSING = Ask("reason", "missing", help="Exactly what is missing, in writing: one item a line.")
# With a supplement: what the applicant handed in at the desk, or their word to the agency.
HANDED_IN = Ask("note", required=False, help="What the applicant handed in, or a word for the agency.")


TRANSITIONS = {transition.name: transition for transition in (
    Transition("submit", _("Submit"), rules.may_submit, in_api=False, capacity=Capacity.DESK,
               timeline=_("Submitted")),
    Transition("receive", _("Receive"), rules.is_receiving_officer, asks=(NOTE,), capacity=Capacity.DESK,
               tells_applicant=True, timeline=_("Received: the appointment is set"), slip="receipt",
               handover=Handover("Tiếp nhận hồ sơ", "same", from_applicant=True)),
    Transition("refuse", _("Refuse to receive"), rules.is_receiving_officer, asks=(REASON,), capacity=Capacity.DESK,
               tells_applicant=True, timeline=_("Not received"), timeline_note=True, slip="refusal", confirm=True),
    Transition("request_documents", _("Request a supplement"), rules.is_receiving_officer, asks=(MISSING,),
               capacity=Capacity.DESK, tells_applicant=True, timeline=_("You were asked to complete the dossier"),
               timeline_note=True, slip="supplement_request"),
    Transition("resubmit", _("Resubmit"), rules.may_edit, asks=(HANDED_IN,), capacity=Capacity.DESK,
               timeline=_("You completed the dossier")),
    Transition("hand_over", _("Hand over to the next step"), rules.is_current_step_actor,
               asks=(NOTE, Ask("assignee", required=False,
                               help="Username of the colleague to take the next step.")),
               timeline=_("Moved on to the next step of processing"),
               handover=Handover("Chuyển bước sau", "next", finishes_step=True)),
    Transition("assign", _("Assign to a colleague"), rules.may_assign,
               asks=(Ask("assignee", help="Username of the colleague to take the current step."),)),
    Transition("send_back", _("Send back to the previous step"), rules.is_current_step_actor, asks=(REASON,),
               handover=Handover("Trả lại bước trước", "previous", finishes_step=True)),
    Transition("request_supplement", _("Request a supplement (stops the clock)"), rules.is_current_step_actor,
               asks=(MISSING,), tells_applicant=True,
               timeline=_("You were asked for a supplement: the clock stopped"), timeline_note=True,
               slip="supplement_request",
               handover=Handover("Yêu cầu bổ sung hồ sơ", "applicant", finishes_step=True)),
    Transition("supply", _("Supplement received (restarts the clock)"), rules.may_edit, asks=(HANDED_IN,),
               timeline=_("Supplement received: the clock restarted"),
               handover=Handover("Nhận hồ sơ bổ sung", "same")),
    Transition("notify_obligation", _("Notify the financial obligation (stops the clock)"),
               rules.is_current_step_actor,
               asks=(REASON, Ask("amount", help="What the applicant must pay before the result, in đồng.")),
               tells_applicant=True),
    Transition("obligation_paid", _("Financial obligation paid (restarts the clock)"), by_hand=False,
               tells_applicant=True),
    Transition("consult", _("Consult other agencies"), rules.is_current_step_actor,
               asks=(Ask("agencies", help="The codes of the agencies asked for their opinion."),
                     Ask("question"), Ask("days", help="Working days each has to answer.")),
               timeline=_("Other agencies were consulted"),
               handover=Handover("Xin ý kiến cơ quan phối hợp", "consulted", finishes_step=True)),
    # Taken by the last consulted agency's answer (answer_consultation), never on its own.
    Transition("end_consultation", _("All consulted agencies answered"), rules.is_consulted, in_window=False,
               in_api=False),
    Transition("apologise", _("Apologise and set a new appointment"), rules.leads_competent_agency,
               asks=(REASON, Ask("new_appointment", "new_appointment")), tells_applicant=True,
               timeline=_("Apology: a new appointment"), timeline_note=True, slip="apology"),
    Transition("approve", _("Approve: result ready"), rules.is_current_step_actor,
               # The window asks for the signed result; the API still takes an approval whose result is on paper,
               # unless the applicant asked for it online.
               asks=(NOTE, Ask("result", "result_file",
                               help="The electronic result document (PDF); required when the applicant asked "
                                    "for the result online.")),
               tells_applicant=True, timeline=_("Result ready"),
               handover=Handover("Phê duyệt kết quả", "next", finishes_step=True)),
    Transition("refuse_result", _("Refuse: not eligible"), rules.is_current_step_actor, asks=(REASON,),
               tells_applicant=True, timeline=_("Result: not eligible"), timeline_note=True, slip="refusal",
               handover=Handover("Từ chối giải quyết", "next", finishes_step=True), confirm=True),
    Transition("return_result", _("Return the result"), rules.is_result_desk, capacity=Capacity.RESULT_DESK,
               tells_applicant=True, timeline=_("Result returned"), slip="result_return",
               handover=Handover("Trả kết quả", "applicant", finishes_step=True)),
    Transition("lapse", _("Stop: the supplement did not come in time"), by_hand=False, tells_applicant=True,
               slip="stop_notice"),
    Transition("withdraw", _("Withdraw"), rules.is_applicant, asks=(REASON,), in_window=False,
               timeline=_("You withdrew this dossier"), timeline_note=True,
               timeline_when=((State.WITHDRAWAL_REQUESTED, _("You asked to withdraw this dossier")),)),
    Transition("accept_withdrawal", _("Accept the withdrawal"), rules.may_settle_withdrawal, asks=(NOTE,),
               capacity=Capacity.STEP_OR_LEADER, tells_applicant=True, timeline=_("Your withdrawal was accepted"),
               confirm=True),
    Transition("decline_withdrawal", _("Decline the withdrawal"), rules.may_settle_withdrawal, asks=(REASON,),
               capacity=Capacity.STEP_OR_LEADER, tells_applicant=True,
               timeline=_("Your withdrawal request was declined"), timeline_note=True),
)}

# What else the audit trail records, and how the applicant's timeline and the slips name it.
ACTS = {act.name: act for act in (
    Act("created", _("Created"), timeline=_("You started this dossier")),
    Act("form_changed", _("Form changed")),
    Act("document_attached", _("Document attached")),
    # Checked against the original at receipt, and kept in the applicant's document store (workflows.store).
    Act("document_verified", _("Document verified")),
    Act("rated", _("Service rated"), timeline=_("You rated the service")),
    Act("consultation_answered", _("Consultation answered"),
        handover=Handover("Trả lời ý kiến phối hợp", "same")),
    Act("note", _("Internal note")),
    Act("record_payment", _("Payment recorded"), timeline=_("Your payment of the fees was recorded")),
    # Online payments through the national payment platform (workflows.payments.online).
    Act("online_payment_started", _("Online payment started")),
    Act("online_payment_failed", _("Online payment failed or abandoned")),
    Act("online_payment_flagged", _("Online payment refused and flagged for staff")),
    Act("online_payment_receipt", _("Electronic receipt kept")),
    # Feedback on the dossier (workflows.feedback), written into its trail as well as the feedback's own.
    Act("feedback_sent", _("Feedback sent"), timeline=_("Feedback sent on this dossier")),
    Act("feedback_answered", _("Feedback answered"), timeline=_("The agency answered the feedback")),
    Act("feedback_rated", _("Verdict on the handling of feedback")),
    Act("retimed", _("Deadlines moved by the working calendar"),
        timeline=_("A day off was announced: your appointment moved")),
)}

_services = {}


def serves(name):
    """Registers the decorated function as the service that takes transition `name`: the window and the API call
    it with the dossier, the acting user, the expected version, the client's address and the answers to `asks`."""
    transition = TRANSITIONS[name]

    def register(function):
        _services[transition.name] = function
        return function

    return register


def service(name):
    return _services[name]


def services():
    return dict(_services)


def get(name):
    return TRANSITIONS[name]


def taken_by_hand():
    return [transition for transition in TRANSITIONS.values() if transition.by_hand]


def in_api():
    return [transition for transition in taken_by_hand() if transition.in_api]


def label(action):
    """What the administration calls an audited action."""
    entry = TRANSITIONS.get(action) or ACTS.get(action)
    return entry.label if entry else action


def timeline_actions():
    """The audited actions the applicant's timeline shows."""
    return {name for name, entry in {**TRANSITIONS, **ACTS}.items() if entry.timeline}


def timeline_label(action, to_state):
    entry = TRANSITIONS.get(action)
    return entry.timeline_label(to_state) if entry else ACTS[action].timeline


def shows_note(action):
    entry = TRANSITIONS.get(action)
    return bool(entry and entry.timeline_note)


def tells_applicant(event):
    entry = TRANSITIONS.get(event)
    return bool(entry and entry.tells_applicant)


def documented_by(slip):
    """The audited actions whose latest entry a slip documents."""
    return tuple(name for name, transition in TRANSITIONS.items() if transition.slip == slip)


def handovers():
    """The audited actions the process control slip lists, with their line."""
    return {name: entry.handover for name, entry in {**TRANSITIONS, **ACTS}.items() if entry.handover}
