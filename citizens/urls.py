from django.urls import path

from workflows.reporting import views as reporting

from . import staff, views

app_name = "citizens"

urlpatterns = [
    path("ho-so/", views.dossier_list, name="dossiers"),
    path("ho-so/<int:pk>/", views.dossier_detail, name="detail"),
    path("ho-so/<int:pk>/sua/", views.edit_dossier, name="edit"),
    path("ho-so/<int:pk>/bo-sung/", views.supply, name="supply"),
    path("ho-so/<int:pk>/kiem-tra/", views.review, name="review"),
    path("ho-so/<int:pk>/da-nop/", views.filed, name="filed"),
    path("ho-so/<int:pk>/rut/", views.withdraw, name="withdraw"),
    path("ho-so/<int:pk>/danh-gia/", views.rate, name="rate"),
    path("ho-so/<int:pk>/tai-lieu/<int:document_pk>/", views.document, name="document"),
    path("ho-so/<int:pk>/ket-qua/", views.result, name="result"),
    path("ho-so/<int:pk>/phieu/<slug:name>/", views.slip, name="slip"),
    path("thu-tuc/<str:code>/nop-ho-so/", views.start_filing, name="start"),
    path("tai-khoan/thong-tin/", views.profile, name="profile"),
    path("tai-khoan/nhan-vien/dang-nhap/", staff.staff_login, name="staff_login"),
    path("kho-du-lieu/", views.document_store, name="store"),
    path("kho-du-lieu/<int:pk>/tai-ve/", views.store_item_file, name="store-file"),
    path("thong-bao/", views.inbox, name="inbox"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("chi-so/", reporting.transparency, name="transparency"),
]
