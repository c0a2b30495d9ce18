"""An MSME owner, from a signed-out start, in a real browser: sign up with the NIB of an enterprise already in
the registry, wait for PLUT staff to confirm the claim (a second browser context), request a PLUT service and
follow it by reloading its page while staff accept and assign it and the consultant (a third context) schedules
and completes it; then rate it. The e-mails the real Celery worker sends are read too."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from plut.models import Centre, ClaimStatus, Consultant, EnterpriseClaim, ServiceRequest
from registry.models import SupportRecord
from sumut_umkm import roles
from tests.e2e.journeys import new_page, plut_sign_in
from tests.factories import make_enterprise, make_staff, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SERVICE = "Penyuluhan dan konsultasi usaha"
CENTRE = "PLUT KUMKM Provinsi Sumatera Utara"


def load_catalogue() -> None:
    """The services and centres plut's data migration loads (a transactional test's flush removed them)."""
    importlib.import_module("plut.migrations.0002_catalogue_centres").load(apps, None)


def status_of(page) -> str:
    """What the owner reads at the top of the request page after a reload."""
    page.reload()
    return page.locator("main h1 + p .badge").first.inner_text()


def move(page, to_label: str, **fields) -> None:
    """Staff or consultant: choose the next status on the request page, fill its fields and save."""
    page.locator("#id_to").select_option(label=to_label)
    for selector, value in fields.items():
        field = page.locator(f"#id_{selector}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    page.get_by_role("button", name="Simpan status").click()
    page.wait_for_load_state()
    assert "Status permohonan diperbarui." in page.locator("main").inner_text(), page.locator("main").inner_text()


def test_an_owner_signs_up_claims_an_enterprise_requests_a_service_follows_it_and_rates_it(
    e2e_browser, e2e_server, e2e_page, mail_worker, screenshots
):
    owner_page, shot = e2e_page, screenshots("msme")
    load_catalogue()
    centre = Centre.objects.get(code="plut-sumut")
    centre.head_email = "kepala@plut-sumut.id"
    centre.save()
    enterprise = make_enterprise("Keripik Pisang Barokah", regency="12.71", district="12.71.01")
    staff = make_staff("petugas_plut")
    consultant_user = make_user("konsultan_rina", role=roles.PLUT_CONSULTANT, email="rina@plut-sumut.id",
                                first_name="Rina", last_name="Siregar")
    Consultant.objects.create(user=consultant_user, centre=centre)

    # Signed out: the catalogue, then sign-up with the enterprise's NIB.
    owner_page.set_viewport_size({"width": 390, "height": 844})  # a phone, as owners use the portal
    owner_page.goto("/layanan/")
    assert SERVICE in owner_page.locator("main").inner_text()
    owner_page.locator(".plut-nav").get_by_role("link", name="Daftar").click()
    owner_page.wait_for_load_state()
    form = {"username": "butet_barokah", "full_name": "Butet Simanjuntak", "email": "butet@barokah.id",
            "password1": "Keripik-Pisang-2025", "password2": "Keripik-Pisang-2025", "nib": enterprise.nib}
    for name, value in form.items():
        owner_page.locator(f"#id_{name}").fill(value)
    shot(owner_page, "sign up")
    owner_page.get_by_role("button", name="Daftar").last.click()
    owner_page.wait_for_load_state()
    assert owner_page.url.endswith("/layanan/portal/")
    portal = owner_page.locator("main").inner_text()
    assert "Akun dibuat. Petugas PLUT akan memverifikasi usaha Anda." in portal
    assert "Keripik Pisang Barokah" in portal and "Menunggu verifikasi petugas" in portal
    shot(owner_page, "portal claim waiting")
    # Not confirmed yet: no request can be made.
    owner_page.locator(".plut-nav").get_by_role("link", name="Ajukan layanan").click()
    owner_page.wait_for_load_state()
    assert owner_page.url.endswith("/layanan/portal/")
    assert "Usaha Anda belum dikonfirmasi petugas" in owner_page.locator("main").inner_text()

    # PLUT staff, in a second browser: confirm the claim.
    staff_context, staff_page = new_page(e2e_browser, e2e_server)
    plut_sign_in(staff_page, staff.username)
    assert staff_page.url.endswith("/layanan/antrean/")
    staff_page.goto("/layanan/klaim/")
    row = staff_page.locator("tbody tr", has_text="Butet Simanjuntak")
    assert "Klaim UMKM yang sudah terdaftar" in row.inner_text() and enterprise.nib in row.inner_text()
    shot(staff_page, "staff claims")
    row.get_by_role("button", name="Konfirmasi").click()
    staff_page.wait_for_load_state()
    assert "Klaim dikonfirmasi." in staff_page.locator("main").inner_text()
    assert EnterpriseClaim.objects.get(user__username="butet_barokah").status == ClaimStatus.CONFIRMED
    told = mail_worker.wait_for("Akun Anda kini terhubung dengan Keripik Pisang Barokah", to="butet@barokah.id")
    assert "Anda dapat mengajukan layanan PLUT" in told

    # The owner reloads: the enterprise is hers now; she asks for counselling.
    owner_page.reload()
    mine = owner_page.locator("main section").first.inner_text()
    assert "Keripik Pisang Barokah" in mine and "Dikonfirmasi" in mine
    owner_page.locator(".plut-nav").get_by_role("link", name="Ajukan layanan").click()
    owner_page.wait_for_load_state()
    owner_page.locator("#id_enterprise").select_option(label="Keripik Pisang Barokah")
    owner_page.locator("#id_service").select_option(label=SERVICE)
    owner_page.locator("#id_centre").select_option(label=CENTRE)
    owner_page.locator("#id_description").fill("Kami ingin menjual keripik secara daring; mohon konsultasi pemasaran.")
    shot(owner_page, "request form")
    owner_page.get_by_role("button", name="Ajukan").click()
    owner_page.wait_for_load_state()
    request = ServiceRequest.objects.get(enterprise=enterprise)
    assert owner_page.url.endswith(f"/layanan/permohonan/{request.pk}/")
    assert f"Permohonan #{request.pk} diajukan." in owner_page.locator("main").inner_text()
    assert owner_page.locator("h1").inner_text() == f"#{request.pk} {SERVICE}"
    assert status_of(owner_page) == "Diajukan"
    facts = owner_page.locator("dl.facts").inner_text()
    assert "Keripik Pisang Barokah" in facts and CENTRE in facts and "Konsultan\n—" in facts
    shot(owner_page, "request submitted")
    head = mail_worker.wait_for(f"Permohonan #{request.pk} ({SERVICE}): Diajukan", to="kepala@plut-sumut.id")
    assert "Tenggat:" in head

    # Staff accept it and assign the consultant; the owner follows by reloading.
    staff_page.goto("/layanan/antrean/")
    staff_page.get_by_role("link", name=str(request.pk), exact=True).click()
    staff_page.wait_for_load_state()
    move(staff_page, "Diterima")
    assert status_of(owner_page) == "Diterima"
    move(staff_page, "Ditugaskan ke konsultan", consultant="Rina Siregar")
    shot(staff_page, "staff assigned")
    assert status_of(owner_page) == "Ditugaskan ke konsultan"
    assert "Konsultan\nRina Siregar" in owner_page.locator("dl.facts").inner_text()
    mail_worker.wait_for(f"Permohonan #{request.pk} ({SERVICE}): Ditugaskan ke konsultan", to="rina@plut-sumut.id")

    # The consultant, in a third browser: schedules, starts and completes the request.
    consultant_context, consultant_page = new_page(e2e_browser, e2e_server)
    plut_sign_in(consultant_page, consultant_user.username)
    assert "Permohonan yang ditugaskan kepada saya" in consultant_page.locator("h1").inner_text()
    consultant_page.get_by_role("link", name=str(request.pk), exact=True).click()
    consultant_page.wait_for_load_state()
    when = (timezone.localdate() + timezone.timedelta(days=2)).strftime("%Y-%m-%d")
    move(consultant_page, "Dijadwalkan", scheduled_at=f"{when}T10:30", location="Ruang konsultasi PLUT Medan")
    shot(consultant_page, "consultant scheduled")
    assert status_of(owner_page) == "Dijadwalkan"
    schedule = owner_page.locator("dl.facts").inner_text()
    assert "10.30 WIB — Ruang konsultasi PLUT Medan" in schedule
    shot(owner_page, "owner sees the schedule")
    move(consultant_page, "Berjalan")
    assert status_of(owner_page) == "Berjalan"
    move(consultant_page, "Selesai", outcome="Akun marketplace dibuat; foto produk dan harga disusun bersama.")
    assert status_of(owner_page) == "Selesai"
    assert "Hasil\nAkun marketplace dibuat; foto produk dan harga disusun bersama." in \
        owner_page.locator("dl.facts").inner_text()
    history = owner_page.locator(".timeline").inner_text()
    for label in ("Diajukan", "Diterima", "Ditugaskan ke konsultan", "Dijadwalkan", "Berjalan", "Selesai"):
        assert label in history
    shot(owner_page, "owner sees done")
    done = mail_worker.wait_for(f"Permohonan #{request.pk} ({SERVICE}): Selesai", to="butet@barokah.id")
    assert "Akun marketplace dibuat" in done
    # The completed service is in the pembinaan ledger, which the roadmap and CSR rankings read.
    ledger = SupportRecord.objects.get(source_key=f"plut.request:{request.pk}")
    assert (ledger.enterprise_id, ledger.kind, ledger.provider) == (enterprise.pk, "penyuluhan", CENTRE)

    # The owner rates the service.
    owner_page.locator("#id_rating").select_option("5")
    owner_page.locator("#id_comment").fill("Sangat membantu, terima kasih Bu Rina.")
    owner_page.get_by_role("button", name="Kirim penilaian").click()
    owner_page.wait_for_load_state()
    assert "Terima kasih atas penilaian Anda." in owner_page.locator("main").inner_text()
    assert "Penilaian\n5/5 Sangat membantu, terima kasih Bu Rina." in owner_page.locator("dl.facts").inner_text()
    assert owner_page.get_by_role("button", name="Kirim penilaian").count() == 0
    shot(owner_page, "owner rated")
    owner_page.goto("/layanan/portal/")
    assert f"#{request.pk} {SERVICE} — Keripik Pisang Barokah" in owner_page.locator("main").inner_text()
    assert "Selesai" in owner_page.locator("main section", has_text="Permohonan layanan").inner_text()
    staff_context.close()
    consultant_context.close()
