from django.urls import path

from . import views

app_name = "roadmap"

# Staff only: every view checks sign-in (login redirect) and staff permissions (403); see tests/roadmap.
urlpatterns = [
    path("", views.matrix_page, name="matrix"),
    path("ekspor/matriks.<str:fmt>", views.matrix_export, name="matrix-export"),
    path("tumpang-tindih/", views.overlap_page, name="overlaps"),
    path("tumpang-tindih/ekspor.<str:fmt>", views.overlap_export, name="overlap-export"),
    path("kesenjangan/", views.gap_page, name="gaps"),
    path("kesenjangan/ekspor.<str:fmt>", views.gap_export, name="gap-export"),
    path("peta/", views.map_page, name="map"),
    path("perbarui/", views.refresh, name="refresh"),
]
