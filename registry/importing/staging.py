"""One imported row → one line of the staging table (PostgreSQL COPY text), or the reasons it is refused.

This is the import's one per-row Python loop, and it only parses: every cell goes through the parsers
(registry.importing.parsers), the owner's NIK is protected as registry.identity does (keyed hash for look-up,
Fernet ciphertext, masked form) so it never reaches the database in clear, and the row becomes a line of
COPY text. Saving is set-based SQL (pipeline.py).

For a large file `parsed_chunks` runs the parsing in worker processes (each its own interpreter, so parsing
uses every core) while the caller streams the results into PostgreSQL; at most `window` chunks are in flight,
so memory stays bounded whatever the file size. Cells that repeat (regency, district, KBLI, sex, years) are
parsed once per worker and cached.
"""

from __future__ import annotations

import hashlib
import hmac
import multiprocessing
import os
import pickle
import queue
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from hashlib import md5
from itertools import islice
from typing import NamedTuple

from django.utils.translation import gettext as _

from .columns import COLUMN_LABELS
from .parsers import (
    ParseError,
    RegionIndex,
    parse_amount,
    parse_count,
    parse_email,
    parse_identifier,
    parse_kbli,
    parse_sex,
    parse_turnover,
    parse_year,
)
from .report import Problem, mask_nik_text

# The staging table's loaded columns, in COPY order (pipeline.STAGING_TABLE_SQL declares them).
STAGING_COLUMNS = (
    "row_no", "nib", "name", "owner_name", "nik_hash", "nik_encrypted", "nik_masked", "sex", "phone", "email",
    "address", "regency_id", "district_id", "sector_id", "kbli_code", "founded_year", "report_year", "omzet",
    "capital", "employees",
)
# Lengths of the registry's columns: a longer value is refused rather than cut.
MAX_LENGTHS = {"nama_usaha": 200, "nama_pemilik": 150, "alamat": 255, "email": 254}
FIRST_REPORT_YEAR = 1990  # YearlyReport.year's lower bound
MAX_EMPLOYEES = 2**31 - 1
_CACHE_LIMIT = 100_000  # parsed cells kept (amounts repeat too: figures are round)
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r\x00]")
_DISTRICT_CODE = re.compile(r"\d{2}\.\d{2}\.\d{2}")


@dataclass(frozen=True)
class ParseSettings:
    """Everything a worker process needs to parse rows, without a database connection (picklable).

    headers: canonical column → its header text in the file, for the report."""

    regencies: list[tuple[str, str]]
    districts: list[tuple[str, str, str]]
    bps_to_kemendagri: dict[str, str]
    sector_ids: dict[str, int]
    keys: tuple[bytes, bytes]
    headers: dict[str, str]
    monthly_turnover: bool = False
    units: dict[str, int] = field(default_factory=dict)
    bps: bool = False
    default_year: int | None = None
    default_regency: str | None = None
    only_regency: str | None = None  # a regency office's import: rows of other regencies are refused
    language: str = "id"
    facts: bool = False  # also return each staged row's Facts (a bulk first load decides in Python)


class Facts(NamedTuple):
    """What a bulk first load decides a staged row by, in file order (pipeline.BulkDecider): md5 digests of
    its duplicate keys — NIB (b), owner NIK + name (k), names and place when it has neither (p) — the owner's
    NIK (n, the first 16 bytes of its keyed hash), and what a refusal message shows."""

    row: int
    b: bytes | None
    k: bytes | None
    p: bytes | None
    n: bytes | None
    owner_named: bool
    nib: str | None
    name: str
    nik_masked: str | None


@dataclass
class ParsedChunk:
    """The parsed rows of one chunk: COPY text of the valid ones, problems of the others."""

    copy: bytes
    staged: int
    rows: int
    rejected: int
    problems: list[Problem]
    last_row: int
    facts: list[Facts] = field(default_factory=list)


def _text(value: str | None) -> str:
    if value is None:
        return "\\N"
    return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value


def _number(value: int | None) -> str:
    return "\\N" if value is None else str(value)


def _squeeze(text: str) -> str:
    return " ".join(text.split())


