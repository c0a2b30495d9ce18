"""Exports of the enterprise list (CSV, XLSX): the list's filters, masked NIK, latest figures, large exports as
background jobs with a guarded download."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from registry import exports, graduation, identity, services
from registry.models import Enterprise, JobRun, JobStatus, Owner, YearlyReport
from tests.factories import VALID_NIK_MAN, VALID_NIK_WOMAN, make_enterprise, make_owner, make_staff, make_user

pytestmark = pytest.mark.django_db

LIST = "/admin/registry/enterprise/"
JOBS = "/admin/registry/jobrun/"
MASKED_MAN = "1271********0001"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def export_url(fmt: str) -> str:
    return reverse("registry:enterprise-export", args=[fmt])


def content_of(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def csv_header(data: bytes) -> list[str]:
    return next(csv.reader(io.StringIO(data.decode("utf-8"))))


def xlsx_rows(data: bytes) -> list[dict]:
    """The rows of every sheet, keyed by the header of its sheet."""
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    rows = []
    for sheet in workbook.worksheets:
        values = list(sheet.iter_rows(values_only=True))
        header = values[0]
        # A row ends at its last filled cell.
        rows += [dict(zip(header, row + (None,) * (len(header) - len(row)), strict=True)) for row in values[1:]]
    return rows


@pytest.fixture
def staff():
    return make_staff("petugas_ekspor")


@pytest.fixture
def staff_client(staff):
    return client_for(staff)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def registry_sample():
    """Enterprises that differ in every filter of the admin list."""
    owner = make_owner("Siti Aminah", nik=VALID_NIK_WOMAN, sex="P")
    made = [
        make_enterprise("Kopi Sidikalang Medan", regency="12.71", district="12.71.01", sector="56", owner=owner),
        make_enterprise("Warung Kopi Informal", regency="12.71", district="12.71.02", sector="56", nib=None),
        make_enterprise("Toko Kelontong Binjai", regency="12.75", district="12.75.01", sector="47"),
        make_enterprise("Tenun Ulos Tutup", regency="12.71", district="12.71.01", sector="13", is_active=False),
        make_enterprise("Bengkel Las Belum Lapor", regency="12.75", district="12.75.02", sector="33", nib=None),
    ]
    YearlyReport.objects.create(enterprise=made[0], year=2024, omzet=2_400_000_000, capital=900_000_000)
    YearlyReport.objects.create(enterprise=made[2], year=2024, omzet=300_000_000)
    graduation.recompute_enterprises(enterprise_ids=[e.pk for e in made])
    return made


# --- the same rows as the list -----------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    {},
    {"regency": "12.71"},
    {"regency": "12.71", "district": "12.71.01"},
    {"section": "I"},
    {"sector": "47"},
    {"section": "C", "sector": "13"},
    {"formal": "0"},
    {"active": "0"},
    {"size_class": "kecil"},
    {"size_class": "none"},
    {"class_status": "none"},
    {"criteria_disagree": "1"},
    {"q": "kopi"},
    {"q": "kopi", "formal": "1", "regency": "12.71"},
], ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "unfiltered")
def test_the_export_holds_exactly_the_enterprises_the_filtered_admin_list_shows(staff_client, registry_sample, params):
    listed = staff_client.get(LIST, params)
    assert listed.status_code == 200 and "e" not in listed.wsgi_request.GET  # the admin accepted the filters
    shown = sorted(e.pk for e in listed.context["cl"].result_list)

    exported = csv_rows(content_of(staff_client.get(export_url("csv"), params)))

    assert sorted(int(row["id"]) for row in exported) == shown


def test_the_export_buttons_keep_the_current_filters_and_search(staff_client, registry_sample):
    text = staff_client.get(LIST, {"regency": "12.71", "formal": "1", "q": "kopi"}).content.decode()

    for fmt in ("csv", "xlsx"):
        link = re.search(rf'href="({re.escape(export_url(fmt))}[^"]*)"', text).group(1).replace("&amp;", "&")
        assert {"regency=12.71", "formal=1", "q=kopi"} <= set(link.split("?", 1)[1].split("&"))
    assert "Ekspor CSV" in text and "Ekspor XLSX" in text


def test_a_small_csv_export_is_the_response_with_indonesian_headers_and_a_dated_file_name(
    staff_client, registry_sample
):
    response = staff_client.get(export_url("csv"), {"regency": "12.75"})

    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="umkm_\d{4}-\d{2}-\d{2}_\d{4}\.csv"', response["Content-Disposition"])
    data = content_of(response)
    assert csv_header(data) == [
        "id", "nama_usaha", "nib", "npwp", "kode_kabupaten", "kabupaten", "kode_kecamatan", "kecamatan", "kbli",
        "sektor", "bentuk_usaha", "tahun_berdiri", "formal", "aktif", "kelas_usaha", "tingkat", "status_kelas",
        "alasan_kelas", "nama_pemilik", "nik_pemilik", "jenis_kelamin", "omzet_terakhir", "tahun_omzet",
        "modal_terakhir",
    ]
    binjai = {row["nama_usaha"]: row for row in csv_rows(data)}["Toko Kelontong Binjai"]
    assert (binjai["kode_kabupaten"], binjai["kabupaten"], binjai["kode_kecamatan"]) == (
        "12.75", "Kota Binjai", "12.75.01")
    assert binjai["sektor"].startswith("47 ") and binjai["bentuk_usaha"] == "Usaha perorangan"
    assert (binjai["formal"], binjai["aktif"], binjai["kelas_usaha"]) == ("Ya", "Ya", "Mikro")
    assert binjai["omzet_terakhir"] == "300000000"  # a plain integer for other programs


def test_the_file_name_is_the_time_in_jakarta():
    from datetime import UTC, datetime

    assert exports.export_filename("xlsx", datetime(2026, 11, 23, 7, 5, tzinfo=UTC)) == "umkm_2026-11-23_1405.xlsx"


# --- personal data -----------------------------------------------------------------------------------


def test_the_owner_nik_leaves_masked_and_neither_the_full_nik_nor_its_hash_is_in_either_file(media):
    owner = make_owner("Budi Santoso", nik=VALID_NIK_MAN, sex="L")
    make_enterprise("Sate Padang Budi", owner=owner, npwp=VALID_NIK_MAN)
    stored = Owner.objects.get(pk=owner.pk)
    pii_viewer = client_for(make_staff(with_nik=True))  # even staff who may see the full NIK elsewhere

    csv_data = content_of(pii_viewer.get(export_url("csv")))
    xlsx_data = content_of(pii_viewer.get(export_url("xlsx")))

    (csv_row,), (xlsx_row,) = csv_rows(csv_data), xlsx_rows(xlsx_data)
    assert csv_row["nik_pemilik"] == xlsx_row["nik_pemilik"] == MASKED_MAN
    assert csv_row["npwp"] == xlsx_row["npwp"] == MASKED_MAN  # a 16-digit NPWP is its holder's NIK
    assert (csv_row["nama_pemilik"], csv_row["jenis_kelamin"]) == ("Budi Santoso", "L")
    for secret in (VALID_NIK_MAN, stored.nik_hash, stored.nik_encrypted):
        assert secret.encode() not in csv_data
        assert not any(secret in str(value) for row in xlsx_rows(xlsx_data) for value in row.values())
    assert identity.nik_hash(VALID_NIK_MAN) == stored.nik_hash  # the hash really was what we looked for


# --- figures -----------------------------------------------------------------------------------------


def test_the_latest_figures_are_the_newest_years_and_an_enterprise_without_reports_has_none(staff_client):
    reported = make_enterprise("Keripik Sambal Ibu Ros")
    YearlyReport.objects.create(enterprise=reported, year=2022, omzet=150_000_000, capital=40_000_000)
    YearlyReport.objects.create(enterprise=reported, year=2024, omzet=480_000_000)
    YearlyReport.objects.create(enterprise=reported, year=2023, omzet=310_000_000, capital=60_000_000)
    make_enterprise("Usaha Baru Tanpa Laporan")

    rows = {row["nama_usaha"]: row for row in csv_rows(content_of(staff_client.get(export_url("csv"))))}

    latest = rows["Keripik Sambal Ibu Ros"]
    assert (latest["omzet_terakhir"], latest["tahun_omzet"], latest["modal_terakhir"]) == (
        "480000000", "2024", "60000000")  # the newest year with each figure
    empty = rows["Usaha Baru Tanpa Laporan"]
    assert (empty["omzet_terakhir"], empty["tahun_omzet"], empty["modal_terakhir"]) == ("", "", "")


def test_the_xlsx_opens_with_the_same_rows_and_amounts_as_rupiah_numbers(staff_client, registry_sample):
    csv_data = content_of(staff_client.get(export_url("csv")))
    response = staff_client.get(export_url("xlsx"))
    xlsx_data = content_of(response)

    assert re.fullmatch(r'attachment; filename="umkm_\d{4}-\d{2}-\d{2}_\d{4}\.xlsx"', response["Content-Disposition"])
    from_csv = [{k: v or None for k, v in row.items()} for row in csv_rows(csv_data)]
    from_xlsx = [{k: None if v is None else str(v) for k, v in row.items()} for row in xlsx_rows(xlsx_data)]
    assert from_xlsx == from_csv
    sheet = load_workbook(io.BytesIO(xlsx_data)).active
    header = [cell.value for cell in sheet[1]]
    omzet = next(row[header.index("omzet_terakhir")] for row in sheet.iter_rows(min_row=2) if row[1].value ==
                 "Kopi Sidikalang Medan")
    assert omzet.value == 2_400_000_000 and omzet.data_type == "n" and "Rp" in omzet.number_format
    assert sheet.freeze_panes == "A2" and sheet.title == "UMKM"


def test_a_name_that_looks_like_a_formula_stays_text(staff_client):
    make_enterprise('=HYPERLINK("http://contoh.invalid","klik")')

    (csv_row,) = csv_rows(content_of(staff_client.get(export_url("csv"))))
    sheet = load_workbook(io.BytesIO(content_of(staff_client.get(export_url("xlsx"))))).active

    assert csv_row["nama_usaha"] == '\'=HYPERLINK("http://contoh.invalid","klik")'  # our importer strips the '
    cell = sheet.cell(row=2, column=2)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://contoh.invalid","klik")', "s")


def test_a_new_sheet_starts_every_rows_per_sheet_rows_each_with_the_header(monkeypatch):
    monkeypatch.setattr(exports, "ROWS_PER_SHEET", 2)
    made = [make_enterprise(f"Usaha Lembar {n}") for n in range(5)]

    out = io.BytesIO()
    written = exports.write_xlsx(Enterprise.objects.all(), out)

    workbook = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    assert written == 5 and workbook.sheetnames == ["UMKM", "UMKM 2", "UMKM 3"]
    assert all(next(s.iter_rows(values_only=True))[:2] == ("id", "nama_usaha") for s in workbook.worksheets)
    assert [row["id"] for row in xlsx_rows(out.getvalue())] == sorted(e.pk for e in made)


def test_an_export_runs_the_same_queries_for_few_and_many_enterprises(staff_client):
    def queries(fmt: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            content_of(staff_client.get(export_url(fmt), {"regency": "12.71"}))
        return len(captured)

    make_enterprise("Satu-satunya")
    few = {fmt: queries(fmt) for fmt in ("csv", "xlsx")}
    for n in range(12):
        owner = make_owner(f"Pemilik {n}")
        enterprise = make_enterprise(f"Usaha {n}", owner=owner)
        YearlyReport.objects.create(enterprise=enterprise, year=2024, omzet=n * 1_000_000, capital=n)
    assert {fmt: queries(fmt) for fmt in ("csv", "xlsx")} == few


# --- wrong input -------------------------------------------------------------------------------------


def test_an_unknown_filter_value_is_refused_with_a_message_naming_the_filter(staff_client):
    response = staff_client.get(export_url("csv"), {"regency": "99.99"}, follow=True)

    text = response.content.decode()
    assert response.redirect_chain[0][0].startswith(LIST) and "regency=99.99" in response.redirect_chain[0][0]
    assert "kabupaten/kota" in text and "99.99" in text and "tidak dikenal" in text
    assert not JobRun.objects.exists()


def test_an_unknown_format_is_not_found(staff_client):
    assert staff_client.get(export_url("pdf")).status_code == 404


def test_only_staff_who_may_see_enterprises_export_and_signed_out_visitors_go_to_the_login():
    response = Client().get(export_url("csv"))
    assert response.status_code == 302 and "login" in response["Location"]
    assert client_for(make_user(staff=False)).get(export_url("csv")).status_code == 403
    assert client_for(make_user(staff=True)).get(export_url("csv")).status_code == 403


# --- large exports: background jobs ------------------------------------------------------------------


@pytest.fixture
def large(monkeypatch, media):
    """Three enterprises, and a limit of two for a direct download: every export here is large."""
    monkeypatch.setattr(exports, "INLINE_MAX", 2)
    owner = make_owner("Budi Santoso", nik=VALID_NIK_MAN)
    return [make_enterprise(f"Usaha Besar {n}", regency="12.71", owner=owner) for n in range(3)] + [
        make_enterprise("Usaha Binjai", regency="12.75", district="12.75.01")
    ]


def start_export(client, fmt, params, django_capture_on_commit_callbacks):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{export_url(fmt)}?{query}")
    assert response.status_code == 302, response.status_code
    return JobRun.objects.get(kind="export"), response


def test_a_large_export_asks_first_and_starts_nothing_until_confirmed(staff_client, large):
    response = staff_client.get(export_url("csv"), {"regency": "12.71"})

    text = response.content.decode()
    assert response.status_code == 200 and "Mulai ekspor CSV" in text
    assert "Kota Medan (12.71)" in text and "latar belakang" in text
    assert not JobRun.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_export_becomes_a_job_whose_page_links_the_finished_file(
    staff, staff_client, large, media, fmt, django_capture_on_commit_callbacks
):
    job, response = start_export(staff_client, fmt, {"regency": "12.71"}, django_capture_on_commit_callbacks)

    assert response["Location"] == reverse("admin:registry_jobrun_change", args=[job.pk])
    assert (job.status, job.done, job.total, job.started_by) == (JobStatus.DONE, 3, 3, staff)
    assert job.params == {"format": fmt, "filters": {"regency": "12.71"}}
    assert re.fullmatch(rf"umkm_\d{{4}}-\d{{2}}-\d{{2}}_\d{{4}}\.{fmt}", job.result_name)
    assert (media / job.result_file.name).is_file() and job.result_file.name.startswith("jobs/")

    page = staff_client.get(response["Location"]).content.decode()
    download = reverse("registry:export-download", args=[job.pk])
    assert f'href="{download}"' in page and job.result_name in page and "Kota Medan" in page
    assert "js/job_download.js" in page
    progress = staff_client.get(reverse("registry:jobrun-progress", args=[job.pk])).json()
    assert (progress["download_url"], progress["download_label"], progress["percent"]) == (
        download, job.result_name, 100)

    file = staff_client.get(download)
    assert file["Content-Disposition"] == f'attachment; filename="{job.result_name}"'
    data = content_of(file)
    rows = csv_rows(data) if fmt == "csv" else xlsx_rows(data)
    assert sorted(int(row["id"]) for row in rows) == sorted(e.pk for e in large[:3])
    assert all(row["nik_pemilik"] == MASKED_MAN for row in rows)


def test_a_finished_export_is_downloaded_by_its_starter_and_staff_who_see_runs_and_nobody_else(
    large, django_capture_on_commit_callbacks
):
    starter = make_user("pemula_ekspor", staff=True)  # may see enterprises, not the other runs
    starter.user_permissions.add(Permission.objects.get(content_type__app_label="registry", codename="view_enterprise"))
    job, _ = start_export(client_for(starter), "csv", {}, django_capture_on_commit_callbacks)
    download = reverse("registry:export-download", args=[job.pk])
    page = reverse("admin:registry_jobrun_change", args=[job.pk])
    progress = reverse("registry:jobrun-progress", args=[job.pk])

    assert content_of(client_for(starter).get(download)).startswith(b"id,nama_usaha,")
    assert client_for(starter).get(page).status_code == 200 and client_for(starter).get(progress).status_code == 200
    assert client_for(starter).get(JOBS).status_code == 403  # their own run only
    assert content_of(client_for(make_staff()).get(download)).startswith(b"id,nama_usaha,")

    other_staff = make_user(staff=True)
    other_staff.user_permissions.add(
        Permission.objects.get(content_type__app_label="registry", codename="view_enterprise"))
    assert client_for(other_staff).get(download).status_code == 404
    assert client_for(other_staff).get(page).status_code == 403
    assert client_for(make_user(staff=False)).get(download).status_code == 404
    anonymous = Client().get(download)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert client_for(make_staff()).get(reverse("registry:export-download", args=[job.pk + 1])).status_code == 404


def test_a_running_or_failed_export_has_nothing_to_download(staff, staff_client, media):
    for status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.FAILED):
        job = JobRun.objects.create(kind="export", status=status, started_by=staff, params={"format": "csv"},
                                    result_name="umkm_2026-11-23_1405.csv")
        assert staff_client.get(reverse("registry:export-download", args=[job.pk])).status_code == 404
        page = staff_client.get(reverse("admin:registry_jobrun_change", args=[job.pk])).content.decode()
        assert re.search(r'<a [^>]*data-field="download_label"[^>]* hidden>', page)  # shown when it is done


def test_a_redelivered_export_message_writes_nothing_twice(staff, large, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_start(filters={"regency": "12.71"}, fmt="csv", user=staff)
    job.refresh_from_db()
    first = job.result_file.name

    services.export_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.result_file.name) == (JobStatus.DONE, first)
    assert [p.name for p in (media / "jobs").iterdir()] == [first.split("/")[-1]]


def test_an_export_whose_stored_filters_no_longer_hold_fails_with_the_reason(staff, media):
    job = JobRun.objects.create(kind="export", started_by=staff, params={"format": "csv", "filters": {"regency": "99"}},
                                result_name="umkm_2026-11-23_1405.csv")

    services.export_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.result_file
    assert job.error.startswith("Ekspor gagal:") and "“99” tidak dikenal" in job.error


def test_a_wrong_filter_or_format_starts_no_job(staff):
    with pytest.raises(services.ValidationError) as error:
        services.export_start(filters={"formal": "mungkin"}, fmt="csv", user=staff)
    assert "formal" in error.value.message_dict
    with pytest.raises(services.ValidationError) as error:
        services.export_start(filters={}, fmt="pdf", user=staff)
    assert "format" in error.value.message_dict
    assert not JobRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_progress_is_committed_while_the_export_still_runs(monkeypatch):
    monkeypatch.setattr(exports, "PROGRESS_SECONDS", 0)
    job = JobRun.objects.create(kind="export", status=JobStatus.RUNNING, total=10)
    progress = exports.JobProgress(job.pk)
    try:
        with transaction.atomic():
            # The export's own connection is inside its long read; the count shows to everyone at once.
            progress(4)
            job.refresh_from_db()
            assert job.done == 4
    finally:
        progress.close()


# --- lists of other apps: registered datasets ---------------------------------------------------------


@pytest.fixture
def names_dataset():
    """A small list registered as csr and plut register theirs (from AppConfig.ready), over enterprises."""
    dataset = exports.register(exports.Dataset(
        key="uji.nama", model=Enterprise, title="Nama uji", file_prefix="nama_uji",
        filters={"regency": exports.Filter("kabupaten/kota", "regency_id", "regency__code__exact",
                                           lambda: [("12.71", "Kota Medan"), ("12.75", "Kota Binjai")])},
        columns=lambda user: [
            exports.Column("Nama usaha", "name", width=30),
            exports.Column("Kabupaten/kota", "regency__name", "code"),
            exports.Column("Dibuat (WIB)", "created_at", "datetime"),
        ],
    ))
    yield dataset
    exports.DATASETS.pop("uji.nama")


def test_csr_and_plut_register_their_lists_and_the_registry_imports_neither():
    from pathlib import Path

    assert {"csr.support", "plut.servicerequest"} <= set(exports.DATASETS)
    registry_dir = Path(exports.__file__).parent
    for source in registry_dir.rglob("*.py"):
        text = source.read_text()
        assert not re.search(r"^\s*(from|import) (csr|plut)\b", text, re.MULTILINE), source


def test_a_registered_list_exports_the_same_queries_for_few_and_many_rows(staff, names_dataset):
    def queries(fmt: str) -> int:
        url = reverse("registry:dataset-export", args=["uji.nama", fmt])
        with CaptureQueriesContext(connection) as captured:
            content_of(client_for(staff).get(url, {"regency__code__exact": "12.71"}))
        return len(captured)

    make_enterprise("Satu")
    few = {fmt: queries(fmt) for fmt in ("csv", "xlsx")}
    for n in range(15):
        make_enterprise(f"Usaha {n}")
    assert {fmt: queries(fmt) for fmt in ("csv", "xlsx")} == few


def test_a_registered_list_writes_jakarta_times_and_text_that_never_runs_as_a_formula(staff, names_dataset):
    from datetime import UTC, datetime

    made = make_enterprise('=HYPERLINK("http://contoh.invalid","klik")', regency="12.75", district="12.75.01")
    Enterprise.objects.filter(pk=made.pk).update(created_at=datetime(2026, 11, 23, 20, 30, tzinfo=UTC))
    url = reverse("registry:dataset-export", args=["uji.nama", "csv"])

    (row,) = csv_rows(content_of(client_for(staff).get(url)))
    sheet = load_workbook(io.BytesIO(content_of(client_for(staff).get(url.replace("/csv/", "/xlsx/"))))).active

    assert row == {"Nama usaha": '\'=HYPERLINK("http://contoh.invalid","klik")', "Kabupaten/kota": "Kota Binjai",
                   "Dibuat (WIB)": "2026-11-24 03:30"}  # 20.30 UTC is 03.30 the next day in Jakarta
    name, _regency, created = sheet[2]
    assert (name.value, name.data_type) == ('=HYPERLINK("http://contoh.invalid","klik")', "s")
    assert created.value == datetime(2026, 11, 24, 3, 30) and sheet.title == "Nama uji"


def test_a_registered_list_refuses_an_unknown_filter_value_naming_the_filter(staff, names_dataset):
    with pytest.raises(services.ValidationError) as error:
        names_dataset.queryset({"regency": "99.99"}, staff)
    assert "kabupaten/kota" in error.value.messages[0] and "99.99" in error.value.messages[0]
    with pytest.raises(services.ValidationError):
        names_dataset.queryset({}, None)  # no user, nothing to scope by: refused, never everything


def test_a_regency_offices_export_of_a_registered_list_is_scoped_in_the_worker(names_dataset, media):
    from registry.models import StaffRegion

    make_enterprise("Usaha Medan")
    make_enterprise("Usaha Binjai", regency="12.75", district="12.75.01")
    binjai_staff = make_staff("petugas_binjai_uji")
    StaffRegion.objects.create(user=binjai_staff, regency_id="12.75")
    job = services.export_start(filters={}, fmt="csv", user=binjai_staff, dataset="uji.nama", enqueue=False)

    services.export_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result_name.startswith("nama_uji_")
    assert [row["Nama usaha"] for row in csv_rows(job.result_file.read())] == ["Usaha Binjai"]
