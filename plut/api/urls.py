from rest_framework.routers import DefaultRouter

app_name = "plut-api"

router = DefaultRouter()
router.include_format_suffixes = False

urlpatterns = router.urls
