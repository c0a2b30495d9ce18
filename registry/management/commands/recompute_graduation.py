"""`python manage.py recompute_graduation [--regency 12.71] [--sync]`

Recomputes size class, tier and status (naik kelas) for the province or one regency as a JobRun.
Without --sync the Celery worker runs the job (services.graduation_start); with --sync this process runs
the same job through the services the worker calls (graduation_run, then graduation_chunk per regency),
so progress and history look the same either way.
"""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from registry import services
from registry.models import GraduationEvent, JobChunk, JobRun, Region


def _number(value: float, decimals: int = 0) -> str:
    """Indonesian style: 232.415 and 12,5."""
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


class Command(BaseCommand):
    help = (
        "Hitung ulang kelas usaha, tingkat dan status naik kelas UMKM untuk seluruh provinsi atau satu "
        "kabupaten/kota. Tanpa --sync proses dijalankan oleh worker Celery."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--regency", default="", metavar="KODE",
            help="Kode Kemendagri kabupaten/kota, misalnya 12.71 (Kota Medan); tanpa ini seluruh provinsi.",
        )
        parser.add_argument(
            "--sync", action="store_true",
            help="Jalankan di proses ini, tanpa worker Celery, dengan kemajuan per kabupaten/kota.",
        )

    def handle(self, *args, regency: str, sync: bool, **options):
        regency = regency.strip()
        job = None
        try:
            # The outer transaction makes the hand-over to the queue happen here, where its failure is caught.
            with transaction.atomic():
                job = services.graduation_start(regency=regency, enqueue=not sync)
        except ValidationError as exc:
            raise CommandError(
                " ".join(exc.messages) + " Pakai kode Kemendagri kabupaten/kota, misalnya 12.71 (Kota Medan)."
            ) from exc
        except OperationalError as exc:  # the job row is committed; the message to the worker is not
            error = _("Antrean tidak dapat dihubungi: %(error)s") % {"error": exc}
            services.graduation_fail(job_id=job.pk, error=error)
            raise CommandError(
                f"Antrean Celery (Redis) tidak dapat dihubungi; proses #{job.pk} ditandai gagal. "
                "Periksa REDIS_URL, atau jalankan di proses ini dengan --sync."
            ) from exc
        if sync:
            self._run(job)
        else:
            self._queued(job)

    def _scope(self, job: JobRun) -> str:
        if not job.scope:
            return "seluruh Provinsi Sumatera Utara"
        return f"{job.scope} {Region.objects.get(pk=job.scope).name}"

    def _queued(self, job: JobRun) -> None:
        self.stdout.write(self.style.SUCCESS(
            f"Proses #{job.pk} ({self._scope(job)}) dimasukkan ke antrean; worker Celery yang menjalankannya."
        ))
        self.stdout.write(f"  Pantau kemajuannya: GET {reverse('registry-api:jobrun-detail', args=[job.pk])}")
        try:
            self.stdout.write(f"  atau di admin: {reverse('admin:registry_jobrun_change', args=[job.pk])}")
        except NoReverseMatch:
            pass
        self.stdout.write(
            "  Pastikan worker berjalan (celery -A sumut_umkm worker); tanpa worker, jalankan ulang dengan --sync."
        )

    def _run(self, job: JobRun) -> None:
        started = time.monotonic()
        regencies = services.graduation_run(job=job)
        if not regencies:
            raise CommandError(f"Proses #{job.pk} sudah diambil oleh proses lain.")
        names = dict(Region.objects.filter(pk__in=regencies).values_list("code", "name"))
        job.refresh_from_db(fields=["total"])
        self.stdout.write(
            f"Proses #{job.pk}: menghitung ulang {_number(job.total)} UMKM di {self._scope(job)} "
            f"({len(regencies)} kabupaten/kota)"
        )
        for number, code in enumerate(regencies, 1):
            chunk_started = time.monotonic()
            try:
                services.graduation_chunk(job_id=job.pk, regency=code)
            except KeyboardInterrupt:
                # Finished regencies stay; the job must not look as if it were still running.
                error = _("Kabupaten/kota %(regency)s: dihentikan oleh pengguna") % {"regency": code}
                services.graduation_fail(job_id=job.pk, error=error)
                raise
            except Exception as exc:
                error = _("Kabupaten/kota %(regency)s gagal dihitung: %(error)s") % {
                    "regency": code, "error": repr(exc)}
                services.graduation_fail(job_id=job.pk, error=error)
                raise CommandError(
                    f"Gagal menghitung {code} {names.get(code, '')}: {exc}. Proses #{job.pk} ditandai gagal; "
                    "kabupaten/kota yang sudah selesai tetap tersimpan, jalankan ulang untuk melanjutkan."
                ) from exc
            chunk = JobChunk.objects.get(job_run=job, key=code)
            self.stdout.write(
                f"[{number}/{len(regencies)}] {code} {names.get(code, '')}: {_number(chunk.enterprises)} UMKM, "
                f"{_number(chunk.changed)} berubah ({_number(time.monotonic() - chunk_started, 1)} dtk)"
            )
        job.refresh_from_db()
        history = GraduationEvent.objects.filter(job_run=job).count()
        self.stdout.write(self.style.SUCCESS(
            f"Selesai dalam {_number(time.monotonic() - started, 1)} detik: {_number(job.done)} UMKM dihitung "
            f"ulang, {_number(job.changed)} berubah, {_number(history)} riwayat naik/turun kelas baru "
            f"(proses #{job.pk}, status {job.get_status_display().lower()})."
        ))
