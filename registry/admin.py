"""Staff admin of the registry, in Indonesian.

Lists of enterprises, owners and reports reach a million rows: they count with LargeTablePaginator
(never a full COUNT(*)), offer no facet counts, sort only by the default indexed order, and search
through the QuerySet methods that use the indexes. The "Riwayat" (history) page of every object shows
its pghistory audit events instead of Django's LogEntry, which misses changes made outside the admin.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from pghistory.models import Events

from . import admin_filters, exports, identity, merging, services
from .forms import EnterpriseAdminForm, OwnerAdminForm
from .models import (
    ColumnMapping,
    DuplicateStatus,
    Enterprise,
    GraduationEvent,
    JobRun,
    JobStatus,
    Owner,
    Permit,
    PossibleDuplicate,
    Region,
    RuleSet,
    Sector,
    StaffRegion,
    SupportRecord,
    SupportSource,
    YearlyReport,
    staff_regency,
)
from .paginators import LargeTablePaginator
from .templatetags.rupiah import rupiah
from .views import (
    IMPORT_PERMS,
    STARTER_KINDS,
    class_label,
    job_progress_data,
    may_download_export,
    number_id,
    result_download_url,
    tier_meaning,
    wib,
)

# --- audit history (pghistory) ---------------------------------------------------------------------

# Never shown in a history: bookkeeping, and the NIK's hash and ciphertext (the masked NIK is enough).
HISTORY_HIDDEN_COLUMNS = {"id", "created_at", "updated_at", "nik_hash", "nik_encrypted", "enterprise_id"}
HISTORY_ACTIONS = {"insert": _("dibuat"), "update": _("diubah"), "delete": _("dihapus")}
RUPIAH_COLUMNS = {"omzet", "capital", "amount", "budget"}


@dataclass
class HistoryEntry:
    when: datetime
    action: str
    subject: str
    user: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def _history_value(model_field, value, related_names: dict) -> str:
    if value is None or value == "":
        return "—"
    if model_field is None:
        return str(value)
    if model_field.column in RUPIAH_COLUMNS:
        return rupiah(value)
    if model_field.is_relation:
        return related_names.get((model_field.related_model, str(value)), str(value))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(getattr(model_field, "output_field", model_field), models.BooleanField):
        return str(_("Ya") if value else _("Tidak"))
    if isinstance(model_field, models.DateTimeField):
        moment = parse_datetime(str(value))
        return date_format(timezone.localtime(moment), "j M Y H:i") if moment else str(value)
    if isinstance(model_field, models.DateField):
        day = parse_date(str(value))
        return date_format(day, "j M Y") if day else str(value)
    return str(value)


def _history_subject(model, data: dict, is_own: bool) -> str:
    if is_own:
        return ""
    if model is YearlyReport:
        return f"{model._meta.verbose_name} {data.get('year', '')}"
    if model is Permit:
        kind = dict(Permit._meta.get_field("kind").flatchoices).get(data.get("kind"), data.get("kind"))
        return f"{model._meta.verbose_name}: {kind} {data.get('number', '')}"
    return str(model._meta.verbose_name)


def history_entries(obj, *, include_related: bool, limit: int = 200) -> list[HistoryEntry]:
    """The object's audit events, newest first, as lines a person can read (one query per table involved)."""
    events = Events.objects.references(obj) if include_related else Events.objects.tracks(obj)
    rows = list(events.order_by("-pgh_created_at", "-pgh_id")[:limit])

    # Resolve the actors and the foreign keys shown with one query per related model, not one per event.
    User = get_user_model()
    wanted: dict = {User: {row.pgh_context.get("user") for row in rows if row.pgh_context} - {None}}
    for row in rows:
        fields = _field_by_column(_tracked_model(row))
        for column, value in _changed_values(row):
            model_field = fields.get(column)
            if model_field is not None and model_field.is_relation and value is not None:
                wanted.setdefault(model_field.related_model, set()).add(value)
    found = {
        (related_model, str(instance.pk)): instance
        for related_model, pks in wanted.items()
        if pks
        for instance in related_model.objects.filter(pk__in=pks)
    }
    related_names = {
        key: instance.get_username() if key[0] is User else str(instance) for key, instance in found.items()
    }

    entries = []
    for row in rows:
        model = _tracked_model(row)
        fields = _field_by_column(model)
        changes = []
        for column, old, new in _changes(row):
            model_field = fields.get(column)
            label = capfirst(model_field.verbose_name) if model_field is not None else column
            changes.append(
                (
                    label,
                    _history_value(model_field, old, related_names) if row.pgh_label == "update" else "",
                    _history_value(model_field, new, related_names),
                )
            )
        user = found.get((User, str((row.pgh_context or {}).get("user"))))
        entries.append(
            HistoryEntry(
                when=row.pgh_created_at,
                action=str(HISTORY_ACTIONS.get(row.pgh_label, row.pgh_label)),
                subject=_history_subject(model, row.pgh_data or {}, model is type(obj)),
                user=(user.get_full_name() or user.get_username()) if user else str(_("sistem")),
                changes=changes,
            )
        )
    return entries


def _tracked_model(row):
    return apps.get_model(row.pgh_obj_model)


def _field_by_column(model) -> dict:
    return {f.column: f for f in model._meta.concrete_fields}


def _changes(row):
    """(column, old, new) for an update; (column, None, value) of the filled fields for an insert or delete.

    In the model's field order, so that a history reads like the form."""
    columns = list(_field_by_column(_tracked_model(row)))
    if row.pgh_label == "update":
        values = {column: pair for column, pair in (row.pgh_diff or {}).items()}
    else:
        values = {column: (None, value) for column, value in (row.pgh_data or {}).items() if value not in (None, "")}
    for column in sorted(values, key=lambda c: columns.index(c) if c in columns else len(columns)):
        if column not in HISTORY_HIDDEN_COLUMNS:
            old, new = values[column]
            yield column, old, new


def _changed_values(row):
    for column, old, new in _changes(row):
        yield column, old
        yield column, new


class HistoryAdminMixin:
    """Replaces the admin's "Riwayat" page with the object's pghistory events: when, who, what changed."""

    history_includes_related = False
    history_limit = 200

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Riwayat perubahan: %s") % obj,
            "subtitle": None,
            "entries": history_entries(obj, include_related=self.history_includes_related, limit=self.history_limit),
            "history_limit": self.history_limit,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/registry/history.html", context)


class LargeListAdminMixin:
    """For tables of a million rows: capped counts, no facet counts, only the default (indexed) order."""

    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    sortable_by = ()
    list_per_page = 50
    # Bulk delete over "all N selected" is no tool for a million rows.
    actions = None


class RegionScopedAdminMixin:
    """A regency office's staff see only their regency's rows (Enterprise.objects.for_user); a row of another
    regency is then "not found", the same as one that does not exist."""

    regency_path = "regency_id"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        code = staff_regency(request.user)
        return queryset if code is None else queryset.filter(**{self.regency_path: code})


