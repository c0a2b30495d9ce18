"""Staff pages of the registry: the enterprise page, the naik kelas actions staff start from the admin
(rule-set preview and activation, a recompute run and its progress), and exports of the enterprise list."""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import exports, graduation, panels, services
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
    staff_regency,
)
from .paginators import LargeTablePaginator
from .templatetags.rupiah import rupiah, rupiah_short

IMPORT_COUNTS = ("rows", "added", "updated", "unchanged", "rejected", "duplicates")
HISTORY_ROWS = 50  # the enterprise page shows the newest changes; the admin list has them all
FINAL_STATUSES = {JobStatus.DONE, JobStatus.FAILED, JobStatus.SKIPPED}
# Runs whose starter may follow them without the permission to see all runs.
STARTER_KINDS = ("export", "import")
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
        Enterprise.objects.for_user(request.user).select_related(
            "owner", "regency", "district", "sector", "sector__parent", "class_rule_set"
        ),
        pk=pk,
    )
    reports = list(enterprise.yearly_reports.select_related("verified_by").order_by("-year"))
    permits = list(enterprise.permits.order_by("kind", "-issued_on"))
    # Newest first on the (enterprise, -id) index; one query with the rule set of each row.
    events = list(enterprise.graduation_events.select_related("rule_set").order_by("-id")[:HISTORY_ROWS])
    supports = list(enterprise.support_records.order_by("-started_on", "-id")[:HISTORY_ROWS])
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
        "can_verify": request.user.has_perm("registry.change_yearlyreport"),
        "class_since": wib(enterprise.class_since) if enterprise.class_since else "",
        "tier_meaning": tier_meaning(enterprise.tier),
        "tier_max": TIER_MAX,
        "events": [(event, wib(event.created_at), tier_meaning(event.to_tier)) for event in events],
        "events_capped": len(events) >= HISTORY_ROWS,
        "supports": supports,
        "can_view_events": request.user.has_perm("registry.view_graduationevent"),
        "status_needs_review": ClassStatus.NEEDS_REVIEW,
        "status_confirmed": ClassStatus.CONFIRMED,
        # Other apps' sections (open PLUT requests, active CSR supports), registered by those apps.
        "panels": panels.panels_for(enterprise, request.user),
    }
    return render(request, "registry/enterprise_detail.html", context)


@login_required
@require_POST
def yearly_report_verify(request, pk: int):
    """The "Verifikasi" button of a yearly report on the enterprise page."""
    _require_staff(request.user, "registry.change_yearlyreport")
    report = get_object_or_404(
        YearlyReport.objects.filter(enterprise__in=Enterprise.objects.for_user(request.user).values("pk")), pk=pk
    )
    if services.yearly_reports_verify(reports=[report.pk], user=request.user):
        messages.success(request, _("Laporan %(year)s diverifikasi; kelas UMKM ini dihitung ulang.")
                         % {"year": report.year})
    else:
        messages.info(request, _("Laporan %(year)s sudah terverifikasi sebelumnya.") % {"year": report.year})
    return redirect("registry:enterprise-detail", report.enterprise_id)


def province_staff_required(user) -> None:
    """Rule sets and province-wide recomputes belong to the provincial office: a regency office's staff get 403."""
    if staff_regency(user) is not None:
        raise PermissionDenied


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
    supports_total, supports = graduation.preview_supports(rule_set_id=rule_set.pk, regency=regency or None)
    context = _admin_page(
        request, rule_set, _("Pratinjau perubahan: %(rule_set)s") % {"rule_set": rule_set},
        active=active,
        summary=preview_summary(rows, regencies),
        limits=limit_rows(rule_set, active),
        regencies=regencies.items(),
        regency=regency,
        regency_name=regencies.get(regency, ""),
        supports=supports,
        supports_total=supports_total,
        can_activate=not rule_set.is_active and request.user.has_perm("registry.change_ruleset")
        and staff_regency(request.user) is None,
    )
    return render(request, "admin/registry/ruleset/preview.html", context)


