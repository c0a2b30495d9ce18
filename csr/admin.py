"""Django admin for Diskop UKM staff: every company, programme and support, with the full overlap."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Company, CompanyMember, Programme, Support


class CompanyMemberInline(admin.TabularInline):
    model = CompanyMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["legal_name", "kind", "npwp", "contact_name", "contact_email"]
    list_filter = ["kind"]
    search_fields = ["legal_name", "npwp"]
    inlines = [CompanyMemberInline]


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "status", "starts_on", "ends_on", "budget"]
    list_filter = ["status", "company__kind"]
    search_fields = ["name", "company__legal_name"]
    list_select_related = ["company"]
    autocomplete_fields = ["company"]
    filter_horizontal = ["target_regencies", "target_sectors"]


@admin.register(Support)
class SupportAdmin(admin.ModelAdmin):
    """Read-only: supports are written through csr.services so the pembinaan ledger stays in step."""

    list_display = ["id", "programme", "enterprise", "kind", "status", "started_on", "ended_on", "graduated_at"]
    list_filter = ["status", "kind"]
    search_fields = ["enterprise__name", "enterprise__nib", "programme__name"]
    list_select_related = ["programme", "enterprise"]
    show_full_result_count = False
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
        # Staff see the full overlap, with company names (companies are only told "since when").
        others = (
            Support.objects.active().filter(enterprise_id=obj.enterprise_id).exclude(pk=obj.pk)
            .select_related("programme__company")
        )
        return "; ".join(
            f"{s.programme.company} — {s.programme} ({s.get_kind_display()}, {s.started_on:%d-%m-%Y})" for s in others
        ) or "—"