class EnterpriseRowsReadOnlyMixin:
    """Rows written only by services (class history, pembinaan ledger): staff read them, never edit them; a
    search finds the rows of the enterprises whose name or NIB matches."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(enterprise__in=Enterprise.objects.search(search_term)), False

    @admin.display(description=_("UMKM"))
    def enterprise_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.enterprise.get_absolute_url(), obj.enterprise.name)


# --- enterprise -----------------------------------------------------------------------------------


class YearlyReportInline(admin.TabularInline):
    model = YearlyReport
    fields = ["year", "omzet", "capital", "employees", "source", "verified_by", "verified_at"]
    readonly_fields = ["verified_by", "verified_at"]
    extra = 0
    ordering = ["-year"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("verified_by")


class PermitInline(admin.TabularInline):
    model = Permit
    fields = ["kind", "number", "issued_on", "expires_on"]
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(RegionScopedAdminMixin, HistoryAdminMixin, LargeListAdminMixin, admin.ModelAdmin):
    form = EnterpriseAdminForm
    list_display = [
        "name", "nib", "regency_name", "district_name", "sector_code", "size_class", "tier_column", "formal",
        "is_active", "page_link",
    ]
    list_select_related = ["regency", "district", "sector"]
    list_filter = [
        admin_filters.RegencyFilter,
        admin_filters.DistrictFilter,
        admin_filters.SectionFilter,
        admin_filters.DivisionFilter,
        admin_filters.SizeClassFilter,
        admin_filters.ClassStatusFilter,
        admin_filters.CriteriaDisagreeFilter,
        admin_filters.FormalFilter,
        admin_filters.ActiveFilter,
    ]
    # Searching goes through EnterpriseQuerySet.search() (see get_search_results); the list turns the box on.
    search_fields = ["name"]
    search_help_text = _("Cari dengan sebagian nama usaha, atau NIB 13 digit.")
    autocomplete_fields = ["owner", "regency", "district", "sector"]
    readonly_fields = [
        "size_class", "tier_column", "formal_step", "class_status", "class_reason", "class_since_wib",
        "class_rule_set", "criteria_disagree", "is_formal", "page_link", "created_at", "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "owner", "legal_form", "founded_year", "is_active"]}),
        (_("Identitas usaha"), {"fields": ["nib", "npwp", "is_formal"]}),
        (_("Lokasi"), {"fields": ["address", "regency", "district"]}),
        (_("Bidang usaha"), {"fields": ["sector", "kbli_code"]}),
        (_("Kelas usaha (dihitung otomatis)"), {"fields": [
            "size_class", "tier_column", "formal_step", "class_status", "class_reason", "class_since_wib",
            "class_rule_set", "criteria_disagree",
        ]}),
        (_("Catatan sistem"), {"fields": ["page_link", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [YearlyReportInline, PermitInline]
    history_includes_related = True  # the enterprise's reports and permits belong in its history

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        code = staff_regency(request.user)
        if code is not None and db_field.name == "regency":
            kwargs["queryset"] = Region.objects.filter(code=code)  # a regency office records its own regency only
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("kabupaten/kota"))
    def regency_name(self, obj):
        return obj.regency.name

    @admin.display(description=_("kecamatan"))
    def district_name(self, obj):
        return obj.district.name if obj.district else None

    @admin.display(description=_("KBLI"))
    def sector_code(self, obj):
        return format_html('<span title="{}">{}</span>', obj.sector.name, obj.sector.code) if obj.sector else None

    @admin.display(description=_("formal"), boolean=True)
    def formal(self, obj):
        return obj.is_formal

    @admin.display(description=_("tingkat"))
    def tier_column(self, obj):
        if obj.tier is None:
            return None
        return format_html('<span title="{}">{}</span>', tier_meaning(obj.tier), obj.tier)

    @admin.display(description=_("kelas sejak"))
    def class_since_wib(self, obj):
        return wib(obj.class_since)

    @admin.display(description=_("halaman UMKM"))
    def page_link(self, obj):
        if not obj.pk:
            return None
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("Lihat profil"))

    def view_on_site(self, obj):
        return obj.get_absolute_url()

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term), False

    def save_model(self, request, obj, form, change):
        # The service validates and saves in its transaction (and turns a NIB taken meanwhile into an error).
        services.enterprise_update(enterprise=obj)

    def _changeform_view(self, request, object_id, form_url, extra_context):
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:
            # The database refused the save after the form had passed (a NIB taken by someone else meanwhile);
            # the service's savepoint undid it. Show the same form again with the reason on its field.
            request._refused_save = refused
            return super()._changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refused = getattr(request, "_refused_save", None)
        if refused is None:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned = super().clean()
                by_field = refused.message_dict if hasattr(refused, "error_dict") else {None: refused.messages}
                for name, errors in by_field.items():
                    self.add_error(name if name in self.fields else None, errors)
                return cleaned

        return RefusedForm

    def save_formset(self, request, form, formset, change):
        if formset.model is not YearlyReport:
            return super().save_formset(request, form, formset, change)
        # Yearly figures go through the service: changed figures lose their verification (save_related below
        # recomputes the class). An enterprise has a handful of reports, so one save per changed row is fine.
        for report in formset.save(commit=False):
            services.yearly_report_store(report=report, recompute=False)
        for report in formset.deleted_objects:
            report.delete()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Yearly reports or permits may have changed in the inlines: recompute the class after commit.
        services.graduation_enqueue([form.instance.pk])


# --- owner ----------------------------------------------------------------------------------------


@admin.register(Owner)
class OwnerAdmin(RegionScopedAdminMixin, HistoryAdminMixin, LargeListAdminMixin, admin.ModelAdmin):
    form = OwnerAdminForm
    list_display = ["name", "nik_masked", "sex", "phone", "email"]
    list_filter = ["sex"]
    search_fields = ["name"]
    search_help_text = _("Cari dengan sebagian nama, atau NIK 16 digit.")

    @admin.display(description=_("NIK lengkap"))
    def nik_full(self, obj):
        return obj.nik or "—"

    def _nik_field(self, request) -> str:
        # The full NIK is decrypted only for holders of registry.view_owner_nik; others see it masked.
        return "nik_full" if request.user.has_perm("registry.view_owner_nik") else "nik_masked"

    def get_readonly_fields(self, request, obj=None):
        return [self._nik_field(request), "created_at", "updated_at"] if obj else []

    def get_fieldsets(self, request, obj=None):
        person = ["name", "nik", self._nik_field(request), "sex"] if obj else ["name", "nik", "sex"]
        fieldsets = [(None, {"fields": person}), (_("Kontak"), {"fields": ["phone", "email"]})]
        if obj:
            fieldsets.append((_("Catatan sistem"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}))
        return fieldsets

    def get_queryset(self, request):
        # An owner belongs to the regency of one of their enterprises; a sub-select keeps the list free of
        # duplicate rows for owners with two enterprises there.
        queryset = super(RegionScopedAdminMixin, self).get_queryset(request)
        code = staff_regency(request.user)
        if code is None:
            return queryset
        return queryset.filter(pk__in=Enterprise.objects.filter(regency_id=code).values("owner_id"))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        digits = identity.clean_digits(term)
        if len(digits) == 16 and digits.isdigit():
            return queryset.filter(nik_hash=identity.nik_hash(digits)), False
        return queryset.filter(name__icontains=term), False


# --- yearly reports and permits -------------------------------------------------------------------


class RecomputeAfterSaveMixin:
    """Yearly figures and permits decide an enterprise's class and tier: recompute it after commit
    (for a row moved to another enterprise, both), as services.yearly_report_save does."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        moved_from = form.initial.get("enterprise") if change else None
        services.graduation_enqueue([obj.enterprise_id, *([moved_from] if moved_from else [])])

    def delete_model(self, request, obj):
        enterprise_id = obj.enterprise_id
        super().delete_model(request, obj)
        services.graduation_enqueue([enterprise_id])


