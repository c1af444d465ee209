"""A stand-in for the national public service portal (Cổng Dịch vụ công quốc gia), for trying OneStop and for
tests, under /mo-phong/cong-dvc/: the sync endpoint storing every record a province sends, in order (a first
record adds the dossier, "already exists" answers a second add; an update or progress sync changes it), the list
of dossiers filed on the portal and offered for the province to take in, with their documents, and a page showing
what it holds per dossier (the statuses in order), where the portal can be put down, busy or refusing on demand,
and a dossier filed "on the portal" for a demo.

It is the portal's side of the wire format OneStop writes in workflows.integrations.national_portal.wire, written
on its own, as the real portal's is: it talks to OneStop only over HTTP. It takes the credentials in
NATIONAL_PORTAL_USERNAME and NATIONAL_PORTAL_PASSWORD (HTTP Basic).
"""

import base64
import binascii
import hmac
import json
import uuid

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import OfferedDocument, OfferedDossier, PortalDossier, PortalMessage, PortalSwitch

OK, INVALID, ALREADY_EXISTS, BUSY = 0, 1, 2, 99
STATUS_NAMES = {1: _("New"), 2: _("Received"), 3: _("Not received"), 4: _("Processing"),
                5: _("Supplement requested"), 6: _("Financial obligation due"), 7: _("Withdrawal requested"),
                8: _("Processing stopped"), 9: _("Processed"), 10: _("Result returned")}
# A one-page PDF for the demo's offered dossiers.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def switch():
    return PortalSwitch.objects.first() or PortalSwitch.objects.create()


def _authorised(request):
    scheme, _space, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        username, _colon, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return (hmac.compare_digest(username, settings.NATIONAL_PORTAL_USERNAME)
            and hmac.compare_digest(password, settings.NATIONAL_PORTAL_PASSWORD))


def _api(view):
    """The portal's API: down when switched off, and only for the province's credentials."""
    def guarded(request, *args, **kwargs):
        if switch().mode == PortalSwitch.Mode.DOWN:
            return HttpResponse("Service Unavailable", status=503, content_type="text/plain")
        if not _authorised(request):
            response = JsonResponse({"error_code": 401, "message": "Unauthorized"}, status=401)
            response["WWW-Authenticate"] = 'Basic realm="dvcqg"'
            return response
        return view(request, *args, **kwargs)
    return csrf_exempt(never_cache(guarded))


def _error(code, message):
    return JsonResponse({"error_code": code, "message": message})


@require_POST
@_api
def sync(request):
    """Adds or updates a dossier from a province's record, storing the record with the status it carries."""
    mode = switch().mode
    if mode == PortalSwitch.Mode.BUSY:
        return _error(BUSY, "Hệ thống đang bận, vui lòng thử lại sau")
    if mode == PortalSwitch.Mode.REFUSING:
        return _error(INVALID, "Dữ liệu không hợp lệ")
    try:
        message = json.loads(request.body)
        data = message["data"][0]
        code, status = str(data["MaHoSo"]), int(data["TrangThaiHoSo"])
        message_id, updating = str(message["MaGiaoDich"])[:100], bool(message.get("isUpdating"))
    except (ValueError, KeyError, IndexError, TypeError):
        return _error(INVALID, "Dữ liệu không hợp lệ")
    if not code or len(code) > 64 or status not in STATUS_NAMES or not message_id:
        return _error(INVALID, "Dữ liệu không hợp lệ")
    with transaction.atomic():
        if PortalMessage.objects.filter(message_id=message_id).exists():
            return _error(OK, "Đã nhận")
        dossier = PortalDossier.objects.select_for_update().filter(code=code).first()
        if dossier is not None and not updating:
            return _error(ALREADY_EXISTS, "Hồ sơ đã tồn tại")
        if dossier is None:
            dossier = PortalDossier(code=code)
        dossier.portal_id = str(data.get("MaHoSoQuocGia") or "")[:64]
        dossier.procedure_code = str(data.get("MaTTHC") or "")[:40]
        dossier.applicant = str(data.get("ChuHoSo") or "")[:200]
        dossier.status, dossier.record = status, data
        dossier.save()
        PortalMessage.objects.create(dossier=dossier, message_id=message_id, updating=updating, status=status,
                                     history_length=len(data.get("QuaTrinhXuLy") or []))
        if dossier.portal_id:
            OfferedDossier.objects.filter(portal_id=dossier.portal_id, taken_at__isnull=True).update(
                taken_at=timezone.now())
    return _error(OK, "Thành công")


