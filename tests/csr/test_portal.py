import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from csr import services
from csr.models import Support
from registry.models import Enterprise

from .conftest import classed, make_classed, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, officer, company):
    client.force_login(officer)
    return client


def _graduated_support(programme):
    grows = make_classed("Tenun Ulos Grows", district="12.71.01")
    support = services.support_start(programme=programme, enterprise=grows, kind="pelatihan").support
    classed(grows, "kecil", 4)
    services.supports_graduate(enterprise_ids=[grows.pk])
    return support


def _portal_urls(programme, support):
    return [
        reverse("csr:programme-detail", args=[programme.pk]),
        reverse("csr:programme-edit", args=[programme.pk]),
        reverse("csr:beneficiary-search", args=[programme.pk]) + "?q=Usaha",
        reverse("csr:beneficiary-upload", args=[programme.pk]),
        reverse("csr:support-detail", args=[support.pk]),
    ]


def test_an_officer_gets_404_on_every_page_of_another_companys_programme(
    signed_in, other_programme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        support = _graduated_support(other_programme)
    for url in _portal_urls(other_programme, support):
        assert signed_in.get(url).status_code == 404, url
    newcomer = make_classed()
    for url, data in [
        (reverse("csr:support-reassign", args=[support.pk]), {"enterprise": newcomer.pk}),
        (reverse("csr:support-end", args=[support.pk]), {"status": "selesai"}),
        (reverse("csr:programme-edit", args=[other_programme.pk]), {"name": "Diambil alih"}),
        (
            reverse("csr:beneficiary-search", args=[other_programme.pk]),
            {"enterprise": newcomer.pk, "kind": "pelatihan"},
        ),
    ]:
        assert signed_in.post(url, data).status_code == 404, url
    support.refresh_from_db()
    assert support.status == "lulus" and not Support.objects.filter(enterprise=newcomer).exists()


def test_an_officer_sees_their_own_pages_without_the_owners_personal_data(
    signed_in, programme, django_capture_on_commit_callbacks
):
    from tests.factories import VALID_NIK_MAN, make_owner

    owner = make_owner("Budi Santoso", nik=VALID_NIK_MAN, phone="081234567890")
    with django_capture_on_commit_callbacks():
        support = _graduated_support(programme)
    Enterprise.objects.filter(pk=support.enterprise_id).update(owner=owner, address="Jl. Rahasia No. 7")
    make_classed("Kopi Sidikalang Calon", district="12.71.01")
    for url in _portal_urls(programme, support) + [reverse("csr:dashboard"), reverse("csr:impact")]:
        response = signed_in.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in ("Budi Santoso", "081234567890", VALID_NIK_MAN, "Rahasia", owner.nik_masked):
            assert secret not in html, (url, secret)


def test_a_signed_in_user_without_a_company_is_refused(client):
    from tests.factories import make_user

    client.force_login(make_user())
    assert client.get(reverse("csr:dashboard")).status_code == 403


def test_an_officer_creates_a_programme_for_their_own_company(signed_in, company):
    response = signed_in.post(reverse("csr:programme-create"), {
        "name": "Program UMKM Naik Kelas", "kinds": ["pelatihan"], "size_classes": ["mikro"], "tier_min": 1,
        "tier_max": 3, "starts_on": "2025-02-01", "status": "berjalan", "target_regencies": ["12.71"],
    })
    assert response.status_code == 302
    assert company.programmes.get().name == "Program UMKM Naik Kelas"


def test_a_programme_form_names_the_wrong_field(signed_in):
    response = signed_in.post(reverse("csr:programme-create"), {
        "name": "Rentang Salah", "kinds": ["pelatihan"], "size_classes": ["mikro"], "tier_min": 5, "tier_max": 2,
        "starts_on": "2025-02-01", "status": "berjalan",
    })
    assert response.status_code == 200
    assert "Tingkat tertinggi tidak boleh di bawah tingkat terendah" in response.content.decode()


def test_searching_and_adding_a_beneficiary_warns_of_another_companys_support(signed_in, programme, other_programme):
    enterprise = make_classed("Dodol Nanas Sipirok")
    services.support_start(programme=other_programme, enterprise=enterprise, kind="pelatihan", started_on="2025-04-02")
    url = reverse("csr:beneficiary-search", args=[programme.pk])
    assert "Dodol Nanas Sipirok" in signed_in.get(url, {"q": "dodol"}).content.decode()
    response = signed_in.post(url, {"enterprise": enterprise.pk, "kind": "pelatihan"}, follow=True)
    html = response.content.decode()
    assert "ditambahkan sebagai penerima" in html and "sejak 2 April 2025" in html
    assert "Bank Sumut" not in html
    assert programme.supports.filter(enterprise=enterprise, status="aktif").exists()


def _csv(text: str, name="penerima.csv"):
    upload = io.BytesIO(text.encode())
    upload.name = name
    return upload


def test_an_upload_reports_every_row_and_adds_nothing_twice(signed_in, programme):
    good = make_classed("Bakso Pak Min")
    outside = make_classed("Usaha Luar Sasaran", regency="12.12", district=None)
    url = reverse("csr:beneficiary-upload", args=[programme.pk])
    text = (
        f"NIB;jenis;nilai\n{good.nib};pelatihan;Rp1.500.000\n{good.nib};;\n9100000000000;;\n{outside.nib};;\n12ab;;\n"
    )
    response = signed_in.post(url, {"file": _csv(text), "kind": "pembiayaan"})
    html = response.content.decode()
    assert "1 ditambahkan, 0 sudah ada, 4 ditolak" in html
    assert "sudah ada di baris 2" in html and "tidak ditemukan di registri" in html
    assert "Kabupaten/kota UMKM bukan sasaran" in html and "NIB" in html
    support = programme.supports.get()
    assert (support.enterprise_id, support.kind, support.amount) == (good.pk, "pelatihan", 1_500_000)
    again = signed_in.post(url, {"file": _csv(text), "kind": "pembiayaan"}).content.decode()
    assert "0 ditambahkan, 1 sudah ada, 4 ditolak" in again
    assert programme.supports.count() == 1


def test_an_xlsx_upload_is_read_and_a_file_without_a_nib_column_is_refused(signed_in, programme):
    enterprise = make_classed()
    book = Workbook()
    book.active.append(["No", "NIB"])
    book.active.append([1, int(enterprise.nib)])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "penerima.xlsx"
    url = reverse("csr:beneficiary-upload", args=[programme.pk])
    assert "1 ditambahkan" in signed_in.post(url, {"file": data, "kind": "pelatihan"}).content.decode()
    wrong = signed_in.post(url, {"file": _csv("nama,alamat\nA,B\n"), "kind": "pelatihan"}).content.decode()
    assert "Kolom NIB tidak ditemukan" in wrong


def test_an_officer_moves_a_graduated_support_to_a_suggested_enterprise(
    signed_in, programme, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        support = _graduated_support(programme)
    near = make_classed("Calon Satu Kecamatan", district="12.71.01")
    html = signed_in.get(reverse("csr:support-detail", args=[support.pk])).content.decode()
    assert "Calon Satu Kecamatan" in html and "satu kecamatan dengan Tenun Ulos Grows" in html
    response = signed_in.post(reverse("csr:support-reassign", args=[support.pk]), {"enterprise": near.pk})
    assert response.status_code == 302
    support.refresh_from_db()
    assert support.status == "dialihkan" and support.reassigned_to.enterprise_id == near.pk


def test_the_impact_statement_downloads_as_xlsx_and_pdf(signed_in, programme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        _graduated_support(programme)
    make_programme(programme.company, "Program Kedua")
    page = signed_in.get(reverse("csr:impact")).content.decode()
    assert "Tenun Ulos Grows" in page and "Program Kedua" in page
    xlsx = signed_in.get(reverse("csr:impact-xlsx"))
    assert xlsx["Content-Disposition"].startswith("attachment")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).worksheets[1].values)
    assert rows[1][1] == "Tenun Ulos Grows" and rows[1][7] == "Mikro" and rows[1][9] == "Kecil"
    pdf = signed_in.get(reverse("csr:impact-pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_login_page_takes_an_officer_to_the_portal(client, officer, company):
    response = client.post(reverse("csr:login"), {"username": "petugas_a", "password": "rahasia-uji-123"})
    assert response.status_code == 302 and response["Location"] == reverse("csr:dashboard")
