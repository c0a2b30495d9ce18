"""`python manage.py seed_demo --enterprises N --seed S [--if-empty | --reset]`

Loads deterministic synthetic MSMEs (registry.demo_data) in one transaction, streamed with COPY.
Fast path, all inside that transaction so a failure leaves the registry as it was:
- secondary indexes and unique constraints of the four tables are dropped and rebuilt after the load
  (one sorted build is much cheaper than a million random index inserts);
- `session_replication_role = replica` skips the pghistory audit triggers and the FK triggers
  (demo data is not an audited change, and its references are right by construction); without the
  privilege for that, the audit triggers are disabled per table and FKs are checked as each COPY ends;
- for large N the rows are generated in a helper process while this process streams the previous chunk
  to PostgreSQL, so generation and the server's COPY work run on two cores at the same time.
"""

from __future__ import annotations

import time

import pghistory.models
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from registry import demo_data, graduation
from registry.models import Enterprise, Owner, Permit, Region, RegionLevel, Sector, SizeClass, YearlyReport

TABLES = {
    "owner": (Owner._meta.db_table, demo_data.OWNER_COLUMNS),
    "enterprise": (Enterprise._meta.db_table, demo_data.ENTERPRISE_COLUMNS),
    "yearlyreport": (YearlyReport._meta.db_table, demo_data.REPORT_COLUMNS),
    "permit": (Permit._meta.db_table, demo_data.PERMIT_COLUMNS),
}
LABELS = {"owner": "pemilik", "enterprise": "UMKM", "yearlyreport": "laporan tahunan", "permit": "izin/sertifikat"}


