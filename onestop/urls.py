from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from oauth2_provider.urls import base_urlpatterns as oauth2_urlpatterns
from rest_framework.routers import SimpleRouter

from procedures.api import AgencyViewSet, FieldViewSet, ProcedureViewSet, UnitViewSet
from workflows.api.views import DossierViewSet, IndicatorsView, LookupView
from workflows.reporting import dashboard

from . import problems, schema, views  # noqa: F401 - schema registers the authentication's description

router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("fields", FieldViewSet, basename="field")
router.register("procedures", ProcedureViewSet, basename="procedure")
router.register("dossiers", DossierViewSet, basename="dossier")
api_v1 = [path("lookup/", LookupView.as_view(), name="lookup"),
          path("indicators/", IndicatorsView.as_view(), name="indicators"), *router.urls]

admin.site.site_header = _("OneStop administration")
admin.site.site_title = _("OneStop")
admin.site.index_title = _("Single window")

urlpatterns = [
    path("admin/indicators/", admin.site.admin_view(dashboard.dashboard), name="indicators-dashboard"),
    re_path(r"^admin/indicators/report\.(?P<extension>xlsx|csv)$", admin.site.admin_view(dashboard.export),
            name="indicators-export"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The docs read the schema in English, the language of the committed openapi.yaml.
    path("api/docs/", SpectacularSwaggerView.as_view(url="/api/schema/?lang=en"), name="api-docs"),
    path("api/redoc/", views.RedocView.as_view(url="/api/schema/?lang=en"), name="api-redoc"),
    re_path(r"^api/", problems.not_found),
    # OAuth2: POST /o/token/ (client credentials for integrators), /o/authorize/ for people, revoke, introspect.
    path("o/", include((oauth2_urlpatterns, "oauth2_provider"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("tai-khoan/", include("allauth.urls")),
    path("", include("citizens.urls")),
    path("", include("workflows.feedback.urls")),
    path("", include("procedures.urls")),
]

handler500 = views.server_error
