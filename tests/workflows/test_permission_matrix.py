"""The permission matrix of the staff single window: each role at each agency sees and does exactly what it
should across the queues, the dossier page and its transitions, its files and its slips, as the dossier moves.

One construction permit (tests/office.py) filed online at the service centre desk, settled by the construction
department through five ISO steps: receive → specialist → department head → agency leader signs → result desk.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib.messages import constants as message_levels
from django.urls import reverse

from tests.factories import AgencyFactory
from tests.office import pdf
from workflows.dossiers import services

pytestmark = pytest.mark.django_db

STATES = ["submitted", "received", "at_specialist", "withdrawal_requested", "at_decision", "result_ready",
          "returned"]
PEOPLE = [
    "receiver", "other_receiver",  # receiving officers at the desk and at the other desk (a branch)
    "specialist", "second_specialist", "head", "leader",  # the competent department
    "result_desk", "other_result_desk",  # result desk officers at the desk and at the other desk
    "outsider_specialist", "outsider_leader",  # an unrelated department
    "province_admin",
]


@dataclass(frozen=True)
class Sees:
    """What a person who may open the dossier finds: the queues that list it and the transitions offered."""

    queues: frozenset = field(default_factory=frozenset)
    transitions: frozenset = field(default_factory=frozenset)


def sees(queues=(), transitions=()):
    return Sees(frozenset(queues), frozenset(transitions))


HIDDEN = None  # the dossier is not in any of their lists and its pages are 404

DEPARTMENT_AT_WORK = {"my_agency"}
EXPECTED = {
    # Filed online, waiting at the desk: only the desk (and the province administrator) knows of it.
    "submitted": {
        "receiver": sees({"to_receive"}, {"receive", "refuse", "request_documents"}),
        "result_desk": sees(),
        "province_admin": sees({"to_receive"}),
    },
    # Just received: the receiving officer still has to hand it over to the department (a step of its own).
    "received": {
        "receiver": sees({"my_work"}, {"hand_over", "assign"}),
        "specialist": sees(DEPARTMENT_AT_WORK),
        "second_specialist": sees(DEPARTMENT_AT_WORK),
        "head": sees(DEPARTMENT_AT_WORK),
        "leader": sees(DEPARTMENT_AT_WORK),
        "result_desk": sees(),
        "province_admin": sees(DEPARTMENT_AT_WORK),
    },
    # Handed over to the specialist by name: the department works it, the desk follows it.
    "at_specialist": {
        "receiver": sees(),
        "specialist": sees({"my_work", *DEPARTMENT_AT_WORK},
                           {"hand_over", "assign", "send_back", "request_supplement", "consult",
                            "notify_obligation"}),
        "second_specialist": sees(DEPARTMENT_AT_WORK, {"assign"}),
        "head": sees(DEPARTMENT_AT_WORK, {"assign"}),
        "leader": sees(DEPARTMENT_AT_WORK, {"assign"}),
        "result_desk": sees(),
        "province_admin": sees(DEPARTMENT_AT_WORK),
    },
    # The applicant asked to withdraw it at the specialist's step: the assignee or a leader of the department
    # accepts or declines; the clock runs, so it stays in the department's queues.
    "withdrawal_requested": {
        "receiver": sees(),
        "specialist": sees({"my_work", *DEPARTMENT_AT_WORK}, {"accept_withdrawal", "decline_withdrawal"}),
        "second_specialist": sees(DEPARTMENT_AT_WORK),
        "head": sees(DEPARTMENT_AT_WORK, {"accept_withdrawal", "decline_withdrawal"}),
        "leader": sees(DEPARTMENT_AT_WORK, {"accept_withdrawal", "decline_withdrawal"}),
        "result_desk": sees(),
        "province_admin": sees(DEPARTMENT_AT_WORK),
    },
    # At the signing step, not assigned to anyone: the department's leaders decide.
    "at_decision": {
        "receiver": sees(),
        "specialist": sees(DEPARTMENT_AT_WORK),
        "second_specialist": sees(DEPARTMENT_AT_WORK),
        "head": sees(DEPARTMENT_AT_WORK, {"assign"}),
        "leader": sees({"my_work", *DEPARTMENT_AT_WORK},
                       {"approve", "refuse_result", "assign", "consult", "request_supplement", "send_back",
                        "notify_obligation"}),
        "result_desk": sees(),
        "province_admin": sees(DEPARTMENT_AT_WORK),
    },
    # Approved: the result desk where the applicant collects it returns it.
    "result_ready": {
        "receiver": sees(),
        "specialist": sees(),
        "second_specialist": sees(),
        "head": sees(),
        "leader": sees(),
        "result_desk": sees({"to_return"}, {"return_result"}),
        "province_admin": sees({"to_return"}),
    },
    # Closed: everyone involved may still look it up; nobody may act.
    "returned": {
        "receiver": sees(),
        "specialist": sees(),
        "second_specialist": sees(),
        "head": sees(),
        "leader": sees(),
        "result_desk": sees(),
        "province_admin": sees(),
    },
}


def expected(state, person):
    return EXPECTED[state].get(person, HIDDEN)


def matrix(states=STATES):
    return [pytest.param(state, person, id=f"{state}-{person}") for state in states for person in PEOPLE]


@pytest.fixture
def people(office):
    """The office's staff, plus people who must see nothing of its dossiers and a province administrator."""
    unrelated = AgencyFactory(code="000.00.09.H56", name="Sở Tư pháp", unit=office.province)
    province_office = AgencyFactory(code="000.00.20.H56", name="Văn phòng Ủy ban nhân dân tỉnh",
                                    unit=office.province)
    return {
        "receiver": office.receiver,
        "other_receiver": office.other_receiver,
        "specialist": office.specialist,
        "second_specialist": office.second_specialist,
        "head": office.head,
        "leader": office.leader,
        "result_desk": office.result_desk,
        "other_result_desk": office.staff("trakq2", office.other_desk, "result_desk"),
        "outsider_specialist": office.staff("chuyenvien_tp", unrelated, "specialist"),
        "outsider_leader": office.staff("giamdoc_tp", unrelated, "agency_leader"),
        "province_admin": office.staff("quantri", province_office, "province_admin"),
    }


