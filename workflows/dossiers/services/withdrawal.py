"""The applicant withdraws, at once before receipt, or by a request the agency settles."""


from django.utils import timezone

from ..transitions import serves
from .core import WITHDRAWAL_REASON_MAX_LENGTH, bounded, required, take
from .deadlines import end_pause

__all__ = ["withdraw_dossier", "accept_withdrawal", "decline_withdrawal"]


@serves("withdraw")
def withdraw_dossier(*, dossier, acting_user, reason, expected_version=None, client_ip=None):
    """The applicant withdraws before the result: at once before receipt; once received, as a request that a
    leader of the competent agency, or whoever works the current step, accepts or declines (the clock keeps
    running meanwhile). Refuses a second request while one waits."""
    reason = required(reason, at_most=WITHDRAWAL_REASON_MAX_LENGTH)
    return take(dossier, acting_user, "withdraw",
                lambda dossier: dossier.withdraw(at=timezone.now(), reason=reason),
                expected_version=expected_version, client_ip=client_ip, note=reason)


@serves("accept_withdrawal")
def accept_withdrawal(*, dossier, acting_user, note="", expected_version=None, client_ip=None):
    """A leader of the competent agency, or whoever works the current step, grants the applicant's withdrawal
    request: the dossier is withdrawn and closed. Refuses anyone else and a dossier with no request waiting."""
    now = timezone.now()

    def apply(dossier):
        dossier.accept_withdrawal(at=now)
        # A request made while the dossier waited for a supplement ends that wait too.
        end_pause(dossier, now)

    return take(dossier, acting_user, "accept_withdrawal", apply, expected_version=expected_version,
                client_ip=client_ip, note=bounded(note))


@serves("decline_withdrawal")
def decline_withdrawal(*, dossier, acting_user, reason, expected_version=None, client_ip=None):
    """A leader of the competent agency, or whoever works the current step, declines the applicant's withdrawal
    request with a written reason: the dossier goes back to where it was. Refuses anyone else and a dossier with
    no request waiting."""
    reason = required(reason)
    return take(dossier, acting_user, "decline_withdrawal", lambda dossier: dossier.decline_withdrawal(),
                expected_version=expected_version, client_ip=client_ip, note=reason)
