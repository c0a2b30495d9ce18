"""REST API of the service desk (/api/v1/plut/). An MSME's token sees only its own requests (for_user);
another MSME's request id answers 404."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from sumut_umkm.api import Cursor

from .. import services
from ..models import Event, Service, ServiceRequest, user_role
from . import serializers


class PlutRole(BasePermission):
    """Signed in as PLUT staff, a consultant or an MSME owner; what each sees is decided by for_user."""

    message = _("Hanya petugas PLUT, konsultan dan pemilik UMKM yang dapat mengakses API ini.")

    def has_permission(self, request, view) -> bool:
        return bool(user_role(request.user))


class ServiceCursor(Cursor):
    ordering = "id"


class EventCursor(Cursor):
    ordering = "starts_at"


class ServiceViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [PlutRole]
    queryset = Service.objects.active()
    serializer_class = serializers.ServiceSerializer
    pagination_class = ServiceCursor


class ServiceRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                            viewsets.GenericViewSet):
    permission_classes = [PlutRole]
    serializer_class = serializers.ServiceRequestSerializer
    lookup_value_regex = r"[0-9]+"
    filterset_fields = ["status", "centre", "service"]

    def get_queryset(self):
        return ServiceRequest.objects.for_user(self.request.user).select_related(
            "service", "centre", "enterprise", "consultant__user")

    @extend_schema(request=serializers.ServiceRequestCreateSerializer,
                   responses={201: serializers.ServiceRequestSerializer})
    def create(self, request, *args, **kwargs):
        given = serializers.ServiceRequestCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        created = services.request_submit(user=request.user, **given.validated_data)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.TransitionSerializer, responses={200: serializers.ServiceRequestSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        service_request = get_object_or_404(self.get_queryset(), pk=pk)
        given = serializers.TransitionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = {key: value for key, value in given.validated_data.items() if value is not None}
        updated = services.request_transition(request=service_request, user=request.user, **data)
        return Response(self.get_serializer(updated).data)


class EventViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [PlutRole]
    serializer_class = serializers.EventSerializer
    pagination_class = EventCursor

    def get_queryset(self):
        return Event.objects.for_user(self.request.user).upcoming(timezone.now()).select_related("centre")
