from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import (
    Centre,
    ClaimStatus,
    Consultant,
    EnterpriseClaim,
    Event,
    EventRegistration,
    LocalHoliday,
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
class EnterpriseClaimAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user", "kind", "nib", "status", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["nib", "name", "user__username"]
    raw_id_fields = ["user", "enterprise", "decided_by"]
    readonly_fields = ["status", "decided_by", "decided_at", "enterprise", "notice_pending"]
    actions = ["confirm", "reject"]
    show_full_result_count = False

    @admin.action(description=_("Konfirmasi klaim terpilih"))
    def confirm(self, request, queryset):
        self._decide(request, queryset, confirm=True)

    @admin.action(description=_("Tolak klaim terpilih"))
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


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    """Read-mostly: status changes go through the staff pages, which enforce the workflow."""

    list_display = ["__str__", "enterprise", "centre", "status", "consultant", "due_on"]
    list_filter = ["status", "centre", "service"]
    raw_id_fields = ["enterprise", "requested_by", "consultant"]
    readonly_fields = ["status", "resume_status", "submitted_on", "due_on", "waiting_since", "started_on",
                       "closed_on", "escalated_at", "rating", "rating_comment"]
    inlines = [RequestEventInline]
    show_full_result_count = False


class RegistrationInline(admin.TabularInline):
    model = EventRegistration
    extra = 0
    raw_id_fields = ["enterprise", "registered_by"]
    readonly_fields = ["status", "notice_pending"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "centre", "starts_at", "capacity", "is_published", "registration_open"]
    list_filter = ["kind", "centre", "is_published"]
    search_fields = ["title"]
    inlines = [RegistrationInline]
