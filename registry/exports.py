"""Exports of the enterprise list as CSV or XLSX, with the filters of the list the user sees.

The filters travel as EnterpriseFilterSet parameters (`filters_from_admin` translates the admin list's query
string), so a background export can be rebuilt from what its JobRun stored. One SELECT (`export_sql`) serves
both formats: the filtered enterprises' ids are a subquery, the names come from joins, and the latest yearly
figures from LATERAL lookups on the (enterprise, year) index — never a query per row.

Memory stays constant whatever the size:
- CSV is PostgreSQL's own `COPY (SELECT …) TO STDOUT WITH (FORMAT csv, HEADER)`, written out as it arrives;
- XLSX is openpyxl's write-only workbook fed from a server-side cursor, a new sheet every million rows
  (a sheet holds at most 1,048,576 rows).

Personal data: the owner's NIK leaves masked only (`nik_masked`), for every user; its hash and ciphertext are
never selected. A 16-digit NPWP that does not start with 0 is its holder's NIK, so it is masked too (as in
the API). CSV is meant for other programs (amounts as plain integers, UTF-8 without BOM); XLSX for people
(amounts as numbers in a rupiah format).
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import django_filters
import psycopg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F, QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .filtersets import EnterpriseFilterSet, SectorCodeFilter, _yes_no_filter
from .models import ClassStatus, Enterprise, LegalForm, Region, SizeClass

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Up to this many rows an export streams straight into the response; more becomes a background job.
INLINE_MAX = 10_000
ROWS_PER_SHEET = 1_000_000
FETCH_ROWS = 2_000
PROGRESS_SECONDS = 1.0
WIB = ZoneInfo("Asia/Jakarta")
RUPIAH_FORMAT = '"Rp"#,##0'  # Excel writes its thousands separator in the user's locale: Rp1.500.000

# (header, column width in XLSX); the SELECT below yields them in this order.
COLUMNS = [
    ("id", 10), ("nama_usaha", 36), ("nib", 16), ("npwp", 18), ("kode_kabupaten", 10), ("kabupaten", 24),
    ("kode_kecamatan", 12), ("kecamatan", 22), ("kbli", 8), ("sektor", 40), ("bentuk_usaha", 18),
    ("tahun_berdiri", 9), ("formal", 8), ("aktif", 8), ("kelas_usaha", 11), ("tingkat", 8), ("status_kelas", 16),
    ("alasan_kelas", 48), ("nama_pemilik", 28), ("nik_pemilik", 18), ("jenis_kelamin", 8),
    ("omzet_terakhir", 20), ("tahun_omzet", 9), ("modal_terakhir", 20),
]
HEADERS = [name for name, _width in COLUMNS]
AMOUNT_COLUMNS = {HEADERS.index("omzet_terakhir"), HEADERS.index("modal_terakhir")}
FREE_TEXT_COLUMNS = {HEADERS.index("nama_usaha"), HEADERS.index("nama_pemilik")}

# --- filters -------------------------------------------------------------------------------------

NONE = "none"  # admin_filters.NONE: "not computed yet"


class _ChoiceOrNoneFilter(django_filters.ChoiceFilter):
    """A choice, or `none` for rows where the column is still empty (the admin's "Belum dihitung")."""

    def filter(self, qs, value):
        if value == NONE:
            return qs.filter(**{f"{self.field_name}__isnull": True})
        return super().filter(qs, value)


class EnterpriseExportFilterSet(EnterpriseFilterSet):
    """EnterpriseFilterSet plus what the admin list can also filter by, so an export matches that list."""

    section = SectorCodeFilter(label=gettext_lazy("kategori KBLI (huruf)"))
    size_class = _ChoiceOrNoneFilter(
        label=gettext_lazy("kelas usaha"), choices=[*SizeClass.choices, (NONE, gettext_lazy("Belum dihitung"))]
    )
    class_status = _ChoiceOrNoneFilter(
        label=gettext_lazy("status kelas"), choices=[*ClassStatus.choices, (NONE, gettext_lazy("Belum dihitung"))]
    )
    criteria_disagree = _yes_no_filter("criteria_disagree", gettext_lazy("kriteria berbeda (omzet vs modal)"))

    class Meta(EnterpriseFilterSet.Meta):
        fields = [*EnterpriseFilterSet.Meta.fields, "section", "class_status", "criteria_disagree"]


# Admin list parameter (registry/admin_filters.py, and the search box `q`) → FilterSet parameter. Yes/no
# filters are "1"/"0" in the admin and "true"/"false" in the FilterSet. Other parameters (page, order) are
# not filters and are left out.
ADMIN_PARAMETERS = {
    "q": "q", "regency": "regency", "district": "district", "section": "section", "sector": "sector",
    "size_class": "size_class", "class_status": "class_status", "formal": "formal", "active": "active",
    "criteria_disagree": "criteria_disagree",
}
ADMIN_YES_NO = {"formal", "active", "criteria_disagree"}


def filters_from_admin(query) -> dict[str, str]:
    """The FilterSet parameters of an admin changelist query string (a QueryDict or a dict)."""
    filters = {}
    for admin_name, name in ADMIN_PARAMETERS.items():
        value = (query.get(admin_name) or "").strip()
        if not value:
            continue
        if admin_name in ADMIN_YES_NO:
            value = {"1": "true", "0": "false"}.get(value, value)
        filters[name] = value
    return filters


def enterprises_for_export(filters: dict, *, scope_regency: str | None = None) -> QuerySet:
    """The enterprises the filters select; a wrong filter raises ValidationError naming it and the reason.

    `scope_regency` is the regency a regency office's staff are limited to (Enterprise.objects.for_user): the
    export sees what their list sees, also when the worker runs it later without the user."""
    queryset = Enterprise.objects.all()
    if scope_regency is not None:
        queryset = queryset.filter(regency_id=scope_regency)
    filterset = EnterpriseExportFilterSet(filters, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError({
            name: [f"{filterset.form.fields[name].label}: {message}" for message in messages]
            for name, messages in filterset.errors.items()
        })
    return filterset.qs.order_by()


def describe_filters(filters: dict) -> list[tuple[str, str]]:
    """(label, value) of each filter, as the confirmation page and the job page show them."""
    regions = dict(
        Region.objects.filter(code__in=[filters.get("regency"), filters.get("district")]).values_list("code", "name")
    )
    described = []
    for name, value in filters.items():
        known = EnterpriseExportFilterSet.base_filters.get(name)
        if known is None:
            continue
        if value in regions:
            shown = f"{regions[value]} ({value})"
        else:
            shown = dict(known.extra.get("choices") or ()).get(value, value)
        described.append((str(known.label), str(shown)))
    return described


def is_small(queryset: QuerySet, limit: int | None = None) -> bool:
    """At most `limit` rows? Counted as LargeTablePaginator does: never past limit + 1."""
    limit = INLINE_MAX if limit is None else limit
    return queryset.order_by()[: limit + 1].count() <= limit


def export_filename(fmt: str, moment: datetime | None = None) -> str:
    """umkm_2026-11-23_1405.csv, in Asia/Jakarta time."""
    moment = timezone.localtime(moment or timezone.now(), WIB)
    return f"umkm_{moment:%Y-%m-%d_%H%M}.{fmt}"


# --- the SELECT ----------------------------------------------------------------------------------


def _labels(column: str, choices, params: list) -> str:
    """The choice's label instead of its stored value ("pt_perorangan" → "PT Perorangan")."""
    for value, label in choices:
        params.extend([value, str(label)])
    return f"CASE {column} {' '.join('WHEN %s THEN %s' for _choice in choices)} END"


def _yes_no(column: str, params: list) -> str:
    params.extend([_("Ya"), _("Tidak")])
    return f"CASE WHEN {column} THEN %s ELSE %s END"


def _free_text(column: str, fmt: str, params: list) -> str:
    """Text people typed. CSV: a leading = + - @ gets a ' so that a spreadsheet does not run it as a formula
    (our importer strips that '). XLSX: control characters, which the format cannot hold, are dropped."""
    if fmt == "csv":
        params.append(r"^[=+@\t\r-]")
        return f"CASE WHEN {column} ~ %s THEN '''' || {column} ELSE {column} END"
    params.append(r"[\x01-\x08\x0b\x0c\x0e-\x1f]")
    return f"regexp_replace({column}, %s, '', 'g')"


def export_sql(queryset: QuerySet, fmt: str) -> tuple[str, list]:
    """The SELECT of the export rows (columns as in HEADERS) for the enterprises of `queryset`."""
    params: list = []
    with translation.override("id"):
        select = f"""
SELECT e.id AS id,
       {_free_text("e.name", fmt, params)} AS nama_usaha,
       e.nib AS nib,
       CASE WHEN length(e.npwp) = 16 AND left(e.npwp, 1) <> '0'
            THEN left(e.npwp, 4) || repeat('*', 8) || right(e.npwp, 4) ELSE NULLIF(e.npwp, '') END AS npwp,
       e.regency_id AS kode_kabupaten, rg.name AS kabupaten,
       e.district_id AS kode_kecamatan, d.name AS kecamatan,
       NULLIF(e.kbli_code, '') AS kbli, s.code || ' ' || s.name AS sektor,
       {_labels("e.legal_form", LegalForm.choices, params)} AS bentuk_usaha,
       e.founded_year AS tahun_berdiri,
       {_yes_no("e.is_formal", params)} AS formal,
       {_yes_no("e.is_active", params)} AS aktif,
       {_labels("e.size_class", SizeClass.choices, params)} AS kelas_usaha,
       e.tier AS tingkat,
       {_labels("e.class_status", ClassStatus.choices, params)} AS status_kelas,
       NULLIF(e.class_reason, '') AS alasan_kelas,
       {_free_text("o.name", fmt, params)} AS nama_pemilik,
       NULLIF(o.nik_masked, '') AS nik_pemilik,
       NULLIF(o.sex, '') AS jenis_kelamin,
       sales.omzet AS omzet_terakhir, sales.year AS tahun_omzet, capital.capital AS modal_terakhir
FROM registry_enterprise e
JOIN registry_region rg ON rg.code = e.regency_id
LEFT JOIN registry_region d ON d.code = e.district_id
LEFT JOIN registry_sector s ON s.id = e.sector_id
LEFT JOIN registry_owner o ON o.id = e.owner_id
LEFT JOIN LATERAL (
    SELECT r.year, r.omzet FROM registry_yearlyreport r
    WHERE r.enterprise_id = e.id AND r.omzet IS NOT NULL ORDER BY r.year DESC LIMIT 1
) sales ON true
LEFT JOIN LATERAL (
    SELECT r.capital FROM registry_yearlyreport r
    WHERE r.enterprise_id = e.id AND r.capital IS NOT NULL ORDER BY r.year DESC LIMIT 1
) capital ON true"""
    if queryset.query.has_filters():
        ids_sql, ids_params = queryset.order_by().values("pk").query.sql_with_params()
        select += f"\nWHERE e.id IN ({ids_sql})"
        params.extend(ids_params)
    return f"{select}\nORDER BY e.id", params


# --- writers -------------------------------------------------------------------------------------

Progress = Callable[[int], None]


def _copy_rows(queryset: QuerySet) -> Iterator[bytes]:
    """The CSV as PostgreSQL writes it, one CopyData message (the header, then one row) at a time."""
    sql, params = export_sql(queryset, "csv")
    with connection.cursor() as cursor:
        # COPY takes no bind parameters: psycopg's client-side cursor inlines each one as a quoted literal.
        with psycopg.ClientCursor(connection.connection) as quoting:
            statement = quoting.mogrify(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)", params)
        with cursor.copy(statement) as copy:
            for row in copy:
                yield bytes(row)


def iter_csv(queryset: QuerySet, block_size: int = 64 * 1024) -> Iterator[bytes]:
    """CSV in blocks of about `block_size` bytes, for a streaming HTTP response."""
    buffer = bytearray()
    for row in _copy_rows(queryset):
        buffer += row
        if len(buffer) >= block_size:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def write_csv(queryset: QuerySet, out: BinaryIO, progress: Progress | None = None) -> int:
    """Write the CSV to `out`; returns the number of enterprises written."""
    rows = -1  # the first message is the header
    for row in _copy_rows(queryset):
        out.write(row)
        rows += 1
        if progress is not None and rows % FETCH_ROWS == 0:
            progress(rows)
    return max(rows, 0)


def _header_cells(sheet) -> list:
    bold = Font(bold=True)
    cells = []
    for name in HEADERS:
        cell = WriteOnlyCell(sheet, name)
        cell.font = bold
        cells.append(cell)
    return cells


def _new_sheet(workbook: Workbook, number: int):
    sheet = workbook.create_sheet(_("UMKM") if number == 1 else f"{_('UMKM')} {number}")
    for index, (_name, width) in enumerate(COLUMNS):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(_header_cells(sheet))
    amounts = {}
    for index in AMOUNT_COLUMNS:
        amounts[index] = WriteOnlyCell(sheet)
        amounts[index].number_format = RUPIAH_FORMAT
    return sheet, amounts


def write_xlsx(queryset: QuerySet, out: BinaryIO, progress: Progress | None = None) -> int:
    """Write the XLSX to `out` (a file opened for binary writing); returns the number of enterprises."""
    sql, params = export_sql(queryset, "xlsx")
    workbook = Workbook(write_only=True)
    sheets = 1
    sheet, amounts = _new_sheet(workbook, sheets)
    rows = in_sheet = 0
    # A named cursor lives in a transaction; the rows arrive FETCH_ROWS at a time.
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(FETCH_ROWS):
            for record in batch:
                if in_sheet == ROWS_PER_SHEET:
                    sheets += 1
                    sheet, amounts = _new_sheet(workbook, sheets)
                    in_sheet = 0
                sheet.append(_xlsx_row(sheet, record, amounts))
                in_sheet += 1
            rows += len(batch)
            if progress is not None:
                progress(rows)
    workbook.save(out)
    return rows


def _xlsx_row(sheet, record: tuple, amounts: dict) -> list:
    row = list(record)
    for index, cell in amounts.items():
        if row[index] is not None:
            # The same styled cell serves every row: openpyxl writes it out before the next row is added.
            cell.value = row[index]
            row[index] = cell
    for index in FREE_TEXT_COLUMNS:
        value = row[index]
        if value and value[0] == "=":
            # Text, never a formula (openpyxl would store "=…" as one).
            text = WriteOnlyCell(sheet, value)
            text.data_type = "s"
            row[index] = text
    return row


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}


class JobProgress:
    """Writes a job's `done` count as the export goes, at most once a second.

    On its own connection: the export's connection is busy streaming (COPY, or the named cursor's
    transaction), and the count must be committed to show on the progress page while the export runs.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = time.monotonic()
        self.connection = None

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_SECONDS:
            return
        self.last = now
        if self.connection is None:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        with self.connection.cursor() as cursor:
            cursor.execute("UPDATE registry_jobrun SET done = %s WHERE id = %s", [done, self.job_id])

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def write(queryset: QuerySet, fmt: str, out: BinaryIO, progress: Progress | None = None) -> int:
    if fmt not in WRITERS:
        raise ValidationError({"format": [_("Format ekspor “%(format)s” tidak dikenal; pilih csv atau xlsx.")
                                          % {"format": fmt}]})
    return WRITERS[fmt](queryset, out, progress)


def xlsx_bytes(queryset: QuerySet) -> bytes:
    """A small XLSX in memory (for the direct download of at most INLINE_MAX rows)."""
    out = io.BytesIO()
    write_xlsx(queryset, out)
    return out.getvalue()


# --- other apps' lists: registered datasets ----------------------------------------------------------
#
# The registry imports no other app (csr and plut import the registry), so an app that wants its list exported
# registers a Dataset from its AppConfig.ready(): how to select the rows a user may see under the list's filters
# (Model.objects.for_user first: the worker rebuilds it from the job's user), and the columns. The job and the
# download reuse the enterprise export's machinery (services.export_start/export_run, the job page and its
# download link); only the SELECT and the writing differ: a values_list() read in chunks from a server-side
# cursor, labels mapped in Python from constant dicts, never a query per row.

ENTERPRISES = "registry.enterprise"  # the enterprise list above: jobs without a "dataset" key are this one


@dataclass(frozen=True)
class Column:
    """One column of an export: its Indonesian header, the value (a field path or an ORM expression), and how it
    is written. kind: text (free text, guarded against formulas), code (text typed by no user), int, amount
    (rupiah: an integer in CSV, an Rp number in XLSX), date, datetime (shown in Asia/Jakarta), choice (the
    label of `choices`)."""

    header: str
    value: str | Any
    kind: str = "text"
    width: int = 16
    choices: tuple = ()


@dataclass(frozen=True)
class Filter:
    """A filter of the list: the admin changelist's query parameter, the ORM lookup, and the allowed values
    (`choices`, a callable for values read from the database) or an id when `choices` is None."""

    label: str
    lookup: str
    admin: str
    choices: Callable[[], Iterable[tuple[str, str]]] | None = None
    # For an id: the rows the user may pick from (e.g. Programme.objects.for_user); another one is refused.
    within: Callable[[Any], QuerySet] | None = None


@dataclass(frozen=True)
class Dataset:
    """An exportable list. `columns(user)` may leave out what the list does not show that user."""

    key: str
    model: type
    title: str
    file_prefix: str
    filters: dict[str, Filter]
    columns: Callable[[Any], list[Column]]
    # The admin search box (`q`) searches these fields as the model's admin list does (ModelAdmin search).
    searchable: bool = False
    changelist: str = ""  # admin URL name the export buttons come back to
    order_by: tuple = ("-id",)

    def queryset(self, filters: dict, user) -> QuerySet:
        """The rows the user may see (for_user) that the filters select; a wrong filter raises ValidationError
        naming it and the reason."""
        if user is None:
            raise ValidationError({"user": [_("Ekspor ini hanya untuk pengguna yang masuk.")]})
        queryset = self.model.objects.for_user(user)
        errors: dict[str, list[str]] = {}
        for name, value in filters.items():
            known = self.filters.get(name)
            if known is None:
                if name != "q":
                    errors.setdefault(name, []).append(_("Filter “%(name)s” tidak dikenal.") % {"name": name})
                continue
            allowed = None if known.choices is None else {str(key) for key, _label in known.choices()}
            if allowed is None:
                valid = str(value).isdigit() and (
                    known.within is None or known.within(user).filter(pk=int(value)).exists()
                )
            else:
                valid = str(value) in allowed
            if not valid:
                errors.setdefault(name, []).append(
                    _("%(filter)s: nilai “%(value)s” tidak dikenal.") % {"filter": known.label, "value": value}
                )
                continue
            queryset = queryset.filter(**{known.lookup: value})
        if errors:
            raise ValidationError(errors)
        search = (filters.get("q") or "").strip()
        if search and self.searchable:
            queryset = _admin_search(self.model, queryset, search)
        return queryset.order_by(*self.order_by)

    def filters_from_admin(self, query) -> dict[str, str]:
        """The dataset's filters in an admin changelist query string (a QueryDict or a dict)."""
        filters = {}
        for name, known in self.filters.items():
            value = (query.get(known.admin) or query.get(name) or "").strip()
            if value:
                filters[name] = value
        search = (query.get("q") or "").strip()
        if search and self.searchable:
            filters["q"] = search
        return filters

    def describe(self, filters: dict) -> list[tuple[str, str]]:
        described = []
        for name, value in filters.items():
            if name == "q":
                described.append((_("pencarian"), value))
            elif (known := self.filters.get(name)) is not None:
                labels = dict(known.choices()) if known.choices is not None else {}
                described.append((str(known.label), str(labels.get(value, value))))
        return described

    def filename(self, fmt: str, moment: datetime | None = None) -> str:
        moment = timezone.localtime(moment or timezone.now(), WIB)
        return f"{self.file_prefix}_{moment:%Y-%m-%d_%H%M}.{fmt}"


DATASETS: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    """Called from an AppConfig.ready(); registering the same key again replaces it (autoreload)."""
    DATASETS[dataset.key] = dataset
    return dataset


def describe_job_filters(params: dict) -> list[tuple[str, str]]:
    """(label, value) of an export job's filters, whichever list it exports (JobRun.params)."""
    filters = params.get("filters") or {}
    key = params.get("dataset") or ENTERPRISES
    if key == ENTERPRISES:
        return describe_filters(filters)
    known = DATASETS.get(key)
    return [] if known is None else [(_("daftar"), str(known.title)), *known.describe(filters)]


def get_dataset(key: str) -> Dataset:
    try:
        return DATASETS[key]
    except KeyError:
        raise ValidationError({"dataset": [_("Daftar “%(key)s” tidak dapat diekspor.") % {"key": key}]}) from None


def _admin_search(model, queryset: QuerySet, search: str) -> QuerySet:
    """What the model's admin list finds for the same search words (its own get_search_results)."""
    from django.contrib import admin

    model_admin = admin.site.get_model_admin(model)
    found, _duplicates = model_admin.get_search_results(None, queryset, search)
    return found


def _values(queryset: QuerySet, columns: list[Column]) -> QuerySet:
    """One row tuple per record, in column order."""
    names = [f"export_{index}" for index in range(len(columns))]
    return queryset.annotate(**{
        name: (F(column.value) if isinstance(column.value, str) else column.value)
        for name, column in zip(names, columns, strict=True)
    }).values_list(*names)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f]")


