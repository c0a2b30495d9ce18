"""List filters for the enterprise admin.

Each filter lists its options from the small reference tables (33 regencies, 455 districts, KBLI)
and filters on an indexed column of the enterprise table; none of them scans the enterprise table
to find its options (Django's default filters for booleans on generated fields and "related only"
filters would).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import ClassStatus, Region, Sector, SectorLevel, SizeClass, staff_regency

NONE = "none"


def _sector_ids(condition: Q) -> list[int]:
    # Resolved first (KBLI has ~110 rows) so the enterprise query is a plain `sector_id IN (…)` on its index.
    return list(Sector.objects.filter(condition).values_list("pk", flat=True))


def _code_choices(sectors) -> list[tuple[str, str]]:
    # One option per code even when two KBLI versions share it; the newer version's name wins.
    names = dict(sectors.order_by("version", "code").values_list("code", "name"))
    return [(code, f"{code} {name}") for code, name in sorted(names.items())]


class DependentFilter(admin.SimpleListFilter):
    """A filter whose choice clears the filters that depend on it (regency → district)."""

    dependents: tuple[str, ...] = ()

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name, *self.dependents]),
            "display": _("Semua"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}, list(self.dependents)),
                "display": title,
            }


class RegencyFilter(DependentFilter):
    title = _("kabupaten/kota")
    parameter_name = "regency"
    dependents = ("district",)

    def lookups(self, request, model_admin):
        return list(Region.objects.regencies().order_by("name").values_list("code", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.in_regency(self.value())
        return queryset


class DistrictFilter(DependentFilter):
    """The districts of one regency: the chosen one, a regency office's own, or that of the district in the URL.

    With no regency known it offers none, only a hint to choose one first: 455 links would make every list
    page long and slow to render, and a district name is ambiguous without its regency."""

    title = _("kecamatan")
    parameter_name = "district"
    hint = _("Pilih kabupaten/kota dahulu")

    def lookups(self, request, model_admin):
        regency = request.GET.get(RegencyFilter.parameter_name) or staff_regency(request.user)
        districts = Region.objects.districts()
        if not regency and self.value():
            # A link kept from before (…?district=12.71.01): list its regency's districts with it selected.
            regency = districts.filter(pk=self.value()).values_list("parent_id", flat=True).first()
        if not regency:
            return []
        return list(districts.filter(parent_id=regency).order_by("name").values_list("code", "name"))

    def has_output(self):
        return True  # the hint shows while there are no districts to offer

    def choices(self, changelist):
        if self.lookup_choices:
            yield from super().choices(changelist)
            return
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": self.hint,
        }

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(district_id=self.value())
        return queryset


class SectionFilter(DependentFilter):
    title = _("kategori KBLI")
    parameter_name = "section"
    dependents = ("sector",)

    def lookups(self, request, model_admin):
        return _code_choices(Sector.objects.filter(level=SectorLevel.SECTION))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(sector_id__in=_sector_ids(Q(code=self.value()) | Q(parent__code=self.value())))
        return queryset


class DivisionFilter(DependentFilter):
    """KBLI main groups (2 digits); only those of the chosen category once one is chosen."""

    title = _("golongan pokok KBLI")
    parameter_name = "sector"

    def lookups(self, request, model_admin):
        divisions = Sector.objects.filter(level=SectorLevel.DIVISION)
        section = request.GET.get(SectionFilter.parameter_name)
        if section:
            divisions = divisions.filter(parent__code=section)
        return _code_choices(divisions)

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(sector_id__in=_sector_ids(Q(code=self.value(), level=SectorLevel.DIVISION)))
        return queryset


class SizeClassFilter(admin.SimpleListFilter):
    title = _("kelas usaha")
    parameter_name = "size_class"

    def lookups(self, request, model_admin):
        return [*SizeClass.choices, (NONE, _("Belum dihitung"))]

    def queryset(self, request, queryset):
        if self.value() == NONE:
            return queryset.filter(size_class__isnull=True)
        if self.value():
            return queryset.filter(size_class=self.value())
        return queryset


class ClassStatusFilter(admin.SimpleListFilter):
    """Terkonfirmasi / sementara / perlu verifikasi; "perlu verifikasi" walks a partial index."""

    title = _("status kelas")
    parameter_name = "class_status"

    def lookups(self, request, model_admin):
        return [*ClassStatus.choices, (NONE, _("Belum dihitung"))]

    def queryset(self, request, queryset):
        if self.value() == NONE:
            return queryset.filter(class_status__isnull=True)
        if self.value():
            return queryset.filter(class_status=self.value())
        return queryset


class YesNoFilter(admin.SimpleListFilter):
    field_name = ""

    def lookups(self, request, model_admin):
        return [("1", _("Ya")), ("0", _("Tidak"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(**{self.field_name: self.value() == "1"})
        return queryset


class FormalFilter(YesNoFilter):
    title = _("formal (memiliki NIB)")
    parameter_name = "formal"
    field_name = "is_formal"


class ActiveFilter(YesNoFilter):
    title = _("aktif")
    parameter_name = "active"
    field_name = "is_active"


class CriteriaDisagreeFilter(YesNoFilter):
    """Enterprises whose class by sales differs from their class by capital (a partial index holds the "Ya")."""

    title = _("kriteria berbeda (omzet vs modal)")
    parameter_name = "criteria_disagree"
    field_name = "criteria_disagree"
