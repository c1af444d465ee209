from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("phan-anh-kien-nghi/", views.public_list, name="public"),
    path("phan-anh-kien-nghi/gui/ho-so/<int:pk>/", views.send_on_own_dossier, name="send-on-dossier"),
    path("phan-anh-kien-nghi/gui/ma-ho-so/", views.send_on_dossier_code, name="send-by-code"),
    path("phan-anh-kien-nghi/gui/thu-tuc/<str:code>/", views.send_on_procedure, name="send-on-procedure"),
    path("phan-anh-kien-nghi/cua-toi/", views.own_list, name="mine"),
    path("phan-anh-kien-nghi/cua-toi/<str:code>/", views.own_detail, name="detail"),
    path("phan-anh-kien-nghi/cua-toi/<str:code>/danh-gia/", views.rate_own, name="rate"),
    path("phan-anh-kien-nghi/tra-cuu/", views.lookup, name="lookup"),
]
