"""The portal's side of feedback (phản ánh, kiến nghị): send it on a dossier or a procedure, read the answer and
say whether the handling satisfied you; and the public page of answered feedback, without personal data.

Views parse input, call workflows.feedback.services and render."""

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onestop.http import client_ip
from onestop.limits import consume_lookup_attempt
from procedures.models import Procedure
from workflows.dossiers.models import Dossier
from workflows.dossiers.selectors import find_for_lookup

from . import selectors, services
from .forms import FeedbackForm, FeedbackLookupForm, SatisfactionForm
from .models import Feedback

PAGE_SIZE = 20


# Sending


@login_required
def send_on_own_dossier(request, pk):
    """From the citizen's dossier page: no code to type, the account says who they are."""
    dossier = (Dossier.objects.filter(applicant=request.user, code__isnull=False)
               .select_related("procedure", "competent_agency", "receiving_agency").filter(pk=pk).first())
    if dossier is None:
        raise Http404
    form = FeedbackForm(request.POST or None, signed_in=True)
    if request.method == "POST" and form.is_valid():
        feedback = _send(request, form, dossier=dossier)
        if feedback is not None:
            return _sent(request, feedback)
    return _render_send(request, form, procedure=dossier.procedure, dossier=dossier,
                        agency=dossier.competent_agency or dossier.receiving_agency)


def send_on_dossier_code(request):
    """From the public lookup: the dossier's code and the applicant's phone or last 4 identity digits."""
    form = FeedbackForm(request.POST or None, signed_in=request.user.is_authenticated, ask_dossier=True,
                        initial={"code": request.GET.get("ma", "")})
    if request.method == "POST" and form.is_valid():
        # The dossier lookup's limit, counted with the portal's and the API's: a guess here is a guess there.
        if not consume_lookup_attempt(request, code=form.cleaned_data["code"]):
            return _render_send(request, form, limited=True, status=429)
        dossier = find_for_lookup(code=form.cleaned_data["code"], verifier=form.cleaned_data["verifier"])
        if dossier is None:
            form.add_error("verifier", _("No dossier matches this code and these digits. Check both and try "
                                         "again."))
        else:
            feedback = _send(request, form, dossier=dossier, verifier=form.cleaned_data["verifier"])
            if feedback is not None:
                return _sent(request, feedback)
    return _render_send(request, form, status=400 if form.errors else 200)


