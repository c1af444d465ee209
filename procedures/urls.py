from django.urls import path

from . import views

app_name = "procedures"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="detail"),
    path("thu-tuc/<str:code>/mau/<int:document_id>/", views.document_template, name="document-template"),
]
