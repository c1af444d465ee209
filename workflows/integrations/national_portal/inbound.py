"""Dossiers filed on the national public service portal, taken in: `pull` files each dossier the portal offers for
the province's procedures, once (the portal's id is unique on the dossier), as an integrated filing by the portal's
service account at the receiving desk, with its documents; its statuses then go back like any other dossier's
(workflows.integrations.national_portal.services)."""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from procedures.models import AdministrativeUnit, Agency, Procedure
from procedures.selectors import receives, receiving_desks
from workflows.dossiers.models import Dossier
from workflows.dossiers.services.core import DossierError
from workflows.dossiers.services.filing import attach_document, create_draft, submit_dossier

from . import client
from .client import PortalError

logger = logging.getLogger(__name__)

class NotTakenIn(Exception):
    """An offered dossier OneStop cannot take in as it is (unknown procedure, invalid form, no desk)."""


@dataclass
class Pulled:
    taken: list = field(default_factory=list)
    already: int = 0
    # Why each offer was not taken in, by portal id.
    refused: dict = field(default_factory=dict)


def pull():
    """Takes in the dossiers the portal offers for the province's procedures, each once. Returns Pulled: the
    dossiers taken in, how many were here already, and why each refused one was refused (by portal id)."""
    offers, unreadable = client.offered()
    pulled = Pulled(refused=dict.fromkeys(unreadable, "unreadable"))
    here = set(Dossier.objects.filter(national_portal_id__in=[offer.portal_id for offer in offers])
               .values_list("national_portal_id", flat=True))
    for offer in offers:
        if offer.portal_id in here:
            pulled.already += 1
            continue
        try:
            dossier = take_in(offer)
        except (NotTakenIn, DossierError, ValidationError, PortalError) as refusal:
            pulled.refused[offer.portal_id] = "; ".join(getattr(refusal, "messages", None) or [str(refusal)])
            logger.warning("National portal dossier %s not taken in: %s", offer.portal_id,
                           pulled.refused[offer.portal_id])
            continue
        if dossier is None:
            pulled.already += 1
        else:
            pulled.taken.append(dossier)
    return pulled


def take_in(offer):
    """Files one offered dossier as an integrated filing by the portal's service account, with its documents, at
    the receiving desk it names (or one receiving the procedure), waiting for the desk to check it. None when it
    was taken in already (by another pull at the same moment)."""
    procedure = Procedure.objects.filter(code=offer.procedure_code).first()
    if procedure is None or procedure.current_version is None:
        raise NotTakenIn(f"No procedure {offer.procedure_code} is published here.")
    desk = _desk(procedure, offer.desk_code)
    commune = (AdministrativeUnit.objects.filter(code=offer.commune_code).first() if offer.commune_code else None)
    files = {document.order: SimpleUploadedFile(document.filename[:200] or "tai-lieu.pdf",
                                                client.document(document.url))
             for document in offer.documents if document.order is not None}
    account = service_account()
    try:
        with transaction.atomic():
            dossier = create_draft(procedure=procedure, acting_user=account, commune=commune,
                                   form_data=offer.form_data, applicant=offer.applicant, integrated=True)
            Dossier.objects.filter(pk=dossier.pk).update(national_portal_id=offer.portal_id,
                                                         national_sign_in_level=max(0, min(offer.sign_in_level, 2)))
            for order, upload in files.items():
                attach_document(dossier=dossier, acting_user=account, document_order=order, upload=upload)
            return submit_dossier(dossier=dossier, acting_user=account, receiving_agency=desk)
    except IntegrityError:
        if Dossier.objects.filter(national_portal_id=offer.portal_id).exists():
            return None
        raise


def _desk(procedure, desk_code):
    snapshot = procedure.current_version.snapshot
    kinds = {"level": snapshot["level"], "boundary_free": snapshot["boundary_free"]}
    named = Agency.objects.filter(code=desk_code).first() if desk_code else None
    if named is not None and receives(named, **kinds):
        return named
    competent = procedure.competent_agency
    if competent is not None and receives(competent, **kinds):
        return competent
    desk = receiving_desks(**kinds).first()
    if desk is None:
        raise NotTakenIn(f"No desk receives procedure {procedure.code}.")
    return desk


def service_account():
    """The account dossiers taken in from the portal are filed by: no password, so nobody signs in as it."""
    account, created = get_user_model().objects.get_or_create(
        username=settings.NATIONAL_PORTAL_SERVICE_ACCOUNT, defaults={"first_name": "Cổng Dịch vụ công quốc gia"})
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
    return account
