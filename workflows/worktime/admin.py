from django.contrib import admin, messages
from django.utils.translation import gettext as _

from .models import CalendarException


@admin.register(CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "day"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._tell_of_retiming(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._tell_of_retiming(request)

    def _tell_of_retiming(self, request):
        messages.info(request, _("The open dossiers with a deadline on or after this day are being re-timed; "
                                 "each applicant whose appointment moves is told."))
