from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

admin.site.site_header = _("OneStop administration")
admin.site.site_title = _("OneStop")
admin.site.index_title = _("Single window")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
    path("tai-khoan/", include("allauth.urls")),
    path("", include("citizens.urls")),
    path("", include("procedures.urls")),
]
