"""Staff pages of the registry: the enterprise page, and the naik kelas actions staff start from the admin
(rule-set preview and activation, a recompute run and its progress)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import graduation, services
from .models import (
    ClassStatus,
    Direction,
    Enterprise,
    FormalStep,
    JobRun,
    JobStatus,
    Region,
    RuleSet,
    SizeClass,
    YearlyReport,
)
from .templatetags.rupiah import rupiah, rupiah_short

HISTORY_ROWS = 50  # the enterprise page shows the newest changes; the admin list has them all
FINAL_STATUSES = {JobStatus.DONE, JobStatus.FAILED, JobStatus.SKIPPED}
CLASS_RANK = {code: rank for rank, code in enumerate(SizeClass.values)}
TIER_MAX = len(SizeClass.values) * len(FormalStep.values)
WIB = ZoneInfo("Asia/Jakarta")


def _require_staff(user, perm: str = "registry.view_enterprise") -> None:
    """Staff holding `perm`; anyone else signed in gets 403 (anonymous users went to the login)."""
    if not (user.is_active and user.is_staff and user.has_perm(perm)):
        raise PermissionDenied


# --- small formatting helpers (also used by the admin) ----------------------------------------------


def number_id(value) -> str:
    """1166918 → "1.166.918", whatever the active language."""
    return "—" if value is None else f"{int(value):,}".replace(",", ".")


def wib(moment) -> str:
    """A time as staff read it: "5 Mei 2025 01.00 WIB"."""
    if moment is None:
        return "—"
    return f"{date_format(timezone.localtime(moment, WIB), 'j M Y H.i')} WIB"


def class_label(code: str | None) -> str:
    return str(SizeClass(code).label) if code else _("belum ada kelas")


def tier_meaning(tier: int | None) -> str:
    """Tier 4 → "kecil, informal": the class and the formalisation step it stands for (see graduation.py)."""
    if not tier:
        return _("belum dihitung")
    rank, step = divmod(tier - 1, len(FormalStep.values))
    size, formal = str(SizeClass.labels[rank]), str(FormalStep(step).label)
    return f"{size[:1].lower()}{size[1:]}, {formal[:1].lower()}{formal[1:]}"


# --- the enterprise page --------------------------------------------------------------------------


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
        Enterprise.objects.select_related("owner", "regency", "district", "sector", "sector__parent", "class_rule_set"),
        pk=pk,
    )
    reports = list(enterprise.yearly_reports.select_related("verified_by").order_by("-year"))
    permits = list(enterprise.permits.order_by("kind", "-issued_on"))
    # Newest first on the (enterprise, -id) index; one query with the rule set of each row.
    events = list(enterprise.graduation_events.select_related("rule_set").order_by("-id")[:HISTORY_ROWS])
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
        "class_since": wib(enterprise.class_since) if enterprise.class_since else "",
        "tier_meaning": tier_meaning(enterprise.tier),
        "tier_max": TIER_MAX,
        "events": [(event, wib(event.created_at), tier_meaning(event.to_tier)) for event in events],
        "events_capped": len(events) >= HISTORY_ROWS,
        "can_view_events": request.user.has_perm("registry.view_graduationevent"),
        "status_needs_review": ClassStatus.NEEDS_REVIEW,
        "status_confirmed": ClassStatus.CONFIRMED,
    }
    return render(request, "registry/enterprise_detail.html", context)


# --- rule-set preview and activation --------------------------------------------------------------


@dataclass
class Move:
    from_class: str | None
    to_class: str | None
    count: int

    @property
    def label(self) -> str:
        return f"{class_label(self.from_class)} → {class_label(self.to_class)}"

    @property
    def direction(self) -> str:
        if self.from_class is None or self.to_class is None:
            return ""
        return "naik" if CLASS_RANK[self.to_class] > CLASS_RANK[self.from_class] else "turun"

    @property
    def direction_label(self) -> str:
        return str(Direction(self.direction).label) if self.direction else ""

    @property
    def sort_key(self) -> tuple[int, int]:
        return CLASS_RANK.get(self.from_class, -1), CLASS_RANK.get(self.to_class, -1)


@dataclass
class RegencyMoves:
    code: str
    name: str
    moves: list[Move] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(move.count for move in self.moves)


@dataclass
class PreviewSummary:
    transitions: list[Move]
    regencies: list[RegencyMoves]

    @property
    def total(self) -> int:
        return sum(move.count for move in self.transitions)

    def _count(self, direction: str) -> int:
        return sum(move.count for move in self.transitions if move.direction == direction)

    @property
    def up(self) -> int:
        return self._count("naik")

    @property
    def down(self) -> int:
        return self._count("turun")

    @property
    def other(self) -> int:
        return self.total - self.up - self.down


def preview_summary(rows, regency_names: dict[str, str]) -> PreviewSummary:
    """graduation.preview() rows (regency, from, to, count) as totals per move and per regency (by name)."""
    by_move: dict[tuple, int] = defaultdict(int)
    by_regency: dict[str, RegencyMoves] = {}
    for code, old, new, count in rows:
        by_move[(old, new)] += count
        regency = by_regency.setdefault(code, RegencyMoves(code, regency_names.get(code, code)))
        regency.moves.append(Move(old, new, count))
    transitions = sorted((Move(old, new, n) for (old, new), n in by_move.items()), key=lambda m: m.sort_key)
    for regency in by_regency.values():
        regency.moves.sort(key=lambda m: m.sort_key)
    return PreviewSummary(transitions, sorted(by_regency.values(), key=lambda r: r.name))


def limit_rows(rule_set: RuleSet, active: RuleSet | None) -> list[dict]:
    """Each threshold of `rule_set` beside the active version's, for reading them side by side."""
    rows = []
    for name in services.RULE_SET_FIELDS:
        value, current = getattr(rule_set, name), getattr(active, name) if active else None
        rows.append({
            "label": RuleSet._meta.get_field(name).verbose_name,
            "value": rupiah(value),
            "current": rupiah(current),
            "changed": active is not None and value != current,
        })
    return rows


