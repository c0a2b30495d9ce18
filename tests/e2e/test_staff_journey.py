"""Staff, from a signed-out start, in a real browser: sign in, find an enterprise by part of its name, open
its page, start a graduation recompute and watch its progress bar reach 100 %, then import a file with bad
rows and read the rejection report. Real gunicorn, PostgreSQL, Redis and Celery worker."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone

from registry.models import Enterprise, JobRun, JobStatus, YearlyReport
from tests.e2e.conftest import sign_in
from tests.factories import make_enterprise

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FILES = Path(__file__).resolve().parent.parent / "importing" / "files"
LAST_YEAR = timezone.localdate().year - 1


def test_staff_find_an_enterprise_recompute_the_province_and_import_a_file_with_bad_rows(
    e2e_page, staff_user, celery_worker_process, screenshots
):
    page, shot = e2e_page, screenshots("staff")
    coffee = make_enterprise("Kopi Arabika Sipirok Jaya", regency="12.71", district="12.71.01")
    make_enterprise("Kopi Robusta Lintong", regency="12.71", district="12.71.01")
    make_enterprise("Bengkel Las Sinar Harapan", regency="12.71", district="12.71.01")
    # Figures written without the service: only the recompute the staff member starts can set the class.
    YearlyReport.objects.create(enterprise=coffee, year=LAST_YEAR, omzet=2_500_000_000)
    assert Enterprise.objects.get(pk=coffee.pk).size_class is None

    # Signed out: the admin sends to its login page first.
    sign_in(page, staff_user.username)
    shot(page, "admin index after sign in")

    # The registry list, searched by part of a name.
    page.goto("/admin/registry/enterprise/")
    page.locator("#searchbar").fill("sipirok")
    page.locator("#searchbar").press("Enter")
    page.wait_for_load_state()
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Kopi Arabika Sipirok Jaya" in rows.first.inner_text()
    assert "Kopi Robusta Lintong" not in page.locator("#result_list").inner_text()
    shot(page, "registry list searched")

    rows.first.get_by_role("link", name="Lihat profil").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/registri/umkm/{coffee.pk}/")
    assert page.locator("h1").inner_text() == "Kopi Arabika Sipirok Jaya"
    assert "Kelas belum dihitung" in page.locator(".page-head").inner_text()
    assert "Rp2.500.000.000" in page.locator("#laporan").inner_text()
    shot(page, "enterprise page before recompute")

    # "Proses latar": recompute the whole province and follow the live progress bar.
    page.goto("/admin/registry/jobrun/")
    page.locator("select#id_regency").select_option(label="Seluruh provinsi")
    page.get_by_role("button", name="Hitung ulang naik kelas").click()
    page.wait_for_load_state()
    job = JobRun.objects.filter(kind="graduation").latest("id")
    assert re.search(rf"/admin/registry/jobrun/{job.pk}/", page.url)
    assert f"Penghitungan ulang naik kelas dimulai (proses #{job.pk})." in page.locator(".messagelist").inner_text()
    shot(page, "recompute started")
    panel = page.locator(".job-panel")
    # The page is not reloaded: static/js/job_progress.js polls and fills in the bar.
    page.wait_for_function(
        "() => document.querySelector('.job-panel progress').value === 100"
        " && document.querySelector('.job-panel [data-field=status_label]').textContent === 'Selesai'",
        timeout=60_000,
    )
    assert panel.locator('[data-field="percent"]').inner_text() == "100"
    total = Enterprise.objects.count()
    assert panel.locator('[data-field="done_label"]').inner_text() == str(total)
    assert panel.locator('[data-field="total_label"]').inner_text() == str(total)
    assert "WIB" in panel.locator('[data-field="finished_label"]').first.inner_text()
    changed = JobRun.objects.get(pk=job.pk).changed
    assert changed >= 1
    assert panel.locator('[data-field="changed_label"]').inner_text() == str(changed)
    shot(page, "recompute at 100 percent")

    page.goto(f"/registri/umkm/{coffee.pk}/")
    assert "Usaha Kecil" in page.locator(".page-head").inner_text()
    shot(page, "enterprise page after recompute")

    # Import a regency's file with six bad rows out of seven, report as CSV to read it here.
    page.goto("/admin/registry/enterprise/")
    page.get_by_role("link", name="Impor data UMKM").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/registri/impor/")
    page.locator("input[type=file][name=file]").set_input_files(str(FILES / "rejects.csv"))
    page.locator("select[name=report_format]").select_option("csv")
    shot(page, "import upload")
    page.get_by_role("button", name="Unggah dan periksa kolom").click()
    page.wait_for_load_state()
    assert "/registri/impor/" in page.url
    assert "Usaha Baik" in page.content()  # the first rows are previewed
    shot(page, "import columns recognised")
    page.get_by_role("button", name="Mulai impor").click()
    page.wait_for_load_state()
    imported = JobRun.objects.filter(kind="import").latest("id")
    assert re.search(rf"/admin/registry/jobrun/{imported.pk}/", page.url)
    page.wait_for_function(
        "() => document.querySelector('.job-panel [data-field=status_label]').textContent === 'Selesai'",
        timeout=60_000,
    )
    counts = {field: page.locator(f'.job-panel [data-field="{field}_label"]').inner_text()
              for field in ("rows", "added", "updated", "unchanged", "rejected")}
    assert counts == {"rows": "7", "added": "1", "updated": "0", "unchanged": "0", "rejected": "6"}
    assert JobRun.objects.get(pk=imported.pk).status == JobStatus.DONE
    assert Enterprise.objects.filter(name="Usaha Baik").count() == 1
    assert not Enterprise.objects.filter(name__in=["Kabupaten Salah", "Omzet Minus", "NIB Kembar"]).exists()
    shot(page, "import finished with counts")

    # The rejection report: one line per refused row, with the column and the reason in Indonesian.
    link = page.locator(".job-panel a.job-download")
    assert link.is_visible()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"laporan_impor_{imported.pk}.csv"
    text = open(download.path(), encoding="utf-8-sig").read()
    report = list(csv.reader(io.StringIO(text)))
    assert report[0] == ["Baris", "Kolom", "Nilai", "Alasan"]
    by_row = {int(row[0]): row[1:] for row in report[1:] if row and row[0].isdigit()}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8]
    assert by_row[4] == [
        "Kabupaten/Kota", "Kota Atlantis", "Kabupaten/kota 'Kota Atlantis' tidak dikenal di Sumatera Utara."
    ]
    assert "negatif" in by_row[7][2]
    assert by_row[8][2] == "NIB 9120000000101 sudah ada di baris 2 berkas ini; baris ini tidak diimpor."