def _number(value: float, decimals: int = 0) -> str:
    """Indonesian style: 1.166.918 and 12,5."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


class Command(BaseCommand):
    help = (
        "Isi registri dengan UMKM sintetis yang realistis dan deterministik (sama --seed, sama data): "
        "33 kabupaten/kota, nama Indonesia, laporan tahunan beberapa tahun."
    )

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=20_000, help="Jumlah UMKM (bawaan 20.000).")
        parser.add_argument("--seed", type=int, default=2026, help="Benih acak; sama benih, sama data.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--if-empty", action="store_true", help="Lewati tanpa galat bila registri sudah berisi UMKM.")
        mode.add_argument(
            "--reset", action="store_true",
            help="Kosongkan dulu tabel registri (UMKM, pemilik, laporan, izin, dan riwayatnya) beserta data yang "
            "mengacu ke sana.",
        )
        parser.add_argument("--chunk-size", type=int, default=20_000, help="UMKM per kiriman COPY.")
        parser.add_argument(
            "--generator", choices=["auto", "process", "inline"], default="auto",
            help="Buat baris di proses pembantu (process) atau di proses ini (inline); auto: proses pembantu "
            "mulai 50.000 UMKM.",
        )

    def handle(self, *args, enterprises, seed, if_empty, reset, chunk_size, generator, **options):
        if enterprises < 1:
            raise CommandError("--enterprises harus bilangan bulat positif.")
        if chunk_size < 1:
            raise CommandError("--chunk-size harus bilangan bulat positif.")
        self.verbosity = options.get("verbosity", 1)
        self.started = time.monotonic()
        try:
            with transaction.atomic():
                self._lock()
                if reset:
                    self._truncate()
                elif Enterprise.objects.exists():
                    if if_empty:
                        self.stdout.write("Registri sudah berisi UMKM; data demo tidak dimuat (--if-empty).")
                        return
                    raise CommandError(
                        "Registri sudah berisi UMKM. seed_demo hanya mengisi registri kosong: pakai --reset untuk "
                        "mengosongkan tabel registri lebih dulu, atau --if-empty untuk melewati."
                    )
                in_subprocess = generator == "process" or (generator == "auto" and enterprises >= 50_000)
                counts = self._seed(enterprises, seed, chunk_size, in_subprocess)
        except DatabaseError as exc:
            raise CommandError(f"Data demo gagal dimuat; registri tidak berubah. Penyebab: {exc}") from exc
        elapsed = time.monotonic() - self.started
        self._summary(counts, elapsed)

    # -- steps ---------------------------------------------------------------------------------------------

    def _say(self, message: str) -> None:
        if self.verbosity:
            self.stdout.write(f"[{_number(time.monotonic() - self.started, 1):>6} dtk] {message}")

    def _lock(self) -> None:
        names = ", ".join(table for table, _ in TABLES.values())
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")

    def _truncate(self) -> None:
        tables = [table for table, _ in TABLES.values()]
        for model in apps.get_app_config("registry").get_models():
            if issubclass(model, pghistory.models.Event) and model.pgh_tracked_model in (
                Enterprise, Owner, YearlyReport, Permit
            ):
                tables.append(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                """SELECT DISTINCT c.conrelid::regclass::text FROM pg_constraint c
                   WHERE c.contype = 'f' AND c.confrelid = ANY(%s::regclass[]) AND NOT c.conrelid = ANY(%s::regclass[])
                   ORDER BY 1""",
                [tables, tables],
            )
            others = [row[0] for row in cursor.fetchall()]
            # TRUNCATE refuses while deferred FK checks of earlier writes in this transaction are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        self._say("Registri dikosongkan (--reset)" + (f"; ikut dikosongkan: {', '.join(others)}" if others else ""))

    def _reference(self) -> demo_data.Reference:
        districts: dict[str, list[tuple[str, str]]] = {}
        for code, name, parent in Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code").values_list(
            "code", "name", "parent_id"
        ):
            districts.setdefault(parent, []).append((code, name))
        sector_ids = dict(
            Sector.objects.filter(version="2020", code__in=demo_data.SECTORS).values_list("code", "id")
        )
        missing_regencies = [code for code in demo_data.REGENCY_WEIGHTS if not districts.get(code)]
        missing_sectors = sorted(set(demo_data.SECTORS) - set(sector_ids))
        if missing_regencies or missing_sectors:
            raise CommandError(
                f"Data rujukan belum lengkap (kecamatan untuk {', '.join(missing_regencies) or '-'}; KBLI 2020 "
                f"{', '.join(missing_sectors) or '-'}). Jalankan `python manage.py load_reference` lebih dulu."
            )
        return demo_data.Reference(districts=districts, sector_ids=sector_ids)

    def _fast_settings(self, cursor) -> bool:
        """Session settings for a bulk load; returns whether triggers are skipped by replication role."""
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
            return True
        except DatabaseError:
            for table, _ in TABLES.values():
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            # Check foreign keys as each COPY ends: CREATE INDEX refuses while deferred checks are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            return False

    def _drop_indexes(self, cursor) -> dict[str, list[str]]:
        """Drop secondary indexes and unique constraints; return the statements that rebuild them, per table."""
        rebuild: dict[str, list[str]] = {}
        for key, (table, _) in TABLES.items():
            statements = rebuild.setdefault(key, [])
            cursor.execute(
                """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
                   WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                   ORDER BY 1""",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {name}")
                statements.append(definition)
            # Unique constraints that no foreign key relies on.
            cursor.execute(
                """SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
                   WHERE c.conrelid = %s::regclass AND c.contype = 'u'
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)
                   ORDER BY 1""",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                statements.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        return rebuild

    def _rebuild(self, cursor, statements: list[str]) -> None:
        for statement in statements:
            cursor.execute(statement)

    def _seed(self, total: int, seed: int, chunk_size: int, in_subprocess: bool) -> dict[str, int]:
        reference = self._reference()
        with connection.cursor() as cursor:
            replica = self._fast_settings(cursor)
            rebuild = self._drop_indexes(cursor)
            id_base = {}
            for key, (table, _) in TABLES.items():
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
                id_base[key] = cursor.fetchone()[0]
        self._say(
            f"Memuat {_number(total)} UMKM (benih {seed}); indeks dilepas sementara, "
            + ("pemicu audit dan FK dilewati" if replica else "pemicu audit dinonaktifkan, FK diperiksa per COPY")
        )
        payloads = demo_data.stream_payloads(
            total=total, chunk_size=chunk_size, in_subprocess=in_subprocess, seed=seed, reference=reference,
            now=timezone.now().isoformat(), id_base=id_base, keys=demo_data.nik_keys(),
        )
        counts = dict.fromkeys(TABLES, 0)
        next_report = 100_000
        try:
            with connection.cursor() as cursor:
                for payload in payloads:
                    for key, (rows, text) in payload.items():
                        if rows:
                            table, columns = TABLES[key]
                            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                                copy.write(text)
                            counts[key] += rows
                    if counts["enterprise"] >= next_report or counts["enterprise"] == total:
                        self._say(
                            f"{_number(counts['enterprise'])} / {_number(total)} UMKM dimuat "
                            f"({_number(100 * counts['enterprise'] / total)} %), "
                            f"{_number(counts['yearlyreport'])} laporan tahunan"
                        )
                        next_report = (counts["enterprise"] // 100_000 + 1) * 100_000
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            payloads.close()
        self._say("Semua baris terkirim; membangun ulang indeks laporan, pemilik dan izin")
        with connection.cursor() as cursor:
            for key in ("yearlyreport", "owner", "permit"):
                self._rebuild(cursor, rebuild[key])
            self._say("Menghitung kelas, tingkat dan status naik kelas (registry.graduation, satu pernyataan SQL)")
            result = graduation.recompute_all()
            self._say(f"{_number(result.changed)} UMKM diklasifikasi; membangun ulang indeks UMKM")
            self._rebuild(cursor, rebuild["enterprise"])
            for key, (table, _) in TABLES.items():
                last = id_base[key] + counts[key] - 1
                if counts[key]:
                    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last])
            if replica:
                cursor.execute("SET LOCAL session_replication_role = origin")
            else:
                for table, _ in TABLES.values():
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            self._say("ANALYZE")
            cursor.execute(f"ANALYZE {', '.join(table for table, _ in TABLES.values())}")
        return counts

    def _summary(self, counts: dict[str, int], elapsed: float) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT size_class, count(*) FROM {TABLES['enterprise'][0]} GROUP BY 1")
            found = dict(cursor.fetchall())
        classes = {name: found[name] for name in [*SizeClass.values, None] if name in found}
        rate = counts["enterprise"] / elapsed if elapsed else 0
        self.stdout.write(self.style.SUCCESS(
            f"Data demo dimuat dalam {_number(elapsed, 1)} detik ({_number(rate)} UMKM/detik)."
        ))
        for key, count in counts.items():
            self.stdout.write(f"  {LABELS[key]:<16} {_number(count):>12}")
        total = sum(classes.values()) or 1
        mix = ", ".join(f"{name or 'tanpa kelas'} {_number(100 * n / total, 2)} %" for name, n in classes.items())
        self.stdout.write(f"  kelas usaha: {mix}")
