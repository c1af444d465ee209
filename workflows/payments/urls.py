from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("ho-so/<int:pk>/thanh-toan/", views.start, name="start"),
    # Before the reference's pattern, which would take it.
    path("thanh-toan/thong-bao/", views.notify, name="notify"),
    path("thanh-toan/<slug:reference>/", views.payment_return, name="return"),
    path("thanh-toan/<slug:reference>/bien-lai/", views.receipt, name="receipt"),
]
