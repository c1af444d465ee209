"""The slips served to the window and the portal, once each view has decided who may have them."""

from django.http import HttpResponse
from django.urls import reverse

from . import slips


def slip_response(request, dossier, name):
    """Slip `name` of the dossier as an inline PDF; its QR code opens the public lookup for this dossier."""
    lookup_url = request.build_absolute_uri(reverse("citizens:lookup")) + f"?code={dossier.code}"
    response = HttpResponse(slips.SLIPS[name].function(dossier, lookup_url=lookup_url),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dossier.code}-{name}.pdf"'
    return response