def dossier_in(state, office):
    """A dossier with one attached file, filed online at the desk and carried by the services to `state`."""
    draft = services.create_draft(procedure=office.procedure, acting_user=office.citizen)
    services.attach_document(dossier=draft, acting_user=office.citizen, document_order=1,
                             upload=pdf("don.pdf"))
    dossier = services.submit_dossier(dossier=draft, acting_user=office.citizen, receiving_agency=office.desk)
    if state == "submitted":
        return dossier
    dossier = services.receive_dossier(dossier=dossier, acting_user=office.receiver)
    if state == "received":
        return dossier
    dossier = services.hand_over(dossier=dossier, acting_user=office.receiver, assignee=office.specialist)
    if state == "at_specialist":
        return dossier
    if state == "withdrawal_requested":
        return services.withdraw_dossier(dossier=dossier, acting_user=office.citizen, reason="Không còn nhu cầu")
    for officer in (office.specialist, office.head):
        dossier = services.hand_over(dossier=dossier, acting_user=officer)
    if state == "at_decision":
        return dossier
    dossier = services.approve_dossier(dossier=dossier, acting_user=office.leader)
    if state == "result_ready":
        return dossier
    return services.return_result(dossier=dossier, acting_user=office.result_desk)


def page_url(dossier):
    return reverse("admin:workflows_dossier_change", args=[dossier.pk])


def document_url(dossier):
    return reverse("admin:workflows_dossier_document", args=[dossier.pk, dossier.documents.get().pk])


def slip_url(dossier, name):
    return reverse("admin:workflows_dossier_slip", args=[dossier.pk, name])


