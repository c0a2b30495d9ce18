"""Importing enterprises at provincial scale: a file streamed into a staging table, then set-based upserts.

    result = run_import("umkm_deli_serdang.xlsx", options=ImportOptions(dry_run=True), progress=show)

1. The file is streamed (reader.iter_rows, constant memory) and each row parsed by staging.RowNormaliser —
   in worker processes for a large file, while this process loads what they return.
2. Valid rows are COPYed into a TEMP staging table. Every `batch_size` rows (50,000) one transaction matches
   and upserts them with a handful of set-based statements and commits: a failure leaves no half batch,
   the batches before it stay, and rerunning the file is idempotent (the rows already in come out
   "unchanged"), so a rerun finishes an interrupted import.
3. Matching, in this order: by NIB; else by the owner's NIK (keyed hash) with the enterprise name compared
   case- and space-insensitively; a row with neither NIB nor NIK matches an enterprise that has neither,
   in the same regency and district, with the same name and owner name (otherwise every rerun would add
   it again). Refused, never silently applied: a row repeating an NIB, an owner+name, names and place, or
   an enterprise of an earlier row of the file (rejected naming that row), an NIB whose enterprise belongs
   to an owner with another NIK, an owner+name match whose enterprise has another NIB, a NIK that belongs to
   another owner, a NIK no one knows yet without an owner name.
4. Added / updated / unchanged are decided in SQL: an update only writes rows whose values are DISTINCT
   FROM what is stored, so an unchanged row writes nothing (and leaves no audit event). A blank cell keeps
   the stored value. An owner's details come from the first row of the file that names the owner.
5. Audit: updates run with the pghistory triggers on, inside a pghistory context naming the import.
6. A large first load (≥ 10,000 rows into an EMPTY registry) is loaded as seed_demo loads: in ONE transaction,
   with the registry's secondary indexes and unique constraints dropped and rebuilt at the end (one sorted
   build instead of a million random index inserts) and the audit and FK triggers skipped (values come from
   the reference tables; the result says so: `audit_skipped`). With nothing to match, its rows are decided
   in Python as they stream (BulkDecider: the same duplicate and owner rules), so each batch is three plain
   INSERTs that run while the next batch is parsed. A failure leaves the registry empty; rerun the file.
7. Possible duplicates (same owner NIK, same district, names with pg_trgm similarity ≥ 0.6) among the
   enterprises a batch touched are recorded in PossibleDuplicate for staff, never merged.

A dry run runs everything inside one outer transaction and rolls it back: same counts and report.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pghistory
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registry import identity
from registry.models import ColumnMapping, Enterprise, Owner, Sector, staff_regency

from . import sql
from .columns import COLUMN_LABELS, HeaderInfo, normalise_header
from .parsers import ParseError, region_index
from .reader import Source, iter_rows, preview_rows
from .report import Problem, RejectReport
from .staging import STAGING_COLUMNS, Facts, ParsedChunk, ParseSettings, can_use_processes, parsed_chunks

BATCH_SIZE = 50_000
# A report line about the row's regency, shown under whichever regency column the file has.
REGION_FIELD = "wilayah"
CHUNK_SIZE = 2_500
# Parse in worker processes from this many rows (estimated) on; below it starting them costs more than it saves.
PROCESS_FROM_ROWS = 20_000
# A first load into an empty registry of at least this many rows is a bulk load (module docstring, item 6).
FIRST_LOAD_FROM_ROWS = 10_000
# Enterprises a run remembers by id for the graduation recompute; past this it remembers their regencies.
TOUCHED_IDS_MAX = 20_000
DUPLICATE_SIMILARITY = 0.6

# The tables whose secondary indexes and unique constraints a bulk load drops and rebuilds.
BULK_TABLES = ("registry_owner", "registry_enterprise", "registry_yearlyreport")


@dataclass(frozen=True)
class ImportOptions:
    """How to read and apply a file.

    bps: undotted regency codes are BPS codes (a `kode_bps` column says so by itself).
    mapping: staff mapping of header texts to our columns (see columns.match_headers); with `regency` and no
    mapping, the regency's remembered mapping for this header is used. remember_mapping saves `mapping` for
    the regency. regency also fills rows that give no regency. year: report year of rows that give none.
    workers: parsing processes (None: all cores for a large file). bulk_first_load: a large first load into an
    empty registry runs as one transaction with the secondary indexes rebuilt at the end and the audit
    triggers off (see the module docstring).
    """

    dry_run: bool = False
    bps: bool = False
    sheet: str | None = None
    header_row: int | None = None
    mapping: dict[str, str | None] | None = None
    remember_mapping: bool = False
    regency: str | None = None
    year: int | None = None
    batch_size: int = BATCH_SIZE
    chunk_size: int = CHUNK_SIZE
    workers: int | None = None
    bulk_first_load: bool = True

    def as_params(self) -> dict:
        """A JSON-able form for JobRun.params."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class ImportResult:
    rows: int = 0  # data rows read
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0  # rows
    problems: int = 0  # report lines (a row may have several)
    batches: int = 0
    duplicates: int = 0  # possible duplicates newly recorded
    estimated_rows: int = 0
    dry_run: bool = False
    first_load: bool = False  # the registry was empty
    bulk: bool = False  # … and the file large: one transaction, indexes rebuilt at the end
    audit_skipped: bool = False
    unrecognised: list[str] = field(default_factory=list)
    touched_ids: list[int] | None = field(default_factory=list)  # None: too many, see touched_regencies
    touched_regencies: set[str] = field(default_factory=set)
    seconds: float = 0.0
    saving: bool = False  # a bulk first load is finishing: indexes rebuilt, possible duplicates listed
    last_row: int = 0  # the file's last row number read
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step: parsing (waited for), copy, SQL

    def summary(self) -> dict:
        """The counts for JobRun.summary and the report's summary sheet."""
        return {
            "rows": self.rows, "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "rejected": self.rejected, "problems": self.problems, "duplicates": self.duplicates,
            "batches": self.batches, "dry_run": self.dry_run, "first_load": self.first_load, "bulk": self.bulk,
            "audit_skipped": self.audit_skipped, "unrecognised": self.unrecognised,
            "seconds": round(self.seconds, 1),
        }

    def summary_lines(self) -> list[tuple[str, object]]:
        lines = [
            (_("Baris data dibaca"), self.rows),
            (_("Ditambahkan"), self.added),
            (_("Diperbarui"), self.updated),
            (_("Tidak berubah"), self.unchanged),
            (_("Ditolak (baris)"), self.rejected),
            (_("Masalah tercatat"), self.problems),
            (_("Kemungkinan duplikat baru"), self.duplicates),
        ]
        if self.dry_run:
            lines.append((_("Uji coba"), _("Ya — tidak ada yang disimpan")))
        if self.bulk:
            lines.append((_("Muatan awal"), _("Registri kosong: satu transaksi, indeks dibangun ulang di akhir")))
        if self.audit_skipped:
            lines.append((_("Riwayat audit"), _("Tidak dicatat: muatan awal ke registri kosong")))
        if self.unrecognised:
            lines.append((_("Kolom tidak dikenali (diabaikan)"), ", ".join(self.unrecognised)))
        return lines


