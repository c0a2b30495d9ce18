from rest_framework.routers import DefaultRouter

from . import views

app_name = "registry-api"

# No ".json" suffix routes: ?format=json does the same, and the codes in region URLs contain dots.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("regions", views.RegionViewSet)
router.register("sectors", views.SectorViewSet)
router.register("enterprises", views.EnterpriseViewSet)
router.register("job-runs", views.JobRunViewSet)

urlpatterns = router.urls
