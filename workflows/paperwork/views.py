"""The public verification page: upload a PDF, or follow the QR code printed on it, and see whether OneStop
issued it, for which dossier, by whom, and whether it is unchanged."""

from allauth.core import ratelimit
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .forms import VerificationForm
from .models import IssuedDocument
from .verification import verify_upload


@require_http_methods(["GET", "POST"])
def verify(request, token=None):
    """Anyone, signed in or not; uploads are rate-limited per address (ACCOUNT_RATE_LIMITS["document_verification"])
    since each costs a signature validation."""
    target = None
    if token is not None:
        target = IssuedDocument.objects.select_related("dossier").filter(token=token).first()
        if target is None:
            raise Http404
    form = VerificationForm(request.POST or None, request.FILES or None)
    verdict, status = None, 200
    if request.method == "POST" and form.is_valid():
        if not ratelimit.consume(request, action="document_verification"):
            return render(request, "paperwork/verify.html", {"form": form, "target": target, "limited": True},
                          status=429)
        try:
            verdict = verify_upload(form.cleaned_data["document"], token=token)
        except ValidationError as error:
            form.add_error("document", error)
    if form.errors:
        status = 400
    return render(request, "paperwork/verify.html", {"form": form, "target": target, "verdict": verdict},
                  status=status)
