"""The admin site staff work in. Its home is the person's queues with their counts and the dossiers due first;
the system's internals (integrator credentials, sign-in records, groups) show to province administrators only."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from workflows.dossiers import selectors
from workflows.dossiers.staff import staff_roles

from .display import sla_badge

# Apps a desk officer never needs: their pages stay reachable by permission, out of the home and the menus.
INTERNAL_APPS = frozenset({"oauth2_provider", "account", "socialaccount", "mfa", "auth", "integrations"})
DUE_FIRST = 10
# django-oauth-toolkit names its section and models in English only.
OAUTH_NAMES = {"oauth2_provider": _("Integrator credentials (OAuth)"), "AccessToken": _("Access tokens"),
               "Application": _("Applications"), "Grant": _("Grants"), "IDToken": _("Id tokens"),
               "RefreshToken": _("Refresh tokens")}


class WindowAdminSite(admin.AdminSite):
    # The home lists every page; the queue table and the procedure form need the width the menu took.
    enable_nav_sidebar = False
    index_template = "admin/window/index.html"

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if not selectors.is_province_admin(request.user):
            return [app for app in app_list if app["app_label"] not in INTERNAL_APPS]
        for app in app_list:
            if app["app_label"] == "oauth2_provider":
                app["name"] = OAUTH_NAMES["oauth2_provider"]
                for model in app["models"]:
                    model["name"] = OAUTH_NAMES.get(model["object_name"], model["name"])
        return app_list

    def login(self, request, extra_context=None):
        # Staff sign in through allauth's limits and second factor (citizens.staff.staff_login), never here.
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("citizens:staff_login"))

    def index(self, request, extra_context=None):
        return super().index(request, {**desk(request.user), **(extra_context or {})})


def desk(user):
    """What the home shows a staff member: their queues with counts, and the open dossiers of their work and their
    agency whose deadline comes first, each with its clock."""
    if not (user.is_superuser or staff_roles(user)):
        return {}
    counts = selectors.queue_counts(user)
    conditions = {queue.slug: queue.condition for queue, _count in counts}
    due_first = list(
        selectors.visible_dossiers(user)
        .filter(selectors.clock_running() & (conditions["my_work"] | conditions["my_agency"]))
        .select_related("procedure", "procedure_version", "assignee")
        .order_by("due_at", "id")[:DUE_FIRST])
    return {"queue_counts": counts, "due_first": [(dossier, sla_badge(dossier)) for dossier in due_first]}
