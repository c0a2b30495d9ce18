"""The enterprise's active CSR supports on the registry's enterprise page (registry.panels): programme,
company (the provider), kind and since when."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from registry import panels
from registry.panels import Panel

from .models import Support, SupportStatus


def active_supports(enterprise, user) -> dict | None:
    if not user.has_perm("csr.view_support"):
        return None
    # One query on the (enterprise, status) index.
    rows, capped = panels.latest(
        Support.objects.for_user(user).active().filter(enterprise=enterprise)
        .select_related("programme__company").order_by("-started_on", "-id")
    )
    if not rows:
        return None
    query = urlencode({"enterprise__id__exact": enterprise.pk, "status__exact": SupportStatus.ACTIVE.value})
    return {
        "supports": rows,
        "capped": capped,
        "all_url": f"{reverse('admin:csr_support_changelist')}?{query}",
    }


ACTIVE_SUPPORTS = Panel(
    key="csr.active_supports",
    title=_("Dukungan CSR/TJSL yang sedang berjalan"),
    template="csr/panels/active_supports.html",
    context=active_supports,
    order=20,
)


def register() -> None:
    panels.register(ACTIVE_SUPPORTS)
