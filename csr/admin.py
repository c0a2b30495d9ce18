"""Django admin for Diskop UKM staff: companies, programmes and supports, with the full overlap.

Every list and page reads through the models' for_user(): a regency office's staff (registry.StaffRegion) see
their regency's supports and the programmes serving it; another regency's row is "not found". Programmes are
saved through csr.services.programme_save (targets, closing and the graduation re-check in one transaction).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.admin import HistoryAdminMixin, LargeListAdminMixin

from . import services
from .models import Company, CompanyMember, Programme, Support


class ScopedAdminMixin:
    """The changelist, the change page and the autocomplete all start from for_user()."""

    def get_queryset(self, request):
        queryset = self.model.objects.for_user(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset


class CompanyMemberInline(admin.TabularInline):
    model = CompanyMember
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "deactivated_at", "deactivated_by"]
    readonly_fields = ["deactivated_at", "deactivated_by"]  # set by the company admin's deactivation in the portal


@admin.register(Company)
class CompanyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["legal_name", "kind", "npwp", "contact_name", "contact_email"]
    list_filter = ["kind"]
    search_fields = ["legal_name", "npwp"]
    inlines = [CompanyMemberInline]


@admin.register(Programme)
class ProgrammeAdmin(ScopedAdminMixin, HistoryAdminMixin, LargeListAdminMixin, admin.ModelAdmin):
    list_display = ["name", "company", "status", "starts_on", "ends_on", "budget"]
    list_filter = ["status", "company__kind"]
    search_fields = ["name", "company__legal_name"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    filter_horizontal = ["target_regencies", "target_sectors"]

    def save_model(self, request, obj, form, change):
        """Saved in save_related, with its targets, through the service."""

    def save_related(self, request, form, formsets, change):
        saved = services.programme_save(
            programme=form.instance, target_regencies=form.cleaned_data.get("target_regencies"),
            target_sectors=form.cleaned_data.get("target_sectors"),
        )
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        if saved.closed:
            self.message_user(request, _("Program selesai: %(n)s dukungan aktif diakhiri.") % {"n": len(saved.closed)})
        if saved.graduated:
            self.message_user(request, _("%(n)s penerima kini di luar sasaran program dan ditandai naik kelas.") % {
                "n": len(saved.graduated),
            })


@admin.register(Support)
class SupportAdmin(ScopedAdminMixin, HistoryAdminMixin, LargeListAdminMixin, admin.ModelAdmin):
    """Read-only: supports are written through csr.services so the pembinaan ledger stays in step."""

    list_display = ["id", "programme", "enterprise", "kind", "status", "started_on", "ended_on", "graduated_at"]
    list_filter = ["status", "kind"]
    search_fields = ["enterprise__name", "enterprise__nib", "programme__name"]
    list_select_related = ["programme", "enterprise"]
    readonly_fields = ["overlap"]
    exclude = []

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Support._meta.concrete_fields] + ["overlap"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Dukungan lain yang berjalan untuk UMKM ini"))
    def overlap(self, obj):
        # Staff see the full overlap, with company names (companies are only told "since when"). The page opens
        # only a support in the user's scope, so its enterprise (and its other supports) are in their regency.
        others = (
            Support.objects.active().filter(enterprise_id=obj.enterprise_id).exclude(pk=obj.pk)
            .select_related("programme__company")
        )
        return "; ".join(
            f"{s.programme.company} — {s.programme} ({s.get_kind_display()}, {s.started_on:%d-%m-%Y})" for s in others
        ) or "—"