class RowNormaliser:
    """Parses rows into staging lines; one per process (it caches parsed cells)."""

    def __init__(self, settings: ParseSettings):
        from cryptography.fernet import Fernet

        self.settings = settings
        self.index = RegionIndex(settings.regencies, settings.districts, settings.bps_to_kemendagri)
        self._hmac = hmac.new(settings.keys[0], digestmod=hashlib.sha256)
        self._fernet = Fernet(settings.keys[1])
        self._regions: dict[tuple[str, str, str], tuple[str | None, str | None, tuple]] = {}
        self._districts: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self._cells: dict[tuple[str, str], tuple[object, str | None]] = {}
        # Labels as plain text once: a lazy label is translated again each time a parser tests it.
        self.labels = {name: str(label) for name, label in COLUMN_LABELS.items()}
        self._monthly = settings.monthly_turnover
        self._omzet_unit = settings.units.get("omzet_tahunan", 1)
        self._capital_unit = settings.units.get("modal_usaha", 1)

    # -- cells ---------------------------------------------------------------------------------------

    def column(self, name: str) -> str:
        """The column as the user sees it: its header in the file, else our label."""
        return self.settings.headers.get(name) or str(COLUMN_LABELS.get(name, name))

    def _cached(self, column: str, text: str, parse) -> tuple[object, str | None]:
        """(value, error message) of a cell whose values repeat, parsed once."""
        key = (column, text)
        found = self._cells.get(key)
        if found is None:
            try:
                found = (parse(text), None)
            except ParseError as exc:
                found = (None, exc.message)
            if len(self._cells) < _CACHE_LIMIT:
                self._cells[key] = found
        return found

    def _region(self, code: str, name: str, bps_code: str) -> tuple[str | None, str | None, tuple]:
        """(regency, district from a district code, problems as (column, value, message)) of a row's cells."""
        key = (code, name, bps_code)
        found = self._regions.get(key)
        if found is None:
            found = self._resolve_region(code, name, bps_code)
            if len(self._regions) < _CACHE_LIMIT:
                self._regions[key] = found
        return found

    def _resolve_region(self, code: str, name: str, bps_code: str) -> tuple[str | None, str | None, tuple]:
        index, bps = self.index, self.settings.bps
        problems = []
        found = {}
        for column, text, as_bps in (("kode_wilayah", code, bps), ("kabupaten_kota", name, bps),
                                     ("kode_bps", bps_code, True)):
            if not text:
                continue
            try:
                found[column] = index.regency(text, bps=as_bps, label=self.labels[column])
            except ParseError as exc:
                problems.append((column, text, exc.message))
        if problems:
            return None, None, tuple(problems)
        by_code, by_name, by_bps = found.get("kode_wilayah"), found.get("kabupaten_kota"), found.get("kode_bps")
        for column, code_text, code_found, as_bps in (("kode_wilayah", code, by_code, bps),
                                                      ("kode_bps", bps_code, by_bps, True)):
            if code_found and by_name and code_found != by_name:
                try:
                    index.region(code_text, name, bps=as_bps)
                except ParseError as exc:
                    return None, None, ((column, f"{code_text} / {name}", exc.message),)
        if by_code and by_bps and by_code != by_bps:
            message = _("Kode wilayah %(code)s (%(name)s) tidak sesuai dengan kode BPS %(bps)s (%(bps_name)s).") % {
                "code": code, "name": index.regencies[by_code].name,
                "bps": bps_code, "bps_name": index.regencies[by_bps].name,
            }
            return None, None, (("kode_wilayah", f"{code} / {bps_code}", message),)
        regency = by_code or by_bps or by_name or self.settings.default_regency
        if regency is None:
            column = "kode_wilayah" if "kode_wilayah" in self.settings.headers else "kabupaten_kota"
            return None, None, ((column, "", _("Kabupaten/kota wajib diisi (kode Kemendagri atau nama).")),)
        compact = re.sub(r"\s", "", code)
        district = compact if _DISTRICT_CODE.fullmatch(compact) else None
        return regency, district, ()

    def _district(self, regency: str, text: str) -> tuple[str | None, str | None]:
        key = (regency, text)
        found = self._districts.get(key)
        if found is None:
            try:
                found = (self.index.district(regency, text, label=self.labels["kecamatan"]), None)
            except ParseError as exc:
                found = (None, exc.message)
            if len(self._districts) < _CACHE_LIMIT:
                self._districts[key] = found
        return found

    def _omzet(self, text: str) -> int | None:
        return parse_turnover(text, monthly=self._monthly, unit=self._omzet_unit, label=self.labels["omzet_tahunan"])

    def _capital(self, text: str) -> int | None:
        return parse_amount(text, unit=self._capital_unit, label=self.labels["modal_usaha"])

    def _employees(self, text: str) -> int | None:
        employees = parse_count(text, label=self.labels["tenaga_kerja"])
        if employees is not None and employees > MAX_EMPLOYEES:
            raise ParseError("count_large", _("Tenaga kerja '%(value)s' terlalu besar.") % {"value": text})
        return employees

    # -- rows ----------------------------------------------------------------------------------------

    def chunk(self, rows: Iterable[tuple[int, dict[str, str]]]) -> ParsedChunk:
        lines: list[str] = []
        problems: list[Problem] = []
        facts: list[Facts] | None = [] if self.settings.facts else None
        count = rejected = last = 0
        for number, cells in rows:
            count += 1
            last = number
            line = self.row(number, cells, problems, facts)
            if line is None:
                rejected += 1
            else:
                lines.append(line)
        return ParsedChunk("".join(lines).encode(), len(lines), count, rejected, problems, last, facts or [])

    def row(self, number: int, cells: dict[str, str], problems: list[Problem], facts: list | None = None) -> str | None:
        """The staging line of a row, or None after appending its problems (and, when asked, its Facts)."""
        start = len(problems)
        get = cells.get

        def fail(column: str, value: str, message: str) -> None:
            shown = mask_nik_text(value) if column == "nik_pemilik" else value
            problems.append((number, self.column(column), shown, message))

        name = _squeeze(get("nama_usaha", ""))
        if not name:
            fail("nama_usaha", "", _("Nama usaha wajib diisi."))

        regency, district, region_problems = self._region(
            get("kode_wilayah", ""), get("kabupaten_kota", ""), get("kode_bps", "")
        )
        for column, value, message in region_problems:
            fail(column, value, message)
        only = self.settings.only_regency
        if only and regency and regency != only:
            column = next((c for c in ("kode_wilayah", "kabupaten_kota", "kode_bps") if get(c, "")), "kode_wilayah")
            fail(column, get(column, ""), _(
                "Kabupaten/kota %(regency)s di luar wilayah kerja Anda (%(own)s): petugas kabupaten/kota hanya "
                "mengimpor UMKM wilayahnya sendiri; baris ini tidak diimpor."
            ) % {"regency": self.index.regencies[regency].name, "own": self.index.regencies[only].name})
        text = get("kecamatan", "")
        if text and regency:
            district, message = self._district(regency, text)
            if message:
                fail("kecamatan", text, message)

        nib = nik = phone = email = None
        if text := get("nib", ""):
            try:
                nib = parse_identifier(text, "nib", label=self.labels["nib"])
            except ParseError as exc:
                fail("nib", text, exc.message)
        if text := get("nik_pemilik", ""):
            try:
                nik = parse_identifier(text, "nik", label=self.labels["nik_pemilik"])
            except ParseError as exc:
                fail("nik_pemilik", text, exc.message)
        if text := get("telepon", ""):
            try:
                phone = parse_identifier(text, "phone", label=self.labels["telepon"])
            except ParseError as exc:
                fail("telepon", text, exc.message)
        if text := get("email", ""):
            try:
                email = parse_email(text, label=self.labels["email"])
            except ParseError as exc:
                fail("email", text, exc.message)

        owner_name = _squeeze(get("nama_pemilik", "")) or None
        address = _squeeze(get("alamat", "")) or None
        for column, value in (("nama_usaha", name), ("nama_pemilik", owner_name), ("alamat", address),
                              ("email", email)):
            if value and len(value) > MAX_LENGTHS[column]:
                fail(column, value, _("%(label)s terlalu panjang: %(n)s karakter, paling banyak %(max)s.") % {
                    "label": COLUMN_LABELS[column], "n": len(value), "max": MAX_LENGTHS[column]})

        sex = sector_id = kbli_code = founded = year = None
        if text := get("jenis_kelamin", ""):
            sex, message = self._cached("jenis_kelamin", text, parse_sex)
            if message:
                fail("jenis_kelamin", text, message)
        if text := get("kbli", ""):
            kbli, message = self._cached("kbli", text, parse_kbli)
            if message:
                fail("kbli", text, message)
            elif kbli:
                sector_id = self.settings.sector_ids.get(kbli[0])
                kbli_code = kbli[1] or None
                if sector_id is None:
                    fail("kbli", text, _("KBLI '%(value)s': golongan pokok %(division)s belum ada di data rujukan.")
                         % {"value": text, "division": kbli[0]})
        if text := get("tahun_berdiri", ""):
            founded, message = self._cached("tahun_berdiri", text, _parse_founded)
            if message:
                fail("tahun_berdiri", text, message)
        if text := get("tahun_laporan", ""):
            year, message = self._cached("tahun_laporan", text, _parse_report_year)
            if message:
                fail("tahun_laporan", text, message)

        omzet = capital = employees = None
        if text := get("omzet_tahunan", ""):
            omzet, message = self._cached("omzet_tahunan", text, self._omzet)
            if message:
                fail("omzet_tahunan", text, message)
        if text := get("modal_usaha", ""):
            capital, message = self._cached("modal_usaha", text, self._capital)
            if message:
                fail("modal_usaha", text, message)
        if text := get("tenaga_kerja", ""):
            employees, message = self._cached("tenaga_kerja", text, self._employees)
            if message:
                fail("tenaga_kerja", text, message)
        if year is None and len(problems) == start:
            year = self.settings.default_year
            if year is None and (omzet is not None or capital is not None or employees is not None):
                fail("tahun_laporan", get("tahun_laporan", ""), _(
                    "Tahun laporan wajib diisi bila omzet, modal usaha atau tenaga kerja diisi (atau pilih tahun "
                    "laporan untuk seluruh berkas)."))

        if len(problems) > start:
            return None
        nik_hash = nik_encrypted = nik_masked = None
        if nik:
            digest = self._hmac.copy()
            digest.update(nik.encode())
            nik_hash = digest.hexdigest()
            nik_encrypted = self._fernet.encrypt(nik.encode()).decode()
            nik_masked = f"{nik[:4]}{'*' * 8}{nik[12:]}"
        if facts is not None:
            # The same keys as sql.DUPLICATES (lower() of a squeezed name is the staging table's name_key).
            name_key, owner_key = name.lower(), (owner_name or "").lower()
            place = f"p{regency}|{district or ''}|{name_key}|{owner_key}"
            facts.append(Facts(
                number,
                md5(f"b{nib}".encode()).digest() if nib else None,
                md5(f"k{nik_hash}|{name_key}".encode()).digest() if nik_hash else None,
                None if nib or nik_hash else md5(place.encode()).digest(),
                bytes.fromhex(nik_hash[:32]) if nik_hash else None,
                owner_name is not None, nib, name, nik_masked,
            ))
        # Only free text can hold COPY's special characters; the other values are digits, codes or base64.
        return "\t".join((
            str(number), nib or "\\N", _text(name), _text(owner_name), nik_hash or "\\N", nik_encrypted or "\\N",
            nik_masked or "\\N", sex or "\\N", phone or "\\N", _text(email), _text(address), regency,
            district or "\\N", _number(sector_id), kbli_code or "\\N", _number(founded), _number(year),
            _number(omzet), _number(capital), _number(employees),
        )) + "\n"


