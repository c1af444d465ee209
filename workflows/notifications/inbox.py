"""The applicant's portal inbox: a line for every event they are told of, written in the transaction of the change
it reports. Its text is composed when read (messages.message), in the reader's language."""

from .models import Notification


def record(*, dossier, event, data, at, **signal):
    """Connected to workflows.dossiers.events.applicant_told: applicants without an account have no inbox."""
    if dossier.applicant_id is not None:
        Notification.objects.create(recipient_id=dossier.applicant_id, dossier=dossier, event=event,
                                    created_at=at, data=data)
