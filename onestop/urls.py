from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from oauth2_provider.urls import base_urlpatterns as oauth2_urlpatterns
from rest_framework.routers import SimpleRouter

from citizens import national_id
from procedures.api import AgencyViewSet, FieldViewSet, ProcedureViewSet, UnitViewSet
from workflows.api.verification import VerificationView
from workflows.api.views import DossierViewSet, IndicatorsView, LookupView
from workflows.reporting import dashboard, operations

from . import limits, problems, schema, views  # noqa: F401 - schema registers the authentication's description
from .health import HealthView
from .observability import metrics

router = SimpleRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("fields", FieldViewSet, basename="field")
router.register("procedures", ProcedureViewSet, basename="procedure")
router.register("dossiers", DossierViewSet, basename="dossier")
api_v1 = [path("lookup/", LookupView.as_view(), name="lookup"),
          path("indicators/", IndicatorsView.as_view(), name="indicators"),
          path("verification/", VerificationView.as_view(), name="verification"), *router.urls]

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
    # Its start-up script as a file of its own (?script): the page's policy allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url="/api/schema/?lang=en"), name="api-docs"),
    path("api/redoc/", views.RedocView.as_view(url="/api/schema/?lang=en"), name="api-redoc"),
    re_path(r"^api/", problems.not_found),
    # OAuth2: POST /o/token/ (client credentials for integrators), /o/authorize/ for people, revoke, introspect.
    # /o/token/ first, under its rate limits (onestop.limits); it shadows the toolkit's own, which has none.
    path("o/", include(([path("token/", limits.RateLimitedTokenView.as_view(), name="token"), *oauth2_urlpatterns],
                        "oauth2_provider"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", HealthView.as_view(app_probes=operations.health_probes), name="health"),
    # Prometheus, with a bearer token (METRICS_TOKEN).
    path("metrics/", metrics, name="metrics"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The national sign-in's return, with OneStop's checks of the ID token, ahead of allauth's own.
    path("tai-khoan/oidc/<str:provider_id>/login/callback/", national_id.callback, name="national_id_callback"),
    path("tai-khoan/", include("allauth.urls")),
    path("", include("citizens.urls")),
    path("", include("workflows.feedback.urls")),
    path("", include("workflows.paperwork.urls")),
    path("", include("workflows.payments.urls")),
    path("", include("procedures.urls")),
]

if settings.NATIONAL_SIMULATORS:
    urlpatterns.insert(0, path("mo-phong/", include("workflows.integrations.simulators.urls")))

handler500 = views.server_error
