"""An MSME owner whose enterprise is in no registry and has no NIB, from a signed-out start on a phone, in a
real browser: sign up registering the enterprise (first forgetting its name), wait for PLUT staff (a second
browser context) to confirm it, report last year's capital and omzet and watch the class the real Celery worker
computes appear; staff then find the new enterprise, informal, in the admin registry list."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from plut.models import ClaimKind, ClaimStatus, EnterpriseClaim
from registry.models import Enterprise
from tests.e2e.journeys import new_page, plut_sign_in, reload_until, submit
from tests.factories import make_staff

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NAME = "Dodol Durian Mak Ucok"
LAST_YEAR = timezone.localdate().year - 1
PHONE = {"width": 390, "height": 844}


def fits_the_phone(page) -> None:
    """Nothing on the owner's screen needs sideways scrolling on the phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


def test_an_owner_without_a_nib_registers_a_new_enterprise_reports_figures_and_sees_its_class(
    e2e_browser, e2e_server, e2e_page, mail_worker, screenshots
):
    page, shot = e2e_page, screenshots("msme-register")
    staff = make_staff("petugas_plut")

    # Signed out, on a phone: from the catalogue to the sign-up form.
    page.set_viewport_size(PHONE)
    page.goto("/layanan/")
    submit(page, page.locator(".plut-nav").get_by_role("link", name="Daftar"))
    assert page.url.endswith("/layanan/daftar/")
    assert page.locator("h1").inner_text() == "Daftar di portal UMKM"

    # No NIB: the details of the new enterprise instead — but the name is forgotten.
    typed = {"username": "ucok_dodol", "full_name": "Ucok Harahap", "email": "ucok@dodoldurian.id",
             "address": "Jl. Pandu No. 12, Medan"}
    for name, value in typed.items():
        page.locator(f"#id_{name}").fill(value)
    for name in ("password1", "password2"):
        page.locator(f"#id_{name}").fill("Legit-Manis-Sumut-25")
    chosen = {"regency": "12.71 Kota Medan", "district": "12.71.01 Medan Kota", "sector": "10 Industri Makanan"}
    for name, label in chosen.items():
        page.locator(f"#id_{name}").select_option(label=label)
    submit(page, page.get_by_role("button", name="Daftar").last)
    assert page.url.endswith("/layanan/daftar/")
    name_field = page.locator(".field", has=page.locator("#id_name"))
    assert "has-error" in name_field.get_attribute("class"), page.locator("main").inner_text()
    assert name_field.locator(".error").inner_text() == \
        "Nama usaha (untuk usaha baru): Nama usaha wajib diisi untuk mendaftarkan UMKM baru."
    # Everything else typed or chosen is still there (passwords excepted, as on every sign-up form).
    for name, value in typed.items():
        assert page.locator(f"#id_{name}").input_value() == value, name
    for name, label in chosen.items():
        assert page.locator(f"#id_{name}").evaluate("e => e.selectedOptions[0].text") == label, name
    assert page.locator("#id_nib").input_value() == ""
    assert page.locator(".field.has-error").count() == 1
    assert not get_user_model().objects.filter(username="ucok_dodol").exists()  # nothing half-saved
    fits_the_phone(page)
    shot(page, "sign up name missing")

    page.locator("#id_name").fill(NAME)
    for name in ("password1", "password2"):
        page.locator(f"#id_{name}").fill("Legit-Manis-Sumut-25")
    shot(page, "sign up new enterprise")
    submit(page, page.get_by_role("button", name="Daftar").last)
    assert page.url.endswith("/layanan/portal/")
    assert "Akun dibuat. Petugas PLUT akan memverifikasi usaha Anda." in page.locator("main").inner_text()
    mine = page.locator("main section", has_text="Usaha saya")
    assert NAME in mine.inner_text() and "Menunggu verifikasi petugas" in mine.inner_text()
    assert mine.get_by_role("link", name="isi laporan tahunan").count() == 0  # not hers until confirmed
    assert not Enterprise.objects.filter(name=NAME).exists()  # not in the registry until staff confirm it
    fits_the_phone(page)
    shot(page, "portal registration waiting")

    # PLUT staff, in a second browser: the registration is in the claims queue; confirm it.
    staff_context, staff_page = new_page(e2e_browser, e2e_server)
    plut_sign_in(staff_page, staff.username)
    staff_page.goto("/layanan/klaim/")
    row = staff_page.locator("tbody tr", has_text="Ucok Harahap")
    cells = row.locator("td").all_inner_texts()
    assert "ucok@dodoldurian.id" in cells[0]
    assert cells[1] == "Pendaftaran UMKM baru"
    assert cells[2] == f"{NAME} — Kota Medan"
    assert cells[3] == "—"  # no NIB
    shot(staff_page, "staff claims")
    submit(staff_page, row.get_by_role("button", name="Konfirmasi"))
    assert "Klaim dikonfirmasi." in staff_page.locator("main").inner_text()
    assert "Tidak ada klaim yang menunggu." in staff_page.locator("tbody").inner_text()
    claim = EnterpriseClaim.objects.select_related("enterprise").get(user__username="ucok_dodol")
    assert (claim.kind, claim.status) == (ClaimKind.NEW, ClaimStatus.CONFIRMED)
    enterprise = claim.enterprise
    assert (enterprise.name, enterprise.nib, enterprise.regency_id, enterprise.district_id) == \
        (NAME, None, "12.71", "12.71.01")
    told = mail_worker.wait_for(f"Akun Anda kini terhubung dengan {NAME}", to="ucok@dodoldurian.id")
    assert "Anda dapat mengajukan layanan PLUT" in told

    # The owner reloads: the enterprise is his now. He reports last year's figures.
    page.reload()
    mine = page.locator("main section", has_text="Usaha saya")
    assert NAME in mine.inner_text() and "Dikonfirmasi" in mine.inner_text()
    submit(page, mine.get_by_role("link", name="isi laporan tahunan"))
    assert page.url.endswith(f"/layanan/usaha/{enterprise.pk}/laporan/")
    assert page.locator("h1").inner_text() == f"Laporan tahunan — {NAME}"
    assert page.locator("#id_year").input_value() == str(LAST_YEAR)
    page.locator("#id_capital").fill("1500000000")
    page.locator("#id_omzet").fill("3000000000")
    page.locator("#id_employees").fill("6")
    fits_the_phone(page)
    shot(page, "yearly figures")
    submit(page, page.get_by_role("button", name="Simpan"))
    saved_at = time.monotonic()
    assert page.url.endswith(f"/layanan/usaha/{enterprise.pk}/")
    assert "Laporan tahunan disimpan; kelas usaha akan dihitung ulang." in page.locator("main").inner_text()
    report_row = page.locator("table tbody tr").first.locator("td").all_inner_texts()
    assert report_row == [str(LAST_YEAR), "Rp3.000.000.000", "Rp1.500.000.000", "6"]

    # The class appears once the worker has recomputed it: omzet Rp3 M and capital Rp1,5 M are both "kecil".
    klass = page.locator("#kelas")
    reload_until(page, lambda: "Kecil" in klass.inner_text(), timeout=30, what="the class of the enterprise")
    assert time.monotonic() - saved_at < 30
    facts = klass.inner_text()
    assert "Kelas\nKecil" in facts
    assert klass.locator("#tahap").inner_text() == "Informal"  # no NIB yet: the first step of the ladder
    reason = klass.locator("dd").last.inner_text()
    assert reason.startswith(f"Omzet {LAST_YEAR} ") and "melebihi batas mikro" in reason, reason
    assert reason.endswith("belum memiliki NIB"), reason
    assert page.locator("main p.muted").first.inner_text().startswith("NIB — · Kota Medan")
    fits_the_phone(page)
    shot(page, "owner sees the class")

    # Staff find the new enterprise in the admin registry list by part of its name: small, without an NIB.
    staff_page.goto("/admin/registry/enterprise/")
    staff_page.locator("#searchbar").fill("durian mak")
    with staff_page.expect_navigation():
        staff_page.locator("#searchbar").press("Enter")
    rows = staff_page.locator("#result_list tbody tr")
    assert rows.count() == 1
    found = rows.first
    assert found.locator(".field-name").inner_text() == NAME
    assert found.locator(".field-nib").inner_text() == "-"
    assert found.locator(".field-regency_name").inner_text() == "Kota Medan"
    assert found.locator(".field-district_name").inner_text() == "Medan Kota"
    assert found.locator(".field-size_class").inner_text() == "Kecil"
    assert found.locator(".field-tier_column span").get_attribute("title") == "kecil, informal"
    assert found.locator(".field-formal img").get_attribute("alt") == "False"
    shot(staff_page, "registry list new enterprise")
    submit(staff_page, found.get_by_role("link", name="Lihat profil"))
    assert staff_page.url.endswith(f"/registri/umkm/{enterprise.pk}/")
    head = staff_page.locator(".page-head").inner_text()
    assert "Usaha Kecil" in head and "Informal" in head
    profile = staff_page.locator("#profil").inner_text()
    assert "NIB\nbelum ada" in profile and "Alamat\nJl. Pandu No. 12, Medan" in profile
    assert "belum memiliki NIB" in staff_page.locator("main").inner_text()
    shot(staff_page, "enterprise page informal")
    staff_context.close()
