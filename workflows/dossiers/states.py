"""A dossier's states and the groups the rules, the queues, the timers and the indexes read: written once, here.

The national public service portal's status for each state travels with every status sync (docs/dossier-life.md).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


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


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At a desk")
    POST = "post", _("By post")
    INTEGRATED = "integrated", _("Integrated system")


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

OPEN_STATES = (State.SUBMITTED, State.INCOMPLETE, State.RECEIVED, State.PROCESSING, State.PAUSED, State.CONSULTING,
               State.FEES_DUE, State.WITHDRAWAL_REQUESTED)
# The applicant may withdraw: at once before receipt, by a request the agency settles after it.
WITHDRAWABLE_STATES = (State.SUBMITTED, State.INCOMPLETE, State.RECEIVED, State.PROCESSING, State.PAUSED,
                       State.CONSULTING, State.FEES_DUE)
# Received and not yet decided: the dossier has a clock.
CLOCK_STATES = (State.RECEIVED, State.PROCESSING, State.PAUSED, State.CONSULTING, State.FEES_DUE,
                State.WITHDRAWAL_REQUESTED)
# The clock runs: what the SLA timers watch. A withdrawal request is still being processed, so its clock runs,
# unless it was asked while the clock stood still (paused_at is then still set).
RUNNING_STATES = (State.RECEIVED, State.PROCESSING, State.CONSULTING, State.WITHDRAWAL_REQUESTED)
# Waiting for the applicant to supply what was asked; the request lapses when the waiting time runs out.
WAITING_STATES = (State.INCOMPLETE, State.PAUSED)
# The clock stands still: a supplement or a financial obligation is awaited from the applicant.
CLOCK_STOPPED_STATES = (State.PAUSED, State.FEES_DUE)
# The applicant (or the desk filing for them) may change the form and the documents.
EDITABLE_STATES = (State.DRAFT, State.INCOMPLETE, State.PAUSED)
# The applicant may rate the service once the result is out, or the dossier was refused.
RATEABLE_STATES = (State.RESULT_READY, State.RETURNED, State.REFUSED)
# Fees are paid once the dossier is filed and until it is closed (a returned result's fees were paid before it).
PAYABLE_STATES = (State.SUBMITTED, State.INCOMPLETE, State.RECEIVED, State.PROCESSING, State.PAUSED,
                  State.CONSULTING, State.FEES_DUE, State.RESULT_READY)
# Closed without a decision on the request: not received, withdrawn, or stopped when the supplement never came.
CLOSED_UNDECIDED = (State.REFUSED, State.WITHDRAWN, State.STOPPED)
# Every queue of the single window holds one of these.
QUEUED_STATES = (*OPEN_STATES, State.RESULT_READY)
