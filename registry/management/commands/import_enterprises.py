"""`python manage.py import_enterprises FILE [--dry-run] [--report PATH] [--bps] [--sheet NAME] …`

Imports a CSV/XLSX file of enterprises through registry.importing.pipeline (the same code the admin's
import job runs), printing progress per batch and a summary: rows added, updated, unchanged and rejected.
`--report` writes the rejected rows (row number as in the file, column, value, reason) as CSV or XLSX by
the extension. `--dry-run` shows the same counts and report and changes nothing.
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from registry import services
from registry.importing.parsers import ParseError
from registry.importing.pipeline import ImportAborted, ImportOptions, ImportResult, run_import
from registry.importing.report import RejectReport, report_format
from registry.models import Region


def _backend_cpu_seconds() -> float | None:
    """CPU time of this connection's PostgreSQL backend when it runs on this machine (else None)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _number(value: float, decimals: int = 0) -> str:
    """Indonesian style: 1.166.918 and 12,5."""
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


class Command(BaseCommand):
    help = (
        "Impor UMKM dari berkas CSV atau XLSX: baris dicocokkan dengan NIB, atau NIK pemilik dan nama usaha; "
        "baris yang salah ditolak dengan alasannya. Impor ulang berkas yang sama tidak mengubah apa pun."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Berkas .csv, .tsv, .txt atau .xlsx.")
        parser.add_argument("--dry-run", action="store_true", help="Uji coba: hitung dan laporkan, tanpa menyimpan.")
        parser.add_argument("--report", metavar="PATH", help="Tulis laporan baris yang ditolak (.csv atau .xlsx).")
        parser.add_argument("--bps", action="store_true",
                            help="Kode kabupaten/kota 4 digit tanpa titik adalah kode BPS (mis. 1275 = Kota Medan).")
        parser.add_argument("--sheet", metavar="NAMA", help="Nama lembar XLSX (bawaan: lembar pertama).")
        parser.add_argument("--header-row", type=int, metavar="N",
                            help="Nomor baris judul kolom bila tidak terdeteksi.")
        parser.add_argument("--year", type=int, metavar="TAHUN",
                            help="Tahun laporan untuk baris yang tidak menyebut tahun.")
        parser.add_argument("--regency", metavar="KODE",
                            help="Kode Kemendagri kabupaten/kota (mis. 12.07) untuk baris yang tidak menyebutnya; "
                            "juga memakai pemetaan kolom yang tersimpan untuk kabupaten/kota itu.")
        parser.add_argument("--batch-size", type=int, default=ImportOptions.batch_size,
                            help="Baris per transaksi (bawaan 50.000).")
        parser.add_argument("--workers", type=int,
                            help="Proses pengurai (bawaan: semua inti untuk berkas besar, 1 untuk berkas kecil).")
        parser.add_argument(
            "--graduation", choices=["queue", "now", "skip"], default="queue",
            help="Hitung ulang naik kelas UMKM yang berubah: lewat worker Celery (queue, bawaan), di proses ini "
            "(now), atau tidak (skip; proses malam menyusul).",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Berkas {path} tidak ditemukan.")
        report_path = options["report"]
        try:
            file_format = report_format(report_path) if report_path else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        regency = options["regency"]
        if regency and not Region.objects.regencies().filter(pk=regency).exists():
            raise CommandError(f"Kabupaten/kota {regency} tidak dikenal; pakai kode Kemendagri, mis. 12.71.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size harus bilangan bulat positif.")
        import_options = ImportOptions(
            dry_run=options["dry_run"], bps=options["bps"], sheet=options["sheet"], header_row=options["header_row"],
            regency=regency, year=options["year"], batch_size=options["batch_size"], workers=options["workers"],
        )
        self.verbosity = options["verbosity"]
        self.started = time.monotonic()
        report = RejectReport()
        try:
            result = self._run(path, import_options, report)
            if file_format:
                report.write(report_path, file_format=file_format, summary=result.summary_lines())
                self.stdout.write(f"Laporan penolakan ditulis ke {report_path} ({_number(report.lines)} masalah).")
            if not import_options.dry_run:
                self._graduation(result, options["graduation"])
            self._memory()
        finally:
            report.close()

    def _say(self, message: str) -> None:
        if self.verbosity:
            self.stdout.write(f"[{_number(time.monotonic() - self.started, 1):>6} dtk] {message}")

    def _run(self, path: Path, options: ImportOptions, report: RejectReport) -> ImportResult:
        self._say(f"Membaca {path}" + (" (uji coba: tidak ada yang disimpan)" if options.dry_run else ""))

        def progress(result: ImportResult) -> None:
            estimate = max(result.estimated_rows, result.rows)
            share = f" (≈ {_number(100 * result.rows / estimate)} %)" if estimate else ""
            if result.saving:
                self._say(f"{_number(result.rows)} baris dibaca; muatan awal diselesaikan: indeks dibangun ulang")
            else:
                self._say(
                    f"{_number(result.rows)} baris dibaca{share}: {_number(result.added)} ditambah, "
                    f"{_number(result.updated)} diperbarui, {_number(result.unchanged)} tidak berubah, "
                    f"{_number(result.rejected)} ditolak"
                )

        try:
            result = run_import(path, filename=path.name, options=options, progress=progress, report=report)
        except ParseError as exc:
            raise CommandError(f"Berkas tidak dapat diimpor: {exc.message}") from exc
        except ImportAborted as exc:
            self._summary(exc.result)
            raise CommandError(exc.message) from exc
        self._summary(result)
        return result

    def _summary(self, result: ImportResult) -> None:
        rate = result.rows / result.seconds if result.seconds else 0
        title = "Uji coba selesai (tidak ada yang disimpan)" if result.dry_run else "Impor selesai"
        self.stdout.write(self.style.SUCCESS(
            f"{title} dalam {_number(result.seconds, 1)} detik ({_number(rate)} baris/detik)."
        ))
        for label, value in result.summary_lines():
            shown = _number(value) if isinstance(value, int) else value
            self.stdout.write(f"  {label:<34} {shown}")
        if self.verbosity >= 2:
            self.stdout.write("  Waktu per langkah (detik):")
            for step, seconds in sorted(result.timings.items(), key=lambda item: -item[1]):
                self.stdout.write(f"    {step:<34} {_number(seconds, 1):>7}")

    def _graduation(self, result: ImportResult, mode: str) -> None:
        if mode == "skip":
            self.stdout.write("Naik kelas tidak dihitung ulang sekarang (--graduation skip); proses malam menyusul.")
            return
        started = time.monotonic()
        message = services.import_graduation(result=result, run_now=mode == "now")
        if mode == "now":
            message += f" ({_number(time.monotonic() - started, 1)} detik)"
        self.stdout.write(message)

    def _memory(self) -> None:
        """Peak memory and CPU time of this process, its parsing processes and its PostgreSQL backend (Linux)."""
        if self.verbosity < 2:
            return
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.stdout.write(
            f"Memori puncak: proses ini {_number(own.ru_maxrss / 1024)} MB, proses pengurai terbesar "
            f"{_number(children.ru_maxrss / 1024)} MB."
        )
        line = (f"Waktu CPU: proses ini {_number(own.ru_utime + own.ru_stime, 1)} dtk, proses pengurai "
                f"{_number(children.ru_utime + children.ru_stime, 1)} dtk")
        backend = _backend_cpu_seconds()
        if backend is not None:
            line += f", PostgreSQL {_number(backend, 1)} dtk"
        self.stdout.write(line + ".")
