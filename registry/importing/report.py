"""The rejection report of an import: one line per problem — row number as in the file, column, value, reason.

A province-wide file may reject many rows, so lines are spooled to a temporary file as they come and written
out at the end as CSV (comma-separated, UTF-8 with a BOM so that Excel opens it right) or XLSX (streamed with
openpyxl's write-only mode, with a second sheet holding the summary). A NIK never appears in full: values of
the NIK column are masked as everywhere else (UU 27/2022).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _

Problem = tuple[int, str, str, str]  # (row number, column, value, reason)
FORMATS = ("csv", "xlsx")


def mask_nik_text(text: str) -> str:
    """The first and last four characters of a NIK-like value, the rest hidden (`1271********0001`)."""
    if len(text) < 10:
        return text
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def report_format(path: str | Path) -> str:
    """"csv" or "xlsx" from a file name; ValueError (Indonesian) for anything else."""
    suffix = Path(str(path)).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(_("Laporan harus berakhiran .csv atau .xlsx (tertulis: %(name)s).") % {"name": path})
    return suffix


class RejectReport:
    """Problems of one import, kept on disk until written out. Add them in row order per batch."""

    def __init__(self) -> None:
        self._spool: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        self._writer = csv.writer(self._spool)
        self.lines = 0

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self._writer.writerow(problem)
            self.lines += 1

    def __iter__(self):
        self._spool.flush()
        self._spool.seek(0)
        for row, column, value, reason in csv.reader(self._spool):
            yield int(row), column, value, reason
        self._spool.seek(0, 2)

    @staticmethod
    def header() -> list[str]:
        return [_("Baris"), _("Kolom"), _("Nilai"), _("Alasan")]

    def write(self, target: str | Path | IO[bytes], *, file_format: str, summary: Sequence[tuple[str, object]] = ()):
        """Write the report to a path or a binary file object. `summary`: (label, value) lines for the XLSX
        summary sheet (a CSV holds the problems only, so that it stays a plain table)."""
        if file_format == "csv":
            self._write_csv(target)
        elif file_format == "xlsx":
            self._write_xlsx(target, summary)
        else:
            raise ValueError(file_format)

    def _write_csv(self, target) -> None:
        handle = open(target, "wb") if isinstance(target, (str, Path)) else target  # noqa: SIM115
        try:
            text = _TextSink(handle)
            writer = csv.writer(text)
            text.write("\ufeff")
            writer.writerow(self.header())
            writer.writerows(self)
        finally:
            if isinstance(target, (str, Path)):
                handle.close()

    def _write_xlsx(self, target, summary) -> None:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Ditolak"))
        sheet.column_dimensions["A"].width = 8
        sheet.column_dimensions["B"].width = 22
        sheet.column_dimensions["C"].width = 30
        sheet.column_dimensions["D"].width = 100
        sheet.append(self.header())
        for line in self:
            sheet.append(line)
        if summary:
            overview = workbook.create_sheet(_("Ringkasan"))
            overview.column_dimensions["A"].width = 40
            overview.column_dimensions["B"].width = 60
            for label, value in summary:
                overview.append([label, value])
        workbook.save(target)

    def close(self) -> None:
        self._spool.close()


class _TextSink:
    """Encodes what csv.writer writes into a binary file."""

    def __init__(self, handle: IO[bytes]):
        self._handle = handle

    def write(self, text: str) -> int:
        return self._handle.write(text.encode("utf-8"))
