from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

admin.site.site_header = "Sumut UMKM — Diskop UKM Provinsi Sumatera Utara"
admin.site.site_title = "Sumut UMKM"
admin.site.index_title = "Administrasi registri UMKM"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("registri/", include("registry.urls")),
    path("perusahaan/", include("csr.urls")),
    path("peta-jalan/", include("csr.roadmap.urls")),
    path("layanan/", include("plut.urls")),
    path("api/v1/", include("registry.api.urls")),
    path("api/v1/", include("csr.api.urls")),
    path("api/v1/plut/", include("plut.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
