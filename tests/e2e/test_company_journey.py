"""A company's CSR officer, from a signed-out start, in a real browser: sign in at the company portal, create a
programme for micro enterprises of Kota Medan, add beneficiaries (registry search, then a file of NIBs with its
per-row report), see one of them graduate (its figures saved through the registry service, the class recomputed
and the support marked by the real Celery worker), open the reassignment suggestions and accept one.
Real gunicorn, PostgreSQL, Redis and Celery worker."""

from __future__ import annotations

import pytest
from django.utils import timezone

from csr.models import Company, CompanyMember, Support, SupportStatus
from registry import services as registry_services
from registry.models import Enterprise, SupportSource
from sumut_umkm import roles
from tests.e2e.journeys import reload_until
from tests.factories import make_enterprise, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LAST_YEAR = timezone.localdate().year - 1
UNKNOWN_NIB = "9100000000000"


def micro(name: str, **kwargs) -> Enterprise:
    """An enterprise the graduation engine has classed micro, tier 1 (as tests/csr sets it up)."""
    enterprise = make_enterprise(name, **kwargs)
    Enterprise.objects.filter(pk=enterprise.pk).update(size_class="mikro", tier=1)
    enterprise.refresh_from_db()
    return enterprise


def test_an_officer_creates_a_programme_adds_beneficiaries_and_reassigns_the_support_of_one_that_graduated(
    e2e_page, celery_worker_process, screenshots
):
    page, shot = e2e_page, screenshots("company")
    officer = make_user("petugas_csr", role=roles.COMPANY_OFFICER, email="csr@perkebunan.co.id")
    company = Company.objects.create(legal_name="PT Perkebunan Nusantara Contoh", kind="bumn")
    CompanyMember.objects.create(user=officer, company=company)
    ulos = micro("Tenun Ulos Sinar Medan", district="12.71.01")
    coffee = micro("Kopi Sidikalang Mikro", district="12.71.01")
    chips = micro("Keripik Ubi Marelan", district="12.71.01")
    sambal = micro("Sambal Andaliman Medan", district="12.71.01")
    outside = micro("Bika Ambon Luar Kota", regency="12.12", district=None)
    # Sambal already had a PLUT counselling: it ranks after Keripik, which never received any support.
    registry_services.support_record_save(
        source=SupportSource.PLUT, source_key="plut.request:990001", enterprise_id=sambal.pk, kind="penyuluhan",
        provider="PLUT KUMKM Provinsi Sumatera Utara", started_on=timezone.localdate().replace(month=1, day=2),
        title="Penyuluhan dan konsultasi usaha",
    )

    # Signed out: the portal sends to its own login page.
    page.goto("/perusahaan/")
    assert "/perusahaan/login/" in page.url
    shot(page, "login")
    page.get_by_label("Nama pengguna").fill(officer.username)
    page.get_by_label("Kata sandi").fill("rahasia-uji-123")
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    assert page.url.endswith("/perusahaan/")
    assert "PT Perkebunan Nusantara Contoh" in page.locator(".portal-nav").inner_text()
    assert "Belum ada program." in page.locator("main").inner_text()
    shot(page, "dashboard empty")

    # A programme for micro enterprises of Kota Medan.
    page.get_by_role("link", name="Program baru").first.click()
    page.wait_for_load_state()
    page.get_by_label("Nama program").fill("Program Binaan Ulos dan Kuliner Medan")
    page.get_by_label("Pelatihan", exact=True).check()
    page.get_by_label("Pembiayaan", exact=True).check()
    page.get_by_label("Anggaran (Rp)").fill("250000000")
    page.locator("#id_starts_on").fill(f"{LAST_YEAR}-01-15")
    page.locator("#id_status").select_option("berjalan")
    page.get_by_label("Mikro", exact=True).check()
    page.locator("#id_tier_min").fill("1")
    page.locator("#id_tier_max").fill("12")
    page.get_by_label("12.71 Kota Medan", exact=True).check()
    shot(page, "programme form")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_load_state()
    programme = company.programmes.get()
    assert page.url.endswith(f"/perusahaan/program/{programme.pk}/")
    body = page.locator("main").inner_text()
    assert "Program Program Binaan Ulos dan Kuliner Medan disimpan." in body
    assert page.locator("h1").inner_text() == "Program Binaan Ulos dan Kuliner Medan"
    assert "Anggaran Rp250.000.000" in body
    assert "Sasaran: Mikro" in body and "Kota Medan" in body
    assert "Belum ada penerima." in body

    # A beneficiary found in the registry by part of its name; the enterprise outside Kota Medan is not offered.
    page.get_by_role("link", name="Tambah penerima dari registri").click()
    page.wait_for_load_state()
    page.get_by_label("Nama usaha atau NIB").fill("ulos")
    page.get_by_role("button", name="Cari").click()
    page.wait_for_load_state()
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "Tenun Ulos Sinar Medan" in rows.first.inner_text() and f"NIB {ulos.nib}" in rows.first.inner_text()
    rows.first.locator("select[name=kind]").select_option("pelatihan")
    rows.first.locator("input[name=amount]").fill("15000000")
    shot(page, "registry search")
    rows.first.get_by_role("button", name="Tambahkan").click()
    page.wait_for_load_state()
    assert "Tenun Ulos Sinar Medan ditambahkan sebagai penerima." in page.locator("main").inner_text()
    assert "Sudah penerima" in page.locator("table tbody tr").first.inner_text()
    page.get_by_label("Nama usaha atau NIB").fill("bika ambon")
    page.get_by_role("button", name="Cari").click()
    page.wait_for_load_state()
    assert "Tidak ada UMKM yang cocok di dalam sasaran program." in page.locator("main").inner_text()

    # A file of NIBs: one added, one unknown, one outside the programme's regencies, each row explained.
    page.goto(f"/perusahaan/program/{programme.pk}/")
    page.get_by_role("link", name="Unggah daftar NIB").click()
    page.wait_for_load_state()
    page.locator("input[type=file][name=file]").set_input_files(files=[{
        "name": "penerima.csv", "mimeType": "text/csv",
        "buffer": f"NIB;nilai\n{coffee.nib};Rp10.000.000\n{UNKNOWN_NIB};\n{outside.nib};\n".encode(),
    }])
    page.get_by_label("Jenis dukungan (bila kolom jenis kosong)").select_option("pembiayaan")
    page.get_by_role("button", name="Unggah").click()
    page.wait_for_load_state()
    report = page.locator("main").inner_text()
    assert "1 ditambahkan, 0 sudah ada, 2 ditolak." in report
    by_nib = {
        cells[1]: cells for cells in (row.locator("td").all_inner_texts() for row in page.locator("tbody tr").all())
    }
    assert by_nib[coffee.nib][2:4] == ["Kopi Sidikalang Mikro", "Ditambahkan"]
    assert by_nib[UNKNOWN_NIB][3] == "Ditolak" and "tidak ditemukan di registri" in by_nib[UNKNOWN_NIB][4]
    assert by_nib[outside.nib][3] == "Ditolak"
    assert "Kabupaten/kota UMKM bukan sasaran program." in by_nib[outside.nib][4]
    shot(page, "upload report")

    page.goto(f"/perusahaan/program/{programme.pk}/")
    listed = {row.locator("td").first.inner_text().split("\n")[0]: row.locator("td").all_inner_texts()
              for row in page.locator("tbody tr").all()}
    assert sorted(listed) == ["Kopi Sidikalang Mikro", "Tenun Ulos Sinar Medan"]
    assert listed["Kopi Sidikalang Mikro"][2] == "Pembiayaan" and listed["Kopi Sidikalang Mikro"][5] == "Aktif"
    assert listed["Tenun Ulos Sinar Medan"][4] == "Mikro (1)"
    shot(page, "programme with beneficiaries")

    # Last year's sales of Rp2,5 miliar, saved through the registry: the worker recomputes the class and the
    # CSR app marks the support as graduated. The officer only reloads the portal.
    registry_services.yearly_report_save(enterprise=ulos, year=LAST_YEAR, omzet=2_500_000_000)
    page.goto("/perusahaan/")
    reload_until(page, lambda: "naik kelas" in page.locator("main").inner_text().lower()
                 and page.locator("main section ul li").count() > 0, what="the graduated beneficiary")
    support = Support.objects.get(programme=programme, enterprise=ulos)
    assert support.status == SupportStatus.GRADUATED
    waiting = page.locator("main section").first
    assert "UMKM binaan yang naik kelas: dukungan dapat dialihkan" in waiting.inner_text()
    assert "Tenun Ulos Sinar Medan — Program Binaan Ulos dan Kuliner Medan" in waiting.inner_text()
    card = page.locator(".card").first.inner_text()
    assert "Penerima aktif: 1 · Naik kelas: 1" in card and "1 menunggu pengalihan" in card
    shot(page, "dashboard graduated beneficiary")

    page.goto(f"/perusahaan/program/{programme.pk}/")
    ulos_row = page.locator("tbody tr", has_text="Tenun Ulos Sinar Medan").locator("td").all_inner_texts()
    assert ulos_row[4].startswith("Kecil (")
    assert ulos_row[5] == "Naik kelas"
    assert ulos_row[6].startswith("naik kelas ")

    # The suggestions: never supported before ranks first, with the reason a person can check.
    page.get_by_role("link", name="Tenun Ulos Sinar Medan").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Tenun Ulos Sinar Medan"
    facts = page.locator("dl").inner_text()
    assert "Kelas saat mulai\nMikro (tingkat 1)" in facts and "Kelas sekarang\nKecil (tingkat" in facts
    assert "Naik kelas" in facts
    assert "Rp15.000.000" in page.locator("main").inner_text()
    suggestions = page.locator("main ol > li")
    names = [item.locator("strong").inner_text() for item in suggestions.all()]
    assert names[:2] == ["Keripik Ubi Marelan", "Sambal Andaliman Medan"], names
    assert "Kopi Sidikalang Mikro" not in names and "Bika Ambon Luar Kota" not in names
    first_reason = suggestions.first.locator(".reason").inner_text()
    assert first_reason == (
        "Belum pernah menerima pembinaan dari pihak mana pun; tingkat 1: mikro, informal; "
        "satu kecamatan dengan Tenun Ulos Sinar Medan."
    )
    assert suggestions.nth(1).locator(".reason").inner_text().startswith(
        f"Baru 1 kali menerima pembinaan (terakhir {timezone.localdate().year})"
    )
    shot(page, "reassignment suggestions")

    suggestions.first.get_by_role("button", name="Alihkan dukungan ke UMKM ini").click()
    page.wait_for_load_state()
    new = Support.objects.get(programme=programme, enterprise=chips)
    assert page.url.endswith(f"/perusahaan/dukungan/{new.pk}/")
    assert "Dukungan dialihkan ke Keripik Ubi Marelan." in page.locator("main").inner_text()
    assert page.locator("h1").inner_text() == "Keripik Ubi Marelan"
    facts = page.locator("dl").inner_text()
    assert "Dialihkan dari\nTenun Ulos Sinar Medan" in facts and "Aktif" in facts
    assert "Rp15.000.000" in page.locator("main").inner_text()  # the amount moves with the support
    shot(page, "support reassigned")

    page.goto(f"/perusahaan/program/{programme.pk}/")
    statuses = {row.locator("td").first.inner_text().split("\n")[0]: row.locator("td").nth(5).inner_text()
                for row in page.locator("tbody tr").all()}
    assert statuses == {
        "Keripik Ubi Marelan": "Aktif", "Kopi Sidikalang Mikro": "Aktif", "Tenun Ulos Sinar Medan": "Dialihkan",
    }
    page.goto("/perusahaan/")
    assert "menunggu pengalihan" not in page.locator("main").inner_text()
    shot(page, "programme after reassignment")
