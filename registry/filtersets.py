"""One FilterSet per listed model, shared by the REST API and the HTML lists, so that
`?regency=12.71&sector=C` means the same everywhere.

Every enterprise filter is indexed ((column, -id) indexes; a trigram index for the name search), so a
filtered page walks its index in list order and stops after one page, with no COUNT(*).
An unknown code is refused (400 in the API) rather than silently returning nothing: a typo in a code
must not look like "no enterprises there".
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from .models import Enterprise, Region, RegionLevel, Sector, SectorLevel, SizeClass

YES_NO = [("true", _("Ya")), ("false", _("Tidak"))]


def _yes_no_filter(field_name: str, label: str) -> django_filters.TypedChoiceFilter:
    """A strict true/false filter: any other value is a 400, not a silently ignored filter."""
    # Documented as a boolean: the values are the JSON words true/false.
    return extend_schema_field({"type": "boolean", "description": label})(
        django_filters.TypedChoiceFilter(
            field_name=field_name,
            label=label,
            choices=YES_NO,
            coerce=lambda value: value == "true",
            error_messages={"invalid_choice": _("Isi dengan true atau false (tertulis: %(value)s).")},
        )
    )


class SectorCodeField(forms.CharField):
    """A KBLI category letter (`C`) or main-group code (`10`); cleans to the ids of the sectors it covers."""

    default_error_messages = {
        "unknown": _(
            "Kode KBLI “%(value)s” tidak dikenal; isi huruf kategori (misalnya C) atau 2 digit golongan "
            "pokok (misalnya 10)."
        ),
    }

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        code = value.strip().upper()
        ids = list(Sector.objects.filter(Q(code=code) | Q(parent__code=code)).values_list("id", flat=True))
        if not ids:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"value": value})
        return ids


class SectorCodeFilter(django_filters.CharFilter):
    """Same meaning as EnterpriseQuerySet.in_sector, but on a list of sector ids resolved up front:
    `sector_id = ANY(…)` lets PostgreSQL combine the sector index with the regency and class indexes.
    Measured on 1.2 M enterprises, regency=12.71&sector=C, page query: 3 ms instead of 2.1 s with
    in_sector's join-with-OR, which visits every row of the category."""

    field_class = SectorCodeField

    def filter(self, qs, value):
        return qs.filter(sector_id__in=value) if value else qs


class RegionFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("tingkat"), choices=RegionLevel.choices)
    parent = django_filters.ModelChoiceFilter(
        label=_("induk (kode Kemendagri)"),
        queryset=Region.objects.all(),
        error_messages={"invalid_choice": _("Kode wilayah induk “%(value)s” tidak dikenal.")},
    )

    class Meta:
        model = Region
        fields = ["level", "parent"]


class SectorFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("tingkat"), choices=SectorLevel.choices)
    version = django_filters.CharFilter(label=_("versi KBLI"))

    class Meta:
        model = Sector
        fields = ["level", "version"]


class EnterpriseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("cari nama atau NIB"), method="filter_q")
    regency = django_filters.ModelChoiceFilter(
        label=_("kabupaten/kota (kode Kemendagri, misalnya 12.71)"),
        queryset=Region.objects.regencies(),
        error_messages={
            "invalid_choice": _("Kode kabupaten/kota “%(value)s” tidak dikenal; pakai kode Kemendagri, misalnya 12.71.")
        },
    )
    district = django_filters.ModelChoiceFilter(
        label=_("kecamatan (kode Kemendagri, misalnya 12.71.01)"),
        queryset=Region.objects.districts(),
        error_messages={
            "invalid_choice": _("Kode kecamatan “%(value)s” tidak dikenal; pakai kode Kemendagri, misalnya 12.71.01.")
        },
    )
    sector = SectorCodeFilter(label=_("sektor KBLI (huruf kategori atau 2 digit golongan pokok)"))
    size_class = django_filters.ChoiceFilter(label=_("kelas usaha"), choices=SizeClass.choices)
    formal = _yes_no_filter("is_formal", _("formal (memiliki NIB)"))
    active = _yes_no_filter("is_active", _("aktif"))

    class Meta:
        model = Enterprise
        fields = ["q", "regency", "district", "sector", "size_class", "formal", "active"]

    def filter_q(self, queryset, name, value: str):
        return queryset.search(value)
