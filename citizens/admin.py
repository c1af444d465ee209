from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from workflows.dossiers.selectors import is_province_admin

from .models import User
from .staff import reset_second_factor


@admin.register(User)
class OneStopUserAdmin(UserAdmin):
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Identity and messages"), {"fields": ["full_name", "identity_number", "identity_verified_at",
                                                 "national_assurance_level", "phone", "phone_verified",
                                                 "language"]}),
    ]
    # Written by the national sign-in only (citizens.national_id).
    readonly_fields = ["identity_verified_at", "national_assurance_level"]
    list_display = ["username", "full_name", "email", "phone", "is_staff", "has_second_factor"]
    search_fields = ["username", "full_name", "email", "phone", "identity_number"]
    actions = ["reset_second_factors"]

    def get_queryset(self, request):
        authenticators = Authenticator.objects.filter(user=OuterRef("pk")).exclude(
            type=Authenticator.Type.RECOVERY_CODES)
        return super().get_queryset(request).annotate(second_factor=Exists(authenticators))

    @admin.display(boolean=True, description=_("Second factor"), ordering="second_factor")
    def has_second_factor(self, user):
        return user.second_factor

    def has_reset_second_factors_permission(self, request):
        return is_province_admin(request.user)

    @admin.action(description=_("Reset the second factor (the person enrols a new one)"),
                  permissions=["reset_second_factors"])
    def reset_second_factors(self, request, queryset):
        people = list(queryset)
        for person in people:
            reset_second_factor(staff=person, acting_user=request.user)
        self.message_user(request, ngettext(
            "The second factor of %(count)d account was reset: it enrols a new one at its next sign-in.",
            "The second factors of %(count)d accounts were reset: each enrols a new one at its next sign-in.",
            len(people)) % {"count": len(people)}, messages.SUCCESS)
