"""CSV and XLSX of the roadmap's tables, built from the same query results the pages show.

The tables are small (33 regencies × 10 kinds; the overlap list is at most a few thousand enterprises),
so they are written in memory. As in registry/exports.py: CSV for other programs (plain integers, UTF-8
without BOM, a leading = + - @ in text people typed gets a ' so a spreadsheet does not run it), XLSX for
people (bold frozen header, text never stored as a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .queries import Matrix, MatrixRow, OverlapRow

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Table:
    """Rows under named headers, and the notes (filters, time counted) that travel with them."""

    def __init__(self, name: str, headers: list[str], rows: Iterable[list], notes: list[tuple[str, str]]):
        self.name, self.headers, self.rows, self.notes = name, headers, list(rows), notes


def _percent(value: float | None):
    return "" if value is None else value


# --- the three tables ------------------------------------------------------------------------------

MATRIX_HEADERS = [
    "kode_kabupaten", "kabupaten", "jenis_dukungan", "umkm_aktif", "umkm_mikro", "didukung", "didukung_csr",
    "didukung_plut", "didukung_pemda", "naik_kelas", "cakupan_persen", "perusahaan_csr",
]


def matrix_table(matrix: Matrix, notes: list[tuple[str, str]]) -> Table:
    """One row per regency × kind shown and one per regency for all kinds; the province last."""
    all_kinds = _("Semua jenis")
    rows = []
    for row in matrix.rows if matrix.regional else [*matrix.rows, matrix.province]:
        name = row.name or _("Provinsi Sumatera Utara")
        for (_kind, label), cell in [*zip(matrix.kinds, row.cells, strict=True), ((None, all_kinds), row.total)]:
            coverage = round(100 * cell.supported / row.enterprises, 2) if row.enterprises else None
            rows.append([
                row.code, name, label, row.enterprises, row.micro, cell.supported, cell.csr, cell.plut, cell.pemda,
                cell.graduated, _percent(coverage), "; ".join(cell.companies),
            ])
    return Table(_("Peta jalan"), MATRIX_HEADERS, rows, notes)


OVERLAP_HEADERS = [
    "id_umkm", "nama_usaha", "kode_kabupaten", "kabupaten", "sumber", "jenis_dukungan", "pemberi_dukungan",
    "program_layanan", "mulai", "selesai",
]


def overlap_table(overlaps: list[OverlapRow], notes: list[tuple[str, str]]) -> Table:
    rows = [
        [row.enterprise_id, row.name, row.regency_code, row.regency, s["source_label"], s["kind_label"],
         s["provider"], s["title"], s["started_on"], s["ended_on"] or ""]
        for row in overlaps for s in row.supports
    ]
    return Table(_("Tumpang tindih"), OVERLAP_HEADERS, rows, notes)


GAP_HEADERS = [
    "kode_kabupaten", "kabupaten", "umkm_mikro", "mikro_didukung", "cakupan_mikro_persen", "didukung_semua_kelas",
    "perusahaan_csr", "tanpa_dukungan",
]


def gap_table(rows: list[MatrixRow], notes: list[tuple[str, str]]) -> Table:
    return Table(_("Kesenjangan"), GAP_HEADERS, [
        [row.code, row.name, row.micro, row.total.micro_supported, _percent(row.micro_coverage),
         row.total.supported, len(row.total.companies), _("Ya") if row.total.supported == 0 else _("Tidak")]
        for row in rows
    ], notes)


# --- writers -----------------------------------------------------------------------------------------


def _csv_safe(value):
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_safe(value) for value in row])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(table: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table.name[:31])
    for index, header in enumerate(table.headers):
        sheet.column_dimensions[get_column_letter(index + 1)].width = max(12, len(header) + 2)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def text(value: str, font=None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # text, never a formula (openpyxl would store "=…" as one)
        if font is not None:
            cell.font = font
        return cell

    sheet.append([text(header, bold) for header in table.headers])
    for row in table.rows:
        sheet.append([text(value) if isinstance(value, str) and value else value for value in row])
    notes = workbook.create_sheet(_("Keterangan"))
    for label, value in table.notes:
        notes.append([text(label, bold), text(value)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


WRITERS = {"csv": csv_bytes, "xlsx": xlsx_bytes}


def filename(stem: str, fmt: str, moment: datetime | None = None) -> str:
    """peta_jalan_2026-11-23_1405.xlsx, in Asia/Jakarta time."""
    moment = timezone.localtime(moment or timezone.now())
    return f"{stem}_{moment:%Y-%m-%d_%H%M}.{fmt}"
