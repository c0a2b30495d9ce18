from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from registry.admin import HistoryAdminMixin, LargeListAdminMixin
from registry.models import staff_regency

from . import services
from .models import (
    Centre,
    ClaimStatus,
    Consultant,
    EnterpriseClaim,
    Event,
    EventRegistration,
    LocalHoliday,
    RegistrationStatus,
    RequestEvent,
    Service,
    ServiceRequest,
)


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "regency", "head_name", "head_email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "target_days", "support_kind", "is_active", "sort_order"]
    list_filter = ["is_active", "support_kind"]
    search_fields = ["name", "code"]


@admin.register(Consultant)
class ConsultantAdmin(admin.ModelAdmin):
    list_display = ["__str__", "centre", "is_active"]
    list_filter = ["centre", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    raw_id_fields = ["user"]
    filter_horizontal = ["specialities"]


@admin.register(LocalHoliday)
class LocalHolidayAdmin(admin.ModelAdmin):
    list_display = ["day", "name", "centre"]
    list_filter = ["centre"]
    date_hierarchy = "day"


@admin.register(EnterpriseClaim)
class EnterpriseClaimAdmin(HistoryAdminMixin, LargeListAdminMixin, admin.ModelAdmin):
    """Claims are made by MSME owners (portal) and decided through claim_decide (the actions here, or the claims
    page); staff read them and keep a note. A regency office sees its regency's claims only (for_user)."""

    list_display = ["__str__", "user", "kind", "nib_shown", "status", "created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["user", "enterprise"]
    search_fields = ["nib", "name", "user__username"]
    readonly_fields = ["user", "kind", "status", "enterprise", "nib", "enterprise_nib", "name", "regency", "district",
                       "sector", "address", "decided_by", "decided_at", "notice_pending"]
    actions = ["confirm", "reject"]

    @admin.display(description=_("NIB"))
    def nib_shown(self, obj):
        # A confirmed claim: the enterprise's current NIB (it may have been corrected since); else the claimed one.
        if obj.enterprise_id and obj.status == ClaimStatus.CONFIRMED:
            return obj.enterprise.nib
        return obj.nib

    @admin.display(description=_("NIB UMKM kini"))
    def enterprise_nib(self, obj):
        return obj.enterprise.nib if obj.enterprise_id else None

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Konfirmasi klaim terpilih"), permissions=["change"])
    def confirm(self, request, queryset):
        self._decide(request, queryset, confirm=True)

    @admin.action(description=_("Tolak klaim terpilih"), permissions=["change"])
    def reject(self, request, queryset):
        self._decide(request, queryset, confirm=False)

    def _decide(self, request, queryset, *, confirm):
        done = 0
        for claim in queryset.filter(status=ClaimStatus.PENDING)[:200]:
            try:
                services.claim_decide(claim=claim, user=request.user, confirm=confirm)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{claim}: {'; '.join(exc.messages)}", messages.ERROR)
        self.message_user(request, ngettext("%(n)s klaim diputuskan.", "%(n)s klaim diputuskan.", done) % {"n": done})


class RequestEventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "actor", "from_status", "to_status", "text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(HistoryAdminMixin, LargeListAdminMixin, admin.ModelAdmin):
    """Read-only: every change (status, consultant, schedule, outcome) goes through the request page, whose
    workflow checks who may do what and writes the request's history. Scoped by for_user: a consultant sees
    the requests assigned to them, a regency office its regency's."""

    list_display = ["__str__", "enterprise", "centre", "status", "consultant", "due_on", "page_link"]
    list_filter = ["status", "centre", "service"]
    list_select_related = ["service", "enterprise", "centre", "consultant__user"]
    readonly_fields = ["page_link"]
    inlines = [RequestEventInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("halaman permohonan"))
    def page_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("Buka dan proses"))


class RegistrationInline(admin.TabularInline):
    """Registrations come from event_register (portal) and leave through registration_cancel; here staff only
    tick attendance, which EventAdmin.save_formset hands to attendance_set (ledger rows included)."""

    model = EventRegistration
    extra = 0
    can_delete = False
    fields = ["enterprise", "status", "attended", "registered_by", "notice_pending"]
    readonly_fields = ["enterprise", "status", "registered_by", "notice_pending"]

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user).select_related("enterprise", "registered_by")

    def has_add_permission(self, request, obj=None):
        return False


class EventAdminForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["centre", "kind", "title", "description", "place", "starts_at", "ends_at", "capacity", "is_published",
                  "registration_open"]

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        if self.instance.pk and capacity != self.instance.capacity:
            taken = EventRegistration.objects.filter(event=self.instance, status=RegistrationStatus.REGISTERED).count()
            if capacity < taken:
                raise ValidationError(
                    _("Kapasitas tidak boleh kurang dari peserta terdaftar (%(n)s).") % {"n": taken}, code="taken")
        return capacity


@admin.register(Event)
class EventAdmin(HistoryAdminMixin, admin.ModelAdmin):
    """A capacity change goes through event_capacity_set (a larger one fills from the waiting list) and
    attendance through attendance_set (the pembinaan ledger). A regency office runs its own centres' events."""

    form = EventAdminForm
    list_display = ["title", "kind", "centre", "starts_at", "capacity", "is_published", "registration_open"]
    list_filter = ["kind", "centre", "is_published"]
    search_fields = ["title"]
    inlines = [RegistrationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "centre":
            centres = Centre.objects.filter(is_active=True)
            code = staff_regency(request.user)
            kwargs["queryset"] = centres if code is None else centres.filter(regency_id=code)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not (change and "capacity" in form.changed_data):
            super().save_model(request, obj, form, change)
            return
        capacity, obj.capacity = obj.capacity, form.initial["capacity"]
        super().save_model(request, obj, form, change)
        try:
            promoted = services.event_capacity_set(event=obj, capacity=capacity)
        except ValidationError as exc:  # registrations arrived between the form's check and now
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return
        obj.capacity = capacity
        if promoted:
            self.message_user(request, ngettext(
                "%(n)s UMKM dari daftar tunggu mendapat tempat.", "%(n)s UMKM dari daftar tunggu mendapat tempat.",
                len(promoted)) % {"n": len(promoted)})

    def save_formset(self, request, form, formset, change):
        if formset.model is not EventRegistration:
            super().save_formset(request, form, formset, change)
            return
        # Nothing is saved row by row here; the admin's change message reads these.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if not any("attended" in row.changed_data for row in formset.forms):
            return
        attended = {row.instance.pk for row in formset.forms if row.instance.pk and row.cleaned_data.get("attended")}
        services.attendance_set(
            registrations=EventRegistration.objects.for_user(request.user).filter(event=form.instance),
            attended_ids=attended,
        )