def _parse_founded(text: str) -> int | None:
    return parse_year(text, label=COLUMN_LABELS["tahun_berdiri"])


def _parse_report_year(text: str) -> int | None:
    year = parse_year(text, label=COLUMN_LABELS["tahun_laporan"])
    if year is not None and year < FIRST_REPORT_YEAR:
        raise ParseError("year_range", _("%(label)s '%(value)s': laporan tahunan dicatat mulai tahun %(min)s.") % {
            "label": COLUMN_LABELS["tahun_laporan"], "value": text, "min": FIRST_REPORT_YEAR})
    return year


# --- worker processes -------------------------------------------------------------------------------------

_worker: RowNormaliser | None = None


def _start_worker(settings: ParseSettings) -> None:
    """Pool initializer: a spawned interpreter sets up Django (settings and translations only, no database)."""
    global _worker
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sumut_umkm.settings")
    import django
    from django.utils import translation

    django.setup()
    translation.activate(settings.language)
    _worker = RowNormaliser(settings)


def _parse_in_worker(payload: bytes) -> ParsedChunk:
    return _worker.chunk(pickle.loads(payload))


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def can_use_processes() -> bool:
    """A daemonic process (a Celery prefork child) may not start processes of its own."""
    return not multiprocessing.current_process().daemon