def _cell(column: Column, value, fmt: str, labels: dict):
    """A value as the file holds it: labels for choices, Jakarta time, text that never runs as a formula."""
    if value is None or value == "":
        return None
    if column.kind == "choice":
        return labels.get(value, value)
    if column.kind == "datetime":
        value = timezone.localtime(value, WIB)
        return value.strftime("%Y-%m-%d %H:%M") if fmt == "csv" else value.replace(tzinfo=None)
    if column.kind == "date":
        return value.isoformat() if fmt == "csv" else value
    if column.kind == "text" and isinstance(value, str):
        if fmt == "csv":
            return f"'{value}" if value.startswith(_FORMULA_START) else value
        return _CONTROL.sub("", value)
    return value


def _dataset_rows(dataset: Dataset, queryset: QuerySet, columns: list[Column], fmt: str) -> Iterator[list]:
    labels = [{key: str(label) for key, label in column.choices} for column in columns]
    # A server-side cursor, FETCH_ROWS at a time: constant memory whatever the size.
    for record in _values(queryset, columns).iterator(chunk_size=FETCH_ROWS):
        yield [_cell(column, value, fmt, labels[index]) for index, (column, value) in enumerate(zip(columns, record,
                                                                                                   strict=True))]


def dataset_headers(columns: list[Column]) -> list[str]:
    return [str(column.header) for column in columns]


