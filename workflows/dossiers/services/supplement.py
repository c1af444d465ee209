"""Answering a request to supplement a dossier: what the agency asked for, item by item, and the rule that an
answer must carry something new (a file, or a changed answer) before the dossier goes back to the agency."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import rules, selectors, transitions
from ..models import AuditEntry
from ..states import WAITING_STATES, State
from .core import InvalidTransition, NotPermitted, lock
from .filing import attach_to_locked, update_form_data

__all__ = ["answer_supplement", "match_document", "requested_items", "supplied_since_request"]

DELIVERY = {"result_delivery", "delivery_address"}
# A list marker the officer may have typed before an item: "-", "•", "*", "1.", "2)", "a)".
_MARKER = re.compile(r"^\s*(?:[-•*–+]|\d{1,2}[.)]|[a-zđ][.)])\s+", re.IGNORECASE)


def requested_items(missing):
    """The items of a supplement request, one a line as the officer wrote them, without list markers."""
    items = []
    for line in (missing or "").splitlines():
        item = _MARKER.sub("", line).strip().rstrip(".;,")
        if item and item not in items:
            items.append(item)
    return items


def _plain(text):
    return " ".join(text.casefold().split()).rstrip(".;,:")


def match_document(item, documents):
    """The order of the procedure's document slot an item asks for (the slot's name, perhaps with more words, such
    as "signed"), the longest name winning; None when the item is none of them."""
    wanted = _plain(item)
    matches = [(len(_plain(document["name"])), order) for order, document in enumerate(documents, start=1)
               if _plain(document["name"]) and _plain(document["name"]) in wanted]
    return max(matches)[1] if matches else None


def supplied_since_request(dossier):
    """What reached the dossier since the agency's latest request: the documents' names, and the labels of the
    application form's answers that changed."""
    request = selectors.latest_supplement_request(dossier)
    if request is None:
        return {"documents": [], "answers": []}
    entries = (AuditEntry.objects.filter(dossier=dossier, id__gt=request.id,
                                         action__in=["document_attached", "form_changed"]).order_by("id"))
    labels = {spec["name"]: spec["label"] for spec in dossier.procedure_version.snapshot.get("form", [])}
    documents, answers = [], []
    for entry in entries.only("action", "data"):
        if entry.action == "document_attached":
            documents.append(entry.data.get("document", ""))
        else:
            # How the result is delivered is no answer to the agency's request.
            answers.extend(labels.get(key, key) for key in entry.data.get("changes", {}) if key not in DELIVERY)
    return {"documents": list(dict.fromkeys(documents)), "answers": list(dict.fromkeys(answers))}


def require_something_supplied(dossier, acting_user, note):
    """Refuses an answer that brings nothing new: no file and no changed answer since the request. At the desk an
    officer may instead note the papers the applicant handed in."""
    supplied = supplied_since_request(dossier)
    applicant_side = rules.is_applicant(dossier, acting_user) or rules.is_filing_system(dossier, acting_user)
    if supplied["documents"] or supplied["answers"] or (note and not applicant_side):
        return supplied
    if applicant_side:
        message = _("Nothing was supplied: attach what the agency asked for, or change the answers it concerns.")
    else:
        message = _("Nothing was supplied: attach what the applicant handed in, or note the papers received.")
    raise ValidationError(message, code="nothing_supplied")


@transaction.atomic
def answer_supplement(*, dossier, acting_user, documents=(), form_data=None, note="", expected_version=None,
                      client_ip=None):
    """The applicant answers the agency's request in one go: `documents` are (document order or None, name, file)
    for the procedure's document slots or for items outside them, `form_data` the corrected answers. The dossier
    goes back to the agency (the clock restarts, or it waits for receipt again) only when something new came;
    otherwise nothing is kept. Returns the dossier and what was supplied."""
    dossier = lock(dossier, expected_version)
    if dossier.state not in WAITING_STATES:
        raise InvalidTransition(_("The agency is not waiting for a supplement to this dossier."))
    if not rules.may_edit(dossier, acting_user):
        raise NotPermitted(_("Only the applicant or the receiving desk may answer this request."))
    for order, name, upload in documents:
        attach_to_locked(dossier, acting_user, upload, document_order=order, name=name, client_ip=client_ip)
    if form_data:
        update_form_data(dossier=dossier, acting_user=acting_user, form_data=form_data, client_ip=client_ip)
    supplied = supplied_since_request(dossier)
    name = "supply" if dossier.state == State.PAUSED else "resubmit"
    dossier = transitions.service(name)(dossier=dossier, acting_user=acting_user, note=note.strip(),
                                        client_ip=client_ip)
    return dossier, supplied