_END = object()


def parsed_chunks(
    rows: Iterable[tuple[int, dict[str, str]]], settings: ParseSettings, *, workers: int, chunk_size: int,
    window: int,
) -> Iterator[ParsedChunk]:
    """Parsed chunks in file order. workers ≤ 1 parses here, as the caller asks for them.

    Otherwise a pool of spawned processes parses, and a thread of this process reads the file and hands it
    out, so that reading and parsing go on while the caller waits for the database (psycopg lets go of the
    GIL meanwhile). At most `window` chunks are read and not yet taken by the caller; they wait pickled
    (about 300 bytes a row rather than a dict's 1.5 kB)."""
    if workers <= 1:
        normaliser = RowNormaliser(settings)
        for chunk in _chunks(rows, chunk_size):
            yield normaliser.chunk(chunk)
        return
    # spawn: a fresh interpreter, no inherited database connection or threads.
    context = multiprocessing.get_context("spawn")
    with context.Pool(workers, initializer=_start_worker, initargs=(settings,)) as pool:
        handed: queue.Queue = queue.Queue(maxsize=window)
        stop = threading.Event()

        def hand(item) -> bool:
            while not stop.is_set():
                try:
                    handed.put(item, timeout=0.2)
                    return True
                except queue.Full:
                    continue
            return False

        def read() -> None:
            try:
                for chunk in _chunks(rows, chunk_size):
                    payload = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
                    if not hand(pool.apply_async(_parse_in_worker, (payload,))):
                        return
                hand(_END)
            except BaseException as exc:  # noqa: BLE001 - a file error (ParseError) goes to the caller
                hand(exc)

        reader = threading.Thread(target=read, name="import-reader", daemon=True)
        reader.start()
        try:
            while (item := handed.get()) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item.get()
        finally:
            stop.set()
            reader.join()