@login_required
def rule_set_activate(request, pk: int):
    """GET asks for confirmation; POST activates the version and starts the recompute of the province."""
    _require_staff(request.user, "registry.change_ruleset")
    province_staff_required(request.user)
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
    own = staff_regency(request.user)
    if own is not None and regency != own:
        raise PermissionDenied  # a regency office recomputes its own regency only, never the province
    try:
        job = services.graduation_start(
            regency=regency, user=request.user, submission=request.POST.get("submission", "")[:64] or None
        )
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
        "download_url": result_download_url(job),
        "download_label": job.result_name if result_download_url(job) else "",
        # An import's counts, filled in when it ends (JobRun.summary); "—" while it runs.
        **{f"{key}_label": number_id(job.summary[key]) if key in (job.summary or {}) else "—"
           for key in IMPORT_COUNTS},
    }


@never_cache
@login_required
def job_progress(request, pk: int):
    """Polled every second by static/js/job_progress.js while a run goes."""
    user = request.user
    if user.is_active and user.is_staff and user.has_perm("registry.view_jobrun"):
        job = get_object_or_404(JobRun, pk=pk)
    else:
        # The starter of an export or import follows its progress without seeing other runs.
        job = JobRun.objects.filter(pk=pk, kind__in=STARTER_KINDS, started_by=user).first()
        if job is None or not may_download_export(user, job):
            raise PermissionDenied
    return JsonResponse(job_progress_data(job))


# --- exports --------------------------------------------------------------------------------------


def may_download_export(user, job: JobRun) -> bool:
    """The user who started the export or import (while still staff who may see enterprises), or staff who may
    see runs."""
    if not (user.is_active and user.is_staff):
        return False
    if user.has_perm("registry.view_jobrun"):
        return True
    return job.started_by_id == user.pk and user.has_perm("registry.view_enterprise")


def result_download_url(job: JobRun) -> str:
    """Where a finished export, or an import's rejection report, is downloaded; "" while there is nothing."""
    if not job.result_file:
        return ""
    if job.kind == services.EXPORT_KIND and job.status == JobStatus.DONE:
        return reverse("registry:export-download", args=[job.pk])
    if job.kind == services.IMPORT_KIND and job.status in FINAL_STATUSES:
        # A stopped import keeps the report of the batches it did.
        return reverse("registry:import-report", args=[job.pk])
    return ""


def _attachment(response, filename: str):
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@never_cache
@login_required
def enterprise_export(request, fmt: str):
    """The "Ekspor CSV/XLSX" buttons of the enterprise list, with the list's filters and search.

    Up to exports.INLINE_MAX enterprises the file is the response. A larger export asks first (GET) and then
    (POST) becomes a background job whose page shows a download link when it is done.
    """
    _require_staff(request.user)
    if fmt not in exports.FORMATS:
        raise Http404
    filters = exports.filters_from_admin(request.GET)
    back = f"{reverse('admin:registry_enterprise_changelist')}?{request.GET.urlencode()}"
    try:
        enterprises = exports.enterprises_for_export(filters, scope_regency=staff_regency(request.user))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    if request.method == "POST":
        job = services.export_start(filters=filters, fmt=fmt, user=request.user)
        messages.success(
            request,
            _("Ekspor %(format)s dimulai (proses #%(id)s). Tautan unduhan muncul di sini setelah selesai.")
            % {"format": fmt.upper(), "id": job.pk},
        )
        return redirect("admin:registry_jobrun_change", job.pk)
    filename = exports.export_filename(fmt)
    if exports.is_small(enterprises):
        if fmt == "csv":
            response = StreamingHttpResponse(exports.iter_csv(enterprises), content_type=exports.FORMATS[fmt])
        else:
            response = HttpResponse(exports.xlsx_bytes(enterprises), content_type=exports.FORMATS[fmt])
        return _attachment(response, filename)
    context = {
        **admin.site.each_context(request),
        "opts": Enterprise._meta,
        "title": _("Ekspor %(format)s daftar UMKM") % {"format": fmt.upper()},
        "subtitle": None,
        "format": fmt.upper(),
        "count_label": LargeTablePaginator(enterprises.order_by("-id"), 1).count_label,
        "inline_max": number_id(exports.INLINE_MAX),
        "filters": exports.describe_filters(filters),
        "back": back,
    }
    return render(request, "admin/registry/enterprise/export_confirm.html", context)


