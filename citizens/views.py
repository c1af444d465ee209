"""The citizen portal: start a dossier, fill and submit it, follow it to its result, and look one up by code.

Views parse input, call the dossier engine's services (workflows.dossiers.services) and render; every dossier is
looked up among the signed-in citizen's own, so anyone else's id is a 404.
"""

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.http import client_ip
from procedures.forms import application_form, form_data_for_storage, initial_from_storage
from procedures.models import Procedure
from procedures.selectors import communes, receiving_desks
from workflows.dossiers import selectors as dossier_selectors
from workflows.dossiers import services, web
from workflows.dossiers.models import Dossier, DossierDocument
from workflows.dossiers.states import EDITABLE_STATES, RATEABLE_STATES
from workflows.feedback import selectors as feedback_selectors
from workflows.notifications import messages as notification_messages
from workflows.notifications.models import Notification
from workflows.paperwork import slips
from workflows.paperwork.web import slip_response

from . import selectors
from .forms import DeliveryForm, LookupForm, ProfileForm, RatingForm, StartFilingForm, WithdrawForm

PAGE_SIZE = 20


def _own_dossier(request, pk):
    try:
        return selectors.citizen_dossier(request.user, pk)
    except Dossier.DoesNotExist:
        raise Http404 from None


@login_required
def profile(request):
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your details are saved."))
        return redirect("citizens:profile")
    return render(request, "citizens/profile.html", {"form": form})