def _admin_page(request, rule_set: RuleSet, title: str, **context) -> dict:
    """What admin/base_site.html needs (site header, sidebar), and the rule set's breadcrumbs."""
    return {
        **admin.site.each_context(request),
        "opts": RuleSet._meta,
        "original": rule_set,
        "title": title,
        "subtitle": None,
        **context,
    }


@login_required
def rule_set_preview(request, pk: int):
    """What activating this rule set would change, per regency and class. Written nowhere."""
    _require_staff(request.user, "registry.view_ruleset")
    rule_set = get_object_or_404(RuleSet, pk=pk)
    active = RuleSet.objects.active().first()
    regencies = dict(Region.objects.regencies().order_by("name").values_list("code", "name"))
    regency = request.GET.get("regency", "")
    if regency not in regencies:
        regency = ""
    rows = graduation.preview(rule_set_id=rule_set.pk, regency=regency or None)
    context = _admin_page(
        request, rule_set, _("Pratinjau perubahan: %(rule_set)s") % {"rule_set": rule_set},
        active=active,
        summary=preview_summary(rows, regencies),
        limits=limit_rows(rule_set, active),
        regencies=regencies.items(),
        regency=regency,
        regency_name=regencies.get(regency, ""),
        can_activate=not rule_set.is_active and request.user.has_perm("registry.change_ruleset"),
    )
    return render(request, "admin/registry/ruleset/preview.html", context)


@login_required
def rule_set_activate(request, pk: int):
    """GET asks for confirmation; POST activates the version and starts the recompute of the province."""
    _require_staff(request.user, "registry.change_ruleset")
    rule_set = get_object_or_404(RuleSet, pk=pk)
    if rule_set.is_active:
        messages.info(request, _("Versi %(version)s sudah aktif.") % {"version": rule_set.version})
        return redirect("admin:registry_ruleset_change", rule_set.pk)
    if request.method == "POST":
        job = services.rule_set_activate(rule_set=rule_set, user=request.user)
        messages.success(
            request,
            _("Versi %(version)s sekarang aktif. Penghitungan ulang naik kelas seluruh provinsi sudah dimulai.")
            % {"version": rule_set.version},
        )
        return redirect("admin:registry_jobrun_change", job.pk)
    active = RuleSet.objects.active().first()
    context = _admin_page(
        request, rule_set, _("Aktifkan %(rule_set)s?") % {"rule_set": rule_set},
        active=active,
        limits=limit_rows(rule_set, active),
    )
    return render(request, "admin/registry/ruleset/activate.html", context)


# --- recompute runs -------------------------------------------------------------------------------


@login_required
@require_POST
def graduation_start(request):
    """The "Hitung ulang naik kelas" button: the whole province, or one regency."""
    _require_staff(request.user, "registry.add_jobrun")
    regency = request.POST.get("regency", "").strip()
    try:
        job = services.graduation_start(regency=regency, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("admin:registry_jobrun_changelist")
    messages.success(request, _("Penghitungan ulang naik kelas dimulai (proses #%(id)s).") % {"id": job.pk})
    return redirect("admin:registry_jobrun_change", job.pk)


def job_progress_data(job: JobRun) -> dict:
    """The state of a run as the progress bar shows it; the JSON endpoint returns the same."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "final": job.status in FINAL_STATUSES,
        "percent": job.percent,
        "done": job.done,
        "total": job.total,
        "changed": job.changed,
        "done_label": number_id(job.done),
        "total_label": number_id(job.total),
        "changed_label": number_id(job.changed),
        "finished_label": wib(job.finished_at) if job.finished_at else "",
        "error": job.error,
    }


@never_cache
@login_required
def job_progress(request, pk: int):
    """Polled every second by static/js/job_progress.js while a run goes."""
    _require_staff(request.user, "registry.view_jobrun")
    job = get_object_or_404(JobRun, pk=pk)
    return JsonResponse(job_progress_data(job))
