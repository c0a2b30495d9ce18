"""Adding beneficiaries from a CSV/XLSX file of NIBs, with a report of what happened to every row.

Rows are checked all together first (one query for the NIBs, one for the programme's active supports),
then the valid ones are started in one transaction. A row whose enterprise already has an active support
from the programme is reported as already there, so uploading the same file again adds nothing twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from registry import identity
from registry.importing.parsers import ParseError, clean_cell, parse_amount
from registry.models import Enterprise

from . import services
from .models import PROGRAMME_KIND_CHOICES, Programme, Support, SupportStatus

MAX_ROWS = 2000
ADDED, PRESENT, REJECTED = "ditambahkan", "sudah_ada", "ditolak"
HEADERS = {
    "nib": {"nib", "no nib", "nomor nib", "nomor induk berusaha"},
    "jenis": {"jenis", "jenis dukungan", "kind"},
    "nilai": {"nilai", "nilai (rp)", "nilai rp", "jumlah", "amount"},
    "mulai": {"mulai", "tanggal mulai", "tgl mulai", "started_on"},
}


class UploadError(ValueError):
    """The whole file cannot be read (not a row problem)."""


@dataclass
class Row:
    number: int
    nib: str
    outcome: str = ""
    messages: list[str] = field(default_factory=list)
    name: str = ""


@dataclass
class Report:
    rows: list[Row]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def added(self) -> int:
        return self.count(ADDED)

    @property
    def present(self) -> int:
        return self.count(PRESENT)

    @property
    def rejected(self) -> int:
        return self.count(REJECTED)


def _records(upload, filename: str) -> list[tuple[int, list[str]]]:
    data = upload.read()
    if filename.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:
            raise UploadError(_("Berkas XLSX tidak dapat dibaca; simpan ulang dari Excel lalu unggah lagi.")) from exc
        return [(n, [_xlsx_text(v) for v in row]) for n, row in enumerate(sheet.iter_rows(values_only=True), 1)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    sample = text[:2000]
    delimiter = max((",", ";", "\t"), key=sample.count)
    return [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1)]


def _xlsx_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return clean_cell(value)


def _columns(header: list[str]) -> dict[str, int]:
    found = {}
    for index, text in enumerate(header):
        key = clean_cell(text).lower()
        for column, aliases in HEADERS.items():
            if key in aliases and column not in found:
                found[column] = index
    if "nib" not in found:
        raise UploadError(
            _("Kolom NIB tidak ditemukan pada baris pertama. Judul kolom yang dikenal: NIB, jenis, nilai, mulai.")
        )
    return found


def _kind(text: str, programme: Programme, default: str) -> str:
    if not text:
        return default
    lowered = text.lower()
    for value, label in PROGRAMME_KIND_CHOICES:
        if lowered in (value, str(label).lower()):
            if value not in programme.kinds:
                message = _("Jenis '%(v)s' tidak termasuk dalam program.") % {"v": text}
                raise ParseError("kind_not_in_programme", message)
            return value
    raise ParseError("kind_unknown", _("Jenis dukungan '%(v)s' tidak dikenal.") % {"v": text})


def _date(text: str, default: dt.date | None) -> dt.date | None:
    if not text:
        return default
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    raise ParseError("date", _("Tanggal mulai '%(v)s' tidak terbaca; tulis 2025-03-31 atau 31/03/2025.") % {"v": text})


def beneficiaries_upload(
    *, programme: Programme, upload, filename: str, kind: str, started_on: dt.date | None = None
) -> Report:
    closed = services.programme_closed_reason(programme)
    if closed:  # before reading the file: no row of it could be added
        raise UploadError(closed)
    records = _records(upload, filename)
    records = [(n, cells) for n, cells in records if any(clean_cell(c) for c in cells)]
    if not records:
        raise UploadError(_("Berkas kosong."))
    columns = _columns(records[0][1])
    body = records[1:]
    if len(body) > MAX_ROWS:
        raise UploadError(_("Berkas berisi %(n)s baris; paling banyak %(max)s baris per unggahan.") % {
            "n": len(body), "max": MAX_ROWS,
        })

    def cell(cells, column):
        index = columns.get(column)
        return clean_cell(cells[index]) if index is not None and index < len(cells) else ""

    rows, parsed, seen = [], {}, {}
    for number, cells in body:
        row = Row(number=number, nib=cell(cells, "nib"))
        rows.append(row)
        try:
            if not row.nib:
                raise ParseError("nib_missing", _("NIB kosong."))
            row.nib = identity.validate_nib(row.nib)
            values = (
                _kind(cell(cells, "jenis"), programme, kind),
                parse_amount(cell(cells, "nilai"), label=_("Nilai")),
                _date(cell(cells, "mulai"), started_on),
            )
        except ParseError as exc:
            row.outcome, row.messages = REJECTED, [exc.message]
            continue
        except Exception as exc:  # identity.validate_nib raises Django's ValidationError
            row.outcome, row.messages = REJECTED, [_("NIB: %(m)s") % {"m": " ".join(getattr(exc, "messages", []))}]
            continue
        if row.nib in seen:
            row.outcome = REJECTED
            row.messages = [_("NIB ini sudah ada di baris %(n)s berkas yang sama.") % {"n": seen[row.nib]}]
            continue
        seen[row.nib] = number
        parsed[row.number] = values

    enterprises = {e.nib: e for e in Enterprise.objects.filter(nib__in=list(seen))}
    present = set(
        Support.objects.filter(programme=programme, status=SupportStatus.ACTIVE, enterprise__nib__in=list(seen))
        .values_list("enterprise__nib", flat=True)
    )
    target = services.Target.of(programme)
    with transaction.atomic():
        for row in rows:
            if row.outcome:
                continue
            enterprise = enterprises.get(row.nib)
            if enterprise is None:
                row.outcome, row.messages = REJECTED, [_("NIB tidak ditemukan di registri UMKM.")]
                continue
            row.name = enterprise.name
            if row.nib in present:
                row.outcome = PRESENT
                row.messages = [_("Sudah menerima dukungan aktif dari program ini; tidak ditambahkan lagi.")]
                continue
            reasons = services.outside_target(target, enterprise)
            if reasons:
                row.outcome, row.messages = REJECTED, reasons
                continue
            kind_value, amount, start = parsed[row.number]
            started = services.support_start(
                programme=programme, enterprise=enterprise, kind=kind_value, amount=amount, started_on=start,
                check_target=False,
            )
            row.outcome = ADDED
            if started.overlap_since:
                row.messages = [services.overlap_message(started.overlap_since)]
    return Report(rows)
