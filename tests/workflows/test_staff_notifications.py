"""Staff are told when a dossier enters their queue: the desk of an online filing, the holders of the next step's
role, or the one colleague it was assigned to; never the person who just acted, and never about a step the
dossier has already left."""

import pytest

from tests.workflows.test_lifecycle import filed
from workflows.dossiers import services
from workflows.dossiers.models import OutboxEvent
from workflows.notifications import messages as notifications

pytestmark = pytest.mark.django_db


def told(dossier, event="queued"):
    """Who each of the dossier's events of this kind reaches now, oldest first."""
    return [{address for _channel, address, _language in notifications.recipients(outbox)}
            for outbox in OutboxEvent.objects.filter(dossier=dossier, event=event).order_by("pk")]


def test_an_online_filing_is_announced_to_the_receiving_desk_it_was_sent_to(office):
    dossier = filed(office)

    assert told(dossier) == [{office.receiver.email}]  # not the other desk's officer, not the citizen
    subject, body = notifications.email(OutboxEvent.objects.get(dossier=dossier, event="queued"), "en")
    assert subject == f"[OneStop] New in your queue: {dossier.code}"
    assert "waits for receipt at your desk" in body


def test_a_handover_tells_the_next_steps_holders_and_an_assignment_only_the_assignee(office):
    dossier = services.receive_dossier(dossier=filed(office), acting_user=office.receiver)
    dossier = services.hand_over(dossier=dossier, acting_user=office.receiver)
    specialists = {office.specialist.email, office.second_specialist.email}
    assert told(dossier)[-1] == specialists

    services.assign_dossier(dossier=dossier, acting_user=office.head, assignee=office.second_specialist)

    *earlier, handed_over, assigned = told(dossier)
    assert assigned == {office.second_specialist.email}
    assert handed_over == set()  # the dossier left the shared queue before this went out


def test_the_officer_who_acts_is_not_told_of_their_own_work(office):
    dossier = services.file_dossier(procedure=office.procedure, acting_user=office.receiver,
                                    applicant={"name": "Lê Văn Nam", "identity_number": "038090001111"},
                                    form_data={"address": "12 Lê Lợi"})
    dossier = services.receive_dossier(dossier=dossier, acting_user=office.receiver)

    assert told(dossier) == [set(), set()]  # the submission is received already; its desk has no one else


def test_staff_read_their_messages_in_their_own_language(office):
    office.specialist.language = "en"
    office.specialist.save()
    dossier = services.receive_dossier(dossier=filed(office), acting_user=office.receiver)
    services.hand_over(dossier=dossier, acting_user=office.receiver)
    event = OutboxEvent.objects.filter(dossier=dossier, event="queued").last()

    languages = {address: language for _channel, address, language in notifications.recipients(event)}
    assert languages == {office.specialist.email: "en", office.second_specialist.email: "vi"}
    assert "waits in your queue" in notifications.email(event, "en")[1]
    assert "đang chờ đồng chí xử lý" in notifications.email(event, "vi")[1]
