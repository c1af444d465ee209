"""The citizen's dossiers: the list, each one's page, withdrawal, rating and the files to download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.http import client_ip
from procedures.forms import readable_answers
from workflows.dossiers import services, web
from workflows.dossiers.models import Dossier, DossierDocument
from workflows.dossiers.states import EDITABLE_STATES, RATEABLE_STATES
from workflows.feedback import selectors as feedback_selectors
from workflows.paperwork import slips
from workflows.paperwork.web import result_response, slip_response

from .. import selectors
from ..forms import RatingForm, WithdrawForm
from .common import PAGE_SIZE, citizen_slips, own_dossier


@login_required
def dossier_list(request):
    page = Paginator(selectors.citizen_dossiers(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "citizens/dossier_list.html", {"page": page})


@login_required
def dossier_detail(request, pk):
    dossier = own_dossier(request, pk)
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
        "slips": [(name, slips.SLIPS[name].label) for name in citizen_slips(dossier)],
        "answers": readable_answers(dossier.procedure_version.snapshot.get("form", []), dossier.form_data),
        "feedback": feedback_selectors.feedback_on_dossier(request.user, dossier) if dossier.code else None,
    })


@login_required
@require_POST
def withdraw(request, pk):
    dossier = own_dossier(request, pk)
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
    dossier = own_dossier(request, pk)
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
    dossier = own_dossier(request, pk)
    if not dossier.result_file or dossier.state not in (Dossier.State.RESULT_READY, Dossier.State.RETURNED):
        raise Http404
    return result_response(dossier)


@login_required
def slip(request, pk, name):
    dossier = own_dossier(request, pk)
    if name not in citizen_slips(dossier):
        raise Http404
    return slip_response(request, dossier, name)
