"""An import started by a regency office's staff (Dinas Koperasi kab/kota) adds and changes only their regency's
enterprises: rows of another regency, and rows matching another regency's enterprise, are refused row by row."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from registry import services
from registry.importing.pipeline import ImportOptions, run_import
from registry.importing.report import RejectReport
from registry.models import Enterprise, StaffRegion
from tests.factories import make_enterprise, make_staff

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"
HEADER = "nib,nama_usaha,nama_pemilik,kode_wilayah,kecamatan,tahun_laporan,omzet_tahunan\n"


@pytest.fixture
def medan_staff():
    user = make_staff("petugas_dinas_medan")
    StaffRegion.objects.create(user=user, regency_id="12.71")
    return user


def run(path, user, **options):
    report = RejectReport()
    result = run_import(path, options=ImportOptions(**options), report=report, user=user)
    problems = list(report)
    report.close()
    return result, problems


def test_rows_of_another_regency_are_refused_naming_the_regency_column(medan_staff):
    # clean.csv: row 2 Kota Medan (12.71), row 3 Deli Serdang (12.07), row 4 Kota Pematangsiantar (12.73).
    result, problems = run(FILES / "clean.csv", medan_staff)

    assert (result.added, result.rejected) == (1, 2)
    assert list(Enterprise.objects.values_list("regency_id", flat=True)) == ["12.71"]
    assert [(row, column, value) for row, column, value, _reason in problems] == [
        (3, "kode_wilayah", "12.07"), (4, "kode_wilayah", "12.73"),
    ]
    assert "di luar wilayah kerja Anda (Kota Medan)" in problems[0][3]
    assert "Deli Serdang" in problems[0][3]


def test_provincial_staff_import_every_regency(medan_staff):
    result, problems = run(FILES / "clean.csv", make_staff())
    assert (result.added, result.rejected, problems) == (3, 0, [])


def test_a_row_matching_another_regencys_enterprise_is_refused_and_the_enterprise_stays_where_it_is(
    medan_staff, tmp_path
):
    binjai = make_enterprise("Rambutan Binjai", regency="12.75", district="12.75.01", nib="9120000000077")
    path = tmp_path / "umkm.csv"
    path.write_text(HEADER + "9120000000077,Rambutan Binjai,Ahmad,12.71,Medan Kota,2024,150000000\n", encoding="utf-8")

    result, problems = run(path, medan_staff)

    assert (result.added, result.updated, result.rejected) == (0, 0, 1)
    [(row, column, _value, reason)] = problems
    assert (row, column) == (2, "kode_wilayah")
    assert "terdaftar di kabupaten/kota lain" in reason and "Rambutan" not in reason
    binjai.refresh_from_db()
    assert binjai.regency_id == "12.75" and not binjai.yearly_reports.exists()


def test_rows_that_name_no_regency_belong_to_the_officers_regency(medan_staff, tmp_path):
    path = tmp_path / "umkm.csv"
    path.write_text("nama_usaha,nama_pemilik,tahun_laporan,omzet_tahunan\nBolu Meranti,Rina,2024,90000000\n",
                    encoding="utf-8")

    result, problems = run(path, medan_staff)

    assert (result.added, problems) == (1, [])
    assert Enterprise.objects.get().regency_id == "12.71"


def test_an_officer_cannot_start_an_import_for_another_regency(medan_staff):
    upload = SimpleUploadedFile("clean.csv", (FILES / "clean.csv").read_bytes())
    with pytest.raises(ValidationError) as refused:
        services.import_start(file=upload, user=medan_staff, options={"regency": "12.75"}, enqueue=False)
    assert "regency" in refused.value.message_dict


def test_the_import_job_of_an_officer_reports_the_refused_rows(medan_staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("clean.csv", (FILES / "clean.csv").read_bytes())
    job = services.import_start(file=upload, user=medan_staff, enqueue=False)
    assert job.params["options"]["regency"] == "12.71"

    services.import_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.summary["added"], job.summary["rejected"]) == ("selesai", 1, 2)
    rows = list(load_workbook(job.result_file.path, read_only=True)["Ditolak"].iter_rows(values_only=True))
    assert len(rows) == 3  # header + the two rows of other regencies
    assert all("kode_wilayah" in row and "di luar wilayah kerja Anda" in " ".join(map(str, row)) for row in rows[1:])
