from django.urls import path

from . import views

app_name = "paperwork"
urlpatterns = [
    path("xac-thuc/", views.verify, name="verify"),
    path("xac-thuc/<str:token>/", views.verify, name="verified"),
]
