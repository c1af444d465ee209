from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class OneStopUserAdmin(UserAdmin):
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Identity and messages"), {"fields": ["full_name", "identity_number", "phone", "phone_verified",
                                                 "language"]}),
    ]
    list_display = ["username", "full_name", "email", "phone", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone", "identity_number"]