def iter_dataset_csv(dataset: Dataset, queryset: QuerySet, user, progress: Progress | None = None,
                     block_size: int = 64 * 1024) -> Iterator[bytes]:
    """The CSV (UTF-8, header first) in blocks of about `block_size` bytes; `progress` gets the rows so far."""
    columns = dataset.columns(user)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(dataset_headers(columns))
    rows = 0
    for row in _dataset_rows(dataset, queryset, columns, "csv"):
        writer.writerow(row)
        rows += 1
        if buffer.tell() >= block_size:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
        if progress is not None and rows % FETCH_ROWS == 0:
            progress(rows)
    if progress is not None:
        progress(rows)
    if buffer.tell():
        yield buffer.getvalue().encode()


def write_dataset(dataset: Dataset, queryset: QuerySet, user, fmt: str, out: BinaryIO,
                  progress: Progress | None = None) -> int:
    """Write the export to `out` (a file opened for binary writing); returns the number of rows written."""
    if fmt == "csv":
        written = [0]

        def counted(rows: int) -> None:
            written[0] = rows
            if progress is not None:
                progress(rows)

        for block in iter_dataset_csv(dataset, queryset, user, counted):
            out.write(block)
        return written[0]
    if fmt != "xlsx":
        raise ValidationError({"format": [_("Format ekspor “%(format)s” tidak dikenal; pilih csv atau xlsx.")
                                          % {"format": fmt}]})
    columns = dataset.columns(user)
    workbook = Workbook(write_only=True)
    sheets, rows, in_sheet = 1, 0, 0
    sheet, styled = _new_dataset_sheet(workbook, dataset, columns, sheets)
    for row in _dataset_rows(dataset, queryset, columns, "xlsx"):
        if in_sheet == ROWS_PER_SHEET:
            sheets += 1
            sheet, styled = _new_dataset_sheet(workbook, dataset, columns, sheets)
            in_sheet = 0
        for index, cell in styled.items():
            value = row[index]
            if value is not None:
                # One styled cell per column serves every row: openpyxl writes it out before the next row.
                cell.value = value
                if columns[index].kind == "text":
                    cell.data_type = "s"  # text, never a formula
                row[index] = cell
        sheet.append(row)
        rows += 1
        in_sheet += 1
        if progress is not None and rows % FETCH_ROWS == 0:
            progress(rows)
    workbook.save(out)
    return rows


