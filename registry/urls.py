from django.urls import path

from . import views

app_name = "registry"

urlpatterns = [
    path("umkm/<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
]
