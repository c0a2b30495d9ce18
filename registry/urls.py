from django.urls import path

from . import exports, views

app_name = "registry"

# Staff only: every view checks sign-in (login redirect) and a permission (403); see tests/test_url_guards.py.
urlpatterns = [
    path("umkm/<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("laporan/<int:pk>/verifikasi/", views.yearly_report_verify, name="yearlyreport-verify"),
    path("aturan-kelas/<int:pk>/pratinjau/", views.rule_set_preview, name="ruleset-preview"),
    path("aturan-kelas/<int:pk>/aktifkan/", views.rule_set_activate, name="ruleset-activate"),
    path("naik-kelas/hitung-ulang/", views.graduation_start, name="graduation-start"),
    path("proses/<int:pk>/kemajuan/", views.job_progress, name="jobrun-progress"),
    path("ekspor/umkm.<str:fmt>", views.enterprise_export, name="enterprise-export"),
    path("ekspor/<int:pk>/unduh/", views.export_download, name="export-download"),
    # Lists of other apps (exports.register): staff from the admin, companies from their portal; for_user rows.
    path("ekspor/<str:dataset>/<str:fmt>/", exports.dataset_export, name="dataset-export"),
    path("impor/", views.import_upload, name="import-upload"),
    path("impor/<str:token>/", views.import_header, name="import-header"),
    path("impor/proses/<int:pk>/coba-lagi/", views.import_retry, name="import-retry"),
    path("impor/proses/<int:pk>/laporan/", views.import_report, name="import-report"),
]