def listed(client, queue=None):
    """The codes the changelist lists (in one queue, or all the person may see) and every queue's count."""
    page = client.get(reverse("admin:workflows_dossier_changelist"), {"queue": queue} if queue else {})
    assert page.status_code == 200
    counts = {queue.slug: count for queue, count in page.context["queue_counts"]}
    return [dossier.code for dossier in page.context["cl"].result_list], counts


# Queues and the dossier page


@pytest.mark.parametrize(("state", "person"), matrix())
def test_the_dossier_page_opens_only_for_those_who_may_see_it_and_offers_exactly_their_transitions(
        client, office, people, state, person):
    dossier = dossier_in(state, office)
    client.force_login(people[person])

    page = client.get(page_url(dossier))

    should = expected(state, person)
    if should is HIDDEN:
        assert page.status_code == 404
    else:
        assert page.status_code == 200
        assert {transition["name"] for transition in page.context["transitions"]} == should.transitions


@pytest.mark.parametrize(("state", "person"), matrix())
def test_the_changelist_lists_the_dossier_only_for_those_who_may_see_it_and_in_exactly_their_queues(
        client, office, people, state, person):
    dossier = dossier_in(state, office)
    client.force_login(people[person])

    everything, counts = listed(client)
    in_queues = {slug for slug in counts if dossier.code in listed(client, slug)[0]}

    should = expected(state, person)
    assert everything == ([] if should is HIDDEN else [dossier.code])
    assert in_queues == (set() if should is HIDDEN else should.queues)
    assert {slug for slug, count in counts.items() if count} == in_queues


# Posting a transition the page does not offer


@pytest.mark.parametrize(
    ("state", "person", "transition", "answer"),
    [
        pytest.param("submitted", "specialist", "receive", 404,
                     id="a-specialist-receives-a-dossier-not-routed"),
        pytest.param("submitted", "other_receiver", "receive", 404, id="the-other-desk-receives"),
        pytest.param("submitted", "result_desk", "receive", "refused", id="the-result-desk-receives"),
        pytest.param("submitted", "province_admin", "receive", "refused", id="the-province-admin-receives"),
        pytest.param("submitted", "receiver", "withdraw", "refused",
                     id="the-desk-withdraws-for-the-applicant"),
        pytest.param("at_specialist", "receiver", "withdraw", "refused",
                     id="the-desk-withdraws-a-received-dossier-for-the-applicant"),
        pytest.param("at_specialist", "leader", "accept_withdrawal", "refused",
                     id="the-leader-accepts-a-withdrawal-nobody-asked-for"),
        pytest.param("withdrawal_requested", "second_specialist", "accept_withdrawal", "refused",
                     id="a-colleague-accepts-the-assignees-withdrawal-request"),
        pytest.param("withdrawal_requested", "receiver", "decline_withdrawal", "refused",
                     id="the-desk-declines-a-withdrawal-request"),
        pytest.param("withdrawal_requested", "province_admin", "accept_withdrawal", "refused",
                     id="the-province-admin-accepts-a-withdrawal-request"),
        pytest.param("withdrawal_requested", "outsider_leader", "accept_withdrawal", 404,
                     id="an-unrelated-leader-accepts-a-withdrawal-request"),
        pytest.param("withdrawal_requested", "specialist", "hand_over", "refused",
                     id="the-assignee-hands-over-while-a-withdrawal-request-waits"),
        pytest.param("at_specialist", "second_specialist", "hand_over", "refused",
                     id="a-colleague-hands-over-the-assignees-step"),
        pytest.param("at_specialist", "receiver", "hand_over", "refused",
                     id="the-desk-hands-over-a-later-step"),
        pytest.param("at_specialist", "leader", "approve", "refused",
                     id="the-leader-approves-before-the-decision"),
        pytest.param("at_decision", "result_desk", "approve", "refused", id="the-result-desk-approves"),
        pytest.param("at_decision", "specialist", "approve", "refused", id="a-specialist-approves"),
        pytest.param("at_decision", "province_admin", "approve", "refused", id="the-province-admin-approves"),
        pytest.param("at_decision", "outsider_leader", "approve", 404, id="an-unrelated-leader-approves"),
        pytest.param("at_decision", "result_desk", "return_result", "refused",
                     id="the-result-desk-returns-before-the-result"),
        pytest.param("result_ready", "receiver", "return_result", "refused",
                     id="the-receiver-returns-the-result"),
        pytest.param("result_ready", "other_result_desk", "return_result", 404,
                     id="the-other-result-desk-returns-the-result"),
        pytest.param("returned", "leader", "refuse_result", "refused",
                     id="the-leader-refuses-a-returned-result"),
    ],
)
def test_posting_a_transition_not_offered_changes_nothing(client, office, people, state, person, transition,
                                                         answer):
    dossier = dossier_in(state, office)
    before = (dossier.state, dossier.version, dossier.current_step_order, dossier.assignee_id,
              dossier.audit_entries.count())
    client.force_login(people[person])
    page = client.get(page_url(dossier))
    assert page.status_code == 404 or transition not in {t["name"] for t in page.context["transitions"]}

    response = client.post(reverse("admin:workflows_dossier_act", args=[dossier.pk, transition]),
                           {"expected_version": dossier.version, "reason": "Thử"}, follow=True)

    if answer == 404:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert any(message.level == message_levels.ERROR for message in response.context["messages"])
    dossier.refresh_from_db()
    assert (dossier.state, dossier.version, dossier.current_step_order, dossier.assignee_id,
            dossier.audit_entries.count()) == before


