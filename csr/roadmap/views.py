"""Staff pages of the roadmap (peta jalan): the regency × kind matrix, overlaps, gaps, the map and the chart.

Staff only: signed in (else the login page), staff status and the permissions to read the pembinaan ledger
and the graduation history (else 403). Company officers, MSME owners and PLUT consultants (who hold no
graduation-history permission) are refused on every page and export. Providers are named here: only staff
may see which company supports whom.

A regency office's staff (registry.StaffRegion) see their regency only: every filter is narrowed to it
(forms.RoadmapFilterForm `scope`, whatever the query string says, exports too), and their counts are made
live for that regency (services.regional_compute), never read from the province's snapshot.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from registry.models import staff_regency

from . import exports, geo, queries, services, tasks
from .forms import GapFilterForm, MicroFilterForm, OverlapFilterForm, RoadmapFilterForm, error_text, regency_names

ROADMAP_PERMISSIONS = ("registry.view_supportrecord", "registry.view_graduationevent")


def _require_roadmap(user) -> str | None:
    """The regency the user is limited to (None = the province); anyone else is refused."""
    if not (user.is_active and user.is_staff and user.has_perms(ROADMAP_PERMISSIONS)):
        raise PermissionDenied
    return staff_regency(user)


def _number(value) -> str:
    return number_format(value, force_grouping=True)


def _filters(request, form_class, scope: str | None):
    """(the form whose filters apply, the form to show): a wrong filter is reported, naming the field, and
    the defaults apply instead. Both are narrowed to `scope` (a regency office's staff)."""
    form = form_class(request.GET, scope=scope)
    if form.is_valid():
        return form, form
    for message in error_text(form):
        messages.error(request, message)
    default = form_class({}, scope=scope)
    default.is_valid()
    return default, form


def _snapshot_context(snapshot: dict) -> dict:
    if snapshot.get("regency"):
        return {}  # counted now, for one regency: no snapshot time, no recount button
    moment = timezone.localtime(services.refreshed_at(snapshot))
    return {
        "snapshot_at": f"{date_format(moment, 'j M Y H.i')} WIB",
        "snapshot_seconds": snapshot.get("seconds"),
    }


def _describe(form) -> list[tuple[str, str]]:
    """(label, shown value) of each filter, for the export's notes sheet."""
    described = []
    for name, field in form.fields.items():
        if name == "after" or name not in form.cleaned_data:
            continue
        value = form.cleaned_data.get(name)
        choices = dict(getattr(field, "choices", ()) or ())
        shown = choices.get(value, value) if value not in (None, "") else choices.get("", "—")
        described.append((str(field.label), str(shown)))
    return described


def _page(request, template: str, tab: str, **context):
    context.update(tab=tab, query=request.GET.urlencode())
    return render(request, template, context)


def _matrix(form):
    """The matrix; with the default filters (what provincial staff open first) entirely from the snapshot, for
    a regency office's staff counted now for their regency only."""
    if form.scope:
        counts = services.regional_compute(form.scope)
        matrix = queries.matrix(form.filters(), regency_names(form.scope), counts["enterprises"], regional=True)
        return matrix, counts
    snapshot = services.snapshot_get()
    filters = form.filters()
    cells = services.snapshot_cells(snapshot) if filters == queries.Filters() else None
    return queries.matrix(filters, regency_names(), snapshot["enterprises"], cells), snapshot


def _download(table: exports.Table, fmt: str, stem: str) -> HttpResponse:
    response = HttpResponse(exports.WRITERS[fmt](table), content_type=exports.FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(stem, fmt)}"'
    return response


def _notes(form, snapshot: dict) -> list[tuple[str, str]]:
    moment = timezone.localtime(services.refreshed_at(snapshot))
    return [*_describe(form), (_("Jumlah UMKM dihitung pada"), f"{date_format(moment, 'j M Y H.i')} WIB")]


# --- matrix -----------------------------------------------------------------------------------------


@login_required
def matrix_page(request):
    scope = _require_roadmap(request.user)
    form, shown = _filters(request, RoadmapFilterForm, scope)
    matrix, snapshot = _matrix(form)
    return _page(
        request, "csr/roadmap/matrix.html", "matrix", form=shown, matrix=matrix, filters=form.filters(),
        **_snapshot_context(snapshot),
    )


@never_cache
@login_required
def matrix_export(request, fmt: str):
    scope = _require_roadmap(request.user)
    if fmt not in exports.FORMATS:
        raise Http404
    form, _shown = _filters(request, RoadmapFilterForm, scope)
    matrix, snapshot = _matrix(form)
    return _download(exports.matrix_table(matrix, _notes(form, snapshot)), fmt, "peta_jalan")


# --- overlaps ---------------------------------------------------------------------------------------


@login_required
def overlap_page(request):
    scope = _require_roadmap(request.user)
    form, shown = _filters(request, OverlapFilterForm, scope)
    after = form.cleaned_data.get("after")
    rows = queries.overlaps(form.filters(), after=after, limit=queries.OVERLAP_PAGE + 1)
    next_query = ""
    if len(rows) > queries.OVERLAP_PAGE:
        rows = rows[: queries.OVERLAP_PAGE]
        next_query = urlencode({**form.filters().as_query(), "after": rows[-1].enterprise_id})
    return _page(
        request, "csr/roadmap/overlaps.html", "overlaps", form=shown, rows=rows, next_query=next_query,
        first_query=urlencode(form.filters().as_query()) if after else "",
        export_query=urlencode(form.filters().as_query()),
    )


@never_cache
@login_required
def overlap_export(request, fmt: str):
    scope = _require_roadmap(request.user)
    if fmt not in exports.FORMATS:
        raise Http404
    form, _shown = _filters(request, OverlapFilterForm, scope)
    rows = queries.overlaps(form.filters(), limit=None)
    return _download(exports.overlap_table(rows, _describe(form)), fmt, "tumpang_tindih")


# --- gaps -------------------------------------------------------------------------------------------


@login_required
def gap_page(request):
    scope = _require_roadmap(request.user)
    form, shown = _filters(request, GapFilterForm, scope)
    matrix, snapshot = _matrix(form)
    threshold = form.threshold_value()
    return _page(
        request, "csr/roadmap/gaps.html", "gaps", form=shown, rows=queries.gaps(matrix, threshold),
        threshold=threshold, **_snapshot_context(snapshot),
    )


@never_cache
@login_required
def gap_export(request, fmt: str):
    scope = _require_roadmap(request.user)
    if fmt not in exports.FORMATS:
        raise Http404
    form, _shown = _filters(request, GapFilterForm, scope)
    matrix, snapshot = _matrix(form)
    rows = queries.gaps(matrix, form.threshold_value())
    notes = [*_notes(form, snapshot)]
    return _download(exports.gap_table(rows, notes), fmt, "kesenjangan")


# --- map and chart ----------------------------------------------------------------------------------


@login_required
def map_page(request):
    scope = _require_roadmap(request.user)
    form, shown = _filters(request, MicroFilterForm, scope)
    matrix, snapshot = _matrix(form)
    markers = geo.markers(matrix.rows, _number)
    return _page(
        request, "csr/roadmap/map.html", "map", form=shown, markers=markers, rows=matrix.rows,
        bands=[(colour, label) for _upper, colour, label in geo.BANDS],
        svg={"width": geo.SVG_WIDTH, "height": geo.SVG_HEIGHT},
        chart=geo.graduation_chart(snapshot["months"]), **_snapshot_context(snapshot),
    )


# --- refresh ----------------------------------------------------------------------------------------


@login_required
@require_POST
def refresh(request):
    """Recount the snapshot in the background (Celery); the page says when it was last counted. A regency
    office's staff have no snapshot (their counts are made on each view)."""
    if _require_roadmap(request.user) is not None:
        raise PermissionDenied
    transaction.on_commit(tasks.roadmap_refresh_task.delay)
    messages.success(request, _("Penghitungan ulang jumlah UMKM dimulai; muat ulang halaman ini sebentar lagi."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("roadmap:matrix")
    return redirect(back)