class ImportAborted(Exception):
    """The import stopped; the batches committed before stay. `result` counts what was done."""

    def __init__(self, message: str, result: ImportResult):
        super().__init__(message)
        self.message = message
        self.result = result


Progress = Callable[[ImportResult], None]


# --- remembered column mappings ---------------------------------------------------------------------------


def header_signature(headers: list[str]) -> str:
    """The same for a header whatever its order, case and spacing."""
    texts = sorted({normalise_header(h) for h in headers if normalise_header(h)})
    return hashlib.sha256("\x1f".join(texts).encode()).hexdigest()


def remembered_mapping(source: Source, *, filename: str | None, regency: str | None, sheet: str | None = None):
    """The mapping staff saved for this regency and a header found among the file's first rows, or None."""
    candidates = {header_signature(cells): cells for _, cells in preview_rows(source, filename=filename, sheet=sheet)}
    if hasattr(source, "seek"):
        source.seek(0)
    found = (
        ColumnMapping.objects.filter(regency_id=regency or None, signature__in=list(candidates))
        .order_by("-updated_at").values_list("mapping", flat=True).first()
    )
    return found


def mapping_remember(*, regency: str | None, headers: list[str], mapping: dict, user=None) -> ColumnMapping:
    """Save (or replace) the mapping of this header for the regency's next files."""
    mapping = {normalise_header(k): (v or "") for k, v in mapping.items()}
    remembered, _created = ColumnMapping.objects.update_or_create(
        regency_id=regency or None, signature=header_signature(headers),
        defaults={"headers": [h for h in headers if h], "mapping": mapping, "updated_by": user},
    )
    return remembered


