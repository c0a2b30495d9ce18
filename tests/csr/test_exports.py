"""Exports of the CSR supports list (CSV, XLSX): the admin list's rows under the same filters, scoped like the
list (a regency office its regency's, a company its own), and large ones through the registry's export job."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from csr import services
from csr.models import Support
from registry import exports
from registry import services as registry_services
from registry.models import JobRun, JobStatus, StaffRegion
from tests.export_files import client_for, content_of, csv_rows, xlsx_rows
from tests.factories import VALID_NIK_MAN, make_owner, make_staff, make_user

from .conftest import make_classed, make_company, make_officer, make_programme

pytestmark = pytest.mark.django_db

LIST = "/admin/csr/support/"
HEADER = [
    "ID dukungan", "Perusahaan", "Program", "ID UMKM", "Nama usaha", "NIB", "Kabupaten/kota", "Kecamatan",
    "Jenis dukungan", "Status", "Mulai", "Selesai", "Nilai (Rp)", "Kelas saat mulai", "Kelas usaha sekarang",
    "Tingkat sekarang", "Naik kelas pada (WIB)",
]


def export_url(fmt: str) -> str:
    return reverse("registry:dataset-export", args=["csr.support", fmt])


def ids(rows) -> list[int]:
    return sorted(int(row["ID dukungan"]) for row in rows)


@pytest.fixture
def world():
    officer, other_officer = make_officer("petugas_medan_co"), make_officer("petugas_binjai_co")
    medan_co = make_company("PT Medan Peduli", officer=officer)
    binjai_co = make_company("PT Binjai Sejahtera", officer=other_officer)
    medan_prog = make_programme(medan_co, "Program Medan", regencies=("12.71",))
    binjai_prog = make_programme(binjai_co, "Program Binjai", regencies=("12.75",))
    owner = make_owner("Budi Santoso", nik=VALID_NIK_MAN, phone="081234567890")
    kopi = make_classed("Kopi Medan", regency="12.71", district="12.71.01", owner=owner)
    bolu = make_classed("Bolu Meranti", regency="12.71", district="12.71.02")
    rambutan = make_classed("Rambutan Binjai", regency="12.75", district="12.75.01")
    start = services.support_start
    supports = {
        "kopi": start(programme=medan_prog, enterprise=kopi, kind="pelatihan", amount=1_500_000).support,
        "bolu": start(programme=medan_prog, enterprise=bolu, kind="pembiayaan", amount=25_000_000).support,
        "rambutan": start(programme=binjai_prog, enterprise=rambutan, kind="pelatihan").support,
    }
    services.support_end(support=supports["bolu"], status="selesai")
    return {"officer": officer, "other_officer": other_officer, "medan_prog": medan_prog, "binjai_prog": binjai_prog,
            **supports}


@pytest.fixture
def staff():
    return make_staff("petugas_csr_ekspor")


@pytest.mark.parametrize("params", [
    {}, {"status__exact": "aktif"}, {"status__exact": "selesai"}, {"kind__exact": "pelatihan"},
    {"kind__exact": "pelatihan", "status__exact": "aktif"}, {"q": "medan"}, {"q": "binjai"}, {"q": "kopi medan"},
], ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "unfiltered")
def test_the_export_holds_exactly_the_supports_the_filtered_admin_list_shows(staff, world, params):
    listed = client_for(staff).get(LIST, params)
    assert listed.status_code == 200 and "e" not in listed.wsgi_request.GET  # the admin accepted the filters
    shown = sorted(s.pk for s in listed.context["cl"].result_list)

    exported = csv_rows(content_of(client_for(staff).get(export_url("csv"), params)))

    assert ids(exported) == shown


def test_the_list_has_export_buttons_that_keep_its_filters(staff, world):
    text = client_for(staff).get(LIST, {"status__exact": "aktif", "q": "kopi"}).content.decode()

    for fmt in ("csv", "xlsx"):
        link = re.search(rf'href="({re.escape(export_url(fmt))}[^"]*)"', text).group(1).replace("&amp;", "&")
        assert {"status__exact=aktif", "q=kopi"} <= set(link.split("?", 1)[1].split("&"))


def test_csv_and_xlsx_open_with_indonesian_headers_labels_and_rupiah_and_no_nik_or_phone(staff, world):
    client = client_for(staff)
    csv_response = client.get(export_url("csv"))
    xlsx_response = client.get(export_url("xlsx"))
    csv_data, xlsx_data = content_of(csv_response), content_of(xlsx_response)

    assert re.fullmatch(r'attachment; filename="dukungan_csr_\d{4}-\d{2}-\d{2}_\d{4}\.csv"',
                        csv_response["Content-Disposition"])
    assert next(csv.reader(io.StringIO(csv_data.decode()))) == HEADER
    header, from_xlsx = xlsx_rows(xlsx_data)
    assert header == HEADER
    kopi = {row["Nama usaha"]: row for row in csv_rows(csv_data)}["Kopi Medan"]
    assert (kopi["Perusahaan"], kopi["Program"], kopi["Kabupaten/kota"]) == ("PT Medan Peduli", "Program Medan",
                                                                             "Kota Medan")
    assert (kopi["Jenis dukungan"], kopi["Status"], kopi["Nilai (Rp)"]) == ("Pelatihan", "Aktif", "1500000")
    bolu = {row["Nama usaha"]: row for row in from_xlsx}["Bolu Meranti"]
    assert bolu["Status"] == "Selesai" and bolu["Nilai (Rp)"] == 25_000_000 and bolu["Selesai"] is not None
    sheet = load_workbook(io.BytesIO(xlsx_data)).active
    amount = next(row[HEADER.index("Nilai (Rp)")] for row in sheet.iter_rows(min_row=2)
                  if row[HEADER.index("Nama usaha")].value == "Bolu Meranti")
    assert amount.data_type == "n" and "Rp" in amount.number_format
    for secret in (VALID_NIK_MAN, "081234567890", "1271********0001"):
        assert secret.encode() not in csv_data
        assert not any(secret in str(value) for row in from_xlsx for value in row.values())


def test_a_regency_office_exports_only_its_regencys_supports(world):
    medan_staff = make_staff("petugas_dinas_medan")
    StaffRegion.objects.create(user=medan_staff, regency_id="12.71")

    exported = csv_rows(content_of(client_for(medan_staff).get(export_url("csv"))))

    assert ids(exported) == sorted([world["kopi"].pk, world["bolu"].pk])
    assert {row["Kabupaten/kota"] for row in exported} == {"Kota Medan"}


def test_a_company_exports_its_programmes_beneficiaries_and_never_another_companys(world):
    officer = client_for(world["officer"])

    everything = csv_rows(content_of(officer.get(export_url("csv"))))
    assert ids(everything) == sorted([world["kopi"].pk, world["bolu"].pk])
    _header, active = xlsx_rows(content_of(officer.get(export_url("xlsx"), {"programme": world["medan_prog"].pk,
                                                                            "status": "aktif"})))
    assert [row["ID dukungan"] for row in active] == [world["kopi"].pk]
    # The programme's page offers the download of exactly this list.
    page = officer.get(reverse("csr:programme-detail", args=[world["medan_prog"].pk])).content.decode()
    assert f'{export_url("xlsx")}?programme={world["medan_prog"].pk}' in page
    # Another company's programme is not found, as its page is.
    assert officer.get(export_url("csv"), {"programme": world["binjai_prog"].pk}).status_code == 404


def test_signed_out_visitors_go_to_the_login_and_users_without_the_list_are_refused(world):
    response = Client().get(export_url("csv"))
    assert response.status_code == 302 and "login" in response["Location"]
    assert client_for(make_user(staff=True)).get(export_url("csv")).status_code == 403
    assert client_for(make_user(staff=False)).get(export_url("csv")).status_code == 403
    assert client_for(make_staff()).get(reverse("registry:dataset-export", args=["csr.nothing", "csv"])).status_code \
        == 404


def test_a_wrong_filter_goes_back_to_the_list_with_the_reason_and_starts_no_job(staff, world):
    response = client_for(staff).get(export_url("csv"), {"status__exact": "entah"}, follow=True)

    assert response.redirect_chain[0][0].startswith(LIST)
    assert "“entah” tidak dikenal" in response.content.decode()
    assert not JobRun.objects.exists()


# --- large exports: the registry's job ---------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_export_runs_as_a_job_whose_file_holds_the_filtered_rows(
    staff, world, media, monkeypatch, fmt, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "INLINE_MAX", 1)
    client = client_for(staff)
    asked = client.get(export_url(fmt), {"kind__exact": "pelatihan"})
    assert asked.status_code == 200 and f"Mulai ekspor {fmt.upper()}" in asked.content.decode()
    assert not JobRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{export_url(fmt)}?kind__exact=pelatihan")

    job = JobRun.objects.get(kind="export")
    assert response["Location"] == reverse("admin:registry_jobrun_change", args=[job.pk])
    assert (job.status, job.done, job.total, job.started_by) == (JobStatus.DONE, 2, 2, staff)
    assert job.params["dataset"] == "csr.support" and job.params["filters"] == {"kind": "pelatihan"}
    assert re.fullmatch(rf"dukungan_csr_\d{{4}}-\d{{2}}-\d{{2}}_\d{{4}}\.{fmt}", job.result_name)
    data = content_of(client.get(reverse("registry:export-download", args=[job.pk])))
    rows = csv_rows(data) if fmt == "csv" else xlsx_rows(data)[1]
    assert ids(rows) == sorted([world["kopi"].pk, world["rambutan"].pk])


def test_the_worker_scopes_a_job_by_its_starter_a_company_gets_only_its_own(world, media,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = registry_services.export_start(filters={}, fmt="csv", user=world["other_officer"],
                                             dataset="csr.support")
    job.refresh_from_db()

    assert job.status == JobStatus.DONE
    assert ids(csv_rows(job.result_file.read())) == [world["rambutan"].pk]


def test_the_worker_scopes_a_regency_offices_job_by_its_regency(world, media):
    binjai_staff = make_staff("petugas_dinas_binjai")
    StaffRegion.objects.create(user=binjai_staff, regency_id="12.75")
    job = registry_services.export_start(filters={}, fmt="xlsx", user=binjai_staff, dataset="csr.support",
                                         enqueue=False)

    registry_services.export_run(job_id=job.pk)

    job.refresh_from_db()
    _header, rows = xlsx_rows(job.result_file.read())
    assert job.status == JobStatus.DONE and [row["ID dukungan"] for row in rows] == [world["rambutan"].pk]
    assert Support.objects.count() == 3


def test_a_job_whose_starter_lost_the_list_exports_nothing(world, media):
    job = registry_services.export_start(filters={}, fmt="csv", user=world["officer"], dataset="csr.support",
                                         enqueue=False)
    world["officer"].is_active = False
    world["officer"].save()

    registry_services.export_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and csv_rows(job.result_file.read()) == []
