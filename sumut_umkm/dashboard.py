"""The staff dashboard above the admin's app list: what staff act on, each figure a link to the list showing its rows.

It lives in the project package because it reads every app (the apps never import each other). Each figure is
scoped by its model's for_user() and shown only to a user holding that model's view permission. No figure counts a
whole table: the province's enterprises come from PostgreSQL's row estimate (as the admin list shows them), and
every other figure is counted up to CAP rows ("10.000+"), all counts in one statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.db import connections
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from csr.models import Programme, Support
from plut.models import EnterpriseClaim, ServiceRequest
from registry.models import Enterprise, GraduationEvent, JobRun, staff_regency
from registry.paginators import count_label, table_estimate
from registry.views import wib

CAP = 10_000
RECENT_DAYS = 30


def capped_counts(querysets: dict[str, QuerySet], *, cap: int = CAP, using: str = "default") -> dict[str, int]:
    """Counts each queryset's rows, stopping at cap + 1, in one statement: `SELECT (SELECT count(*) FROM (… LIMIT
    cap + 1)), …`. The inner LIMIT stops each scan early; a result above `cap` means "more than cap"."""
    counts = {key: 0 for key, queryset in querysets.items() if queryset.query.is_empty()}
    parts, params = [], []
    for key, queryset in querysets.items():
        if key in counts:
            continue
        sql, sql_params = queryset.order_by().values("pk")[: cap + 1].query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM ({sql}) AS capped)")
        params.extend(sql_params)
    if parts:
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(parts)}", params)
            row = cursor.fetchone()
        counts.update(zip([key for key in querysets if key not in counts], row, strict=True))
    return counts


@dataclass
class Figure:
    label: str
    url: str
    value: str = ""
    alert: bool = False  # rows that are late: shown in the warning colour when there are any
    key: str = ""  # its entry in the capped counts ("" = value already known)


@dataclass
class Card:
    title: str
    figures: list[Figure] = field(default_factory=list)
    run: dict | None = None  # the latest graduation run (Naik kelas card)


def _admin_list(name: str, **params) -> str:
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _latest_run(code: str | None) -> dict:
    run = JobRun.objects.graduation().covering(code).order_by("-id").first()
    if run is None:
        return {"url": _admin_list("registry_jobrun"), "status": _("Belum pernah dihitung ulang"), "percent": None,
                "finished": ""}
    return {
        "url": reverse("admin:registry_jobrun_change", args=[run.pk]),
        "status": run.get_status_display(),
        "percent": run.percent,
        "finished": wib(run.finished_at) if run.finished_at else "",
    }


def staff_dashboard(user) -> list[Card]:
    """The cards a staff user sees, with at most three queries beyond the user's permissions and regency: the row
    estimate (province only), the latest graduation run, and every capped count together."""
    code = staff_regency(user)
    today = timezone.localdate()
    # From midnight WIB 30 days ago: the same link all day long.
    since = datetime.combine(today - timedelta(days=RECENT_DAYS), time.min, tzinfo=timezone.get_current_timezone())
    cards: list[Card] = []
    counted: dict[str, QuerySet] = {}  # figure key → rows to count

    def add(card: Card, key: str, label: str, rows: QuerySet, url: str, *, alert: bool = False) -> None:
        card.figures.append(Figure(label=label, url=url, alert=alert, key=key))
        counted[key] = rows

    if user.has_perm("registry.view_enterprise"):
        card = Card(_("Registri UMKM"))
        enterprises = Enterprise.objects.for_user(user)
        url = _admin_list("registry_enterprise")
        estimate = table_estimate(Enterprise) if not enterprises.query.has_filters() else -1
        if estimate > CAP:
            card.figures.append(Figure(_("UMKM terdaftar"), url, count_label(estimate, estimated=True)))
        else:
            add(card, "enterprises", _("UMKM terdaftar"), enterprises, url)
        add(card, "review", _("Kelas perlu verifikasi"), enterprises.needs_review(),
            _admin_list("registry_enterprise", class_status="perlu_verifikasi"))
        cards.append(card)

    card = Card(_("Naik kelas"))
    if user.has_perm("registry.view_jobrun"):
        card.run = _latest_run(code)
    if user.has_perm("registry.view_graduationevent"):
        moves = GraduationEvent.objects.for_user(user).since(since)
        for key, label, rows, direction in [
            ("up", _("Naik kelas, %(days)s hari terakhir"), moves.upward(), "naik"),
            ("down", _("Turun kelas, %(days)s hari terakhir"), moves.downward(), "turun"),
        ]:
            add(card, key, label % {"days": RECENT_DAYS}, rows, _admin_list(
                "registry_graduationevent", direction__exact=direction, created_at__gte=since.isoformat()))
    if card.run or card.figures:
        cards.append(card)

    card = Card(_("CSR"))
    if user.has_perm("csr.view_support"):
        add(card, "graduated", _("Dukungan lulus, menunggu dialihkan"),
            Support.objects.for_user(user).awaiting_reassignment(), _admin_list("csr_support", status__exact="lulus"))
    if user.has_perm("csr.view_programme"):
        add(card, "programmes", _("Program berjalan"), Programme.objects.for_user(user).running(),
            _admin_list("csr_programme", status__exact="berjalan"))
    if card.figures:
        cards.append(card)

    card = Card(_("PLUT"))
    if user.has_perm("plut.view_enterpriseclaim"):
        add(card, "claims", _("Klaim UMKM menunggu konfirmasi"), EnterpriseClaim.objects.for_user(user).pending(),
            reverse("plut:claims"))
    if user.has_perm("plut.view_servicerequest"):
        requests = ServiceRequest.objects.for_user(user)
        queue = reverse("plut:queue")
        add(card, "open", _("Permohonan terbuka"), requests.open(), f"{queue}?status=terbuka")
        add(card, "overdue", _("Permohonan melewati tenggat"), requests.overdue(today), f"{queue}?terlambat=1",
            alert=True)
    if card.figures:
        cards.append(card)

    counts = capped_counts(counted)
    for card in cards:
        for figure in card.figures:
            if figure.key:
                figure.value = count_label(counts[figure.key])
                figure.alert = figure.alert and counts[figure.key] > 0
    return cards
