from django.urls import include, path

from sumut_umkm import passwords

from . import views

app_name = "csr"

urlpatterns = [
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("", views.dashboard, name="dashboard"),
    path("program/baru/", views.programme_create, name="programme-create"),
    path("program/<int:pk>/", views.programme_detail, name="programme-detail"),
    path("program/<int:pk>/ubah/", views.programme_edit, name="programme-edit"),
    path("program/<int:pk>/penerima/cari/", views.beneficiary_search, name="beneficiary-search"),
    path("program/<int:pk>/penerima/unggah/", views.beneficiary_upload, name="beneficiary-upload"),
    path("dukungan/<int:pk>/", views.support_detail, name="support-detail"),
    path("dukungan/<int:pk>/alihkan/", views.support_reassign, name="support-reassign"),
    path("dukungan/<int:pk>/akhiri/", views.support_end, name="support-end"),
    path("anggota/", views.member_list, name="members"),
    path("anggota/baru/", views.member_add, name="member-add"),
    path("anggota/<int:pk>/nonaktifkan/", views.member_deactivate, name="member-deactivate"),
    path("dampak/", views.impact_page, name="impact"),
    path("dampak/unduh.xlsx", views.impact_xlsx, name="impact-xlsx"),
    path("dampak/unduh.pdf", views.impact_pdf, name="impact-pdf"),
    path("", include(passwords.csr_urlpatterns)),  # change and "forgot password" (some pages public)
]
