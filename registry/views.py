"""Staff pages of the registry."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from .models import Enterprise, YearlyReport
from .templatetags.rupiah import rupiah, rupiah_short


def _require_staff(user) -> None:
    """Staff who may read the registry; anyone else signed in gets 403 (anonymous users went to the login)."""
    if not (user.is_active and user.is_staff and user.has_perm("registry.view_enterprise")):
        raise PermissionDenied


@dataclass
class Bar:
    year: int
    label: str
    title: str
    x: int
    y: int
    height: int

    @property
    def center(self) -> int:
        return self.x + BAR_WIDTH // 2

    @property
    def label_y(self) -> int:
        return self.y - 6


CHART_HEIGHT, CHART_TOP, BAR_WIDTH, BAR_GAP = 160, 20, 48, 24


def omzet_bars(reports: list[YearlyReport]) -> list[Bar]:
    """Bars of yearly sales, oldest year first, scaled to the largest; drawn as inline SVG by the template."""
    points = sorted((r.year, r.omzet) for r in reports if r.omzet is not None)
    top = max((omzet for _, omzet in points), default=0) or 1
    bars = []
    for index, (year, omzet) in enumerate(points):
        height = round(omzet / top * (CHART_HEIGHT - CHART_TOP))
        bars.append(
            Bar(
                year=year,
                label=rupiah_short(omzet),
                title=f"{year}: {rupiah(omzet)}",
                x=BAR_GAP + index * (BAR_WIDTH + BAR_GAP),
                y=CHART_HEIGHT - height,
                height=height,
            )
        )
    return bars


@login_required
def enterprise_detail(request, pk: int):
    """Everything known about one enterprise on one page."""
    _require_staff(request.user)
    enterprise = get_object_or_404(
        Enterprise.objects.select_related("owner", "regency", "district", "sector", "sector__parent"), pk=pk
    )
    reports = list(enterprise.yearly_reports.select_related("verified_by").order_by("-year"))
    permits = list(enterprise.permits.order_by("kind", "-issued_on"))
    today = timezone.localdate()
    owner = enterprise.owner
    # Personal data is masked here, on the server: the template never receives the full NIK otherwise.
    owner_nik = ""
    if owner is not None:
        owner_nik = owner.nik if request.user.has_perm("registry.view_owner_nik") else owner.nik_masked
    bars = omzet_bars(reports)
    context = {
        "enterprise": enterprise,
        "owner": owner,
        "owner_nik": owner_nik,
        "reports": reports,
        "permits": [(permit, bool(permit.expires_on and permit.expires_on < today)) for permit in permits],
        "bars": bars,
        "chart": {
            "width": BAR_GAP + len(bars) * (BAR_WIDTH + BAR_GAP),
            "height": CHART_HEIGHT + 24,
            "baseline": CHART_HEIGHT,
            "bar_width": BAR_WIDTH,
        },
        "can_change": request.user.has_perm("registry.change_enterprise"),
    }
    return render(request, "registry/enterprise_detail.html", context)
