from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class WindowConfig(AppConfig):
    name = "workflows.window"
    label = "window"
    verbose_name = _("Single window")
    default = True


class WindowAdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose site is the single window's (workflows.window.site): named in INSTALLED_APPS in
    place of django.contrib.admin."""

    default = False
    default_site = "workflows.window.site.WindowAdminSite"
