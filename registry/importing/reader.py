"""Stream the rows of an uploaded CSV or XLSX file as text, keyed by our canonical column names.

    with iter_rows(path_or_file, filename="umkm_medan.xlsx") as rows:
        rows.header            # HeaderInfo: column mapping, unrecognised headers, monthly/BPS flags
        for number, row in rows:   # number as the user sees it in the file; row: {"nik_pemilik": "…", …}
            ...

When no header is found, `preview_rows(file, filename=…)` gives the first rows as text so that staff can
pick the header row (`iter_rows(…, header_row=4)`) and map its columns (`mapping={"Nama": "nama_usaha"}`).

Memory stays constant: a CSV is decoded line by line and only the first rows are held while the header
is looked for; an XLSX is read with openpyxl's read-only mode (which keeps the workbook's shared-string
table in memory — for a province-wide file CSV is the lighter format).

What the reader takes care of, so that the parsers see plain text:
- CSV: a BOM, UTF-8 with a cp1252/latin-1 fallback per line (files saved by Excel on Windows), UTF-16
  ("Unicode Text"), the separator (`,` `;` tab `|`) chosen by where a header is found;
- blank lines, surrounding spaces and the `'` that forces text in Excel;
- the header row: up to 11 rows above it are skipped (titles such as "DATA UMKM KOTA MEDAN 2024"); it is
  the first row naming at least 3 of our columns. A second header row that completes the first ("JENIS" /
  "KELAMIN", "Omzet" / "(Rp/bulan)") is joined to it, and a row of column numbers (1, 2, 3, …) under the
  header is skipped;
- XLSX cells (first sheet unless one is named) are turned into text without Excel's float damage: an
  integral number is written without `.0` (2019.0 → "2019"), a date as `2019-05-12`, a fraction in an
  amount column with a decimal comma (3431815.03 → "3431815,03", as the Indonesian amount parser reads
  it). A number in a NIK or NIB column is written in scientific notation with Excel's 15 significant
  digits (1271011505900001 → "1.27101150590000E+15"): Excel keeps only 15 digits of a number, so the
  parser must refuse it rather than accept a NIK whose last digit may have become 0.

Rows are yielded only when one of our columns has a value; a row number is the 1-based line of the
sheet (for a CSV, the record number, which is what a spreadsheet program shows).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _

from .columns import AMOUNT_COLUMNS, IDENTIFIER_COLUMNS, HeaderInfo, match_header, match_headers
from .parsers import ParseError, clean_cell

HEADER_SEARCH_ROWS = 12  # the header may be on any of the first 12 rows (up to 11 title rows above it)
MIN_HEADER_COLUMNS = 3
_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_LINES = 40
_CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_XLSX_SUFFIXES = (".xlsx", ".xlsm")

Source = str | os.PathLike | IO[bytes]
RawRow = tuple[int, Sequence[object]]


class RowStream:
    """The rows of one file. `header` is known as soon as the stream is made; iterate once for the rows."""

    def __init__(self, header: HeaderInfo, rows: Iterator[RawRow], *, file_format: str, closers: Iterable = ()):
        self.header = header
        self.file_format = file_format  # "csv" or "xlsx"
        self._rows = rows
        self._closers = list(closers)

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        columns = self.header.columns
        for number, cells in self._rows:
            row = {name: _cell_text(cells[i] if i < len(cells) else None, name) for i, name in columns.items()}
            if any(row.values()):
                yield number, row
        self.close()

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()

    def __enter__(self) -> RowStream:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def iter_rows(
    source: Source,
    *,
    filename: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
) -> RowStream:
    """Open a CSV or XLSX file (a path or a binary file object such as an upload) and find its header.

    filename decides the format by its extension (.csv/.txt/.tsv or .xlsx/.xlsm); it defaults to the path's
    or the file object's name. mapping is a staff mapping (header text → canonical column, "" to leave a
    column out) for headers the aliases do not know. sheet names an XLSX sheet (default: the first).
    header_row, when staff chose it (see `preview_rows`), is the header's row number; otherwise the header
    is searched for. Raises ParseError (Indonesian message) for a file that cannot be read or has no
    recognisable header.
    """
    opened = _open(source, filename, sheet, mapping, header_row)
    head = list(islice(opened.rows, max(HEADER_SEARCH_ROWS, header_row or 0) + 3))
    found = _find_header(head, mapping, header_row)
    if found is None:
        opened.close()
        raise _no_header(opened.name)
    info, used = found
    return RowStream(info, chain(head[used:], opened.rows), file_format=opened.file_format, closers=[opened.close])


def preview_rows(
    source: Source, *, filename: str | None = None, sheet: str | None = None, limit: int = HEADER_SEARCH_ROWS + 3
) -> list[tuple[int, list[str]]]:
    """The first non-blank rows of a file as text (row number, cells), for staff to pick the header row and
    map its columns when `iter_rows` finds no header. A CSV's separator is guessed from its shape."""
    opened = _open(source, filename, sheet, None, None)
    try:
        rows = ((number, _texts(cells)) for number, cells in opened.rows)
        return list(islice(((n, cells) for n, cells in rows if any(cells)), limit))
    finally:
        opened.close()


