"""The citizen's document store in the portal: what they hold, each item's download, and their own scans."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from onestop.forms import error_summary
from workflows.store import selectors, services
from workflows.store.forms import OwnScanForm


@login_required
def document_store(request):
    """Kho dữ liệu của tôi: every item with its type, number, issuer, dates (an expired one marked), origin and
    whether it is verified; and the form to add a scan of one's own."""
    form = OwnScanForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_own_scan(owner=request.user, document_type=data["document_type"], upload=data["file"],
                                  number=data["number"], issuer=data["issuer"], issued_on=data["issued_on"],
                                  valid_until_on=data["valid_until"])
        except ValidationError as error:
            for field, errors in (error.message_dict if hasattr(error, "error_dict")
                                  else {"file": error.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Your scan is in your document store. An officer verifies it against the "
                                        "original when you first use it."))
            return redirect("citizens:store")
    today = timezone.localdate()
    items = [{"item": item, "expired": item.expired_on(today)} for item in selectors.items_of(request.user)]
    return render(request, "citizens/store.html", {"items": items, "form": form, "errors": error_summary(form)},
                  status=400 if form.errors else 200)


@login_required
def store_item_file(request, pk):
    """An item's file, to its owner only: anyone else's id is a 404."""
    item = selectors.items_of(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    return FileResponse(item.file.open("rb"), filename=item.original_filename, content_type=item.content_type)