@require_GET
@_api
def offered(request):
    """The dossiers filed on the portal for the province's procedures that no status has come back for yet."""
    dossiers = OfferedDossier.objects.filter(taken_at__isnull=True).prefetch_related("documents").order_by("pk")
    province = request.GET.get("MaTinh", "")
    if province:
        dossiers = dossiers.filter(province_code__in=[province, ""])
    return JsonResponse({"error_code": OK, "data": [{
        "MaHoSoQuocGia": dossier.portal_id, "MaTTHC": dossier.procedure_code,
        "MaDonViTiepNhan": dossier.desk_code, "ChuHoSo": dossier.applicant.get("name", ""),
        "SoDinhDanh": dossier.applicant.get("identity_number", ""),
        "SoDienThoai": dossier.applicant.get("phone", ""), "Email": dossier.applicant.get("email", ""),
        "DiaChi": dossier.applicant.get("address", ""), "DuLieuBieuMau": dossier.form_data,
        "MucDoXacThucVNeID": dossier.sign_in_level,
        "TaiLieuNop": [{"MaThanhPhanHoSo": document.order, "TenTepDinhKem": document.name,
                        "TenTep": document.filename,
                        "DuongDanTaiTepTin": request.build_absolute_uri(
                            reverse("simulators:national_portal_document", args=[document.pk]))}
                       for document in dossier.documents.all()],
    } for dossier in dossiers]})


@require_GET
@_api
def document(request, pk):
    document = get_object_or_404(OfferedDocument, pk=pk)
    response = HttpResponse(bytes(document.content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response


class ModeForm(forms.Form):
    mode = forms.ChoiceField(choices=PortalSwitch.Mode.choices)


class OfferForm(forms.Form):
    procedure_code = forms.CharField(label=_("Procedure code"), max_length=40)
    name = forms.CharField(label=_("Applicant"), max_length=200)
    identity_number = forms.RegexField(label=_("Identity number"), regex=r"^\d{12}$", required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    document_orders = forms.RegexField(label=_("Documents handed in (their orders)"), regex=r"^\d{1,2}(,\d{1,2})*$",
                                       initial="1", required=False)
    form_data = forms.JSONField(label=_("Application form (JSON)"), required=False, initial=dict)


@never_cache
def page(request):
    """What the portal holds: each dossier with the statuses it was sent, in order; the switch; the offered
    dossiers, and a form to file one "on the portal"."""
    if request.method == "POST" and "mode" in request.POST:
        form = ModeForm(request.POST)
        if form.is_valid():
            PortalSwitch.objects.update_or_create(pk=switch().pk, defaults={"mode": form.cleaned_data["mode"]})
            return redirect("simulators:national_portal")
    offer = OfferForm(request.POST if request.method == "POST" and "procedure_code" in request.POST else None)
    if offer.is_bound and offer.is_valid():
        _offer(offer.cleaned_data)
        return redirect("simulators:national_portal")
    dossiers = PortalDossier.objects.prefetch_related("messages").order_by("-updated_at")[:200]
    return render(request, "simulators/national_portal.html", {
        "switch": switch(), "modes": PortalSwitch.Mode.choices, "offer_form": offer,
        "dossiers": [(dossier, [(message, STATUS_NAMES[message.status]) for message in dossier.messages.all()])
                     for dossier in dossiers],
        "offered": OfferedDossier.objects.order_by("-pk")[:50],
    }, status=400 if offer.is_bound else 200)


def _offer(data):
    with transaction.atomic():
        dossier = OfferedDossier.objects.create(
            portal_id=f"G22.{timezone.localdate():%y%m%d}.{uuid.uuid4().hex[:8].upper()}",
            procedure_code=data["procedure_code"], form_data=data["form_data"] or {},
            applicant={"name": data["name"], "identity_number": data["identity_number"], "phone": data["phone"]})
        for order in {int(order) for order in (data["document_orders"] or "").split(",") if order}:
            OfferedDocument.objects.create(dossier=dossier, order=order, name=f"Thành phần hồ sơ {order}",
                                           filename=f"thanh-phan-{order}.pdf", content=DEMO_PDF)
    return dossier


urlpatterns = [
    path("", page, name="national_portal"),
    path("api/ho-so/dong-bo", sync, name="national_portal_sync"),
    path("api/ho-so/cho-tiep-nhan", offered, name="national_portal_offered"),
    path("api/tai-lieu/<int:pk>", document, name="national_portal_document"),
]