def send_on_procedure(request, code):
    """From the procedure's public page; for a commune-level procedure the citizen chooses the commune."""
    procedure = Procedure.objects.available().select_related("competent_agency").filter(code=code).first()
    if procedure is None:
        raise Http404
    agencies = selectors.agencies_answering(procedure)
    form = FeedbackForm(request.POST or None, signed_in=request.user.is_authenticated, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        if not request.user.is_authenticated and not ratelimit.consume(request, action="feedback_send"):
            return _render_send(request, form, procedure=procedure, limited=True, status=429)
        feedback = _send(request, form, procedure=procedure, agency=form.cleaned_data.get("agency"))
        if feedback is not None:
            return _sent(request, feedback)
    return _render_send(request, form, procedure=procedure, agency=procedure.competent_agency,
                        status=400 if form.errors else 200)


def _send(request, form, **about):
    sender = {} if request.user.is_authenticated else form.sender()
    try:
        return services.submit_feedback(acting_user=request.user, kind=form.cleaned_data["kind"],
                                        content=form.cleaned_data["content"], client_ip=client_ip(request),
                                        **sender, **about)
    except services.FeedbackError as error:
        form.add_error(None, str(error))
    except ValidationError as error:
        _add_errors(form, error)
    return None


def _sent(request, feedback):
    messages.success(request, _("Your feedback is sent. Its reference is %(code)s; %(agency)s answers it by "
                                "%(due)s.") % {"code": feedback.code, "agency": feedback.agency.name,
                                               "due": timezone.localtime(feedback.due_at).strftime("%H:%M %d/%m/%Y")})
    if request.user.is_authenticated:
        return redirect("feedback:detail", code=feedback.code)
    return redirect(f"{reverse('feedback:lookup')}?ma={feedback.code}")


def _render_send(request, form, *, procedure=None, dossier=None, agency=None, limited=False, status=200):
    return render(request, "feedback/send.html", {
        "form": form, "procedure": procedure, "dossier": dossier, "agency": agency, "limited": limited,
        "answer_days": settings.ONESTOP_FEEDBACK_ANSWER_WORKING_DAYS,
    }, status=status)


def _add_errors(form, error):
    for field, errors in (error.message_dict if hasattr(error, "error_dict") else {None: error.messages}).items():
        form.add_error(field if field in form.fields else None, errors)


# The sender's own


@login_required
def own_list(request):
    page = Paginator(selectors.own_feedback(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "feedback/own_list.html", {"page": page})


@login_required
def own_detail(request, code):
    feedback = selectors.own_feedback(request.user).filter(code=code.upper()).first()
    if feedback is None:
        raise Http404
    return render(request, "feedback/own_detail.html", {
        "feedback": feedback, "satisfaction_form": _satisfaction_form(feedback),
    })


@login_required
@require_POST
def rate_own(request, code):
    feedback = selectors.own_feedback(request.user).filter(code=code.upper()).first()
    if feedback is None:
        raise Http404
    _rate(request, feedback, SatisfactionForm(request.POST))
    return redirect("feedback:detail", code=feedback.code)


def lookup(request):
    """Anyone with a feedback's reference and the email or phone written on it reads its answer and judges the
    handling. Wrong answers look alike, and attempts are rate-limited as the dossier lookup's are."""
    form = FeedbackLookupForm(request.POST or None, initial={"code": request.GET.get("ma", "")})
    found, not_found = None, False
    if request.method == "POST" and form.is_valid():
        if not ratelimit.consume(request, action="dossier_lookup"):
            return render(request, "feedback/lookup.html", {"form": form, "limited": True}, status=429)
        found = selectors.find_by_contact(code=form.cleaned_data["code"], contact=form.cleaned_data["contact"])
        not_found = found is None
        if found is not None and "satisfied" in request.POST:
            found = _rate(request, found, SatisfactionForm(request.POST), contact=form.cleaned_data["contact"])
    return render(request, "feedback/lookup.html", {
        "form": form, "feedback": found, "not_found": not_found,
        "satisfaction_form": _satisfaction_form(found) if found is not None else None,
    })


def _satisfaction_form(feedback):
    return SatisfactionForm() if feedback.status == Feedback.Status.ANSWERED and feedback.satisfied is None else None


def _rate(request, feedback, form, contact=""):
    if not form.is_valid():
        messages.error(request, _("Say whether you are satisfied."))
        return feedback
    try:
        feedback = services.rate_handling(feedback=feedback, acting_user=request.user, contact=contact,
                                          satisfied=form.cleaned_data["satisfied"], client_ip=client_ip(request))
    except services.FeedbackError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you: your verdict is recorded."))
    return feedback


# The public page


def public_list(request):
    """Answered feedback its officers published, for anyone: the procedure, the agency, the question and the
    answer and their dates; never who sent it or about which dossier."""
    page = Paginator(selectors.public_feedback(), PAGE_SIZE).get_page(request.GET.get("page"))
    items = [{"kind": item.get_kind_display(), "procedure": item.procedure.name if item.procedure_id else "",
              "agency": item.agency.name, "submitted_at": item.submitted_at, "answered_at": item.answered_at,
              "question": selectors.without_personal_data(item.content, item.author_name),
              "answer": selectors.without_personal_data(item.answer, item.author_name)}
             for item in page.object_list]
    return render(request, "feedback/public_list.html", {"page": page, "items": items})
