import pytest
from django.db import transaction
from django.urls import reverse

from tests.citizens.test_my_dossiers import carried_to_result, received, submitted
from tests.office import pdf
from workflows.dossiers import services
from workflows.notifications.models import Notification


def test_the_applicant_is_told_of_receipt_supplement_requests_and_the_result(citizen_client, portal):
    dossier = services.hand_over(dossier=received(portal), acting_user=portal.receiver)
    dossier = services.request_supplement(dossier=dossier, acting_user=portal.specialist, missing="Bản vẽ mặt cắt")
    services.attach_document(dossier=dossier, acting_user=portal.citizen, name="Bản vẽ mặt cắt", upload=pdf())
    dossier = services.supply_supplement(dossier=dossier, acting_user=portal.citizen)
    for user in (portal.specialist, portal.head):
        dossier = services.hand_over(dossier=dossier, acting_user=user)
    services.approve_dossier(dossier=dossier, acting_user=portal.leader)

    page = citizen_client.get(reverse("citizens:inbox"))

    messages = [entry["message"] for entry in page.context["entries"]]
    assert len(messages) == 3
    assert dossier.code in messages[2] and dossier.appointment_at.astimezone().strftime("%d/%m/%Y") in messages[2]
    assert "Bản vẽ mặt cắt" in messages[1]
    assert all(entry["unread"] for entry in page.context["entries"])
    assert not Notification.objects.filter(recipient=portal.citizen, read_at__isnull=True).exists()


def test_the_header_counts_unread_notifications(citizen_client, portal):
    received(portal)
    page = citizen_client.get(reverse("citizens:dossiers"))
    assert '<span class="count"' in page.content.decode()
    citizen_client.get(reverse("citizens:inbox"))
    page = citizen_client.get(reverse("citizens:dossiers"))
    assert '<span class="count"' not in page.content.decode()


def test_a_change_that_rolls_back_tells_nobody(portal):
    dossier = submitted(portal)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.receive_dossier(dossier=dossier, acting_user=portal.receiver)
        raise RuntimeError("the desk's power went out")
    assert not Notification.objects.exists()


def test_nobody_reads_another_citizens_notifications(client, portal):
    carried_to_result(portal, received(portal))
    client.force_login(portal.other_citizen)
    page = client.get(reverse("citizens:inbox"))
    assert page.context["entries"] == []
