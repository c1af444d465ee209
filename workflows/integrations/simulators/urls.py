"""The simulators' addresses, under /mo-phong/ (onestop.urls mounts them only when NATIONAL_SIMULATORS is on)."""

from django.urls import include, path  # noqa: F401

app_name = "simulators"
urlpatterns = [
    path("dinh-danh/", include("workflows.integrations.simulators.national_id")),
    path("cong-dvc/", include("workflows.integrations.simulators.national_portal")),
    path("thanh-toan/", include("workflows.integrations.simulators.payment_platform")),
]