@dataclasses.dataclass
class _Opened:
    rows: Iterator[RawRow]
    file_format: str
    name: str
    closers: list

    def close(self) -> None:
        while self.closers:
            self.closers.pop()()


def _open(source: Source, filename: str | None, sheet: str | None, mapping, header_row: int | None) -> _Opened:
    name = filename or (os.fspath(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "name", ""))
    suffix = Path(str(name or "")).suffix.lower()
    if suffix in _XLSX_SUFFIXES:
        return _open_xlsx(source, sheet)
    if suffix in _CSV_SUFFIXES:
        return _open_csv(source, mapping, header_row)
    if suffix == ".xls":
        raise ParseError("file_xls", _("Berkas .xls (Excel 97–2003) tidak didukung; simpan ulang sebagai .xlsx atau "
                                       ".csv."))
    raise ParseError("file_type", _("Jenis berkas '%(name)s' tidak didukung; unggah .csv atau .xlsx.") % {"name": name})


# --- header detection -------------------------------------------------------------------------------


def _texts(cells: Sequence[object]) -> list[str]:
    return [_cell_text(c, None) for c in cells]


def _continues(first: list[str], second: list[str], mapping) -> bool:
    """Whether `second` completes the header row `first` (merged or wrapped cells: "JENIS" / "KELAMIN").

    It must be sparser than the header and hold no numbers; no cell may turn a recognised header into an
    unknown one (a data value under "Tahun" would), and at least one must make a header recognised, more
    precise ("TAHUN" / "BERDIRI") or add its unit ("Omzet" / "(Rp/bulan)")."""
    filled = [(i, text) for i, text in enumerate(second) if text]
    if not filled or len(filled) > sum(1 for t in first if t) or any(_is_number(t) for _, t in filled):
        return False
    gained = False
    for i, text in filled:
        above = first[i] if i < len(first) else ""
        alone, joined = match_header(above, mapping), match_header(f"{above} {text}".strip(), mapping)
        if alone.column is not None and joined.column is None:
            return False
        gained = gained or (joined.column is not None and joined != alone)
    return gained


def _is_number(text: str) -> bool:
    return text.strip("()").replace(".", "").replace(",", "").isdigit()


def _is_column_numbers(cells: list[str]) -> bool:
    """A row of column numbers under the header: 1, 2, 3, … (or (1), (2), …)."""
    numbers = [t.strip("()") for t in cells if t]
    return len(numbers) >= MIN_HEADER_COLUMNS and numbers == [str(n) for n in range(1, len(numbers) + 1)]


def _find_header(rows: list[RawRow], mapping, header_row: int | None = None) -> tuple[HeaderInfo, int] | None:
    """(header, how many of `rows` it and the rows under it used) or None. A header row chosen by staff
    is taken as it is; otherwise the first row naming at least MIN_HEADER_COLUMNS of our columns."""
    texts = [_texts(cells) for _, cells in rows]
    for i in range(len(rows) if header_row else min(len(rows), HEADER_SEARCH_ROWS)):
        first = texts[i]
        if header_row and rows[i][0] != header_row:
            continue
        if not header_row and sum(1 for t in first if t) < 2:
            continue
        used = 1
        headers = first
        if i + 1 < len(rows) and _continues(first, texts[i + 1], mapping):
            second = texts[i + 1]
            width = max(len(first), len(second))
            headers = [
                " ".join(p for p in (first[j] if j < len(first) else "", second[j] if j < len(second) else "") if p)
                for j in range(width)
            ]
            used = 2
        info = match_headers(headers, mapping)
        if info.recognised < MIN_HEADER_COLUMNS and not header_row:
            continue
        header_rows = tuple(number for number, _ in rows[i:i + used])
        following = [t for t in texts[i + used:] if any(t)]
        if following and _is_column_numbers(following[0]):
            used = texts.index(following[0], i + used) + 1 - i
        info = dataclasses.replace(info, header_rows=header_rows)
        return info, i + used
    return None


def _no_header(name: str = "") -> ParseError:
    return ParseError(
        "no_header",
        _("Baris judul kolom tidak ditemukan di %(n)s baris pertama%(where)s: harus ada satu baris yang memuat "
          "sedikitnya %(min)s nama kolom yang dikenal (mis. NIB, Nama Usaha, NIK, Kabupaten/Kota, Omzet).")
        % {"n": HEADER_SEARCH_ROWS, "min": MIN_HEADER_COLUMNS, "where": f" ({name})" if name else ""},
    )


# --- cells ------------------------------------------------------------------------------------------


