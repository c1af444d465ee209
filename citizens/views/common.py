"""What every portal view shares."""

from django.http import Http404

from workflows.dossiers.models import Dossier
from workflows.paperwork import slips

from .. import selectors

PAGE_SIZE = 20


def own_dossier(request, pk):
    try:
        return selectors.citizen_dossier(request.user, pk)
    except Dossier.DoesNotExist:
        raise Http404 from None


def citizen_slips(dossier):
    """The slips addressed to the applicant; the process control slip stays with the agencies."""
    return [name for name in slips.available_slips(dossier) if name != "process_control"]
