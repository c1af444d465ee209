"""The citizen's account details, notifications, and the public lookup by code."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.limits import consume_lookup_attempt
from workflows.dossiers import selectors as dossier_selectors
from workflows.dossiers.models import Dossier
from workflows.notifications import messages as notification_messages
from workflows.notifications.models import Notification

from .. import selectors
from ..forms import LookupForm, ProfileForm
from .common import PAGE_SIZE


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



def lookup(request):
    """Anyone with a dossier's code and the applicant's phone (or the end of their identity number) sees its
    status and appointment, nothing more. Wrong answers all look alike, and attempts are rate-limited per address,
    counted with the API's lookup (GET /api/v1/lookup/)."""
    form = LookupForm(request.POST if request.method == "POST" else None,
                      initial={"code": request.GET.get("code", "")})
    found, not_found = None, False
    if request.method == "POST" and form.is_valid():
        if not consume_lookup_attempt(request, code=form.cleaned_data["code"]):
            return render(request, "citizens/lookup.html", {"form": form, "limited": True}, status=429)
        found = dossier_selectors.find_for_lookup(code=form.cleaned_data["code"],
                                                  verifier=form.cleaned_data["verifier"])
        not_found = found is None
    return render(request, "citizens/lookup.html", {
        "form": form, "dossier": found, "not_found": not_found,
        "clock": found.clock() if found is not None and found.state in Dossier.CLOCK_STATES else None,
    })
