from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from registry.models import Enterprise

from ..models import Centre, Consultant, Event, RequestStatus, Service, ServiceRequest


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "code", "name", "description", "required_documents", "target_days", "support_kind"]


class ServiceRequestSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    # Plain text here: the choice set is documented once, on the transition's "to" (one enum name in the schema).
    status = serializers.CharField(read_only=True, help_text=_("Status permohonan; nilai seperti pada 'to'."))
    consultant_name = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = ServiceRequest
        fields = [
            "id", "enterprise", "enterprise_name", "service", "service_name", "centre", "centre_name",
            "description", "status", "consultant", "consultant_name", "scheduled_at", "location", "online_link",
            "submitted_on", "due_on", "is_overdue", "closed_on", "outcome", "rating", "created_at",
        ]
        read_only_fields = [f for f in fields if f not in ("enterprise", "service", "centre", "description")]

    def get_consultant_name(self, obj) -> str:
        return str(obj.consultant) if obj.consultant_id else ""

    def get_is_overdue(self, obj) -> bool:
        return obj.is_overdue()


class ServiceRequestCreateSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), label=_("UMKM"))
    service = serializers.PrimaryKeyRelatedField(queryset=Service.objects.all(), label=_("layanan"))
    centre = serializers.PrimaryKeyRelatedField(queryset=Centre.objects.all(), label=_("PLUT"))
    description = serializers.CharField(max_length=4000, label=_("uraian kebutuhan"))


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=RequestStatus.choices, label=_("status baru"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    consultant = serializers.PrimaryKeyRelatedField(queryset=Consultant.objects.all(), required=False,
                                                    allow_null=True)
    scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
    location = serializers.CharField(required=False, allow_blank=True, max_length=255)
    online_link = serializers.URLField(required=False, allow_blank=True)
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class EventSerializer(serializers.ModelSerializer):
    centre_name = serializers.CharField(source="centre.name", read_only=True)

    class Meta:
        model = Event
        fields = ["id", "kind", "title", "description", "place", "starts_at", "ends_at", "capacity", "centre",
                  "centre_name", "registration_open"]
