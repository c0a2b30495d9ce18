"""Importing enterprises through the admin: upload, header check or column mapping, the run's page with its
counts and guarded rejection report, dry runs, refused files, retries, and the possible-duplicates list."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from registry import services
from registry.models import (
    ColumnMapping,
    DuplicateStatus,
    Enterprise,
    JobRun,
    JobStatus,
    PossibleDuplicate,
)
from tests.factories import VALID_NIK_MAN, make_enterprise, make_owner, make_staff, make_user

pytestmark = pytest.mark.django_db

FILES = Path(__file__).resolve().parent.parent / "importing" / "files"
UPLOAD = "/registri/impor/"
# A regency's own header, which no alias knows: staff must map it.
UNKNOWN_HEADER = (
    "Nama Dagang,Nomor Identitas,Yang Punya,Daerah,Hasil Setahun,Periode\n"
    f"Warung Uji Pemetaan,{VALID_NIK_MAN},Budi Santoso,Kota Medan,Rp 250.000.000,2024\n"
)
UNKNOWN_MAPPING = {"col_0": "nama_usaha", "col_1": "nik_pemilik", "col_2": "nama_pemilik", "col_3": "kabupaten_kota",
                   "col_4": "omzet_tahunan", "col_5": "tahun_laporan"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def with_perms(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="registry", codename__in=codenames))
    return user


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def importer():
    """Staff who may import but not see other people's runs: they follow their own run only."""
    return with_perms(make_user("pengimpor", staff=True), "add_jobrun", "add_enterprise", "view_enterprise")


def upload(client, name: str, content: bytes, **options):
    data = {"file": SimpleUploadedFile(name, content), "report_format": "xlsx", **options}
    return client.post(UPLOAD, data)


def upload_file(client, name: str, **options):
    return upload(client, name, (FILES / name).read_bytes(), **options)


def start(client, header_url: str, django_capture_on_commit_callbacks, data=None) -> JobRun:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(header_url, data or {"action": "start"})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = JobRun.objects.get(kind=services.IMPORT_KIND, pk=int(response["Location"].rstrip("/").split("/")[-2]))
    assert response["Location"] == reverse("admin:registry_jobrun_change", args=[job.pk])
    return job


def test_a_recognised_file_is_imported_and_its_page_shows_the_counts_and_the_report(
    importer, django_capture_on_commit_callbacks
):
    client = client_for(importer)
    response = upload_file(client, "clean.csv")
    assert response.status_code == 302
    header_url = response["Location"]

    page = client.get(header_url).content.decode()
    assert "Mulai impor" in page
    assert "Nama usaha" in page and "Kode wilayah" in page
    assert "Keripik Sambal Bu Ros" in page  # the first rows are previewed

    before = Enterprise.objects.count()
    job = start(client, header_url, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.summary["added"] == 3 and job.summary["rejected"] == 0
    assert Enterprise.objects.count() == before + 3
    assert set(Enterprise.objects.values_list("name", flat=True)) >= {"Keripik Sambal Bu Ros", "Bengkel Las Sinar"}

    page = client.get(reverse("admin:registry_jobrun_change", args=[job.pk])).content.decode()
    assert "Ditambahkan: <strong>" in page
    assert 'data-field="added_label">3<' in page
    assert 'data-field="rejected_label">0<' in page
    report_url = reverse("registry:import-report", args=[job.pk])
    assert report_url in page
    response = client.get(report_url)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'laporan_impor_{job.pk}.xlsx"')

    # The uploaded file waits no longer: the session forgot it and the header page sends back to the upload.
    assert client.get(header_url)["Location"] == UPLOAD


