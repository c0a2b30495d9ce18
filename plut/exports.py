"""The service requests list as an export (registry.exports), from the admin list with its filters. Rows are
ServiceRequest.objects.for_user(user): a regency office its regency's, a consultant the requests assigned to
them. No NIK, phone or address (the list shows none) and no free text of the request (its page shows that)."""

from django.db.models import F, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils.translation import gettext_lazy as _

from registry import exports
from registry.exports import Column, Dataset, Filter

from .models import Centre, RequestStatus, Service, ServiceRequest

KEY = "plut.servicerequest"

# "Nama Depan Belakang", else the username; empty while no consultant is assigned.
CONSULTANT_NAME = Coalesce(
    NullIf(Trim(Concat(F("consultant__user__first_name"), Value(" "), F("consultant__user__last_name"))), Value("")),
    F("consultant__user__username"),
)


def columns(user) -> list[Column]:
    return [
        Column(_("ID permohonan"), "id", "int", 10),
        Column(_("Layanan"), "service__name", "code", 28),
        Column(_("PLUT"), "centre__name", "code", 24),
        Column(_("ID UMKM"), "enterprise_id", "int", 10),
        Column(_("Nama usaha"), "enterprise__name", width=32),
        Column(_("NIB"), "enterprise__nib", "code", 16),
        Column(_("Kabupaten/kota"), "enterprise__regency__name", "code", 22),
        Column(_("Status"), "status", "choice", 18, tuple(RequestStatus.choices)),
        Column(_("Konsultan"), CONSULTANT_NAME, width=24),
        Column(_("Tanggal diajukan"), "submitted_on", "date", 12),
        Column(_("Tenggat"), "due_on", "date", 12),
        Column(_("Mulai dikerjakan"), "started_on", "date", 12),
        Column(_("Ditutup"), "closed_on", "date", 12),
        Column(_("Jadwal (WIB)"), "scheduled_at", "datetime", 18),
        Column(_("Penilaian"), "rating", "int", 9),
    ]


def _ids(model):
    return lambda: [(str(pk), name) for pk, name in model.objects.values_list("pk", "name")]


REQUESTS = Dataset(
    key=KEY,
    model=ServiceRequest,
    title=_("Permohonan layanan"),
    file_prefix="permohonan_layanan",
    filters={
        # The admin list's filters (ServiceRequestAdmin.list_filter).
        "status": Filter(_("status"), "status", "status__exact", lambda: RequestStatus.choices),
        "centre": Filter(_("PLUT"), "centre_id", "centre__id__exact", _ids(Centre)),
        "service": Filter(_("layanan"), "service_id", "service__id__exact", _ids(Service)),
    },
    columns=columns,
    changelist="admin:plut_servicerequest_changelist",
)


def register() -> None:
    exports.register(REQUESTS)