def _job_file_response(job: JobRun) -> FileResponse:
    """A run's result file as a download; 404 when the file is gone (e.g. cleaned up)."""
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=job.result_name or job.result_file.name)


@never_cache
@login_required
def export_download(request, pk: int):
    """A finished export's file: to its starter and to staff who may see runs; 404 to anyone else."""
    job = get_object_or_404(JobRun, pk=pk, kind=services.EXPORT_KIND, status=JobStatus.DONE)
    if not job.result_file or not may_download_export(request.user, job):
        raise Http404
    return _job_file_response(job)


# --- import of enterprises ------------------------------------------------------------------------
#
# Three steps: upload (the file is kept under MEDIA_ROOT/imports/pending/ and named only in the session, never
# by a path the browser sends), header (recognised columns, or a mapping form), start (services.import_start,
# then the run's page with its progress bar, counts and rejection report).

IMPORT_PERMS = ("registry.add_jobrun", "registry.add_enterprise")
PENDING_IMPORT = "registry_import_pending"
PREVIEW_DATA_ROWS = 5
REGION_COLUMNS = {"kode_wilayah", "kabupaten_kota", "kode_bps"}


def _require_import(user) -> None:
    if not (user.is_active and user.is_staff and user.has_perms(IMPORT_PERMS)):
        raise PermissionDenied


def _import_page(request, title: str, **context) -> dict:
    return {
        **admin.site.each_context(request),
        "opts": JobRun._meta,
        "title": title,
        "subtitle": None,
        **context,
    }


def _pending_discard(request) -> None:
    from django.core.files.storage import default_storage

    pending = request.session.pop(PENDING_IMPORT, None)
    if pending:
        default_storage.delete(pending["path"])


def _pending(request, token: str) -> dict | None:
    pending = request.session.get(PENDING_IMPORT)
    if not pending or not secrets.compare_digest(pending.get("token", ""), token):
        return None
    return pending


@never_cache
@login_required
def import_upload(request):
    """"Impor data UMKM", step 1: the file and its options."""
    from django.core.files.storage import default_storage

    from .forms import ImportUploadForm, import_max_bytes

    _require_import(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, only_regency=staff_regency(request.user))
    if request.method == "POST" and form.is_valid():
        _pending_discard(request)  # one pending upload per session: a new one replaces the last
        upload = form.cleaned_data["file"]
        token = secrets.token_urlsafe(16)
        suffix = "." + upload.name.rsplit(".", 1)[-1].lower()
        path = default_storage.save(f"imports/pending/{token}{suffix}", upload)
        request.session[PENDING_IMPORT] = {
            "token": token, "path": path, "filename": upload.name[:200], "options": form.options(),
        }
        return redirect("registry:import-header", token)
    context = _import_page(
        request, _("Impor data UMKM"), form=form, max_mb=import_max_bytes() // (1024 * 1024),
        columns=[(name, label) for name, label in _column_labels()],
    )
    return render(request, "admin/registry/import/upload.html", context)


def _column_labels():
    from .importing.columns import CANONICAL_COLUMNS, COLUMN_LABELS

    return [(name, COLUMN_LABELS[name]) for name in CANONICAL_COLUMNS]


@dataclass
class HeaderStep:
    """What the file's first rows say: its header as recognised (or None), and the rows to show."""

    preview: list[tuple[int, list[str]]]
    header: object | None  # columns.HeaderInfo
    remembered: dict | None
    problem: str = ""
    missing: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.header is not None and not self.missing


