"""`python manage.py recompute_graduation [--regency 12.71] [--sync]`."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from registry.models import Enterprise, GraduationEvent, JobChunk, JobRun, YearlyReport
from tests.factories import make_enterprise

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("recompute_graduation", *args, stdout=out)
    return out.getvalue()


def grown(regency: str = "12.71", district: str = "12.71.01") -> Enterprise:
    """An enterprise classified mikro last time, whose latest figures make it kecil."""
    enterprise = make_enterprise(regency=regency, district=district)
    YearlyReport.objects.create(enterprise=enterprise, year=LAST_YEAR - 1, omzet=1_000_000_000)
    run("--sync", "--regency", regency)
    YearlyReport.objects.create(enterprise=enterprise, year=LAST_YEAR, omzet=3_000_000_000)
    return enterprise


def test_sync_recomputes_the_province_regency_by_regency_and_prints_progress_and_a_summary():
    medan = grown()
    grown("12.75", "12.75.01")  # Binjai
    make_enterprise(regency="12.12", district="12.12.01")  # Toba, no figures: classified unknown

    output = run("--sync")

    job = JobRun.objects.latest("id")
    assert f"Proses #{job.pk}: menghitung ulang 3 UMKM di seluruh Provinsi Sumatera Utara (33 kabupaten/kota)" in output
    # largest regencies first (ties in code order), then the empty ones
    assert "[1/33] 12.12 Kabupaten Toba: 1 UMKM, 1 berubah" in output
    assert "[2/33] 12.71 Kota Medan: 1 UMKM, 1 berubah" in output
    assert "[3/33] 12.75 Kota Binjai: 1 UMKM, 1 berubah" in output
    assert "[4/33] 12.01 Kabupaten Tapanuli Tengah: 0 UMKM, 0 berubah" in output
    assert len(re.findall(r"^\[\d+/33\] ", output, re.M)) == 33
    assert re.search(
        r"Selesai dalam \d+,\d detik: 3 UMKM dihitung ulang, 3 berubah, 2 riwayat naik/turun kelas baru "
        rf"\(proses #{job.pk}, status selesai\)", output,
    )
    assert (job.status, job.chunks_done, job.total, job.done) == ("selesai", 33, 3, 3)
    assert JobChunk.objects.filter(job_run=job).count() == 33
    medan.refresh_from_db()
    assert medan.size_class == "kecil"
    event = GraduationEvent.objects.get(enterprise=medan)
    assert (event.direction, event.job_run_id) == ("naik", job.pk)


def test_sync_for_one_regency_touches_only_that_regency():
    medan = grown()
    binjai = grown("12.75", "12.75.01")

    output = run("--sync", "--regency", "12.71")

    assert "seluruh Provinsi" not in output
    assert "12.71 Kota Medan (1 kabupaten/kota)" in output
    assert "[1/1] 12.71 Kota Medan: 1 UMKM, 1 berubah" in output
    assert JobRun.objects.latest("id").scope == "12.71"
    medan.refresh_from_db()
    binjai.refresh_from_db()
    assert (medan.size_class, binjai.size_class) == ("kecil", "mikro")


def test_a_second_sync_run_changes_nothing():
    grown()
    run("--sync")
    output = run("--sync")
    assert "[1/33] 12.71 Kota Medan: 1 UMKM, 0 berubah" in output
    assert "0 berubah, 0 riwayat naik/turun kelas baru" in output
    assert GraduationEvent.objects.count() == 1


def test_counts_are_written_the_indonesian_way():
    call_command("seed_demo", enterprises=6000, seed=11, stdout=io.StringIO())
    with connection.cursor() as cursor:  # forget Medan's classes so that every one is computed again
        cursor.execute(
            "UPDATE registry_enterprise SET size_class = NULL, tier = NULL, class_status = NULL, class_reason = '',"
            " class_rule_set_id = NULL WHERE regency_id = '12.71'"
        )
    medan = Enterprise.objects.filter(regency_id="12.71").count()
    assert medan >= 1000

    output = run("--sync", "--regency", "12.71")

    shown = f"{medan:,}".replace(",", ".")
    assert f"[1/1] 12.71 Kota Medan: {shown} UMKM, {shown} berubah" in output


def test_without_sync_the_job_is_queued_for_the_worker_and_the_output_says_how_to_follow_it(
    django_capture_on_commit_callbacks,
):
    medan = grown()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        output = run("--regency", "12.71")

    job = JobRun.objects.latest("id")
    assert f"Proses #{job.pk} (12.71 Kota Medan) dimasukkan ke antrean" in output
    assert f"/api/v1/job-runs/{job.pk}/" in output
    assert (job.status, job.scope) == ("antre", "12.71")
    assert len(callbacks) == 1  # the hand-over to Celery, after commit
    # Tests run tasks in-process: the hand-over runs the worker's code path to the end.
    callbacks[0]()
    job.refresh_from_db()
    assert (job.status, job.chunks_done, job.changed) == ("selesai", 1, 1)
    medan.refresh_from_db()
    assert medan.size_class == "kecil"


@pytest.mark.parametrize("code", ["12.99", "1275", "12.71.01"])
def test_an_unknown_regency_is_refused_in_indonesian_and_nothing_is_started(code):
    with pytest.raises(CommandError) as refused:
        run("--sync", "--regency", code)
    assert str(refused.value) == (
        f"Kabupaten/kota {code} tidak dikenal. Pakai kode Kemendagri kabupaten/kota, misalnya 12.71 (Kota Medan)."
    )
    assert not JobRun.objects.exists()


def test_a_failed_regency_is_named_in_the_runs_error(monkeypatch):
    from registry import graduation

    def broken(**kwargs):
        raise RuntimeError("disk penuh")

    monkeypatch.setattr(graduation, "recompute_regency", broken)
    with pytest.raises(CommandError):
        run("--regency", "12.71", "--sync")

    job = JobRun.objects.get()
    assert job.status == "gagal"
    assert job.error == "Kabupaten/kota 12.71 gagal dihitung: RuntimeError('disk penuh')"