def dataset_xlsx_bytes(dataset: Dataset, queryset: QuerySet, user) -> bytes:
    """A small XLSX in memory (a direct download)."""
    out = io.BytesIO()
    write_dataset(dataset, queryset, user, "xlsx", out)
    return out.getvalue()


_FORMATS_BY_KIND = {"amount": RUPIAH_FORMAT, "date": "dd-mm-yyyy", "datetime": "dd-mm-yyyy hh:mm"}


def _new_dataset_sheet(workbook: Workbook, dataset: Dataset, columns: list[Column], number: int):
    title = str(dataset.title)[:25]
    sheet = workbook.create_sheet(title if number == 1 else f"{title} {number}")
    for index, column in enumerate(columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in dataset_headers(columns):
        cell = WriteOnlyCell(sheet, name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    styled = {}
    for index, column in enumerate(columns):
        if column.kind in _FORMATS_BY_KIND or column.kind == "text":
            styled[index] = WriteOnlyCell(sheet)
            if column.kind in _FORMATS_BY_KIND:
                styled[index].number_format = _FORMATS_BY_KIND[column.kind]
    return sheet, styled


# --- the export buttons of registered lists ----------------------------------------------------------


def may_follow_job(user) -> bool:
    """Who may open an export's job page and download its file (registry.views.may_download_export): staff who
    see runs or enterprises. Anyone else gets every export as the response itself."""
    return bool(user.is_active and user.is_staff and (
        user.has_perm("registry.view_jobrun") or user.has_perm("registry.view_enterprise")))


@never_cache
@login_required
def dataset_export(request, dataset: str, fmt: str):
    """"Ekspor CSV/XLSX" of a registered list with the list's filters (admin changelist parameters, or the
    dataset's own names): the file itself, or, for a large export by staff, a confirmation (GET) and then (POST)
    a background job whose page links the file. Rows are those of Model.objects.for_user(user)."""
    from . import services
    from .paginators import LargeTablePaginator
    from .views import number_id

    known = DATASETS.get(dataset)
    if fmt not in FORMATS or known is None:
        raise Http404
    opts = known.model._meta
    if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        raise PermissionDenied
    filters = known.filters_from_admin(request.GET)
    back = f"{reverse(known.changelist)}?{request.GET.urlencode()}" if known.changelist else ""
    try:
        rows = known.queryset(filters, request.user)
    except ValidationError as exc:
        if not (request.user.is_staff and back):
            raise Http404 from exc  # the portal: another company's programme is "not found"
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    job_allowed = may_follow_job(request.user) and bool(back)
    if job_allowed and request.method == "POST":
        job = services.export_start(filters=filters, fmt=fmt, user=request.user, dataset=dataset)
        messages.success(
            request,
            _("Ekspor %(format)s dimulai (proses #%(id)s). Tautan unduhan muncul di sini setelah selesai.")
            % {"format": fmt.upper(), "id": job.pk},
        )
        return redirect("admin:registry_jobrun_change", job.pk)
    if not job_allowed or is_small(rows):
        if fmt == "csv":
            response = StreamingHttpResponse(iter_dataset_csv(known, rows, request.user), content_type=FORMATS[fmt])
        else:
            response = HttpResponse(dataset_xlsx_bytes(known, rows, request.user), content_type=FORMATS[fmt])
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=known.filename(fmt))
        return response
    from django.contrib import admin

    context = {
        **admin.site.each_context(request),
        "opts": opts,
        "title": _("Ekspor %(format)s: %(list)s") % {"format": fmt.upper(), "list": known.title},
        "subtitle": None,
        "format": fmt.upper(),
        "count_label": LargeTablePaginator(rows.order_by("-pk"), 1).count_label,
        "inline_max": number_id(INLINE_MAX),
        "filters": known.describe(filters),
        "back": back,
    }
    return render(request, "admin/registry/export_confirm.html", context)
