"""System checks that keep the transition registry, the dossier's state machine and the services in step: adding
a transition in one place and forgetting another stops `manage.py check`, the server and the tests."""

from django.core import checks

from . import services, transitions  # noqa: F401 - the services register themselves with the registry
from .models import Dossier


@checks.register()
def transitions_are_complete(app_configs=None, **kwargs):
    errors = []
    # A method the registry does not list fails already as the model loads (registered_transition).
    methods = {transition.name for transition in Dossier().get_all_state_transitions()}
    registered = set(transitions.TRANSITIONS)
    served = set(transitions.services())
    for name in sorted(registered - methods):
        errors.append(checks.Error(f"The registry lists {name}, which is no transition of Dossier.",
                                   id="dossiers.E002"))
    for transition in transitions.taken_by_hand():
        if transition.name not in served and (transition.in_window or transition.in_api):
            errors.append(checks.Error(f"No service takes the transition {transition.name}.",
                                       hint="Decorate its service with @serves.", id="dossiers.E003"))
    return errors