# --- the file ---------------------------------------------------------------------------------------------


def _check_header(header: HeaderInfo, options: ImportOptions) -> None:
    present = set(header.columns.values())
    missing = []
    if "nama_usaha" not in present:
        missing.append(str(COLUMN_LABELS["nama_usaha"]))
    if not present & {"kode_wilayah", "kabupaten_kota", "kode_bps"} and not options.regency:
        missing.append(_("Kabupaten/kota (kode atau nama)"))
    if missing:
        raise ParseError("columns_missing", _(
            "Kolom wajib tidak ditemukan: %(columns)s. Kolom yang dikenali: %(found)s. Petakan judul kolom berkas "
            "ke kolom impor, atau pilih kabupaten/kota untuk seluruh berkas."
        ) % {"columns": ", ".join(missing), "found": ", ".join(sorted(present)) or "-"})


def estimate_rows(source: Source, filename: str | None, sheet: str | None = None) -> int:
    """Data rows in a file, estimated without reading it all: a CSV from its size and its first 256 kB, an
    XLSX from the sheet dimension it declares. 0 when unknown."""
    path = isinstance(source, (str, os.PathLike))
    name = str(filename or (os.fspath(source) if path else getattr(source, "name", "")))
    if Path(name).suffix.lower() in (".xlsx", ".xlsm"):
        try:
            from openpyxl import load_workbook

            workbook = load_workbook(source, read_only=True)
            worksheet = workbook[sheet] if sheet in workbook.sheetnames else workbook.worksheets[0]
            rows = worksheet.max_row or 0
            workbook.close()
            return max(rows - 1, 0)
        except Exception:  # the reader reports an unreadable workbook properly
            return 0
        finally:
            if hasattr(source, "seek"):
                source.seek(0)
    if path:
        size = os.path.getsize(source)
        with open(source, "rb") as handle:
            sample = handle.read(1 << 18)
    else:
        position = source.tell()
        sample = source.read(1 << 18)
        source.seek(0, 2)
        size = source.tell()
        source.seek(position)
    lines = sample.count(b"\n")
    if not lines:
        return 1 if sample.strip() else 0
    return max(int(size * lines / len(sample)) - 1, 0)


def _parse_settings(header: HeaderInfo, options: ImportOptions, only_regency: str | None = None) -> ParseSettings:
    index = region_index()
    headers = {column: header.headers[i] for i, column in header.columns.items() if i < len(header.headers)}
    sector_ids = dict(Sector.objects.filter(version="2020", level="division").values_list("code", "id"))
    return ParseSettings(
        regencies=[(code, regency.name) for code, regency in index.regencies.items()],
        districts=[(code, name, parent) for code, (name, parent) in index.districts.items()],
        bps_to_kemendagri=dict(index.bps),
        sector_ids=sector_ids,
        keys=identity.nik_keys(),
        headers=headers,
        monthly_turnover=header.monthly_turnover,
        units=dict(header.units),
        bps=options.bps,
        default_year=options.year,
        default_regency=options.regency,
        only_regency=only_regency,
        language=translation.get_language() or "id",
    )


# --- one batch -------------------------------------------------------------------------------------------


@dataclass
class BatchOutcome:
    added: int
    updated: int
    unchanged: int
    rejected: int
    problems: list[Problem]
    touched: list[tuple[int | None, str]]  # (enterprise id, regency) added or changed; id None: regencies only
    duplicates: int


