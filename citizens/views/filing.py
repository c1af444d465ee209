"""Filing a dossier: the start page, the editor, check-your-answers, the confirmation, and answering the agency's
requests."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from onestop.forms import error_summary
from onestop.http import client_ip, national_sign_in_level
from procedures import selectors as procedure_selectors
from procedures.forms import (
    application_form,
    form_data_for_storage,
    initial_from_account,
    initial_from_storage,
    readable_answers,
)
from procedures.models import Procedure
from procedures.selectors import communes, receiving_desks
from workflows.dossiers import services, web
from workflows.dossiers.models import Dossier
from workflows.dossiers.states import EDITABLE_STATES
from workflows.paperwork import slips
from workflows.store import selectors as store_selectors
from workflows.store import services as store

from .. import selectors
from ..forms import DeliveryForm, StartFilingForm, SupplyForm
from ..national_id import national_sign_in_required
from .common import citizen_slips, own_dossier


def start_filing(request, code):
    """The procedure's start page, open to anyone: what the citizen needs, how long it takes, what it costs and
    how the result reaches them. "Start" (signed in, with a verified contact) creates the draft, asking first for
    the commune that settles a commune-level procedure."""
    try:
        procedure = procedure_selectors.procedure_detail(code=code)
    except Procedure.DoesNotExist:
        raise Http404 from None
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method == "POST" and not selectors.has_verified_contact(request.user):
        messages.error(request, _("Verify your email address or your phone number first: the agency must be able "
                                  "to reach you. Follow the link we sent you, or send it again below."))
        return redirect("account_email")
    if request.method == "POST":
        try:
            services.check_national_sign_in(procedure, national_sign_in_level(request))
        except services.NationalSignInRequired as refusal:
            return national_sign_in_required(request, refusal.level)
    data = request.POST if request.method == "POST" else None
    form = (StartFilingForm(data, communes=communes()) if procedure.level == Procedure.Level.COMMUNE
            else None)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            dossier = services.create_draft(procedure=procedure, acting_user=request.user,
                                            commune=form.cleaned_data["commune"] if form else None,
                                            client_ip=client_ip(request))
        except services.DossierError as error:
            messages.error(request, str(error))
        else:
            return redirect("citizens:edit", pk=dossier.pk)
    return render(request, "citizens/start_filing.html", {
        "procedure": procedure, "form": form, "errors": error_summary(form),
        "appointment": procedure_selectors.expected_appointment(procedure),
        "deliveries": Dossier.ResultDelivery.labels,
    }, status=400 if form is not None and form.errors else 200)


@login_required
def edit_dossier(request, pk):
    """The application form, the documents and the delivery choice of a draft. "Save" keeps whatever is valid so
    far; "Continue" checks everything at once (answers, documents, desk) and leads to the check-your-answers page."""
    dossier = own_dossier(request, pk)
    if dossier.state not in EDITABLE_STATES:
        return redirect("citizens:detail", pk=dossier.pk)
    if dossier.state in Dossier.WAITING_STATES:
        return redirect("citizens:supply", pk=dossier.pk)  # an answer to the agency has its own page
    snapshot = dossier.procedure_version.snapshot
    definition = snapshot.get("form", [])
    desks = _desks(dossier)
    if request.method != "POST":
        # A new draft starts from the account's details; whatever the citizen saved since, even a blank, wins.
        initial = {**{name: value for name, value in initial_from_account(definition, request.user).items()
                      if name not in dossier.form_data}, **initial_from_storage(definition, dossier.form_data)}
        form = application_form(definition, initial=initial)
        delivery = DeliveryForm(desks=desks, initial={
            "result_delivery": dossier.result_delivery, "delivery_address": dossier.delivery_address,
            "receiving_agency": dossier.receiving_agency_id})
        return _render_editor(request, dossier, form, delivery, {})

    submitting = request.POST.get("action") == "submit"
    form = application_form(definition, data=request.POST)
    delivery = DeliveryForm(request.POST, desks=desks)
    upload_errors = _attach_uploads(request, dossier)
    _validate(form, partially=not submitting)
    # Valid answers are saved even when others are not; an invalid delivery choice leaves the saved one.
    delivery_choice = ({"result_delivery": delivery.cleaned_data["result_delivery"],
                        "delivery_address": delivery.cleaned_data["delivery_address"],
                        "receiving_agency": delivery.cleaned_data.get("receiving_agency")}
                       if delivery.is_valid() else {})
    services.update_form_data(dossier=dossier, acting_user=request.user, form_data=form_data_for_storage(form),
                              client_ip=client_ip(request), **delivery_choice)
    dossier = own_dossier(request, pk)
    if submitting:
        _check_ready(dossier, delivery, upload_errors)
    if form.errors or delivery.errors or upload_errors:
        return _render_editor(request, dossier, form, delivery, upload_errors, status=400)
    if not submitting:
        messages.success(request, _("Draft saved. You can come back to it from My dossiers."))
        return redirect("citizens:edit", pk=dossier.pk)
    return redirect("citizens:review", pk=dossier.pk)


@login_required
def review(request, pk):
    """Check your answers: the form, the documents, the desk and the delivery as they will be filed, each with a
    link back to change it; filing from here gives the dossier its code."""
    dossier = own_dossier(request, pk)
    if dossier.state != Dossier.State.DRAFT:
        return redirect("citizens:detail", pk=dossier.pk)
    desk = _desks(dossier).filter(pk=dossier.receiving_agency_id).first()
    if desk is None:
        messages.error(request, _("Check your answers and choose where to file, then continue."))
        return redirect("citizens:edit", pk=dossier.pk)
    problems = []
    if request.method == "POST":
        try:
            dossier = services.submit_dossier(dossier=dossier, acting_user=request.user, receiving_agency=desk,
                                              client_ip=client_ip(request),
                                              national_sign_in_level=national_sign_in_level(request))
        except services.NationalSignInRequired as refusal:
            return national_sign_in_required(request, refusal.level)
        except services.DossierError as error:
            problems = [str(error)]
        except ValidationError as error:
            problems = error.messages
        else:
            return redirect("citizens:filed", pk=dossier.pk)
    snapshot = dossier.procedure_version.snapshot
    return render(request, "citizens/review.html", {
        "dossier": dossier, "desk": desk,
        "answers": readable_answers(snapshot.get("form", []), dossier.form_data),
        "documents": _documents(dossier),
        "errors": [{"anchor": "", "message": problem} for problem in problems],
    }, status=400 if problems else 200)


@login_required
def filed(request, pk):
    """The confirmation once a dossier is filed: its code, what happens next and where to follow it."""
    dossier = own_dossier(request, pk)
    if dossier.state == Dossier.State.DRAFT:
        return redirect("citizens:edit", pk=dossier.pk)
    return render(request, "citizens/filed.html", {
        "dossier": dossier,
        "expected": (procedure_selectors.expected_appointment(dossier.procedure)
                     if dossier.state == Dossier.State.SUBMITTED else None),
        "slips": [(name, slips.SLIPS[name].label) for name in citizen_slips(dossier)],
    })


def _desks(dossier):
    snapshot = dossier.procedure_version.snapshot
    return receiving_desks(level=snapshot["level"], boundary_free=snapshot["boundary_free"])


def _check_ready(dossier, delivery, upload_errors):
    """What filing needs besides valid answers, marked at the fields concerned so that every problem shows at
    once: the desk, and every required document (the filing service checks them again)."""
    if not delivery.errors.get("receiving_agency") and not delivery.cleaned_data.get("receiving_agency"):
        delivery.add_error("receiving_agency", _("Choose where to file this dossier."))
    for order in services.missing_documents(dossier):
        upload_errors.setdefault(order, [_("Attach this document.")])


def _validate(form, *, partially):
    """A draft may be saved half-filled: then only what was typed is checked, and the page still marks what
    submission will require."""
    required = {name: field.required for name, field in form.fields.items()}
    if partially:
        for field in form.fields.values():
            field.required = False
    form.is_valid()
    for name, field in form.fields.items():
        field.required = required[name]


def _attach_uploads(request, dossier):
    """Attaches each file chosen, one by one, and each item of the citizen's document store chosen instead of a
    file (a file chosen wins): a rejected one leaves the others and the form data saved."""
    errors = {}
    uploads = web.document_uploads(request, dossier.procedure_version.snapshot)
    for order, upload in uploads.items():
        try:
            services.attach_document(dossier=dossier, acting_user=request.user, document_order=order,
                                     upload=upload, client_ip=client_ip(request))
        except ValidationError as error:
            errors[order] = error.messages
    current = {document.document_order: document.store_item_id for document in dossier.current_documents}
    for order in store_selectors.offers(request.user, dossier):
        chosen = request.POST.get(f"source_{order}", "upload")
        if order in uploads or not chosen.isdigit() or current.get(order) == int(chosen):
            continue
        try:
            store.reuse_item(dossier=dossier, item_id=int(chosen), document_order=order, acting_user=request.user,
                             client_ip=client_ip(request))
        except ValidationError as error:
            errors[order] = error.messages
    return errors


def _documents(dossier, upload_errors=None, offers=None):
    """The procedure's documents as filed: each with the file attached, its errors, the catalogue's template and
    the items of the citizen's document store that may stand for it (`offers`), with the one chosen: the item
    attached, else an upload if a file is, else the first item (a paper the state already holds is not asked
    again)."""
    current = {document.document_order: document for document in dossier.current_documents}
    templates = dict(dossier.procedure.documents.exclude(template="").values_list("name", "pk"))
    documents = []
    for order, document in enumerate(dossier.procedure_version.snapshot["documents"], start=1):
        attached, held = current.get(order), (offers or {}).get(order, [])
        chosen = (attached.store_item_id or "upload") if attached else (held[0].pk if held else "upload")
        documents.append({"order": order, "required": document, "attached": attached, "offers": held,
                          "chosen": str(chosen), "errors": (upload_errors or {}).get(order),
                          "template": templates.get(document["name"])})
    return documents


def _render_editor(request, dossier, form, delivery, upload_errors, status=200):
    documents = _documents(dossier, upload_errors, store_selectors.offers(request.user, dossier))
    extra = [{"anchor": f"id_document_{document['order']}", "message": f"{document['required']['name']}: {error}"}
             for document in documents for error in document["errors"] or ()]
    return render(request, "citizens/edit_dossier.html", {
        "dossier": dossier, "form": form, "delivery": delivery, "documents": documents,
        # In the page's order: the form, the documents, then the desk and delivery.
        "errors": [*error_summary(form, extra=extra), *error_summary(delivery)],
    }, status=status)


@login_required
def supply(request, pk):
    """The answer to the agency's request for a supplement: a file for each item it asked for (in the procedure's
    document slot when the item is one), another file, the application form's answers and a word for the agency.
    Nothing is sent, and the clock stays stopped, until something new comes with it."""
    dossier = own_dossier(request, pk)
    if dossier.state not in Dossier.WAITING_STATES:
        return redirect("citizens:detail", pk=dossier.pk)
    snapshot = dossier.procedure_version.snapshot
    definition = snapshot.get("form", [])
    labels = [{"name": spec["label"]} for spec in definition]
    items = [{"name": item, "order": services.match_document(item, snapshot["documents"]),
              "answer": services.match_document(item, labels) is not None}
             for item in services.requested_items(dossier.reason)]
    posted = request.method == "POST"
    form = SupplyForm(request.POST if posted else None, request.FILES if posted else None, items=items,
                      initial={"expected_version": dossier.version})
    answers = application_form(definition, data=request.POST if posted else None, prefix="form",
                               initial=initial_from_storage(definition, dossier.form_data))
    if posted and all([form.is_valid(), answers.is_valid()]):
        try:
            dossier, supplied = services.answer_supplement(
                dossier=dossier, acting_user=request.user, documents=form.documents(),
                form_data=form_data_for_storage(answers), note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["expected_version"], client_ip=client_ip(request))
        except services.DossierChanged as error:
            messages.warning(request, str(error))
            return redirect("citizens:supply", pk=dossier.pk)
        except services.DossierError as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Supplement sent: %(items)s.") % {"items": _supplied(supplied)})
            return redirect("citizens:detail", pk=dossier.pk)
    current = {document.document_order: document for document in dossier.current_documents}
    return render(request, "citizens/supply.html", {
        "dossier": dossier, "form": form, "answers": answers, "errors": error_summary(form, answers),
        "items": [(item, field, current.get(item["order"]) if item["order"] else None)
                  for item, field in form.item_fields()],
        "answers_open": bool(answers.errors) or any(item["answer"] for item in items),
    }, status=400 if posted else 200)


def _supplied(supplied):
    parts = list(supplied["documents"])
    if supplied["answers"]:
        parts.append(_("changed answers (%(fields)s)") % {"fields": ", ".join(supplied["answers"])})
    return "; ".join(parts)
