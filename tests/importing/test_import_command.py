"""`manage.py import_enterprises` and the import job (services.import_start / import_run, the Celery task)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from registry import services
from registry.models import Enterprise, JobRun, YearlyReport
from registry.tasks import import_run_task
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"


def import_file(*args, **options) -> str:
    out = io.StringIO()
    call_command("import_enterprises", *args, stdout=out, graduation="skip", **options)
    return out.getvalue()


# --- the command ----------------------------------------------------------------------------------


def test_the_command_prints_progress_and_the_counts():
    output = import_file(str(FILES / "clean.csv"))

    assert "3 baris dibaca (≈ 100 %): 3 ditambah, 0 diperbarui, 0 tidak berubah, 0 ditolak" in output
    assert "Impor selesai dalam" in output
    assert "Ditambahkan                        3" in output
    assert Enterprise.objects.count() == 3

    again = import_file(str(FILES / "clean.csv"))
    assert "Tidak berubah                      3" in again and "Ditambahkan                        0" in again


def test_a_dry_run_prints_the_same_counts_and_changes_nothing():
    output = import_file(str(FILES / "rejects.csv"), dry_run=True)

    assert "Uji coba selesai (tidak ada yang disimpan)" in output
    assert "Ditambahkan                        1" in output and "Ditolak (baris)                    6" in output
    assert not Enterprise.objects.exists()


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_rejection_report_is_written_as_csv_or_xlsx_by_its_extension(tmp_path, suffix):
    target = tmp_path / f"laporan.{suffix}"

    output = import_file(str(FILES / "rejects.csv"), report=str(target))

    assert f"Laporan penolakan ditulis ke {target} (6 masalah)." in output
    if suffix == "csv":
        with open(target, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    else:
        workbook = load_workbook(target, read_only=True)
        rows = [[str(cell) for cell in row] for row in workbook["Ditolak"].iter_rows(values_only=True)]
        summary = dict(workbook["Ringkasan"].iter_rows(values_only=True))
        assert summary["Ditambahkan"] == 1 and summary["Ditolak (baris)"] == 6
    assert rows[0] == ["Baris", "Kolom", "Nilai", "Alasan"]
    assert [row[0] for row in rows[1:]] == ["3", "4", "5", "6", "7", "8"]
    assert rows[-1] == ["8", "NIB", "9120000000101",
                        "NIB 9120000000101 sudah ada di baris 2 berkas ini; baris ini tidak diimpor."]


def test_a_report_with_another_extension_is_refused_before_anything_is_imported(tmp_path):
    with pytest.raises(CommandError, match=r"Laporan harus berakhiran \.csv atau \.xlsx"):
        import_file(str(FILES / "clean.csv"), report=str(tmp_path / "laporan.pdf"))
    assert not Enterprise.objects.exists()


def test_a_file_that_cannot_be_imported_stops_the_command_with_the_reason():
    with pytest.raises(CommandError, match="Berkas tidak dapat diimpor: Baris judul kolom tidak ditemukan"):
        import_file(str(FILES / "no_header.csv"))
    with pytest.raises(CommandError, match="tidak ditemukan"):
        import_file(str(FILES / "tidak_ada.csv"))


def test_options_for_bps_codes_and_the_report_year_reach_the_import():
    import_file(str(FILES / "bps_codes.csv"), bps=True)
    assert Enterprise.objects.get().regency_id == "12.71"

    import_file(str(FILES / "title_two_row_header.csv"), year=2024)
    assert YearlyReport.objects.filter(year=2024, enterprise__name="CONTOH USAHA SATU", omzet=180_000_000).exists()


def test_the_command_asks_the_worker_to_recompute_the_classes_of_what_changed(django_capture_on_commit_callbacks):
    with mock.patch("registry.tasks.graduation_recompute_enterprises_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            out = io.StringIO()
            call_command("import_enterprises", str(FILES / "clean.csv"), stdout=out)
    assert "Kelas 3 UMKM dihitung ulang oleh worker (1 tugas)." in out.getvalue()
    delay.assert_called_once_with(sorted(Enterprise.objects.values_list("pk", flat=True)))


# --- the job --------------------------------------------------------------------------------------


def upload(name: str = "clean.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FILES / name).read_bytes(), content_type="text/csv")


def test_starting_an_import_stores_the_upload_and_hands_the_job_to_the_worker_after_commit(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    staff = make_staff()
    with mock.patch("registry.tasks.import_run_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            job = services.import_start(file=upload(), user=staff, options={"year": 2024, "dry_run": True})
    delay.assert_called_once_with(job.pk)
    assert (job.kind, job.status, job.started_by) == ("import", "antre", staff)
    stored = Path(tmp_path) / job.params["file"]
    assert stored.parent.parent.parent == tmp_path / "imports" and stored.read_bytes() == upload().read()
    assert job.params["filename"] == "clean.csv"
    assert job.params["options"]["year"] == 2024 and job.params["options"]["dry_run"] is True


def test_an_upload_that_is_not_csv_or_xlsx_is_refused_before_a_job_exists(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(Exception, match="tidak didukung"):
        services.import_start(file=SimpleUploadedFile("data.xls", b"x"), user=None)
    assert not JobRun.objects.filter(kind="import").exists()


def test_the_import_job_runs_once_and_stores_its_summary_and_report(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = services.import_start(file=upload("rejects.csv"), user=None, enqueue=False)

    with mock.patch("registry.services.graduation_enqueue") as enqueue:
        import_run_task(job.pk)
        import_run_task(job.pk)  # a redelivered message finds the job claimed

    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.error) == ("selesai", 7, 7, "")
    assert job.summary["added"] == 1 and job.summary["rejected"] == 6 and job.summary["unchanged"] == 0
    assert job.result_name == f"laporan_impor_{job.pk}.xlsx"
    sheet = load_workbook(job.result_file.path, read_only=True)["Ditolak"]
    assert sum(1 for _ in sheet.iter_rows()) == 7  # header + 6 problems
    assert Enterprise.objects.count() == 1
    enqueue.assert_called_once_with([Enterprise.objects.get().pk])


def test_an_import_job_whose_file_cannot_be_read_fails_with_the_reason(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = services.import_start(file=upload("no_header.csv"), user=None, enqueue=False)

    services.import_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == "gagal" and job.error.startswith("Berkas tidak dapat diimpor: Baris judul kolom")
    assert not job.result_file


def test_a_stopped_import_can_be_run_again_from_its_stored_file(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = services.import_start(file=upload(), user=None, enqueue=False)
    services.import_run(job_id=job.pk)

    retry = services.import_retry(job=job, enqueue=False)
    services.import_run(job_id=retry.pk)

    retry.refresh_from_db()
    assert retry.status == "selesai" and retry.summary["unchanged"] == 3 and retry.summary["added"] == 0


def test_the_command_can_recompute_the_classes_itself():
    out = io.StringIO()
    call_command("import_enterprises", str(FILES / "clean.csv"), stdout=out, graduation="now")

    assert "Kelas 3 UMKM dihitung ulang." in out.getvalue()
    classes = dict(Enterprise.objects.values_list("nib", "size_class"))
    assert classes == {"9120000000001": "mikro", "9120000000002": "mikro", None: "mikro"}