# Files and slips


@pytest.mark.parametrize(("state", "person"), matrix())
def test_the_dossiers_files_open_only_for_those_who_may_see_it(client, office, people, state, person):
    dossier = dossier_in(state, office)
    client.force_login(people[person])

    response = client.get(document_url(dossier))

    if expected(state, person) is HIDDEN:
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(("state", "person"), matrix(["at_specialist", "returned"]))
def test_the_dossiers_slips_open_only_for_those_who_may_see_it(client, office, people, state, person):
    dossier = dossier_in(state, office)
    client.force_login(people[person])
    names = ["receipt", "process_control", *(["result_return"] if state == "returned" else [])]

    responses = {name: client.get(slip_url(dossier, name)) for name in names}

    statuses = {name: response.status_code for name, response in responses.items()}
    if expected(state, person) is HIDDEN:
        assert statuses == dict.fromkeys(names, 404)
    else:
        assert statuses == dict.fromkeys(names, 200)
        assert all(response.content.startswith(b"%PDF") for response in responses.values())


@pytest.mark.parametrize("person", ["receiver", "province_admin"])
def test_no_receipt_slip_exists_before_the_dossier_is_received(client, office, people, person):
    dossier = dossier_in("submitted", office)
    client.force_login(people[person])

    assert client.get(slip_url(dossier, "receipt")).status_code == 404
    assert client.get(slip_url(dossier, "process_control")).status_code == 404


# Citizens


@pytest.mark.parametrize("citizen", ["citizen", "other_citizen"], ids=["the-applicant", "another-citizen"])
@pytest.mark.parametrize("target", ["changelist", "page", "act", "document", "slip"])
def test_a_citizen_is_sent_to_the_admin_login_from_every_staff_page(client, office, citizen, target):
    dossier = dossier_in("at_specialist", office)
    client.force_login(getattr(office, citizen))
    url = {
        "changelist": reverse("admin:workflows_dossier_changelist"),
        "page": page_url(dossier),
        "act": reverse("admin:workflows_dossier_act", args=[dossier.pk, "withdraw"]),
        "document": document_url(dossier),
        "slip": slip_url(dossier, "receipt"),
    }[target]

    response = client.post(url, {"expected_version": dossier.version}) if target == "act" else client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    version = dossier.version
    dossier.refresh_from_db()
    assert (dossier.state, dossier.version) == ("processing", version)
