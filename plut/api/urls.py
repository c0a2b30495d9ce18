from rest_framework.routers import DefaultRouter

from . import views

app_name = "plut-api"

router = DefaultRouter()
router.include_format_suffixes = False
router.register("services", views.ServiceViewSet, basename="service")
router.register("requests", views.ServiceRequestViewSet, basename="request")
router.register("events", views.EventViewSet, basename="event")

urlpatterns = router.urls
