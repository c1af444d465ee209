"""Filing: a draft, its form and documents, its submission to a desk and its code."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.uploads import IMAGES, PDF, validate_upload
from procedures.forms import application_form, initial_from_storage
from procedures.models import Agency, Procedure
from procedures.selectors import current_version, receives

from ..models import DocumentOrigin, Dossier, DossierCodeCounter, DossierDocument
from ..rules import may_edit
from ..staff import StaffRole, agencies_where
from ..states import EDITABLE_STATES, WAITING_STATES
from ..transitions import serves
from .core import DossierError, InvalidTransition, NotPermitted, audit, lock, take

__all__ = ["DOCUMENT_MAX_BYTES", "NationalSignInRequired", "StoredCopy", "attach_document", "check_national_sign_in",
           "create_draft", "file_dossier", "missing_documents", "next_dossier_code", "submit_dossier",
           "update_form_data"]


@transaction.atomic
def create_draft(*, procedure, acting_user, commune=None, form_data=None, applicant=None, integrated=False,
                 client_ip=None):
    """A citizen starts a dossier online, an officer starts one for a walk-in applicant, or an integrated system
    (`integrated`, through the API) files one for a citizen; `applicant` gives the name, identity number, phone,
    email and address of whoever it is filed for. Refuses procedures not available today, commune-level
    procedures without the commune that settles them, and a citizen filing for themselves (the portal or the API)
    with neither a verified email nor a verified phone: the agency must be able to reach them."""
    version = current_version(procedure)
    if version is None:
        raise DossierError(_("This procedure has no published version yet."))
    # As the caller loaded it, moments ago.
    if not procedure.available_on(timezone.localdate()):
        raise DossierError(_("This procedure cannot be filed at present."))
    if procedure.level == Procedure.Level.COMMUNE and commune is None:
        raise DossierError(_("Choose the commune or ward that settles this procedure."))
    desk = None if integrated else _officer_desk(acting_user)
    if desk is not None or integrated:
        if not applicant or not applicant.get("name"):
            raise DossierError(_("Give the applicant's name and identity."))
        details = {f"applicant_{key}": value for key, value in applicant.items() if key != "name"}
        dossier = Dossier(applicant_name=applicant["name"], **details)
        if integrated:
            # Filed for a citizen who has an account: it appears among their dossiers in the portal.
            dossier.channel = Dossier.Channel.INTEGRATED
            dossier.applicant = _citizen_with_identity(applicant.get("identity_number"))
        else:
            dossier.channel, dossier.filing_desk = Dossier.Channel.COUNTER, desk
    else:
        if not _reachable(acting_user):
            raise NotPermitted(_("Verify your email address or your phone number first: the agency must be able "
                                 "to reach you."))
        dossier = Dossier(channel=Dossier.Channel.ONLINE, applicant=acting_user,
                          applicant_name=acting_user.get_full_name() or acting_user.get_username(),
                          applicant_email=acting_user.email,
                          applicant_identity_number=getattr(acting_user, "identity_number", None) or "",
                          applicant_phone=getattr(acting_user, "phone", None) or "",
                          applicant_address=getattr(acting_user, "address", ""))
    dossier.procedure, dossier.procedure_version, dossier.commune = procedure, version, commune
    dossier.filed_by = acting_user
    dossier.form_data = form_data or {}
    dossier.fees_due = sum(fee["amount"] for fee in version.snapshot["fees"])
    _check_applicant(dossier)
    dossier.save()
    role = StaffRole.RECEIVING_OFFICER if desk else ("integrated_system" if integrated else "applicant")
    audit(dossier, acting_user, "created", from_state="", client_ip=client_ip, role=role, agency=desk,
          data={"channel": dossier.channel, "procedure_version": version.number})
    return dossier


def _reachable(citizen):
    """A verified phone, or a verified email address (allauth's record of the verification)."""
    return getattr(citizen, "phone_verified", False) or EmailAddress.objects.filter(user=citizen,
                                                                                   verified=True).exists()


def _check_applicant(dossier):
    """The applicant's details fit their columns and are well-formed (an email of 305 characters is refused here,
    however it came), as ValidationError by field."""
    dossier.clean_fields(exclude=[field.name for field in Dossier._meta.fields
                                  if not field.name.startswith("applicant_")])


def _citizen_with_identity(identity_number):
    if not identity_number:
        return None
    return get_user_model().objects.filter(identity_number=identity_number, is_active=True).first()


@transaction.atomic
def update_form_data(*, dossier, acting_user, form_data, result_delivery=None, delivery_address=None,
                     receiving_agency=None, expected_version=None, client_ip=None):
    """The applicant (or the officer filing for them) edits the form, and how the result reaches them, before
    submission or while asked to supplement it; a draft also keeps the desk it will be filed with, which must
    receive the procedure. Every changed value is recorded with its old and new value."""
    dossier = lock(dossier, expected_version)
    if dossier.state not in EDITABLE_STATES:
        raise InvalidTransition(_("The form can only be changed in a draft or when a supplement is requested."))
    if not may_edit(dossier, acting_user):
        raise NotPermitted(_("Only the applicant or the receiving desk may change this dossier's form."))
    delivery = {"result_delivery": result_delivery, "delivery_address": delivery_address}
    delivery = {field: value for field, value in delivery.items() if value is not None}
    if delivery.get("result_delivery", dossier.result_delivery) == Dossier.ResultDelivery.POST and not (
        delivery.get("delivery_address", dossier.delivery_address).strip()
    ):
        raise ValidationError(_("Give the address the result should be posted to."), code="no_delivery_address")
    desk = {}
    if receiving_agency is not None and dossier.state == Dossier.State.DRAFT:
        _check_receives(dossier, receiving_agency)
        desk = {"receiving_agency_id": receiving_agency.pk}
    changes = {key: {"old": dossier.form_data.get(key), "new": value}
               for key, value in form_data.items() if dossier.form_data.get(key) != value}
    changes.update({field: {"old": getattr(dossier, field), "new": value}
                    for field, value in {**delivery, **desk}.items() if getattr(dossier, field) != value})
    if changes:
        dossier.form_data = {**dossier.form_data, **form_data}
        for field, value in {**delivery, **desk}.items():
            setattr(dossier, field, value)
        dossier.version += 1
        dossier.save(update_fields=["form_data", *delivery, *desk, "version", "updated_at"])
        audit(dossier, acting_user, "form_changed", from_state=dossier.state, client_ip=client_ip,
              data={"changes": changes})
    return dossier


DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class StoredCopy:
    """Where a document reused from the applicant's document store came from: the item's id, whether it was
    verified when kept, and the code of the dossier that issued or verified it."""

    item_id: int
    verified: bool
    reference: str = ""


@transaction.atomic
def attach_document(*, dossier, acting_user, upload, document_order=None, name="", expected_version=None,
                    client_ip=None, stored_copy=None):
    """Attaches a PDF, JPEG or PNG (judged by its content, at most 10 MB) for one of the procedure's required
    documents, while the dossier is a draft or waits for a supplement; or, while it waits for a supplement, for
    something else the agency asked for (no `document_order`, its `name`). A file for the same document replaces
    the current one, which is kept. A `stored_copy` is a copy of an item of the applicant's document store, which
    the citizen did not upload again."""
    return attach_to_locked(lock(dossier, expected_version), acting_user, upload, document_order=document_order,
                            name=name, client_ip=client_ip, stored_copy=stored_copy)


def attach_to_locked(dossier, acting_user, upload, *, document_order, name="", client_ip=None, stored_copy=None,
                     filing=False):
    """attach_document, to a dossier the caller holds locked. `filing`: to the draft file_dossier has just created
    and submits next, whose slots hold nothing to replace and whose submission saves its new version."""
    if dossier.state not in EDITABLE_STATES:
        raise InvalidTransition(_("Documents can only be attached to a draft or when a supplement is requested."))
    if not may_edit(dossier, acting_user):
        raise NotPermitted(_("Only the applicant or the receiving desk may attach documents to this dossier."))
    required = dict(enumerate(dossier.procedure_version.snapshot["documents"], start=1))
    if document_order is None:
        name = " ".join((name or "").split())[:500]
        if not name:
            raise ValidationError(_("Say what the document is."), code="document_name_required")
        if dossier.state not in WAITING_STATES:
            raise ValidationError(_("This procedure asks for no such document."), code="unknown_document")
        same = {"document_order__isnull": True, "name": name}
    elif document_order not in required:
        raise ValidationError(_("This procedure asks for no such document."), code="unknown_document")
    else:
        name, same = required[document_order]["name"], {"document_order": document_order}
    content_type = validate_upload(upload, allowed={**PDF, **IMAGES}, max_bytes=DOCUMENT_MAX_BYTES)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    replaced = [] if filing else list(DossierDocument.objects.filter(
        dossier_id=dossier.pk, is_current=True, **same).values_list("pk", flat=True))
    if replaced:
        DossierDocument.objects.filter(pk__in=replaced).update(is_current=False)
    document = DossierDocument.objects.create(
        dossier=dossier, document_order=document_order, name=name, file=upload,
        original_filename=Path(upload.name).name[:255], content_type=content_type, size=upload.size,
        sha256=digest.hexdigest(), uploaded_by=acting_user,
        **({"origin": DocumentOrigin.STORE, "store_item_id": stored_copy.item_id,
            "verified": stored_copy.verified, "origin_reference": stored_copy.reference[:60]}
           if stored_copy else {}),
    )
    dossier.version += 1
    if not filing:
        dossier.save(update_fields=["version", "updated_at"])
    audit(dossier, acting_user, "document_attached", from_state=dossier.state, client_ip=client_ip,
          data={"document": document.name, "document_order": document_order, "sha256": document.sha256,
                "size": document.size, "replaces": replaced,
                **({"store_item": stored_copy.item_id, "verified": stored_copy.verified} if stored_copy else {})})
    return document


@serves("submit")
def submit_dossier(*, dossier, acting_user, receiving_agency=None, paper_documents=(), expected_version=None,
                   client_ip=None, national_sign_in_level=0):
    """Files the dossier with a receiving agency (any desk in the province, for procedures received regardless of
    administrative boundary) and gives it its code at once. A citizen filing online is refused when the procedure
    needs a national sign-in (VNeID) above `national_sign_in_level`, the level of their current sign-in, which the
    dossier keeps."""
    return _submit(dossier, acting_user, receiving_agency=receiving_agency, paper_documents=paper_documents,
                   expected_version=expected_version, client_ip=client_ip,
                   national_sign_in_level=national_sign_in_level)


def _submit(dossier, acting_user, *, receiving_agency, paper_documents, expected_version, client_ip,
            national_sign_in_level, held=False):
    now = timezone.now()

    def apply(dossier):
        agency = receiving_agency or dossier.receiving_agency or dossier.filing_desk
        if agency is None:
            raise DossierError(_("Choose where to file this dossier."))
        _check_receives(dossier, agency)
        if dossier.channel == Dossier.Channel.ONLINE:
            check_national_sign_in(dossier.procedure, national_sign_in_level)
            dossier.national_sign_in_level = national_sign_in_level
        if dossier.channel in (Dossier.Channel.ONLINE, Dossier.Channel.INTEGRATED):
            _check_complete(dossier)
        dossier.submit(at=now, receiving_agency=agency,
                       code=dossier.code or next_dossier_code(agency=agency, day=timezone.localdate(now)))

    return take(dossier, acting_user, "submit", apply, expected_version=expected_version, client_ip=client_ip,
                data={"paper_documents": list(paper_documents)} if paper_documents else None, held=held)


class NationalSignInRequired(NotPermitted):
    """The procedure needs a sign-in with the national identity (VNeID) at a higher level than the citizen's."""

    def __init__(self, level):
        self.level = level
        super().__init__(_("This procedure can only be filed online after signing in with VNeID, level %(level)s.")
                         % {"level": level})


def check_national_sign_in(procedure, national_sign_in_level):
    """Refuses (NationalSignInRequired) a citizen's own online filing below the procedure's required level."""
    if national_sign_in_level < procedure.minimum_assurance_level:
        raise NationalSignInRequired(procedure.minimum_assurance_level)


@transaction.atomic
def file_dossier(*, procedure, acting_user, applicant, form_data, commune=None, receiving_agency=None,
                 result_delivery=None, delivery_address="", paper_documents=(), uploads=None, integrated=False,
                 client_ip=None, national_sign_in_level=0):
    """Files a dossier in one go, or not at all: a receiving officer for a walk-in applicant at their desk, an
    integrated system for a citizen (`integrated`) with the desk it chose, or a citizen for themselves (no
    `applicant`: the account's details); for any procedure of any agency in the province. The draft, its documents
    (`uploads`: document order → file) and its submission (with the paper documents checked, their orders)
    happen together. Receipt, a supplement request or a refusal follows as its
    own step."""
    dossier = create_draft(procedure=procedure, acting_user=acting_user, commune=commune, form_data=form_data,
                           applicant=applicant, integrated=integrated, client_ip=client_ip)
    if result_delivery:
        dossier = update_form_data(dossier=dossier, acting_user=acting_user, form_data={},
                                   result_delivery=result_delivery, delivery_address=delivery_address,
                                   client_ip=client_ip)
    # The draft was created in this transaction: nobody else can see it, so it needs no lock of its own, and each
    # document order comes once.
    for order, upload in (uploads or {}).items():
        attach_to_locked(dossier, acting_user, upload, document_order=order, client_ip=client_ip, filing=True)
    return _submit(dossier, acting_user, receiving_agency=receiving_agency, paper_documents=paper_documents,
                   expected_version=None, client_ip=client_ip, national_sign_in_level=national_sign_in_level,
                   held=True)


def _check_receives(dossier, agency):
    snapshot = dossier.procedure_version.snapshot
    if not receives(agency, level=snapshot["level"], boundary_free=snapshot["boundary_free"]):
        raise DossierError(_("%(desk)s does not receive this procedure's dossiers.") % {"desk": agency})


def missing_documents(dossier):
    """The orders of the procedure's required documents that have no current file yet."""
    required = [order for order, document in enumerate(dossier.procedure_version.snapshot["documents"], start=1)
                if document["required"]]
    if not required:
        return []
    attached = set(dossier.documents.filter(is_current=True).values_list("document_order", flat=True))
    return [order for order in required if order not in attached]


def _check_complete(dossier):
    """An online or integrated dossier reaches the desk only with its application form valid and every required
    document attached; at a desk the officer checks the papers themselves."""
    snapshot = dossier.procedure_version.snapshot
    definition = snapshot.get("form", [])
    problems = []
    form = application_form(definition, data=initial_from_storage(definition, dossier.form_data))
    if not form.is_valid():
        problems.append(_("Complete the application form: %(fields)s.")
                        % {"fields": ", ".join(str(form.fields[name].label) for name in form.errors)})
    missing = missing_documents(dossier)
    if missing:
        problems.append(_("Attach: %(documents)s.") % {"documents": "; ".join(
            snapshot["documents"][order - 1]["name"] for order in missing)})
    if problems:
        raise ValidationError(problems, code="incomplete")


def next_dossier_code(*, agency, day):
    """`<agency code>-<yyMMdd>-<sequence>`: the counter row is incremented under its lock inside the filing
    transaction, so concurrent desks never share a number and a rolled-back filing leaves no gap."""
    table = connection.ops.quote_name(DossierCodeCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (agency_id, day, last_number) VALUES (%s, %s, 1) "
            f"ON CONFLICT (agency_id, day) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [agency.pk, day],
        )
        (number,) = cursor.fetchone()
    return f"{agency.code}-{day:%y%m%d}-{number:04d}"


def _officer_desk(user):
    """The receiving desk of an officer filing at the counter; None for a citizen."""
    desks = agencies_where(user, StaffRole.RECEIVING_OFFICER)
    return Agency.objects.filter(pk__in=desks, receives_dossiers=True).first() if desks else None