class StagingBatch:
    """The temporary tables of one run on this connection, and the statements that apply one batch.

    first_load: the registry was empty when the run started, so nothing can match (a row repeating an earlier
    one is caught as a duplicate in the file) and the matching statements are skipped. bulk: a large first
    load in one transaction, whose indexes are rebuilt at the end (possible duplicates are looked for then)."""

    def __init__(self, *, columns: Callable[[str], str], first_load: bool, bulk: bool, job_run_id: int | None,
                 only_regency: str | None = None):
        self.column = columns
        self.only_regency = only_regency
        self.first_load = first_load
        self.bulk = bulk
        self.job_run_id = job_run_id
        self.started = timezone.now()
        self.timings: dict[str, float] = {}
        self.staged = 0
        self.batches = 0

    def create(self) -> None:
        with connection.cursor() as cursor:
            try:  # more room for the seen keys before they spill to disk; refused once the session used temp tables
                with transaction.atomic():
                    cursor.execute("SET temp_buffers = '256MB'")
            except DatabaseError:
                pass
            cursor.execute(f"DROP TABLE IF EXISTS {sql.ALL_TABLES}")
            for statement in sql.TABLES_SQL:
                cursor.execute(statement)
            # Ids are drawn in SQL (nextval) so that rows can reference each other before they are inserted.
            cursor.execute("SELECT pg_get_serial_sequence('registry_owner', 'id'), "
                           "pg_get_serial_sequence('registry_enterprise', 'id')")
            owner_seq, enterprise_seq = cursor.fetchone()
            self.sequences = {"owner_seq": owner_seq, "enterprise_seq": enterprise_seq}
            if self.bulk:
                cursor.execute(sql.BULK_TABLE)
                # Ids are base + row number; finish_bulk moves the sequences past the last one. The tables are
                # locked for the load, so no one else inserts meanwhile.
                cursor.execute("SELECT nextval(%s::regclass) - 1, nextval(%s::regclass) - 1",
                               [owner_seq, enterprise_seq])
                owner_base, enterprise_base = cursor.fetchone()
                self.sequences.update(owner_base=owner_base, enterprise_base=enterprise_base)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {sql.ALL_TABLES}")

    def copy(self, data: bytes) -> None:
        if not data:
            return
        with self._timed("copy"), connection.cursor() as cursor:
            with cursor.copy(f"COPY import_staging ({', '.join(STAGING_COLUMNS)}) FROM STDIN") as copy:
                copy.write(data)

    def _params(self) -> dict:
        return {"now": timezone.now(), "started": self.started, "job": self.job_run_id,
                "similarity": DUPLICATE_SIMILARITY, "only_regency": self.only_regency, **self.sequences}

    def apply(self, *, ids_wanted: int) -> BatchOutcome:
        """Match and upsert the staged rows; the caller holds the batch's transaction. ids_wanted: return the
        touched enterprises' ids when there are at most this many (else only their regencies)."""
        params = self._params()
        steps: list[tuple[str, str]] = [("duplicates in file", sql.DUPLICATES)]
        if not self.first_load:
            steps += [("match", sql.MATCH), ("conflicts", sql.CONFLICTS), ("conflicts", sql.SAME_ENTERPRISE),
                      ("owners: of matched", sql.MATCHED_OWNERS)]
        steps += [("owners: by NIK", sql.OWNERS_BY_NIK), ("owners: name missing", sql.OWNER_NAME_MISSING),
                  ("owners: new ids", sql.NEW_OWNER_IDS), ("owners: new", sql.NEW_OWNERS)]
        if not self.first_load:
            steps.append(("owners: changed", sql.CHANGED_OWNERS))
        steps.append(("new enterprises", sql.NEW_ENTERPRISES))
        if not self.first_load:
            steps.append(("changed enterprises", sql.CHANGED_ENTERPRISES))
        steps.append(("yearly reports", sql.NEW_YEARLY_REPORTS if self.first_load else sql.YEARLY_REPORTS))
        steps.append(("possible duplicates", sql.POSSIBLE_DUPLICATES))
        self.batches += 1
        with connection.cursor() as cursor:
            # One import at a time: two would race on the same owners and NIBs.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('registry.import'))")
            cursor.execute("SET LOCAL work_mem = '64MB'")  # the batch's sorts and hashes stay in memory
            # A batch reaches tens of thousands of registry rows by index; with the default cost of a random read
            # the planner would rather scan the whole registry (1.2 million rows) for every batch.
            cursor.execute("SET LOCAL random_page_cost = 1.1")
            with self._timed("analyze"):
                self._analyze(cursor)
            duplicates = 0
            for name, statement in steps:
                with self._timed(name):
                    cursor.execute(statement, params)
                    if statement is sql.POSSIBLE_DUPLICATES:
                        duplicates = cursor.rowcount
            with self._timed("outcome"):
                cursor.execute(sql.COUNTS)
                added, updated, unchanged, rejected = cursor.fetchone()
                if added + updated <= ids_wanted:
                    cursor.execute(sql.TOUCHED)
                else:
                    cursor.execute(f"SELECT DISTINCT NULL::bigint, t.regency_id FROM ({sql.TOUCHED}) t")
                touched = cursor.fetchall()
                cursor.execute(sql.REJECTS)
                problems = [self._problem(*row) for row in cursor.fetchall()]
                cursor.execute(f"TRUNCATE {sql.BATCH_TABLES}")
        self.staged = 0
        return BatchOutcome(added, updated, unchanged, rejected, problems, touched, duplicates)

    def _analyze(self, cursor) -> None:
        """Statistics: the staging table's once (every batch looks alike; the planner scales them by its current
        size). In a first load the registry grows from nothing: refresh the owners' NIK statistics whenever they
        have doubled (batches 1, 2, 4, 8, …), so that the planner keeps using the NIK index."""
        if self.batches == 1:
            cursor.execute("ANALYZE import_staging")
        if self.first_load and self.batches & (self.batches - 1) == 0:
            cursor.execute("ANALYZE registry_owner (nik_hash), import_seen")

    @contextmanager
    def _timed(self, name: str):
        """Where a run's time goes, per step (ImportResult.timings)."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.monotonic() - started

    # -- bulk first load ---------------------------------------------------------------------------------

    def drop_indexes(self) -> list[str]:
        """Drop the registry's secondary indexes and unique constraints (inside the load's transaction); returns
        the statements that rebuild them."""
        rebuild = []
        with self._timed("indexes"), connection.cursor() as cursor:
            cursor.execute(sql.UNIQUE_CONSTRAINTS, [list(BULK_TABLES)])
            for table, name, definition in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute(sql.SECONDARY_INDEXES, [list(BULK_TABLES)])
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {name}")
                rebuild.append(definition)
        return rebuild

    def apply_bulk(self, decided: str) -> tuple[int, set[str]]:
        """Insert a bulk batch: the owners, enterprises and yearly figures of the rows BulkDecider kept
        (`decided`: COPY text of row number and owner row). Returns (rows added, their regencies)."""
        params = self._params()
        with connection.cursor() as cursor:
            with self._timed("copy"), cursor.copy("COPY import_bulk (row_no, owner_row) FROM STDIN") as copy:
                copy.write(decided)
            for name, statement in (("owners: new", sql.BULK_OWNERS), ("new enterprises", sql.BULK_ENTERPRISES),
                                    ("yearly reports", sql.BULK_REPORTS)):
                with self._timed(name):
                    cursor.execute(statement, params)
                    if statement is sql.BULK_ENTERPRISES:
                        added = cursor.rowcount
            with self._timed("outcome"):
                cursor.execute(sql.BULK_REGENCIES)
                regencies = {regency for _none, regency in cursor.fetchall()}
                cursor.execute("TRUNCATE import_staging, import_bulk")
        self.staged = 0
        self.batches += 1
        return added, regencies

    def finish_bulk(self, rebuild: list[str], last_row: int) -> int:
        """Move the id sequences past the rows loaded, rebuild the indexes, list possible duplicates across the
        whole load, refresh statistics."""
        with connection.cursor() as cursor:
            for sequence, base in (("owner_seq", "owner_base"), ("enterprise_seq", "enterprise_base")):
                cursor.execute("SELECT setval(%s::regclass, %s)", [self.sequences[sequence],
                                                                  self.sequences[base] + max(last_row, 1)])
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            with self._timed("indexes"):
                for statement in rebuild:
                    cursor.execute(statement)
            with self._timed("possible duplicates"):
                cursor.execute(sql.ALL_POSSIBLE_DUPLICATES, self._params())
                duplicates = cursor.rowcount
            with self._timed("analyze"):
                cursor.execute(f"ANALYZE {', '.join(BULK_TABLES)}")
            # Triggers back on for whatever else this transaction does (a test's, or a caller's outer one).
            cursor.execute("SET LOCAL session_replication_role = origin")
        return duplicates

    def _problem(self, row, reason, first_row, nib, name, nik_masked, other_name, other_nib, other_nik,
                 other_owner) -> Problem:
        return problem(self.column, reason, row=row, first_row=first_row, nib=nib, name=name, nik_masked=nik_masked,
                       other_name=other_name, other_nib=other_nib, other_nik=other_nik, other_owner=other_owner)


def problem(column: Callable[[str], str], reason: str, *, row: int, first_row: int | None = None,
            nib: str | None = None, name: str | None = None, nik_masked: str | None = None,
            other_name: str | None = None, other_nib: str | None = None, other_nik: str | None = None,
            other_owner: str | None = None) -> Problem:
    """A refusal decided after parsing (sql.py, BulkDecider) as a report line, its reason in Indonesian."""
    values = {"row": first_row, "nib": nib, "name": other_name, "nik": nik_masked, "other": other_nik,
              "existing": other_nib, "owner": other_owner}
    field, value, message = {
        "dup_b": ("nib", nib, _("NIB %(nib)s sudah ada di baris %(row)s berkas ini; baris ini tidak diimpor.")),
        "dup_k": ("nama_usaha", name, _(
            "Usaha dengan nama ini dan NIK pemilik %(nik)s sudah ada di baris %(row)s berkas ini; baris ini "
            "tidak diimpor.")),
        "dup_p": ("nama_usaha", name, _(
            "Usaha dengan nama, nama pemilik dan wilayah yang sama (tanpa NIB dan NIK) sudah ada di baris "
            "%(row)s berkas ini; baris ini tidak diimpor.")),
        "dup_e": ("nama_usaha", name, _(
            "Baris ini mengacu ke UMKM yang sama dengan baris %(row)s berkas ini; baris ini tidak diimpor.")),
        "nib_owner": ("nik_pemilik", nik_masked, _(
            "NIB %(nib)s sudah terdaftar untuk '%(name)s' dengan pemilik ber-NIK lain (%(other)s); pemilik UMKM "
            "tidak diganti lewat impor — periksa NIB dan NIK, atau ubah pemiliknya di registri.")),
        "nib_differs": ("nib", nib, _(
            "'%(name)s' milik pemilik ini sudah terdaftar dengan NIB %(existing)s, berbeda dengan NIB %(nib)s "
            "di baris ini; NIB tidak diganti lewat impor.")),
        "nik_taken": ("nik_pemilik", nik_masked, _(
            "NIK %(nik)s sudah terdaftar atas pemilik lain ('%(owner)s'), sedangkan UMKM ini tercatat atas "
            "pemilik tanpa NIK; periksa datanya di registri.")),
        "owner_name_missing": ("nama_pemilik", "", _(
            "Nama pemilik wajib diisi: pemilik dengan NIK %(nik)s belum terdaftar.")),
        "outside_regency": (REGION_FIELD, "", _(
            "UMKM yang cocok dengan baris ini (lewat NIB, atau NIK pemilik dan nama usaha) terdaftar di "
            "kabupaten/kota lain; petugas kabupaten/kota hanya mengubah UMKM wilayahnya sendiri.")),
    }[reason]
    return row, column(field), value or "", message % values


# --- the run ----------------------------------------------------------------------------------------------


def _workers(options: ImportOptions, estimated: int) -> int:
    if options.workers is not None:
        return options.workers if can_use_processes() else 1
    if estimated < PROCESS_FROM_ROWS or not can_use_processes():
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def _triggers_skipped() -> bool:
    """Skip the audit (and FK) triggers for the rest of this transaction, as seed_demo does; False without the
    privilege (not a superuser), when the triggers stay on, which is only slower."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def _registry_empty() -> bool:
    return not Enterprise.objects.exists() and not Owner.objects.exists()