@login_required
def inbox(request):
    """The citizen's notifications; opening the page marks those shown as read."""
    page = Paginator(selectors.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = [{"notification": item, "message": notification_messages.message(item), "unread": item.read_at is None}
               for item in page.object_list]
    unread = [entry["notification"].pk for entry in entries if entry["unread"]]
    if unread:
        Notification.objects.filter(pk__in=unread, recipient=request.user).update(read_at=timezone.now())
    return render(request, "citizens/inbox.html", {"page": page, "entries": entries})


@login_required
def dossier_list(request):
    page = Paginator(selectors.citizen_dossiers(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "citizens/dossier_list.html", {"page": page})


@login_required
def start_filing(request, code):
    procedure = Procedure.objects.available().filter(code=code).first()
    if procedure is None:
        raise Http404
    if not selectors.has_verified_contact(request.user):
        messages.error(request, _("Verify your email address or your phone number first: the agency must be able "
                                  "to reach you. Follow the link we sent you, or send it again below."))
        return redirect("account_email")
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
    return render(request, "citizens/start_filing.html", {"procedure": procedure, "form": form})


@login_required
def edit_dossier(request, pk):
    """The application form, the documents and the delivery choice of a draft, or of a dossier the agency asked to
    complete. "Save" keeps whatever is valid so far; "Submit" files it once everything is in order."""
    dossier = _own_dossier(request, pk)
    if dossier.state not in EDITABLE_STATES:
        return redirect("citizens:detail", pk=dossier.pk)
    snapshot = dossier.procedure_version.snapshot
    desks = (receiving_desks(level=snapshot["level"], boundary_free=snapshot["boundary_free"])
             if dossier.state == Dossier.State.DRAFT else None)
    if request.method != "POST":
        form = application_form(snapshot.get("form", []), initial=initial_from_storage(
            snapshot.get("form", []), dossier.form_data))
        delivery = DeliveryForm(desks=desks, initial={
            "result_delivery": dossier.result_delivery, "delivery_address": dossier.delivery_address,
            "receiving_agency": dossier.receiving_agency_id})
        return _render_editor(request, dossier, form, delivery, {})

    submitting = request.POST.get("action") == "submit"
    form = application_form(snapshot.get("form", []), data=request.POST)
    delivery = DeliveryForm(request.POST, desks=desks)
    upload_errors = _attach_uploads(request, dossier)
    _validate(form, partially=not submitting)
    # Valid answers are saved even when others are not; an invalid delivery choice leaves the saved one.
    delivery_choice = ({"result_delivery": delivery.cleaned_data["result_delivery"],
                        "delivery_address": delivery.cleaned_data["delivery_address"]} if delivery.is_valid() else {})
    services.update_form_data(dossier=dossier, acting_user=request.user, form_data=form_data_for_storage(form),
                              client_ip=client_ip(request), **delivery_choice)
    dossier = _own_dossier(request, pk)
    if form.errors or delivery.errors or upload_errors:
        messages.error(request, _("Some answers need your attention; what was valid is saved."))
        return _render_editor(request, dossier, form, delivery, upload_errors, status=400)
    if not submitting:
        messages.success(request, _("Draft saved. You can come back to it from My dossiers."))
        return redirect("citizens:edit", pk=dossier.pk)
    try:
        dossier = _submit(request, dossier, delivery.cleaned_data.get("receiving_agency"))
    except (services.DossierError, ValidationError) as error:
        messages.error(request, " ".join(error.messages) if isinstance(error, ValidationError) else str(error))
        return _render_editor(request, dossier, form, delivery, {}, status=400)
    messages.success(request, _("Your dossier is filed. Its code is %(code)s.") % {"code": dossier.code})
    return redirect("citizens:detail", pk=dossier.pk)


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
    """Attaches each file chosen, one by one: a rejected file leaves the others and the form data saved."""
    errors = {}
    for order, upload in web.document_uploads(request, dossier.procedure_version.snapshot).items():
        try:
            services.attach_document(dossier=dossier, acting_user=request.user, document_order=order,
                                     upload=upload, client_ip=client_ip(request))
        except ValidationError as error:
            errors[order] = error.messages
    return errors


def _submit(request, dossier, receiving_agency):
    arguments = {"dossier": dossier, "acting_user": request.user, "client_ip": client_ip(request)}
    if dossier.state == Dossier.State.DRAFT:
        return services.submit_dossier(receiving_agency=receiving_agency, **arguments)
    if dossier.state == Dossier.State.INCOMPLETE:
        return services.resubmit_dossier(**arguments)
    return services.supply_supplement(**arguments)


def _render_editor(request, dossier, form, delivery, upload_errors, status=200):
    current = {document.document_order: document for document in dossier.current_documents}
    documents = [
        {"order": order, "required": document, "attached": current.get(order), "errors": upload_errors.get(order)}
        for order, document in enumerate(dossier.procedure_version.snapshot["documents"], start=1)
    ]
    return render(request, "citizens/edit_dossier.html", {
        "dossier": dossier, "form": form, "delivery": delivery, "documents": documents,
    }, status=status)


@login_required
def dossier_detail(request, pk):
    dossier = _own_dossier(request, pk)
    rating = getattr(dossier, "rating", None)
    return render(request, "citizens/dossier_detail.html", {
        "dossier": dossier,
        "timeline": selectors.timeline(dossier),
        "clock": dossier.clock() if dossier.state in Dossier.CLOCK_STATES else None,
        "may_withdraw": dossier.state in Dossier.WITHDRAWABLE_STATES,
        "may_edit": dossier.state in EDITABLE_STATES,
        "withdraw_form": WithdrawForm(),
        "rating": rating,
        "rating_form": RatingForm() if rating is None and dossier.state in RATEABLE_STATES else None,
        "slips": [(name, slips.SLIPS[name].label) for name in _citizen_slips(dossier)],
        "feedback": feedback_selectors.feedback_on_dossier(request.user, dossier) if dossier.code else None,
    })


@login_required
@require_POST
def withdraw(request, pk):
    dossier = _own_dossier(request, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            dossier = services.withdraw_dossier(dossier=dossier, acting_user=request.user,
                                                reason=form.cleaned_data["reason"], client_ip=client_ip(request))
        except services.DossierError as error:
            messages.error(request, str(error))
        else:
            if dossier.state == Dossier.State.WITHDRAWAL_REQUESTED:
                messages.success(request, _("Your request to withdraw is sent: the agency will accept or decline "
                                            "it, and its processing goes on meanwhile."))
            else:
                messages.success(request, _("Your dossier is withdrawn."))
    else:
        messages.error(request, _("Say why you withdraw the dossier."))
    return redirect("citizens:detail", pk=dossier.pk)


@login_required
@require_POST
def rate(request, pk):
    dossier = _own_dossier(request, pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate_service(dossier=dossier, acting_user=request.user, score=form.cleaned_data["score"],
                                  comment=form.cleaned_data["comment"], client_ip=client_ip(request))
        except services.DossierError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Thank you for rating the service."))
    else:
        messages.error(request, _("Choose a score from 1 to 5."))
    return redirect("citizens:detail", pk=dossier.pk)


@login_required
def document(request, pk, document_pk):
    try:
        attached = selectors.citizen_document(request.user, pk, document_pk)
    except DossierDocument.DoesNotExist:
        raise Http404 from None
    return web.document_response(attached)


@login_required
def result(request, pk):
    dossier = _own_dossier(request, pk)
    if not dossier.result_file or dossier.state not in (Dossier.State.RESULT_READY, Dossier.State.RETURNED):
        raise Http404
    return FileResponse(dossier.result_file.open("rb"), as_attachment=True,
                        filename=f"{dossier.code}-ket-qua.pdf", content_type="application/pdf")


@login_required
def slip(request, pk, name):
    dossier = _own_dossier(request, pk)
    if name not in _citizen_slips(dossier):
        raise Http404
    return slip_response(request, dossier, name)


def _citizen_slips(dossier):
    """The slips addressed to the applicant; the process control slip stays with the agencies."""
    return [name for name in slips.available_slips(dossier) if name != "process_control"]


def lookup(request):
    """Anyone with a dossier's code and the applicant's phone (or the end of their identity number) sees its
    status and appointment, nothing more. Wrong answers all look alike, and attempts are rate-limited."""
    form = LookupForm(request.POST if request.method == "POST" else None,
                      initial={"code": request.GET.get("code", "")})
    found, not_found = None, False
    if request.method == "POST" and form.is_valid():
        if not ratelimit.consume(request, action="dossier_lookup"):
            return render(request, "citizens/lookup.html", {"form": form, "limited": True}, status=429)
        found = dossier_selectors.find_for_lookup(code=form.cleaned_data["code"],
                                                  verifier=form.cleaned_data["verifier"])
        not_found = found is None
    return render(request, "citizens/lookup.html", {
        "form": form, "dossier": found, "not_found": not_found,
        "clock": found.clock() if found is not None and found.state in Dossier.CLOCK_STATES else None,
    })