@admin.register(YearlyReport)
class YearlyReportAdmin(
    RegionScopedAdminMixin, RecomputeAfterSaveMixin, HistoryAdminMixin, LargeListAdminMixin, admin.ModelAdmin
):
    regency_path = "enterprise__regency_id"
    list_display = ["enterprise", "year", "omzet_rp", "capital_rp", "employees", "source", "verified"]
    list_select_related = ["enterprise"]
    list_filter = ["source"]
    search_fields = ["enterprise__name"]
    search_help_text = _("Cari dengan sebagian nama usaha, atau NIB 13 digit.")
    autocomplete_fields = ["enterprise"]
    readonly_fields = ["verified_by", "verified_at", "created_at", "updated_at"]
    ordering = ["-id"]
    # Verification only: bulk delete over "all N selected" stays no tool for a million rows.
    actions = ["verify_selected"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        # The service clears the verification of changed figures and recomputes the enterprise (and, for a report
        # moved to another enterprise, the one it left) after commit.
        services.yearly_report_store(report=obj)

    @admin.action(description=_("Verifikasi laporan terpilih"), permissions=["change"])
    def verify_selected(self, request, queryset):
        # queryset comes from get_queryset: a regency office's selection holds its own regency's reports only.
        verified = services.yearly_reports_verify(reports=queryset, user=request.user)
        if verified:
            self.message_user(request, ngettext(
                "%(n)s laporan tahunan diverifikasi; kelas UMKM-nya dihitung ulang.",
                "%(n)s laporan tahunan diverifikasi; kelas UMKM-nya dihitung ulang.", verified,
            ) % {"n": number_id(verified)}, messages.SUCCESS)
        else:
            self.message_user(
                request, _("Tidak ada laporan yang diverifikasi: semua yang dipilih sudah terverifikasi."),
                messages.WARNING,
            )

    @admin.display(description=_("omzet"))
    def omzet_rp(self, obj):
        return rupiah(obj.omzet)

    @admin.display(description=_("modal usaha"))
    def capital_rp(self, obj):
        return rupiah(obj.capital)

    @admin.display(description=_("terverifikasi"), boolean=True)
    def verified(self, obj):
        return obj.is_verified

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(enterprise__in=Enterprise.objects.search(search_term)), False



@admin.register(Permit)
class PermitAdmin(
    RegionScopedAdminMixin, RecomputeAfterSaveMixin, HistoryAdminMixin, LargeListAdminMixin, admin.ModelAdmin
):
    regency_path = "enterprise__regency_id"
    list_display = ["number", "kind", "enterprise", "issued_on", "expires_on", "expired"]
    list_select_related = ["enterprise"]
    list_filter = ["kind"]
    search_fields = ["number"]
    search_help_text = _("Cari dengan nomor izin, sebagian nama usaha, atau NIB 13 digit.")
    autocomplete_fields = ["enterprise"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["-id"]

    @admin.display(description=_("kedaluwarsa"), boolean=True)
    def expired(self, obj):
        return bool(obj.expires_on and obj.expires_on < timezone.localdate())

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(Q(number__iexact=term) | Q(enterprise__in=Enterprise.objects.search(term))), False


# --- reference data -------------------------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_select_related = ["parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    search_help_text = _("Cari dengan kode Kemendagri atau nama wilayah.")
    show_facets = admin.ShowFacets.NEVER


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "version", "parent"]
    list_select_related = ["parent"]
    list_filter = ["version", "level"]
    search_fields = ["code", "name"]
    search_help_text = _("Cari dengan kode atau nama KBLI.")
    show_facets = admin.ShowFacets.NEVER


# --- naik kelas: rule sets, runs and history ------------------------------------------------------


def _rupiah_of(field_name: str):
    """A read-only column showing one threshold of a rule set in rupiah (Rp2.000.000.000)."""

    @admin.display(description=RuleSet._meta.get_field(field_name).verbose_name)
    def show(self, obj):
        return rupiah(getattr(obj, field_name))

    return show


GRADUATION_MEDIA_CSS = {"all": ["css/admin_graduation.css"]}


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    """Rule sets are data staff can read. A version that is or was active is read-only: history rests on it.
    A new version is numbered by services.rule_set_create and starts inactive; the change page links to its
    preview (registry:ruleset-preview) and its activation (registry:ruleset-activate)."""

    list_display = ["version_label", "name", "legal_source", "omzet_limits", "capital_limits", "is_active",
                    "activated_wib"]
    list_display_links = ["version_label", "name"]
    sortable_by = ()
    show_facets = admin.ShowFacets.NEVER
    actions = None

    omzet_micro_rp = _rupiah_of("omzet_micro_max")
    omzet_small_rp = _rupiah_of("omzet_small_max")
    omzet_medium_rp = _rupiah_of("omzet_medium_max")
    capital_micro_rp = _rupiah_of("capital_micro_max")
    capital_small_rp = _rupiah_of("capital_small_max")
    capital_medium_rp = _rupiah_of("capital_medium_max")

    class Media:
        css = GRADUATION_MEDIA_CSS

    @staticmethod
    def is_locked(obj) -> bool:
        """Active now, or was: activated once, or classes, history rows or runs rest on it (version 1 came
        active from a data migration without an activation time)."""
        if obj is None or obj.pk is None:
            return False
        if not hasattr(obj, "_rests_history"):
            obj._rests_history = (
                obj.is_active
                or obj.activated_at is not None
                or GraduationEvent.objects.filter(rule_set=obj).exists()
                or JobRun.objects.filter(rule_set=obj).exists()
                or Enterprise.objects.filter(class_rule_set=obj).exists()
            )
        return obj._rests_history

    @admin.display(description=_("versi"))
    def version_label(self, obj):
        return f"v{obj.version}" if obj.version else _("(otomatis)")

    @admin.display(description=_("batas omzet mikro / kecil / menengah"))
    def omzet_limits(self, obj):
        return " / ".join(rupiah(getattr(obj, f"omzet_{c}_max")) for c in ("micro", "small", "medium"))

    @admin.display(description=_("batas modal mikro / kecil / menengah"))
    def capital_limits(self, obj):
        return " / ".join(rupiah(getattr(obj, f"capital_{c}_max")) for c in ("micro", "small", "medium"))

    @admin.display(description=_("diaktifkan (WIB)"))
    def activated_wib(self, obj):
        return wib(obj.activated_at)

    @admin.display(description=_("dibuat (WIB)"))
    def created_wib(self, obj):
        return wib(obj.created_at)

    @admin.display(description=_("keadaan"))
    def state(self, obj):
        if obj.is_active:
            return _("Aktif: dipakai untuk menghitung kelas usaha")
        if self.is_locked(obj):
            return _("Pernah aktif: riwayat kelas bersandar padanya, tidak dapat diubah")
        return _("Rancangan: belum pernah aktif; lihat pratinjau sebelum mengaktifkan")

    def get_fieldsets(self, request, obj=None):
        intro = ["name", "legal_source", "criterion"]
        if obj is None or not self.is_locked(obj) and self.has_change_permission(request, obj):
            omzet, capital = [f for f in services.RULE_SET_FIELDS if f.startswith("omzet")], [
                f for f in services.RULE_SET_FIELDS if f.startswith("capital")
            ]
            if obj is not None:
                intro = ["version_label", "state", *intro]
                omzet, capital = [*omzet, "omzet_limits"], [*capital, "capital_limits"]
            return [
                (None, {"fields": intro, "description": _(
                    "Nomor versi diberikan otomatis. Versi baru belum aktif: lihat pratinjau perubahannya, lalu "
                    "aktifkan dari halaman versi itu."
                )}),
                (_("Batas omzet (hasil penjualan tahunan), paling banyak"), {"fields": omzet}),
                (_("Batas modal usaha (di luar tanah dan bangunan), paling banyak"), {"fields": capital}),
            ]
        return [
            (None, {"fields": ["version_label", "state", *intro, "is_active", "activated_wib", "created_wib"]}),
            (_("Batas omzet (hasil penjualan tahunan), paling banyak"),
             {"fields": ["omzet_micro_rp", "omzet_small_rp", "omzet_medium_rp"]}),
            (_("Batas modal usaha (di luar tanah dan bangunan), paling banyak"),
             {"fields": ["capital_micro_rp", "capital_small_rp", "capital_medium_rp"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["version_label", "state", "omzet_limits", "capital_limits", "is_active", "activated_wib",
                "created_wib", "omzet_micro_rp", "omzet_small_rp", "omzet_medium_rp", "capital_micro_rp",
                "capital_small_rp", "capital_medium_rp"]

    def get_changeform_initial_data(self, request):
        # A new version starts from the active one: staff change only what the new rule changes.
        active = RuleSet.objects.active().first()
        initial = super().get_changeform_initial_data(request)
        if active is not None:
            for name in ("legal_source", "criterion", *services.RULE_SET_FIELDS):
                initial.setdefault(name, getattr(active, name))
        return initial

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The "Aktifkan" link only for whoever may activate (registry.views.ruleset_activate: provincial staff).
        can_activate = request.user.has_perm("registry.change_ruleset") and staff_regency(request.user) is None
        context = {**(extra_context or {}), "can_activate": can_activate}
        return super().change_view(request, object_id, form_url, context)

    # Rule sets hold for the whole province: a regency office's staff read them, never draft or change them.
    def has_add_permission(self, request):
        return staff_regency(request.user) is None and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return (staff_regency(request.user) is None and not self.is_locked(obj)
                and super().has_change_permission(request, obj))

    def has_delete_permission(self, request, obj=None):
        return (staff_regency(request.user) is None and not self.is_locked(obj)
                and super().has_delete_permission(request, obj))

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # Numbered by the service (the next version, under a lock), never by the form.
        created = services.rule_set_create(
            name=obj.name, legal_source=obj.legal_source, criterion=obj.criterion,
            **{name: getattr(obj, name) for name in services.RULE_SET_FIELDS},
        )
        obj.pk, obj.version, obj.created_at = created.pk, created.version, created.created_at
        obj._state.adding, obj._state.db = False, created._state.db


JOB_KINDS = {"graduation": _("Naik kelas")}


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """"Proses latar": recompute runs with a live progress bar. Runs are started with the "Hitung ulang naik
    kelas" button (registry:graduation-start, permission registry.add_jobrun), never edited by hand."""

    list_display = ["run_label", "kind_label", "status_label", "scope_label", "progress", "changed_label",
                    "started_wib", "finished_wib", "starter", "result_link", "error_label"]
    list_filter = ["status"]
    sortable_by = ()
    show_facets = admin.ShowFacets.NEVER
    actions = None
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["progress_panel"]}),
        (_("Rincian"), {"fields": ["scope_label", "rule_set", "chunks", "starter", "created_wib", "started_wib"]}),
    ]

    class Media:
        css = GRADUATION_MEDIA_CSS
        js = ["js/job_progress.js", "js/job_download.js"]

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.kind == services.EXPORT_KIND:
            return [
                (None, {"fields": ["progress_panel"]}),
                (_("Rincian"), {"fields": ["kind_label", "export_filters", "starter", "created_wib", "started_wib"]}),
            ]
        if obj is not None and obj.kind == services.IMPORT_KIND:
            return [
                (None, {"fields": ["progress_panel"]}),
                (_("Rincian"), {"fields": ["kind_label", "import_file", "import_options", "scope_label", "starter",
                                           "created_wib", "started_wib"]}),
            ]
        return super().get_fieldsets(request, obj)

    def has_view_permission(self, request, obj=None):
        if super().has_view_permission(request, obj):
            return True
        # The starter of an export or import follows it on its page (the list stays closed to them).
        return obj is not None and obj.kind in STARTER_KINDS and may_download_export(request.user, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        can_retry = (
            obj is not None and obj.kind == services.IMPORT_KIND and obj.status == JobStatus.FAILED
            and request.user.has_perms(IMPORT_PERMS)
        )
        return super().change_view(request, object_id, form_url, {"can_retry": can_retry, **(extra_context or {})})

    def get_queryset(self, request):
        # The regency's name for the scope column, in the same query (scope is a code, not a foreign key).
        names = Region.objects.filter(pk=models.OuterRef("scope")).values("name")[:1]
        return super().get_queryset(request).select_related("started_by", "rule_set").annotate(
            scope_name=models.Subquery(names)
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # Province staff choose the province or any regency; a regency office only its own regency
        # (views.graduation_start refuses anything else).
        can_start = request.user.has_perm("registry.add_jobrun")
        own = staff_regency(request.user)
        regencies = Region.objects.regencies().order_by("name")
        if own is not None:
            regencies = regencies.filter(pk=own)
        context = {
            "can_start": can_start,
            "province_wide": own is None,
            "can_import": request.user.has_perms(IMPORT_PERMS),
            "regencies": regencies.values_list("code", "name") if can_start else [],
            # A new key per page view: the same page's form sent twice starts one run.
            "submission_key": f"graduation:{secrets.token_urlsafe(16)}",
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def _live(self, obj, field: str, value, **attrs) -> str:
        """A value the progress script updates in place (static/js/job_progress.js)."""
        extra = format_html_join("", ' {}="{}"', attrs.items())
        return format_html('<span data-job="{}" data-field="{}"{}>{}</span>', obj.pk, field, extra, value)

    @admin.display(description=_("proses"))
    def run_label(self, obj):
        return f"#{obj.pk}"

    @admin.display(description=_("jenis"))
    def kind_label(self, obj):
        if obj.kind == services.EXPORT_KIND:
            return _("Ekspor %(format)s") % {"format": str(obj.params.get("format", "")).upper()}
        if obj.kind == services.IMPORT_KIND:
            return _("Impor — uji coba, tidak disimpan") if self._dry_run(obj) else _("Impor")
        return JOB_KINDS.get(obj.kind, obj.kind)

    @staticmethod
    def _dry_run(obj) -> bool:
        return bool((obj.params.get("options") or {}).get("dry_run"))

    @admin.display(description=_("berkas impor"))
    def import_file(self, obj):
        return obj.params.get("filename") or "—"

    @admin.display(description=_("pilihan impor"))
    def import_options(self, obj):
        options = obj.params.get("options") or {}
        lines = [_("Uji coba tanpa menyimpan") if options.get("dry_run") else _("Impor sungguhan (data disimpan)")]
        if options.get("bps"):
            lines.append(_("Kode wilayah tanpa titik dibaca sebagai kode BPS"))
        if options.get("sheet"):
            lines.append(_("Lembar: %(sheet)s") % {"sheet": options["sheet"]})
        if options.get("mapping"):
            lines.append(_("Pemetaan kolom: %(n)s kolom dipetakan petugas") % {"n": len(options["mapping"])})
        if options.get("remember_mapping"):
            lines.append(_("Pemetaan diingat untuk kabupaten/kota ini"))
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description=_("filter ekspor"))
    def export_filters(self, obj):
        described = exports.describe_job_filters(obj.params)
        if not described:
            return _("Tanpa filter: seluruh UMKM")
        return format_html_join(mark_safe("<br>"), "{}: {}", ((capfirst(label), value) for label, value in described))

    @admin.display(description=_("berkas"))
    def result_link(self, obj):
        """The finished export's file or import's rejection report; hidden while it runs and shown by
        static/js/job_download.js."""
        if obj.kind == services.EXPORT_KIND:
            url = reverse("registry:export-download", args=[obj.pk])
        elif obj.kind == services.IMPORT_KIND:
            url = reverse("registry:import-report", args=[obj.pk])
        else:
            return None
        return format_html(
            '<a href="{}" data-job="{}" data-field="download_label" class="job-download"{}>{}</a>',
            url, obj.pk, "" if result_download_url(obj) else " hidden", obj.result_name or url,
        )

    @admin.display(description=_("status"))
    def status_label(self, obj):
        return self._live(obj, "status_label", obj.get_status_display(), **{"data-status": obj.status})

    @admin.display(description=_("cakupan"))
    def scope_label(self, obj):
        if not obj.scope:
            return _("Seluruh provinsi")
        return f"{getattr(obj, 'scope_name', None) or obj.scope} ({obj.scope})"

    def _bar(self, obj, data: dict) -> str:
        return format_html(
            '<progress data-job="{id}" data-field="bar" max="100" value="{p}">{p}%</progress> '
            '<span data-job="{id}" data-field="percent">{p}</span>% · '
            '<span data-job="{id}" data-field="done_label">{done}</span> / '
            '<span data-job="{id}" data-field="total_label">{total}</span> {unit}',
            id=obj.pk, p=data["percent"], done=data["done_label"], total=data["total_label"], unit=_("UMKM"),
        )

    @admin.display(description=_("kemajuan"))
    def progress(self, obj):
        data = job_progress_data(obj)
        return format_html(
            '<div class="job-progress" data-job="{}" data-progress-url="{}" data-final="{}">{}</div>',
            obj.pk, reverse("registry:jobrun-progress", args=[obj.pk]), int(data["final"]), self._bar(obj, data),
        )

    def _outcome(self, obj):
        """What a run produced: the classes it changed, an export's file, or an import's counts and report."""
        if obj.kind == services.EXPORT_KIND:
            return format_html("{}: {}", _("Berkas"), self.result_link(obj))
        if obj.kind == services.IMPORT_KIND:
            return self._import_outcome(obj)
        return format_html("{}: {}", _("UMKM berubah kelas atau tingkat"), self.changed_label(obj))

    @admin.display(description=_("kemajuan"))
    def progress_panel(self, obj):
        """The job page: status, bar, counts and error, updated every second while the run goes."""
        data = job_progress_data(obj)
        return format_html(
            '<div class="job-progress job-panel" data-job="{id}" data-progress-url="{url}" data-final="{final}">'
            '<p class="job-status">{status}</p><p>{bar}</p>'
            '<p>{outcome} · {finished_title}: {finished}</p>'
            '<p class="errornote" data-job="{id}" data-field="error"{hidden}>{error}</p>'
            '<p class="job-refresh"><a href="">{refresh}</a> <span class="help">{refresh_help}</span></p></div>',
            id=obj.pk, url=reverse("registry:jobrun-progress", args=[obj.pk]), final=int(data["final"]),
            status=self.status_label(obj), bar=self._bar(obj, data),
            outcome=self._outcome(obj),
            finished_title=_("selesai pada"),
            finished=self._live(obj, "finished_label", data["finished_label"] or "—"),
            hidden="" if obj.error else " hidden", error=obj.error,
            refresh=_("Muat ulang halaman"),
            refresh_help=_("Kemajuan diperbarui otomatis setiap detik bila JavaScript aktif."),
        )

    IMPORT_COUNT_LABELS = [
        ("rows", _("Baris dibaca")), ("added", _("Ditambahkan")), ("updated", _("Diperbarui")),
        ("unchanged", _("Tidak berubah")), ("rejected", _("Ditolak")), ("duplicates", _("Kemungkinan duplikat")),
    ]

    def _import_outcome(self, obj):
        data = job_progress_data(obj)
        counts = format_html_join(
            " · ", '<span class="import-count">{}: <strong>{}</strong></span>',
            ((label, self._live(obj, f"{key}_label", data[f"{key}_label"])) for key, label in self.IMPORT_COUNT_LABELS),
        )
        dry_run = (
            format_html('<strong class="import-dry-run">{}</strong> ', _("Uji coba: tidak ada data yang disimpan."))
            if self._dry_run(obj) else ""
        )
        return format_html("{}{} · {}: {}", dry_run, counts, _("Laporan penolakan"), self.result_link(obj))

    @admin.display(description=_("dimulai oleh"))
    def starter(self, obj):
        if obj.started_by is None:
            return _("sistem (jadwal)")
        return obj.started_by.get_full_name() or obj.started_by.get_username()

    @admin.display(description=_("berubah"))
    def changed_label(self, obj):
        return self._live(obj, "changed_label", number_id(obj.changed))

    @admin.display(description=_("bagian (kabupaten/kota) selesai"))
    def chunks(self, obj):
        return f"{number_id(obj.chunks_done)} / {number_id(obj.chunks_total)}"

    @admin.display(description=_("dibuat (WIB)"))
    def created_wib(self, obj):
        return wib(obj.created_at)

    @admin.display(description=_("mulai (WIB)"))
    def started_wib(self, obj):
        return wib(obj.started_at)

    @admin.display(description=_("selesai (WIB)"))
    def finished_wib(self, obj):
        return self._live(obj, "finished_label", wib(obj.finished_at))

    @admin.display(description=_("galat"))
    def error_label(self, obj):
        short = obj.error if len(obj.error) <= 80 else f"{obj.error[:80]}…"
        return self._live(obj, "error", short, title=obj.error) if obj.error else None


@admin.register(GraduationEvent)
class GraduationEventAdmin(EnterpriseRowsReadOnlyMixin, RegionScopedAdminMixin, LargeListAdminMixin, admin.ModelAdmin):
    """The append-only class history: readable by staff, never added to, changed or deleted by hand."""

    regency_path = "enterprise__regency_id"

    list_display = ["created_wib", "enterprise_link", "class_move", "tier_move", "direction", "status", "reason",
                    "year", "omzet_rp", "rule_set_version"]
    list_select_related = ["enterprise", "rule_set"]
    list_filter = ["direction", "status", "rule_set"]
    ordering = ["-id"]  # follows the time order and walks the primary key
    search_fields = ["enterprise__name"]
    search_help_text = _("Cari dengan sebagian nama usaha, atau NIB 13 digit.")
    fieldsets = [
        (None, {"fields": ["enterprise_link", "created_wib", "direction", "class_move", "tier_move", "status",
                           "reason"]}),
        (_("Data yang dipakai"), {"fields": ["basis", "year", "omzet_rp", "capital_rp", "rule_set", "job_run"]}),
    ]

    class Media:
        css = GRADUATION_MEDIA_CSS


    @admin.display(description=_("waktu (WIB)"))
    def created_wib(self, obj):
        return wib(obj.created_at)


    @admin.display(description=_("kelas (dari → ke)"))
    def class_move(self, obj):
        return f"{class_label(obj.from_class)} → {class_label(obj.to_class)}"

    @admin.display(description=_("tingkat (dari → ke)"))
    def tier_move(self, obj):
        return format_html(
            '<span title="{} → {}">{} → {}</span>', tier_meaning(obj.from_tier), tier_meaning(obj.to_tier),
            obj.from_tier or "—", obj.to_tier or "—",
        )

    @admin.display(description=_("omzet"))
    def omzet_rp(self, obj):
        return rupiah(obj.omzet)

    @admin.display(description=_("modal usaha"))
    def capital_rp(self, obj):
        return rupiah(obj.capital)

    @admin.display(description=_("aturan"))
    def rule_set_version(self, obj):
        return f"v{obj.rule_set.version}"


# --- imports: possible duplicates and remembered column mappings ---------------------------------------


class DuplicateRegencyFilter(admin_filters.RegencyFilter):
    def queryset(self, request, queryset):
        return queryset.filter(enterprise__regency_id=self.value()) if self.value() else queryset


class DuplicateDistrictFilter(admin_filters.DistrictFilter):
    def queryset(self, request, queryset):
        return queryset.filter(enterprise__district_id=self.value()) if self.value() else queryset


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(RegionScopedAdminMixin, admin.ModelAdmin):
    """Pairs of enterprises an import found alike (same owner NIK, same district, similar names), side by side
    for staff to review. "Gabungkan" opens a confirmation page showing both records and which one is kept;
    confirming merges them (registry.merging) and marks the pair merged. Nothing is merged without it."""

    regency_path = "enterprise__regency_id"

    list_display = ["found_wib", "first_name", "other_name", "district_name", "owner_nik", "similarity_percent",
                    "status", "reviewer", "merge_link"]
    list_select_related = ["enterprise__district", "enterprise__regency", "enterprise__owner", "other",
                           "reviewed_by"]
    list_filter = ["status", DuplicateRegencyFilter, DuplicateDistrictFilter]
    ordering = ["-id"]  # walks the (status, -id) index with the status filter
    sortable_by = ()
    show_facets = admin.ShowFacets.NEVER
    show_full_result_count = False
    paginator = LargeTablePaginator
    list_per_page = 50
    actions = ["merge_pair", "mark_distinct", "mark_merged", "mark_open"]
    fields = ["first_pair", "other_pair", "similarity_percent", "status", "found_wib", "job_run", "reviewer",
              "reviewed_wib", "merge_link"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The change permission allows the review actions only; the rows are never edited by hand.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("ditemukan (WIB)"))
    def found_wib(self, obj):
        return wib(obj.created_at)

    @admin.display(description=_("ditinjau (WIB)"))
    def reviewed_wib(self, obj):
        return wib(obj.reviewed_at)

    @admin.display(description=_("ditinjau oleh"))
    def reviewer(self, obj):
        return (obj.reviewed_by.get_full_name() or obj.reviewed_by.get_username()) if obj.reviewed_by else "—"

    def _enterprise(self, enterprise):
        return format_html('<a href="{}">{}</a>', enterprise.get_absolute_url(), enterprise.name)

    @admin.display(description=_("UMKM"))
    def first_name(self, obj):
        return self._enterprise(obj.enterprise)

    @admin.display(description=_("UMKM yang mirip"))
    def other_name(self, obj):
        return self._enterprise(obj.other)

    @admin.display(description=_("kecamatan"))
    def district_name(self, obj):
        enterprise = obj.enterprise
        district = enterprise.district.name if enterprise.district else "—"
        return f"{district}, {enterprise.regency.name}"

    @admin.display(description=_("NIK pemilik"))
    def owner_nik(self, obj):
        # Always masked here; the full NIK is on the owner's page for those allowed to see it.
        owner = obj.enterprise.owner
        return owner.nik_masked if owner and owner.nik_masked else "—"

    @admin.display(description=_("kemiripan nama"))
    def similarity_percent(self, obj):
        return f"{round(obj.similarity * 100)}%"

    def _pair(self, enterprise):
        owner = enterprise.owner
        return format_html(
            '{} · NIB {} · {} · {}: {} ({})', self._enterprise(enterprise), enterprise.nib or "—",
            enterprise.district.name if enterprise.district else "—", _("pemilik"),
            owner.name if owner else "—", owner.nik_masked if owner and owner.nik_masked else "—",
        )

    @admin.display(description=_("UMKM"))
    def first_pair(self, obj):
        return self._pair(obj.enterprise)

    @admin.display(description=_("UMKM yang mirip"))
    def other_pair(self, obj):
        return self._pair(obj.other)

    def _review(self, request, queryset, status: str, done: str):
        reviewed = queryset.exclude(status=status).update(
            status=status, reviewed_by=request.user if status != DuplicateStatus.OPEN else None,
            reviewed_at=timezone.now() if status != DuplicateStatus.OPEN else None,
        )
        self.message_user(request, done % {"n": reviewed})

    @admin.action(description=_("Tandai bukan duplikat"), permissions=["change"])
    def mark_distinct(self, request, queryset):
        self._review(request, queryset, DuplicateStatus.DISTINCT, _("%(n)s pasangan ditandai bukan duplikat."))

    @admin.action(description=_("Tandai sudah digabung petugas"), permissions=["change"])
    def mark_merged(self, request, queryset):
        self._review(request, queryset, DuplicateStatus.MERGED, _("%(n)s pasangan ditandai sudah ditangani."))

    @admin.action(description=_("Kembalikan ke perlu ditinjau"), permissions=["change"])
    def mark_open(self, request, queryset):
        self._review(request, queryset, DuplicateStatus.OPEN, _("%(n)s pasangan dikembalikan ke perlu ditinjau."))

    # --- merging a pair: a confirmation page, then registry.merging.enterprises_merge ---

    def get_urls(self):
        merge = path("<path:object_id>/gabungkan/", self.admin_site.admin_view(self.merge_view),
                     name="registry_possibleduplicate_merge")
        return [merge, *super().get_urls()]

    def _may_merge(self, request) -> bool:
        return self.has_change_permission(request) and request.user.has_perm("registry.change_enterprise")

    @admin.display(description=_("gabungkan"))
    def merge_link(self, obj):
        if obj.status != DuplicateStatus.OPEN:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:registry_possibleduplicate_merge", args=[obj.pk]),
                           _("Gabungkan"))

    @admin.action(description=_("Gabungkan pasangan terpilih…"), permissions=["change"])
    def merge_pair(self, request, queryset):
        chosen = list(queryset.values_list("pk", flat=True)[:2])
        if len(chosen) != 1:
            self.message_user(request, _("Pilih tepat satu pasangan untuk digabungkan."), messages.WARNING)
            return None
        return redirect("admin:registry_possibleduplicate_merge", chosen[0])

    def merge_view(self, request, object_id):
        pair = self.get_object(request, unquote(object_id))  # regency-scoped: another regency's pair is a 404
        # A regency office sees a pair only when both records are in its regency: the page shows both in full.
        if pair is None or Enterprise.objects.for_user(request.user).filter(
                pk__in=[pair.enterprise_id, pair.other_id]).count() != 2:
            raise Http404
        if not self._may_merge(request):
            raise PermissionDenied
        records = {pair.enterprise_id: pair.enterprise, pair.other_id: pair.other}
        wanted = request.POST.get("keep") if request.method == "POST" else request.GET.get("pertahankan")
        keep = records.get(int(wanted)) if wanted and wanted.isdigit() else None
        keep = keep or merging.default_keep(pair.enterprise, pair.other)
        absorb = pair.other if keep is pair.enterprise else pair.enterprise
        if request.method == "POST":
            try:
                result = merging.enterprises_merge(keep=keep, absorb=absorb, user=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                self.message_user(request, _merge_summary(result, keep, absorb), messages.SUCCESS)
                return redirect("admin:registry_possibleduplicate_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Gabungkan UMKM"),
            "opts": self.opts,
            "original": pair,
            "keep": keep,
            "absorb": absorb,
            "rows": _merge_rows(keep, absorb),
            "year_conflicts": merging.year_conflicts(keep, absorb),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/registry/possibleduplicate/merge.html", context)


def _merge_rows(keep, absorb) -> list[tuple[str, str, str]]:
    """The two records side by side for the merge page: (label, keep's value, absorb's value)."""

    def owner(e):
        return f"{e.owner.name} ({e.owner.nik_masked or '—'})" if e.owner else "—"

    rows = [
        (_("nomor registri"), f"#{keep.pk}", f"#{absorb.pk}"),
        (_("nama usaha"), keep.name, absorb.name),
        (_("NIB"), keep.nib or "—", absorb.nib or "—"),
        (_("NPWP"), keep.npwp or "—", absorb.npwp or "—"),
        (_("pemilik"), owner(keep), owner(absorb)),
        (_("kabupaten/kota"), keep.regency.name, absorb.regency.name),
        (_("kecamatan"), *(e.district.name if e.district else "—" for e in (keep, absorb))),
        (_("alamat"), keep.address or "—", absorb.address or "—"),
        (_("sektor (KBLI)"), str(keep.sector or "—"), str(absorb.sector or "—")),
        (_("tahun berdiri"), keep.founded_year or "—", absorb.founded_year or "—"),
        (_("kelas usaha"), class_label(keep.size_class), class_label(absorb.size_class)),
        (_("terdaftar (WIB)"), wib(keep.created_at), wib(absorb.created_at)),
    ]
    # Every kind of row that would move, counted per record (one indexed query per table).
    for model, name in [(YearlyReport, "enterprise")] + [(f.model, f.name) for f in merging.referencing_fields()]:
        if model is Enterprise:
            continue
        counts = dict(model._base_manager.filter(**{f"{name}__in": [keep.pk, absorb.pk]}).order_by()
                      .values_list(name).annotate(n=Count("pk")))
        rows.append((str(model._meta.verbose_name_plural), number_id(counts.get(keep.pk, 0)),
                     number_id(counts.get(absorb.pk, 0))))
    return rows


def _merge_summary(result, keep, absorb) -> str:
    moved = ", ".join(f"{number_id(n)} {label}" for label, n in result.moved.items() if n) or _("tidak ada data")
    text = _("“%(absorb)s” (#%(absorb_id)s) digabung ke “%(keep)s” (#%(keep_id)s) dan dinonaktifkan; dipindahkan: "
             "%(moved)s.") % {"absorb": absorb.name, "absorb_id": absorb.pk, "keep": keep.name, "keep_id": keep.pk,
                              "moved": moved}
    for conflict in result.year_conflicts:
        text += " " + _("Tahun %(year)s ada pada keduanya: %(reason)s (dari #%(pk)s).") % {
            "year": conflict.year, "reason": conflict.reason, "pk": conflict.kept_from}
    if result.filled:
        text += " " + _("Diisi dari UMKM yang digabung: %(fields)s.") % {"fields": ", ".join(
            str(Enterprise._meta.get_field(name).verbose_name) for name in result.filled)}
    return text


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    """Column mappings staff saved while importing, used again for the next file from the same regency with the
    same header. They are made by the import only; staff may read and delete them."""

    list_display = ["regency_label", "headers_label", "mapping_count", "updated_by", "updated_wib"]
    list_select_related = ["regency", "updated_by"]
    list_filter = [("regency", admin.RelatedOnlyFieldListFilter)]
    show_facets = admin.ShowFacets.NEVER
    fields = ["regency_label", "headers_label", "mapping_table", "updated_by", "updated_wib"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("kabupaten/kota"))
    def regency_label(self, obj):
        return obj.regency.name if obj.regency else _("Tingkat provinsi")

    @admin.display(description=_("judul kolom berkas"))
    def headers_label(self, obj):
        text = ", ".join(obj.headers or [])
        return text if len(text) <= 120 else f"{text[:120]}…"

    @admin.display(description=_("kolom dipetakan"))
    def mapping_count(self, obj):
        return sum(1 for column in (obj.mapping or {}).values() if column)

    @admin.display(description=_("pemetaan kolom"))
    def mapping_table(self, obj):
        from .importing.columns import COLUMN_LABELS, MONTHLY_TURNOVER

        labels = {**COLUMN_LABELS, MONTHLY_TURNOVER: _("Omzet per bulan (disimpan ×12)")}
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", (
                (header, labels.get(column, column) if column else _("diabaikan"))
                for header, column in (obj.mapping or {}).items()
            )),
        )

    @admin.display(description=_("diubah (WIB)"))
    def updated_wib(self, obj):
        return wib(obj.updated_at)


class GovernmentSupportForm(forms.ModelForm):
    """A government (APBD) support entered by staff. The database checks the same rules; these messages name
    the field in Indonesian instead of the constraint."""

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount < 0:
            raise ValidationError(_("Nilai (Rp) tidak boleh negatif."), code="negative")
        return amount

    def clean(self):
        cleaned = super().clean()
        started, ended = cleaned.get("started_on"), cleaned.get("ended_on")
        if started and ended and ended < started:
            self.add_error("ended_on", ValidationError(
                _("Tanggal selesai tidak boleh sebelum tanggal mulai (%(day)s).") % {"day": date_format(started)},
                code="end_before_start",
            ))
        return cleaned


# Ending many rows from "select all" reads their keys first; beyond this, staff narrow the list and repeat.
SUPPORT_END_LIMIT = 10_000
SUPPORT_END_OUTCOME = "Selesai"


@admin.register(SupportRecord)
class SupportRecordAdmin(
    EnterpriseRowsReadOnlyMixin, RegionScopedAdminMixin, HistoryAdminMixin, LargeListAdminMixin, admin.ModelAdmin
):
    """The pembinaan ledger. CSR and PLUT rows are written by their apps' services and only read here; the
    government's own supports (source "pemda", APBD programmes) are recorded, changed and ended here by staff,
    through the same ledger services. A regency office records supports of its own regency's enterprises only."""

    regency_path = "enterprise__regency_id"

    form = GovernmentSupportForm
    list_display = ["started_on", "ended_on", "enterprise_link", "source", "kind", "provider", "title", "amount_rp",
                    "outcome"]
    list_select_related = ["enterprise"]
    list_filter = ["source", "kind", ("ended_on", admin.EmptyFieldListFilter)]
    ordering = ["-id"]
    search_fields = ["enterprise__name"]
    search_help_text = _("Cari dengan sebagian nama usaha, atau NIB 13 digit.")
    autocomplete_fields = ["enterprise"]
    readonly_fields = ["enterprise_link", "amount_rp"]
    read_fields = ["enterprise_link", "source", "source_key", "kind", "provider", "title", "started_on", "ended_on",
                   "amount_rp", "outcome"]
    government_fields = ["enterprise", "kind", "provider", "title", "started_on", "ended_on", "amount", "outcome"]
    actions = ["end_government_supports"]

    # The mixin refuses every write; here the government's rows are writable with the usual model rights.
    def has_add_permission(self, request):
        return admin.ModelAdmin.has_add_permission(self, request)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.source != SupportSource.GOVERNMENT:
            return False  # CSR and PLUT rows follow their apps' workflows
        return admin.ModelAdmin.has_change_permission(self, request, obj)

    def get_fieldsets(self, request, obj=None):
        if (obj is None or obj.source == SupportSource.GOVERNMENT) and self.has_change_permission(request, obj):
            description = _("Pembinaan dari program pemerintah provinsi atau kabupaten/kota (APBD). Dukungan CSR "
                            "perusahaan dan layanan PLUT dicatat oleh aplikasinya sendiri.")
            return [(None, {"fields": self.government_fields, "description": description})]
        return [(None, {"fields": self.read_fields})]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        code = staff_regency(request.user)
        office = Region.objects.filter(pk=code).values_list("name", flat=True).first() if code else None
        initial.setdefault("provider", f"Dinas Koperasi dan UKM {office or 'Provinsi Sumatera Utara'}")
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "enterprise":
            # A regency office may choose (and post) only its own regency's enterprises.
            kwargs["queryset"] = Enterprise.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Through the ledger's service like the other sources; the key is made once, on the first save.
        record = services.support_record_save(
            source=SupportSource.GOVERNMENT, source_key=obj.source_key or f"pemda.admin:{secrets.token_hex(16)}",
            enterprise_id=obj.enterprise_id, kind=obj.kind, provider=obj.provider, title=obj.title,
            started_on=obj.started_on, ended_on=obj.ended_on, amount=obj.amount, outcome=obj.outcome,
        )
        obj.pk, obj.source, obj.source_key = record.pk, record.source, record.source_key

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Akhiri pembinaan pemerintah terpilih per hari ini"), permissions=["change"])
    def end_government_supports(self, request, queryset):
        # queryset comes from get_queryset: a regency office's selection holds its own regency's rows only.
        today = timezone.localdate()
        keys = list(
            queryset.filter(source=SupportSource.GOVERNMENT, ended_on__isnull=True, started_on__lte=today)
            .order_by().values_list("source_key", flat=True)[:SUPPORT_END_LIMIT]
        )
        ended = services.support_records_end_many([(key, today, SUPPORT_END_OUTCOME) for key in keys])
        if ended:
            self.message_user(request, ngettext(
                "%(n)s pembinaan pemerintah diakhiri per %(day)s.", "%(n)s pembinaan pemerintah diakhiri per %(day)s.",
                ended,
            ) % {"n": number_id(ended), "day": date_format(today)}, messages.SUCCESS)
        if len(keys) == SUPPORT_END_LIMIT:
            self.message_user(request, _("Paling banyak %(n)s baris diakhiri sekali jalan; ulangi untuk sisanya.") % {
                "n": number_id(SUPPORT_END_LIMIT)}, messages.WARNING)
        if not ended:
            self.message_user(request, _(
                "Tidak ada yang diakhiri: hanya pembinaan pemerintah (APBD) yang masih berjalan dan sudah dimulai yang "
                "dapat diakhiri di sini; dukungan CSR dan PLUT diakhiri oleh aplikasinya sendiri."
            ), messages.WARNING)

    @admin.display(description=_("nilai"))
    def amount_rp(self, obj):
        return rupiah(obj.amount) if obj.amount is not None else "—"


@admin.register(StaffRegion)
class StaffRegionAdmin(admin.ModelAdmin):
    """Which staff work for a regency office; managed by administrators (no row = provincial staff)."""

    list_display = ["user", "regency"]
    list_select_related = ["user", "regency"]
    autocomplete_fields = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]

