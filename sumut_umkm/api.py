"""DRF helpers shared by the apps."""

from copy import copy

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.pagination import CursorPagination
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class Cursor(CursorPagination):
    """Keyset paging: no COUNT(*) and constant cost at any depth of a million-row list."""

    ordering = "-id"
    page_size_query_param = "page_size"
    max_page_size = 200
    # DRF's id locale lacks these strings.
    invalid_cursor_message = _("Kursor halaman tidak valid.")
    cursor_query_description = _("Kursor halaman, diambil dari tautan next/previous.")
    page_size_query_description = _("Jumlah baris per halaman (paling banyak 200).")


def as_drf_validation_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """Field messages keyed by field name; Django's "__all__" becomes DRF's "non_field_errors"."""
    detail = serializers.as_serializer_error(exc)
    if NON_FIELD_ERRORS in detail:
        detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
    return serializers.ValidationError(detail)


def exception_handler(exc, context):
    """A Django ValidationError raised by a service or model becomes a 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        exc = as_drf_validation_error(exc)
    elif isinstance(exc, ParseError) and str(exc.detail).startswith("JSON parse error"):
        # DRF builds this text without gettext.
        exc = ParseError(_("Isi permintaan bukan JSON yang sah."))
    elif isinstance(exc, Http404):
        # get_object_or_404's text is English and untranslated ("No Enterprise matches…"); use DRF's own.
        exc = NotFound()
    return drf_exception_handler(exc, context)


class CleanModelSerializer(serializers.ModelSerializer):
    """Runs the model's full_clean() so the API enforces the same rules as the admin.

    Validation runs on a copy: a request that fails validation must not leave changed attributes on
    self.instance (DRF #3144; NetBox's ValidatedModelSerializer does the same).
    """

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = copy(self.instance) if self.instance is not None else self.Meta.model()
        model_fields = {f.name for f in instance._meta.concrete_fields}
        for name, value in attrs.items():
            # Non-model serializer fields (e.g. nested owner data) are the caller's business.
            if name in model_fields:
                setattr(instance, name, value)
        try:
            instance.full_clean(exclude=self.clean_exclude())
        except DjangoValidationError as exc:
            raise as_drf_validation_error(exc) from exc
        # clean() may normalise values (e.g. NIB without separators); hand those back.
        for name in attrs:
            if name in model_fields:
                attrs[name] = getattr(instance, name)
        return attrs

    def clean_exclude(self) -> list[str]:
        return []