def _header_step(pending: dict) -> HeaderStep:
    """Read the pending file's first rows (raises ParseError for a file that cannot be read at all)."""
    from django.core.files.storage import default_storage

    from .importing import pipeline, reader
    from .importing.parsers import ParseError

    path, filename = pending["path"], pending["filename"]
    options = pending["options"]
    sheet, regency = options.get("sheet"), options.get("regency")
    with default_storage.open(path, "rb") as handle:
        preview = reader.preview_rows(handle, filename=filename, sheet=sheet)
    remembered = None
    if regency:
        with default_storage.open(path, "rb") as handle:
            remembered = pipeline.remembered_mapping(handle, filename=filename, regency=regency, sheet=sheet)
    header, problem = None, ""
    try:
        with default_storage.open(path, "rb") as handle, reader.iter_rows(
            handle, filename=filename, mapping=remembered, sheet=sheet
        ) as rows:
            header = rows.header
    except ParseError as exc:
        problem = exc.message
    step = HeaderStep(preview=preview, header=header, remembered=remembered, problem=problem)
    if header is not None:
        step.missing = _missing_columns(set(header.columns.values()), regency)
    return step


def _missing_columns(present: set[str], regency: str | None) -> list[str]:
    """The needed columns a header lacks, by their Indonesian names (as pipeline._check_header decides)."""
    from .importing.columns import COLUMN_LABELS

    missing = []
    if "nama_usaha" not in present:
        missing.append(str(COLUMN_LABELS["nama_usaha"]))
    if not present & REGION_COLUMNS and not regency:
        missing.append(_("Kabupaten/kota (kode atau nama)"))
    return missing


def _mapping_headers(step: HeaderStep, chosen_row: int | None) -> tuple[list[str], int | None, int | None]:
    """(header texts to map, header_row option, row shown as the header). The header found by the reader is
    used as it is (a two-row header joined); a row chosen by staff is taken cell by cell."""
    rows = dict(step.preview)
    found = step.header.header_rows[0] if step.header is not None and step.header.header_rows else None
    if chosen_row in rows and chosen_row != found:
        return rows[chosen_row], chosen_row, chosen_row
    if step.header is not None:
        return list(step.header.headers), None, found
    # Nothing recognised: offer the first row with the most filled cells among the first rows.
    if not step.preview:
        return [], None, None
    number = max(step.preview[:6], key=lambda row: (sum(1 for cell in row[1] if cell), -row[0]))[0]
    return rows[number], number, number


def _initial_columns(headers: list[str], mapping: dict | None) -> list[str]:
    from .importing.columns import MONTHLY_TURNOVER, match_header

    initial, taken = [], set()
    for text in headers:
        found = match_header(text, mapping) if text else None
        column = found.column if found is not None else None
        if column in taken:
            column = None
        if column:
            taken.add(column)
        initial.append(MONTHLY_TURNOVER if found is not None and found.monthly else (column or ""))
    return initial


def _regency_name(code: str | None) -> str:
    if not code:
        return ""
    return Region.objects.filter(pk=code).values_list("name", flat=True).first() or code


def _recognised_rows(step: HeaderStep) -> list[tuple[str, str, bool]]:
    from .importing.columns import COLUMN_LABELS

    header = step.header
    rows = []
    for index, text in enumerate(header.headers):
        if not text:
            continue
        column = header.columns.get(index)
        if column is None:
            label = _("tidak dikenali — diabaikan") if text in header.unrecognised else _("diabaikan")
        else:
            label = str(COLUMN_LABELS[column])
            if column == "omzet_tahunan" and header.monthly_turnover:
                label = _("%(label)s (per bulan di berkas, disimpan ×12)") % {"label": label}
        rows.append((text, label, column is not None))
    return rows


