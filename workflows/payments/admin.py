from django.contrib import admin
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from onestop.admin_pages import ServiceKeptAdmin
from workflows.dossiers.selectors import visible_dossiers
from workflows.dossiers.staff import staff_roles

from .models import PaymentRequest
from .views import receipt_response


class FlaggedFilter(admin.SimpleListFilter):
    title = gettext_lazy("needs staff")
    parameter_name = "flagged"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Refused: flagged for staff"))]

    def queryset(self, request, queryset):
        return queryset.filter(status=PaymentRequest.Status.MISMATCH) if self.value() == "yes" else queryset


@admin.register(PaymentRequest)
class PaymentRequestAdmin(ServiceKeptAdmin):
    """Online payments of the dossiers a staff member may open; those the platform reported but OneStop refused
    (another amount, nothing due any more) are flagged for staff to refund or settle."""

    list_display = ["reference", "dossier_link", "amount", "purpose", "status", "transaction_id", "created_at",
                    "problem"]
    list_filter = [FlaggedFilter, "status", "purpose"]
    search_fields = ["=reference", "=transaction_id", "=dossier__code"]
    list_select_related = ["dossier"]
    readonly_fields = ["receipt_link"]
    exclude = ["receipt", "payment_url"]

    def has_module_permission(self, request):
        return request.user.is_active and (request.user.is_superuser or bool(staff_roles(request.user)))

    def get_queryset(self, request):
        return (super().get_queryset(request).select_related("dossier")
                .filter(dossier__in=visible_dossiers(request.user)))

    def get_urls(self):
        return [path("<int:pk>/receipt/", self.admin_site.admin_view(self.receipt_view),
                     name="payments_paymentrequest_receipt"), *super().get_urls()]

    def receipt_view(self, request, pk):
        payment = self.get_queryset(request).filter(pk=pk).exclude(receipt="").first()
        if payment is None:
            raise Http404
        return receipt_response(payment)

    @admin.display(description=gettext_lazy("dossier"), ordering="dossier__code")
    def dossier_link(self, payment):
        return format_html('<a href="{}">{}</a>', reverse("admin:workflows_dossier_change",
                                                          args=[payment.dossier_id]), payment.dossier)

    @admin.display(description=gettext_lazy("electronic receipt"))
    def receipt_link(self, payment):
        if not payment.receipt:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:payments_paymentrequest_receipt",
                                                          args=[payment.pk]), payment.receipt_number or "PDF")
