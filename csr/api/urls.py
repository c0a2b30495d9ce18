from rest_framework.routers import DefaultRouter

from . import views

app_name = "csr-api"

router = DefaultRouter()
router.include_format_suffixes = False
router.include_root_view = False  # the registry's router already lists /api/v1/
router.register("companies", views.CompanyViewSet)
router.register("programmes", views.ProgrammeViewSet)
router.register("supports", views.SupportViewSet)

urlpatterns = router.urls
