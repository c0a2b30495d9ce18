"""The CSR supports list as an export (registry.exports): staff from the admin list, a company from its
programme's beneficiaries. Rows are Support.objects.for_user(user): a regency office its regency's, an officer
their company's. Enterprises leave without their owner (no NIK, phone or address: no supports list shows them).
"""

from django.utils.translation import gettext_lazy as _

from registry import exports
from registry.exports import Column, Dataset, Filter
from registry.models import SizeClass

from .models import PROGRAMME_KIND_CHOICES, Programme, Support, SupportStatus

KEY = "csr.support"


def columns(user) -> list[Column]:
    return [
        Column(_("ID dukungan"), "id", "int", 10),
        Column(_("Perusahaan"), "programme__company__legal_name", width=30),
        Column(_("Program"), "programme__name", width=30),
        Column(_("ID UMKM"), "enterprise_id", "int", 10),
        Column(_("Nama usaha"), "enterprise__name", width=32),
        Column(_("NIB"), "enterprise__nib", "code", 16),
        Column(_("Kabupaten/kota"), "enterprise__regency__name", "code", 22),
        Column(_("Kecamatan"), "enterprise__district__name", "code", 20),
        Column(_("Jenis dukungan"), "kind", "choice", 16, tuple(PROGRAMME_KIND_CHOICES)),
        Column(_("Status"), "status", "choice", 12, tuple(SupportStatus.choices)),
        Column(_("Mulai"), "started_on", "date", 12),
        Column(_("Selesai"), "ended_on", "date", 12),
        Column(_("Nilai (Rp)"), "amount", "amount", 18),
        Column(_("Kelas saat mulai"), "start_class", "choice", 12, tuple(SizeClass.choices)),
        Column(_("Kelas usaha sekarang"), "enterprise__size_class", "choice", 12, tuple(SizeClass.choices)),
        Column(_("Tingkat sekarang"), "enterprise__tier", "int", 9),
        Column(_("Naik kelas pada (WIB)"), "graduated_at", "datetime", 18),
    ]


SUPPORTS = Dataset(
    key=KEY,
    model=Support,
    title=_("Dukungan CSR"),
    file_prefix="dukungan_csr",
    filters={
        # The admin list's filters (list_filter) and the portal's (a programme's beneficiaries by status).
        "status": Filter(_("status"), "status", "status__exact", lambda: SupportStatus.choices),
        "kind": Filter(_("jenis dukungan"), "kind", "kind__exact", lambda: PROGRAMME_KIND_CHOICES),
        "programme": Filter(_("program"), "programme_id", "programme__id__exact",
                            within=lambda user: Programme.objects.for_user(user)),
    },
    columns=columns,
    searchable=True,
    changelist="admin:csr_support_changelist",
)


def register() -> None:
    exports.register(SUPPORTS)