def run_import(
    source: Source | IO[bytes],
    *,
    filename: str | None = None,
    options: ImportOptions = ImportOptions(),
    progress: Progress | None = None,
    report: RejectReport | None = None,
    job_run_id: int | None = None,
    user=None,
) -> ImportResult:
    """Import a CSV/XLSX file of enterprises; see the module docstring. Problems go to `report`.

    Raises ParseError for a file that cannot be read at all (no header, required columns missing) and
    ImportAborted when it stops half-way (the batches before stay, `exc.result` counts them)."""
    started = time.monotonic()
    report = report if report is not None else RejectReport()
    # A regency office's staff import their own regency only (rows elsewhere are refused, row by row); rows
    # that name no regency are theirs.
    only_regency = staff_regency(user) if user is not None else None
    if only_regency:
        if options.regency and options.regency != only_regency:
            raise ParseError("regency_outside", _(
                "Kabupaten/kota %(code)s di luar wilayah kerja Anda (%(own)s).") % {
                "code": options.regency, "own": only_regency})
        options = dataclasses.replace(options, regency=only_regency)
    mapping = options.mapping
    if mapping is None and options.regency:
        mapping = remembered_mapping(source, filename=filename, regency=options.regency, sheet=options.sheet)
    estimated = estimate_rows(source, filename, options.sheet)
    with iter_rows(source, filename=filename, mapping=mapping, sheet=options.sheet,
                   header_row=options.header_row) as rows:
        header = rows.header
        _check_header(header, options)
        if options.remember_mapping and options.mapping and not options.dry_run:
            mapping_remember(regency=options.regency, headers=header.headers, mapping=options.mapping, user=user)
        settings = _parse_settings(header, options, only_regency)
        result = ImportResult(estimated_rows=estimated, dry_run=options.dry_run, unrecognised=list(header.unrecognised))
        result.first_load = _registry_empty()
        result.bulk = result.first_load and options.bulk_first_load and estimated >= FIRST_LOAD_FROM_ROWS
        settings = dataclasses.replace(settings, facts=result.bulk)
        headers = settings.headers

        def column(name: str) -> str:
            if name == REGION_FIELD:  # whichever regency column the file has
                name = next((c for c in ("kode_wilayah", "kabupaten_kota", "kode_bps") if c in headers), "kode_wilayah")
            return headers.get(name) or str(COLUMN_LABELS.get(name, name))

        workers = _workers(options, estimated)
        chunks = parsed_chunks(rows, settings, workers=workers, chunk_size=options.chunk_size,
                               window=max(2, 3 * options.batch_size // 2 // options.chunk_size + 2 * workers))
        stage = StagingBatch(columns=column, first_load=result.first_load, bulk=result.bulk, job_run_id=job_run_id,
                             only_regency=only_regency)
        audit = pghistory.context(import_job=job_run_id, import_file=filename or str(source), user=getattr(
            user, "pk", None))
        # A dry run, and a bulk first load, are one transaction; otherwise each batch commits on its own.
        outer = transaction.atomic() if options.dry_run or result.bulk else nullcontext()
        try:
            with outer, audit:
                rebuild = _start_bulk(stage, result) if result.bulk else []
                stage.create()
                try:
                    _run_batches(chunks, stage, result, report, options, progress)
                    if result.bulk:
                        result.saving = True
                        if progress:
                            progress(result)
                        result.duplicates += stage.finish_bulk(rebuild, result.last_row)
                        result.saving = False
                finally:
                    chunks.close()
                    stage.drop()
                if options.dry_run:
                    transaction.set_rollback(True)
        except (DatabaseError, ParseError, OSError, RuntimeError) as exc:
            result.seconds = time.monotonic() - started
            message = exc.message if isinstance(exc, ParseError) else f"{exc.__class__.__name__}: {exc}"
            if result.bulk or options.dry_run:
                saved = _("tidak ada yang tersimpan (%(rows)s baris dibaca)") % {"rows": result.rows}
            else:
                saved = _("%(batches)s bagian tersimpan (%(rows)s baris dibaca)") % {
                    "batches": result.batches, "rows": result.rows}
            raise ImportAborted(_("Impor berhenti, %(saved)s: %(error)s") % {"saved": saved, "error": message},
                                result) from exc
    result.seconds = time.monotonic() - started
    return result


def _start_bulk(stage: StagingBatch, result: ImportResult) -> list[str]:
    """Lock the registry's tables for the load (it was empty; readers wait a minute rather than see half a load),
    check it is still empty, skip the audit triggers where allowed and drop the secondary indexes."""
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(BULK_TABLES)} IN ACCESS EXCLUSIVE MODE")
    if not _registry_empty():
        raise RuntimeError(_("registri terisi oleh proses lain saat impor dimulai; jalankan ulang impor."))
    # A dry run skips them too (nothing it writes stays), but has no audit to leave out.
    result.audit_skipped = _triggers_skipped() and not result.dry_run
    return stage.drop_indexes()


def _run_batches(
    chunks: Iterator[ParsedChunk], stage: StagingBatch, result: ImportResult, report: RejectReport,
    options: ImportOptions, progress: Progress | None,
) -> None:
    """Stage the parsed chunks and apply them batch by batch (a bulk first load decides its rows in Python as they
    come, see BulkDecider, and inserts them with three plain statements a batch)."""
    result.timings = stage.timings
    decider = BulkDecider(stage.column) if result.bulk else None
    with stage._timed("reading and parsing (waited for)"):
        pending = next(chunks, None)
    while pending is not None:
        problems: list[Problem] = []
        decided: list[str] = []
        rejected = 0
        with transaction.atomic():
            while pending is not None and stage.staged < options.batch_size:
                stage.copy(pending.copy)
                stage.staged += pending.staged
                result.rows += pending.rows
                result.last_row = max(result.last_row, pending.last_row)
                rejected += pending.rejected
                problems.extend(pending.problems)
                if decider is not None:
                    with stage._timed("decisions (bulk)"):
                        lines, refused = decider.decide(pending.facts)
                    decided.append(lines)
                    problems.extend(refused)
                    rejected += len(refused)
                with stage._timed("reading and parsing (waited for)"):
                    pending = next(chunks, None)
            if decider is not None:
                added, regencies = stage.apply_bulk("".join(decided))
                outcome = BatchOutcome(added, 0, 0, 0, [], [(None, regency) for regency in regencies], 0)
            else:
                wanted = TOUCHED_IDS_MAX - len(result.touched_ids) if result.touched_ids is not None else -1
                outcome = stage.apply(ids_wanted=wanted)
        result.batches += 1
        result.added += outcome.added
        result.updated += outcome.updated
        result.unchanged += outcome.unchanged
        result.rejected += rejected + outcome.rejected
        result.duplicates += outcome.duplicates
        problems.extend(outcome.problems)
        problems.sort(key=lambda problem: problem[0])
        report.extend(problems)
        result.problems += len(problems)
        _remember_touched(result, outcome.touched)
        if progress:
            progress(result)


NULL = "\\N"  # in COPY text


class BulkDecider:
    """The per-row decisions of a bulk first load, made here in file order with the rules of the batch SQL
    (sql.DUPLICATES, OWNER_NAME_MISSING, NEW_OWNER_IDS) — the registry is empty, so nothing else decides:

    - a row repeating a key (NIB; owner NIK + name; names and place without both) of an earlier row is refused,
      naming the earliest; every row's keys are kept;
    - an owner is made by the first row giving its NIK with an owner name, and later rows with that NIK are
      its enterprises; a NIK no earlier row named is refused without an owner name; a row without a NIK
      makes its own owner when it names one.

    Memory: one dict entry (~100 bytes) per key and per owner NIK: about 250 MB for the province's 1.2 million
    rows, instead of the random index inserts of a keys table in PostgreSQL."""

    def __init__(self, column: Callable[[str], str]):
        self.column = column
        self.seen: dict[bytes, int] = {}
        self.owners: dict[bytes, int] = {}

    def decide(self, facts: list[Facts]) -> tuple[str, list[Problem]]:
        """(COPY text of the rows kept: row number, owner row; problems of the rows refused)."""
        lines: list[str] = []
        problems: list[Problem] = []
        seen, owners = self.seen, self.owners
        for fact in facts:
            row = fact.row
            first = kind = None
            for key_kind, key in (("b", fact.b), ("k", fact.k), ("p", fact.p)):
                if key is None:
                    continue
                earlier = seen.setdefault(key, row)
                if earlier != row and (first is None or earlier < first):
                    first, kind = earlier, key_kind
            if first is not None:
                problems.append(self._problem(fact, f"dup_{kind}", first))
                continue
            if fact.n is not None:
                owner_row = owners.get(fact.n)
                if owner_row is None:
                    if not fact.owner_named:
                        problems.append(self._problem(fact, "owner_name_missing", None))
                        continue
                    owner_row = owners[fact.n] = row
            else:
                owner_row = row if fact.owner_named else None
            lines.append(f"{row}\t{NULL if owner_row is None else owner_row}\n")
        return "".join(lines), problems

    def _problem(self, fact: Facts, reason: str, first_row: int | None) -> Problem:
        return problem(self.column, reason, row=fact.row, first_row=first_row, nib=fact.nib, name=fact.name,
                       nik_masked=fact.nik_masked)


def _remember_touched(result: ImportResult, touched: list[tuple[int | None, str]]) -> None:
    """Ids while they are few (a batch beyond the limit returns regencies only, its ids as None)."""
    result.touched_regencies.update(regency for _, regency in touched)
    if result.touched_ids is not None:
        if any(pk is None for pk, _ in touched):
            result.touched_ids = None
        else:
            result.touched_ids.extend(pk for pk, _ in touched)