def _cell_text(value: object, column: str | None) -> str:
    """Text of a cell: CSV cells are cleaned; XLSX values are rendered as described in the module docstring."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_cell(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if column in IDENTIFIER_COLUMNS:
            return f"{value:.14E}"
        if isinstance(value, int) or value.is_integer():
            return str(int(value))
        if column in AMOUNT_COLUMNS:
            return repr(value).replace(".", ",")
        return repr(value)
    return clean_cell(value)


# --- CSV --------------------------------------------------------------------------------------------


def _binary(source: Source) -> tuple[IO[bytes], list]:
    if isinstance(source, (str, os.PathLike)):
        handle = open(source, "rb")  # noqa: SIM115 — closed by the RowStream
        return handle, [handle.close]
    return source, []


def _decoded_lines(handle: IO[bytes]) -> Iterator[str]:
    """Lines of text. UTF-8 (with or without BOM) line by line, falling back to cp1252 and latin-1 for a
    line that is not UTF-8; UTF-16 when the file starts with its BOM."""
    start = handle.read(4)
    if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        yield from io.TextIOWrapper(io.BufferedReader(_Prefixed(start, handle)), encoding="utf-16", newline="")
        return
    if start.startswith(codecs.BOM_UTF8):
        start = start[3:]
    for line in _byte_lines(start, handle):
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            try:
                yield line.decode("cp1252")
            except UnicodeDecodeError:
                yield line.decode("latin-1")


def _byte_lines(start: bytes, handle: IO[bytes]) -> Iterator[bytes]:
    pending = start
    while True:
        chunk = handle.read(1 << 16)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line + b"\n"
    if pending:
        yield pending


class _Prefixed(io.RawIOBase):
    """A binary stream that first returns the bytes already read, then the rest of the file."""

    def __init__(self, start: bytes, handle: IO[bytes]):
        self._start, self._handle = start, handle

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._start or self._handle.read(len(buffer))
        self._start = self._start[len(buffer):] if self._start else b""
        data = data[: len(buffer)]
        buffer[: len(data)] = data
        return len(data)


def _csv_records(lines: Iterable[str], delimiter: str) -> Iterator[RawRow]:
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):  # noqa: B007 — number is reported on error
            yield number, record
    except csv.Error as exc:
        raise ParseError("csv_invalid", _("Berkas CSV rusak setelah baris %(n)s: %(error)s.")
                         % {"n": number, "error": exc}) from exc


def _open_csv(source: Source, mapping, header_row: int | None) -> _Opened:
    handle, closers = _binary(source)
    try:
        lines = _decoded_lines(handle)
        sample = list(islice(lines, max(_SAMPLE_LINES, (header_row or 0) + 5)))
        delimiter = _delimiter(sample, mapping, header_row)
    except Exception:
        for close in closers:
            close()
        raise
    return _Opened(_csv_records(chain(sample, lines), delimiter), "csv", "", closers)


def _delimiter(sample: list[str], mapping, header_row: int | None) -> str:
    """The separator under which a header is found (the one naming most columns), else the one that
    splits the first lines into the most cells (a file whose header staff will choose or map)."""
    best: tuple[int, str] | None = None
    for delimiter in _DELIMITERS:
        records = list(islice(_csv_records(sample, delimiter), max(HEADER_SEARCH_ROWS, header_row or 0) + 3))
        found = None if header_row else _find_header(records, mapping)
        if found and (best is None or found[0].recognised > best[0]):
            best = (found[0].recognised, delimiter)
    if best:
        return best[1]

    def typical_width(delimiter: str) -> int:
        widths = sorted(len(r) for _, r in _csv_records(sample, delimiter) if any(c.strip() for c in r))
        return widths[len(widths) // 2] if widths else 0

    return max(_DELIMITERS, key=typical_width)  # max() keeps the first of equals: "," before ";"


# --- XLSX -------------------------------------------------------------------------------------------


def _open_xlsx(source: Source, sheet: str | None) -> _Opened:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # a zip, XML or openpyxl error: the file is not a readable workbook
        raise ParseError("xlsx_invalid", _("Berkas XLSX tidak bisa dibaca (%(error)s); simpan ulang dari Excel atau "
                                           "unggah sebagai CSV.") % {"error": exc.__class__.__name__}) from exc
    closers = [workbook.close]
    if sheet is None:
        worksheet = workbook.worksheets[0]
    elif sheet in workbook.sheetnames:
        worksheet = workbook[sheet]
    else:
        workbook.close()
        raise ParseError("xlsx_sheet", _("Lembar '%(sheet)s' tidak ada; lembar dalam berkas: %(sheets)s.")
                         % {"sheet": sheet, "sheets": ", ".join(workbook.sheetnames)})
    # Some programs write a wrong <dimension>; without it openpyxl reads the sheet to its real end.
    worksheet.reset_dimensions()
    return _Opened(enumerate(worksheet.iter_rows(values_only=True), start=1), "xlsx", worksheet.title, closers)
