"""One registry of transitions: the state machine, the services, the API, the window, the timeline and the
messages all read it, and the system checks refuse a transition added in one place and forgotten in another."""

from django.urls import reverse

from workflows.dossiers import transitions
from workflows.dossiers.checks import transitions_are_complete
from workflows.dossiers.models import Dossier
from workflows.notifications.checks import every_event_has_a_message


def test_every_transition_of_the_dossier_is_registered_and_served():
    assert transitions_are_complete() == []
    assert every_event_has_a_message() == []
    assert {transition.name for transition in Dossier().get_all_state_transitions()} == set(transitions.TRANSITIONS)


def test_a_transition_without_its_service_stops_the_checks(monkeypatch):
    served = transitions.services()
    del served["accept_withdrawal"]
    monkeypatch.setattr(transitions, "_services", served)
    assert [error.id for error in transitions_are_complete()] == ["dossiers.E003"]


def test_an_applicant_told_of_an_event_without_its_message_stops_the_checks(monkeypatch):
    told = transitions.Transition("adjourn", "Adjourn", tells_applicant=True)
    monkeypatch.setitem(transitions.TRANSITIONS, "adjourn", told)
    assert [error.id for error in every_event_has_a_message()] == ["notifications.E001"]
    # The state machine has no such method either.
    assert "dossiers.E002" in [error.id for error in transitions_are_complete()]


def test_the_api_has_an_action_for_every_transition_a_person_takes_outside_filing():
    for transition in transitions.in_api():
        assert reverse(f"v1:dossier-{transition.path}", args=["X-1"]) == f"/api/v1/dossiers/X-1/{transition.path}/"
    assert {transition.name for transition in transitions.in_api()} == set(transitions.TRANSITIONS) - {
        "submit", "end_consultation", "obligation_paid", "lapse"}


def test_the_window_offers_no_transition_the_applicant_or_the_system_alone_takes():
    offered = {transition.name for transition in transitions.taken_by_hand() if transition.in_window}
    assert "withdraw" not in offered and "lapse" not in offered and "obligation_paid" not in offered
    assert "accept_withdrawal" in offered