def _data_preview(step: HeaderStep, header_row: int | None) -> list[list[str]]:
    if header_row is None:
        return [cells for _, cells in step.preview[:PREVIEW_DATA_ROWS + 3]]
    return [cells for number, cells in step.preview if number > header_row][:PREVIEW_DATA_ROWS]


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@never_cache
@login_required
def import_header(request, token: str):
    """Step 2: the columns as recognised and a "Mulai impor" button, or a form mapping the file's columns to ours.
    Step 3 (POST): start the import and go to its page."""
    from .forms import ImportMappingForm
    from .importing.parsers import ParseError

    _require_import(request.user)
    pending = _pending(request, token)
    if pending is None:
        messages.error(request, _("Unggahan tidak ditemukan atau sudah dipakai; unggah berkasnya lagi."))
        return redirect("registry:import-upload")
    try:
        step = _header_step(pending)
    except ParseError as exc:
        _pending_discard(request)
        messages.error(request, _("Berkas tidak dapat dibaca: %(reason)s") % {"reason": exc.message})
        return redirect("registry:import-upload")
    options = pending["options"]
    regency_name = _regency_name(options.get("regency"))

    wants_mapping = request.POST.get("action") == "map" or "petakan" in request.GET or "baris" in request.GET
    if step.ready and not wants_mapping:
        if request.method == "POST" and request.POST.get("action") == "start":
            return _import_start(request, pending, {**options, "mapping": step.remembered})
        header_row = step.header.header_rows[-1] if step.header.header_rows else None
        context = _import_page(
            request, _("Impor data UMKM: kolom berkas"), pending=pending, options=options, step=step,
            regency_name=regency_name, recognised=_recognised_rows(step),
            preview=_data_preview(step, header_row), token=token,
        )
        return render(request, "admin/registry/import/header.html", context)

    chosen = _int_or_none(request.POST.get("baris") or request.GET.get("baris"))
    headers, header_row, shown_row = _mapping_headers(step, chosen)
    form = ImportMappingForm(
        request.POST if request.method == "POST" else None,
        headers=headers, initial_columns=_initial_columns(headers, step.remembered),
        regency_name=regency_name,
    )
    if request.method == "POST" and form.is_valid():
        remember = bool(form.cleaned_data.get("remember")) and bool(options.get("regency"))
        return _import_start(request, pending, {
            **options, "mapping": form.mapping(), "header_row": header_row, "remember_mapping": remember,
        })
    context = _import_page(
        request, _("Impor data UMKM: petakan kolom berkas"), pending=pending, options=options, step=step,
        regency_name=regency_name, form=form, token=token, header_row=header_row, shown_row=shown_row,
        preview_rows=step.preview, preview=_data_preview(step, shown_row),
    )
    return render(request, "admin/registry/import/mapping.html", context)


def _import_start(request, pending: dict, options: dict):
    from django.core.files import File
    from django.core.files.storage import default_storage

    options = {key: value for key, value in options.items() if value not in (None, False)}
    try:
        with default_storage.open(pending["path"], "rb") as handle:
            job = services.import_start(
                file=File(handle, name=pending["filename"]), user=request.user, options=options,
                filename=pending["filename"], submission=f"import:{pending['token']}",
            )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("registry:import-header", pending["token"])
    _pending_discard(request)
    if options.get("dry_run"):
        text = _("Uji coba impor dimulai (proses #%(id)s): laporan dibuat tanpa menyimpan data apa pun.")
    else:
        text = _("Impor dimulai (proses #%(id)s). Jumlah baris dan laporan penolakan muncul di sini setelah selesai.")
    messages.success(request, text % {"id": job.pk})
    return redirect("admin:registry_jobrun_change", job.pk)


@login_required
@require_POST
def import_retry(request, pk: int):
    """"Coba lagi": a stopped import runs again from its stored file (the batches it saved stay unchanged)."""
    _require_import(request.user)
    job = get_object_or_404(JobRun, pk=pk, kind=services.IMPORT_KIND, status=JobStatus.FAILED)
    retry = services.import_retry(job=job, user=request.user)
    messages.success(request, _("Impor proses #%(old)s dijalankan lagi sebagai proses #%(id)s.")
                     % {"old": job.pk, "id": retry.pk})
    return redirect("admin:registry_jobrun_change", retry.pk)


@never_cache
@login_required
def import_report(request, pk: int):
    """An import's rejection report: to its starter and to staff who may see runs; 404 to anyone else."""
    job = get_object_or_404(JobRun, pk=pk, kind=services.IMPORT_KIND)
    if not result_download_url(job) or not may_download_export(request.user, job):
        raise Http404
    return _job_file_response(job)
