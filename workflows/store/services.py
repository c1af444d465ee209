"""What fills the citizen's document store and what reads it: the results OneStop issues, the documents an officer
verifies at receipt, the citizen's own scans, their reuse at filing, and an officer's logged read."""

import calendar
import hashlib
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from onestop.uploads import IMAGES, PDF, validate_upload
from procedures.models import DocumentType
from workflows.dossiers import rules
from workflows.dossiers.models import Dossier, DossierDocument
from workflows.dossiers.services import DOCUMENT_MAX_BYTES, NotPermitted, StoredCopy, attach_document
from workflows.dossiers.services.core import InvalidTransition, audit, lock
from workflows.dossiers.states import OPEN_STATES

from .models import StoreAccess, StoreItem
from .selectors import reusable_items


class StoreError(Exception):
    """A refusal the person can understand."""


def valid_until(document_type, issued_on):
    """The end of validity a type gives a paper issued on `issued_on`; None when it never expires."""
    if document_type is None or not document_type.validity_months or issued_on is None:
        return None
    months = issued_on.month - 1 + document_type.validity_months
    year, month = issued_on.year + months // 12, months % 12 + 1
    return date(year, month, min(issued_on.day, calendar.monthrange(year, month)[1]))


def _type_of(code):
    return DocumentType.objects.filter(code=code).first() if code else None


def _copy_into(item, source, filename):
    """Copies a stored file into the item, with its digest."""
    with source.open("rb") as stream:
        content = stream.read()
    item.file.save(Path(filename).name, ContentFile(content), save=False)
    item.original_filename = Path(filename).name[:255]
    item.size = len(content)
    item.sha256 = hashlib.sha256(content).hexdigest()


def keep_result(*, dossier, actor):
    """An approved dossier's electronic result goes into its applicant's store, typed as the procedure's result:
    in the approval's transaction, so that a result is never issued without being kept, nor kept twice (a dossier
    is approved once, and store_one_item_per_result holds it). A paper result, or an applicant known neither by
    account nor by identity number, leaves nothing to keep."""
    if dossier.outcome != Dossier.Outcome.APPROVED or not dossier.result_file:
        return None
    if not (dossier.applicant_id or dossier.applicant_identity_number):
        return None
    snapshot = dossier.procedure_version.snapshot
    document_type = _type_of(snapshot.get("result_type"))
    issued_on = timezone.localdate(dossier.result_at)
    item = StoreItem(
        owner_id=dossier.applicant_id, owner_name=dossier.applicant_name,
        owner_identity_number=dossier.applicant_identity_number, document_type=document_type,
        name=document_type.name if document_type else snapshot["result"][:500], number=dossier.code or "",
        issuer=dossier.competent_agency.name if dossier.competent_agency_id else "", issued_on=issued_on,
        valid_until=valid_until(document_type, issued_on), content_type="application/pdf",
        origin=StoreItem.Origin.ISSUED, origin_dossier=dossier,
        verified=True, verified_by=actor, verified_at=timezone.now(),
    )
    # The result's stored name is a random one: the citizen downloads it under what it is.
    _copy_into(item, dossier.result_file, f"{slugify(item.name) or 'ket-qua'}-{item.number}.pdf")
    item.save()
    return item


@transaction.atomic
def verify_document(*, document, acting_user, number="", issuer="", issued_on=None, client_ip=None):
    """The receiving officer has checked a document of a dossier waiting for receipt against its original: the
    document is marked verified and, when it is a paper the state issues (its required document has a type), kept
    in the applicant's store with the number, issuer and date the officer read on it. A citizen's own scan reused
    from the store becomes verified there too. Refused to anyone but a receiving officer of the desk, and once the
    dossier has left the desk's check."""
    dossier = lock(document.dossier, None)
    document = DossierDocument.objects.select_for_update().get(pk=document.pk, dossier=dossier)
    if dossier.state != Dossier.State.SUBMITTED:
        raise InvalidTransition(_("Documents are verified while the dossier waits for receipt."))
    if not rules.is_receiving_officer(dossier, acting_user):
        raise NotPermitted(_("Only a receiving officer of the desk may verify this dossier's documents."))
    if not document.is_current:
        raise StoreError(_("This file has been replaced; verify the current one."))
    if issued_on is not None and issued_on > timezone.localdate():
        raise ValidationError({"issued_on": _("The date of issue cannot be in the future.")})
    now = timezone.now()
    item = None
    if document.store_item_id:
        item = StoreItem.objects.select_for_update().filter(pk=document.store_item_id).first()
        if item is not None and not item.verified:
            item.verified, item.verified_by, item.verified_at = True, acting_user, now
            item.save(update_fields=["verified", "verified_by", "verified_at"])
    elif dossier.applicant_id or dossier.applicant_identity_number:
        item = _keep_verified(dossier, document, acting_user, now, number=number.strip()[:60],
                              issuer=issuer.strip()[:300], issued_on=issued_on)
    document.verified = True
    document.save(update_fields=["verified"])
    dossier.version += 1
    dossier.save(update_fields=["version", "updated_at"])
    audit(dossier, acting_user, "document_verified", from_state=dossier.state, client_ip=client_ip,
          role="receiving_officer", agency=dossier.receiving_agency_id,
          data={"document": document.name, "document_order": document.document_order,
                "store_item": item.pk if item else None})
    return document, item