def test_the_rejection_report_is_refused_to_other_users_and_anonymous_visitors(
    importer, django_capture_on_commit_callbacks
):
    client = client_for(importer)
    job = start(client, upload_file(client, "semicolon_bom.csv")["Location"], django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.summary["rejected"] >= 1  # the NIK Excel turned into 1.27101E+15
    report_url = reverse("registry:import-report", args=[job.pk])
    assert client.get(report_url).status_code == 200

    other_importer = with_perms(make_user("pengimpor_lain", staff=True), "add_jobrun", "add_enterprise",
                                "view_enterprise")
    assert client_for(other_importer).get(report_url).status_code == 404
    assert client_for(make_user("bukan_petugas")).get(report_url).status_code == 404
    assert client_for(other_importer).get(reverse("admin:registry_jobrun_change", args=[job.pk])).status_code != 200
    # Staff who may see all runs download it too.
    assert client_for(make_staff("petugas_proses")).get(report_url).status_code == 200
    anonymous = Client().get(report_url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_an_unknown_header_asks_for_a_mapping_which_imports_and_is_remembered_for_the_regency(
    importer, django_capture_on_commit_callbacks
):
    client = client_for(importer)
    header_url = upload(client, "umkm_kota_medan.csv", UNKNOWN_HEADER.encode(), regency="12.71")["Location"]
    page = client.get(header_url).content.decode()
    assert "petakan kolom berkas" in page
    assert 'name="col_0"' in page and "— abaikan kolom ini —" in page
    assert "Ingat pemetaan ini untuk berkas berikutnya dari Kota Medan" in page

    # Choosing no column for the enterprise name is refused with the reason.
    response = client.post(header_url, {"action": "map", "baris": "1", "col_1": "nik_pemilik"})
    assert response.status_code == 200
    assert "Nama usaha: kolom ini wajib" in response.content.decode()

    job = start(client, header_url, django_capture_on_commit_callbacks,
                {"action": "map", "baris": "1", "remember": "on", **UNKNOWN_MAPPING})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.summary["added"] == 1
    enterprise = Enterprise.objects.get(name="Warung Uji Pemetaan")
    assert enterprise.regency_id == "12.71"
    assert enterprise.owner.nik == VALID_NIK_MAN and enterprise.owner.name == "Budi Santoso"
    assert enterprise.yearly_reports.get(year=2024).omzet == 250_000_000
    remembered = ColumnMapping.objects.get(regency_id="12.71")
    assert remembered.mapping["nama dagang"] == "nama_usaha"

    # The next file from Kota Medan with the same header goes straight to "Mulai impor".
    header_url = upload(client, "umkm_kota_medan_2.csv", UNKNOWN_HEADER.encode(), regency="12.71")["Location"]
    page = client.get(header_url).content.decode()
    assert "Memakai pemetaan kolom yang diingat untuk Kota Medan" in page
    assert 'name="col_0"' not in page
    job = start(client, header_url, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.summary["unchanged"] == 1 and job.summary["added"] == 0

    # From another regency the same header still asks.
    header_url = upload(client, "umkm_binjai.csv", UNKNOWN_HEADER.encode(), regency="12.75")["Location"]
    assert 'name="col_0"' in client.get(header_url).content.decode()


def test_a_dry_run_changes_nothing_and_says_so(importer, django_capture_on_commit_callbacks):
    client = client_for(importer)
    header_url = upload_file(client, "clean.csv", dry_run="on")["Location"]
    assert "Uji coba:" in client.get(header_url).content.decode()
    before = Enterprise.objects.count()
    job = start(client, header_url, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.summary["dry_run"] is True and job.summary["added"] == 3
    assert Enterprise.objects.count() == before
    page = client.get(reverse("admin:registry_jobrun_change", args=[job.pk])).content.decode()
    assert "Impor — uji coba, tidak disimpan" in page
    assert "Uji coba: tidak ada data yang disimpan." in page


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("umkm.xls", ".xls (Excel 97–2003) tidak didukung"),
        ("umkm.pdf", "jenis berkas &#x27;umkm.pdf&#x27; tidak didukung; unggah berkas .csv atau .xlsx"),
    ],
)
def test_a_file_of_another_type_is_refused_in_indonesian(importer, name, message):
    response = upload(client_for(importer), name, b"nama_usaha,kode_wilayah\nUsaha,12.71\n")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not JobRun.objects.filter(kind=services.IMPORT_KIND).exists()


def test_a_file_over_the_size_limit_is_refused_in_indonesian(importer, settings):
    settings.IMPORT_UPLOAD_MAX_BYTES = 100
    response = upload_file(client_for(importer), "clean.csv")
    assert response.status_code == 200
    assert "melebihi batas" in response.content.decode()


def test_an_unreadable_workbook_sends_back_to_the_upload_with_the_reason(importer):
    client = client_for(importer)
    header_url = upload(client, "rusak.xlsx", b"bukan berkas excel")["Location"]
    response = client.get(header_url, follow=True)
    assert "Berkas XLSX tidak bisa dibaca" in response.content.decode()


def test_importing_needs_the_permission_and_a_session_token_that_is_ours(importer, client):
    staff_without = make_user("hanya_lihat", staff=True)
    assert client_for(staff_without).get(UPLOAD).status_code == 403
    assert client.get(UPLOAD).status_code == 302  # anonymous: to the login page
    # A token from another session (or made up) names no file.
    header_url = upload_file(client_for(importer), "clean.csv")["Location"]
    other = client_for(with_perms(make_user("pengimpor_2", staff=True), "add_jobrun", "add_enterprise"))
    assert other.get(header_url)["Location"] == UPLOAD


def test_the_import_page_is_linked_from_the_enterprise_list_and_the_runs_list(importer):
    client = client_for(make_staff("petugas_daftar"))
    assert UPLOAD in client.get("/admin/registry/enterprise/").content.decode()
    assert UPLOAD in client.get("/admin/registry/jobrun/").content.decode()


def test_a_failed_import_shows_its_error_and_can_be_run_again(importer, django_capture_on_commit_callbacks):
    job = services.import_start(file=SimpleUploadedFile("clean.csv", (FILES / "clean.csv").read_bytes()),
                                user=importer, filename="clean.csv", enqueue=False)
    JobRun.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="Impor berhenti: koneksi terputus")
    client = client_for(importer)
    page = client.get(reverse("admin:registry_jobrun_change", args=[job.pk])).content.decode()
    assert "Impor berhenti: koneksi terputus" in page
    assert "Coba lagi" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:import-retry", args=[job.pk]))
    retry = JobRun.objects.exclude(pk=job.pk).get(kind=services.IMPORT_KIND)
    assert response["Location"] == reverse("admin:registry_jobrun_change", args=[retry.pk])
    retry.refresh_from_db()
    assert retry.status == JobStatus.DONE, retry.error
    assert retry.summary["added"] == 3


def test_possible_duplicates_are_listed_side_by_side_with_the_nik_masked_and_can_be_marked(importer):
    owner = make_owner("Budi Santoso", nik=VALID_NIK_MAN)
    first = make_enterprise("Kedai Kopi Budi", owner=owner, district="12.71.01")
    second = make_enterprise("Kedai Kopi Budi Jaya", owner=owner, district="12.71.01")
    elsewhere = make_enterprise("Usaha Lain", regency="12.07", district=None)
    pair = PossibleDuplicate.objects.create(enterprise=first, other=second, similarity=0.82)
    staff = with_perms(make_staff("petugas_duplikat"), "view_possibleduplicate", "change_possibleduplicate")
    client = client_for(staff)

    page = client.get("/admin/registry/possibleduplicate/").content.decode()
    assert "Kedai Kopi Budi</a>" in page and "Kedai Kopi Budi Jaya</a>" in page
    assert "82%" in page and "1271********0001" in page
    assert VALID_NIK_MAN not in page
    assert "Usaha Lain" not in page
    assert "Kedai Kopi Budi" not in client.get("/admin/registry/possibleduplicate/?regency=12.07").content.decode()
    assert "Kedai Kopi Budi" in client.get(
        "/admin/registry/possibleduplicate/?regency=12.71&district=12.71.01").content.decode()
    assert elsewhere.pk

    client.post("/admin/registry/possibleduplicate/", {"action": "mark_distinct", "_selected_action": [pair.pk]})
    pair.refresh_from_db()
    assert pair.status == DuplicateStatus.DISTINCT and pair.reviewed_by == staff
    assert Enterprise.objects.filter(pk__in=[first.pk, second.pk]).count() == 2  # never merged


def test_remembered_mappings_can_be_read_and_deleted_but_not_added(importer):
    mapping = ColumnMapping.objects.create(regency_id="12.71", signature="a" * 64, headers=["Nama Dagang"],
                                           mapping={"nama dagang": "nama_usaha"})
    staff = with_perms(make_staff("petugas_pemetaan"), "view_columnmapping", "delete_columnmapping")
    client = client_for(staff)
    page = client.get("/admin/registry/columnmapping/").content.decode()
    assert "Kota Medan" in page and "Nama Dagang" in page
    detail = client.get(f"/admin/registry/columnmapping/{mapping.pk}/change/").content.decode()
    assert "Nama usaha" in detail
    assert client.get("/admin/registry/columnmapping/add/").status_code == 403
    client.post(f"/admin/registry/columnmapping/{mapping.pk}/delete/", {"post": "yes"})
    assert not ColumnMapping.objects.filter(pk=mapping.pk).exists()
