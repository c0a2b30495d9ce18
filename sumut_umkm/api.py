"""DRF helpers shared by the apps."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.views import exception_handler as drf_exception_handler


class Cursor(CursorPagination):
    """Keyset paging: no COUNT(*) and constant cost at any depth of a million-row list."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """A Django ValidationError raised by a service or model becomes a 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


class CleanModelSerializer(serializers.ModelSerializer):
    """Runs the model's full_clean() so the API enforces the same rules as the admin."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.instance or self.Meta.model()
        m2m = {}
        for name, value in attrs.items():
            field = instance._meta.get_field(name) if name in {f.name for f in instance._meta.get_fields()} else None
            if field is not None and field.many_to_many:
                m2m[name] = value
                continue
            setattr(instance, name, value)
        try:
            instance.full_clean(exclude=self.clean_exclude())
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        # clean() may normalise values (e.g. NIB without separators); hand those back.
        for name in list(attrs):
            if name not in m2m:
                attrs[name] = getattr(instance, name)
        return attrs

    def clean_exclude(self) -> list[str]:
        return []