def _keep_verified(dossier, document, officer, now, *, number, issuer, issued_on):
    required = dossier.procedure_version.snapshot["documents"]
    order = document.document_order
    spec = required[order - 1] if order and order <= len(required) else {}
    document_type = _type_of(spec.get("type"))
    if document_type is None:
        return None  # not a paper the state issues: the dossier keeps it, the store does not
    item = StoreItem.objects.filter(origin_document=document).first()
    if item is not None:
        return item
    item = StoreItem(
        owner_id=dossier.applicant_id, owner_name=dossier.applicant_name,
        owner_identity_number=dossier.applicant_identity_number, document_type=document_type,
        name=document_type.name, number=number, issuer=issuer, issued_on=issued_on,
        valid_until=valid_until(document_type, issued_on), content_type=document.content_type,
        origin=StoreItem.Origin.VERIFIED_AT_RECEIPT, origin_dossier=dossier, origin_document=document,
        verified=True, verified_by=officer, verified_at=now,
    )
    _copy_into(item, document.file, document.original_filename)
    item.save()
    return item


@transaction.atomic
def add_own_scan(*, owner, document_type, upload, number="", issuer="", issued_on=None, valid_until_on=None):
    """The citizen adds a scan of a paper they hold (a PDF, JPEG or PNG judged by its content, at most 10 MB):
    kept unverified until an officer checks it against the original at a dossier's receipt."""
    content_type = validate_upload(upload, allowed={**PDF, **IMAGES}, max_bytes=DOCUMENT_MAX_BYTES)
    if issued_on and valid_until_on and valid_until_on < issued_on:
        raise ValidationError({"valid_until": _("The end of validity is before the date of issue.")})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    item = StoreItem(
        owner=owner, owner_name=owner.get_full_name() or owner.get_username(),
        owner_identity_number=owner.identity_number or "", document_type=document_type, name=document_type.name,
        number=number, issuer=issuer, issued_on=issued_on,
        valid_until=valid_until_on or valid_until(document_type, issued_on),
        original_filename=Path(upload.name).name[:255], content_type=content_type, size=upload.size,
        sha256=digest.hexdigest(), origin=StoreItem.Origin.OWN_SCAN,
    )
    item.file.save(item.original_filename, upload, save=False)
    item.save()
    return item


def reuse_item(*, dossier, item_id, document_order, acting_user, client_ip=None):
    """The citizen answers a required document with an item of their store instead of an upload: the dossier gets
    a copy, marked as reused with the item's origin and whether it was verified. Refused for an item not theirs,
    expired, or of another type than the document asks for."""
    item = reusable_items(acting_user, dossier).filter(pk=item_id).select_related("origin_dossier").first()
    spec = dict(enumerate(dossier.procedure_version.snapshot["documents"], start=1)).get(document_order)
    if item is None or spec is None or item.document_type.code != spec.get("type"):
        raise ValidationError(_("This item of your document store cannot be used for this document."),
                              code="not_reusable")
    with item.file.open("rb") as stream:
        copy = File(stream, name=item.original_filename)
        return attach_document(
            dossier=dossier, acting_user=acting_user, document_order=document_order, upload=copy,
            client_ip=client_ip, stored_copy=StoredCopy(
                item_id=item.pk, verified=item.verified,
                reference=item.origin_dossier.code if item.origin_dossier_id and item.origin_dossier.code else ""))


def read_for_dossier(*, item_id, dossier, officer, purpose):
    """An officer opens an item of a citizen's store while their agency handles a dossier of that citizen (the
    caller found the dossier among those the officer may open): the read is logged with its purpose. Refused when
    the dossier is closed or the item is not its applicant's."""
    if dossier.state not in OPEN_STATES:
        raise NotPermitted(_("The store of an applicant is open only while their dossier is being handled."))
    if purpose not in StoreAccess.Purpose.values:
        raise ValidationError(_("Say why you open this document."), code="no_purpose")
    item = StoreItem.objects.filter(pk=item_id).first()
    if item is None or not _belongs_to_applicant(item, dossier):
        raise NotPermitted(_("This document is not in this applicant's store."))
    StoreAccess.objects.create(officer=officer, item=item, dossier=dossier, purpose=purpose)
    return item


def _belongs_to_applicant(item, dossier):
    if dossier.applicant_id:
        return item.owner_id == dossier.applicant_id
    return bool(dossier.applicant_identity_number) and item.owner_id is None and (
        item.owner_identity_number == dossier.applicant_identity_number)
