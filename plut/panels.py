"""The enterprise's open PLUT service requests on the registry's enterprise page (registry.panels): status,
service, centre, consultant, due date and whether it is overdue, each linking to its request page."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from registry import panels
from registry.panels import Panel

from .models import OPEN_STATUSES, ServiceRequest


def open_requests(enterprise, user) -> dict | None:
    if not user.has_perm("plut.view_servicerequest"):
        return None
    # One query on the (enterprise, -id) index.
    rows, capped = panels.latest(
        ServiceRequest.objects.for_user(user).open().filter(enterprise=enterprise)
        .select_related("service", "centre", "consultant__user").order_by("-id")
    )
    if not rows:
        return None
    today = timezone.localdate()  # Asia/Jakarta, the project's time zone
    query = urlencode({"enterprise__id__exact": enterprise.pk, "status__in": ",".join(OPEN_STATUSES)})
    return {
        "requests": [(row, row.is_overdue(today)) for row in rows],
        "capped": capped,
        "all_url": f"{reverse('admin:plut_servicerequest_changelist')}?{query}",
    }


OPEN_REQUESTS = Panel(
    key="plut.open_requests",
    title=_("Permohonan layanan PLUT yang sedang berjalan"),
    template="plut/panels/open_requests.html",
    context=open_requests,
    order=10,
)


def register() -> None:
    panels.register(OPEN_REQUESTS)
