"""The owner climbs the formalisation ladder from the portal: NIB, sector (KBLI) and product permits, each one
changing the tier the owner then sees on the enterprise's page."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Context

from plut.models import ClaimKind, ClaimStatus, EnterpriseClaim
from registry import services as registry_services
from registry.models import Enterprise, EnterpriseEvent, FormalStep, Permit, Sector
from sumut_umkm import roles
from tests.factories import make_enterprise, make_nib, make_staff, make_user
from tests.plut.conftest import make_msme

pytestmark = pytest.mark.django_db


def profile(enterprise, **changes) -> dict:
    """The profile form as the page sends it, with `changes` typed over the stored values."""
    data = {
        "name": enterprise.name, "nib": enterprise.nib or "", "sector": enterprise.sector_id or "",
        "kbli_code": enterprise.kbli_code, "address": enterprise.address, "npwp": enterprise.npwp,
        "district": enterprise.district_id or "", "founded_year": enterprise.founded_year or "",
        "legal_form": enterprise.legal_form,
    }
    data.update(changes)
    return data


def informal_micro_enterprise():
    """An enterprise without NIB with last year's sales filed, already classed: micro and informal (tier 1)."""
    enterprise = make_enterprise("Keripik Ubi Rina", nib=None)
    registry_services.yearly_report_save(enterprise=enterprise, year=timezone.localdate().year - 1,
                                         omzet=300_000_000, source="mandiri")
    from registry import graduation

    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk])
    enterprise.refresh_from_db()
    assert (enterprise.formal_step, enterprise.tier) == (FormalStep.INFORMAL, 1)
    return enterprise


def edit_url(enterprise) -> str:
    return reverse("plut:enterprise-edit", args=[enterprise.pk])


def permit_url(enterprise) -> str:
    return reverse("plut:permit-add", args=[enterprise.pk])


# --- NIB --------------------------------------------------------------------------------------------


def test_an_informal_owner_adds_a_nib_and_the_page_shows_the_enterprise_one_step_up(
        client, django_capture_on_commit_callbacks):
    enterprise = informal_micro_enterprise()
    owner, _ = make_msme(enterprise, username="rina")
    client.force_login(owner)
    nib = make_nib()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url(enterprise), profile(enterprise, nib=f"{nib[:4]} {nib[4:]}"))
    assert response.status_code == 302 and response["Location"] == edit_url(enterprise)
    enterprise.refresh_from_db()
    assert (enterprise.nib, enterprise.formal_step, enterprise.tier) == (nib, FormalStep.NIB, 2)
    page = client.get(edit_url(enterprise)).content.decode()
    assert "Profil usaha disimpan." in page
    assert f"NIB {nib}" in page and '<dd id="tahap">Memiliki NIB</dd>' in page
    assert "memiliki NIB" in enterprise.class_reason and enterprise.class_reason in page
    # The owner's word applies at once and stays in the audit history, with who changed it.
    event = EnterpriseEvent.objects.filter(pgh_obj_id=enterprise.pk, nib=nib).get()
    assert Context.objects.get(pk=event.pgh_context_id).metadata["user"] == owner.pk


def test_a_nib_registered_to_another_enterprise_is_refused_on_the_nib_field_and_nothing_is_saved(client):
    enterprise = informal_micro_enterprise()
    owner, _ = make_msme(enterprise)
    taken = make_enterprise("Usaha Lain").nib
    client.force_login(owner)
    response = client.post(edit_url(enterprise), profile(enterprise, nib=taken, name="Keripik Ubi Rina Jaya"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "NIB: NIB ini sudah dipakai oleh UMKM lain." in page
    assert 'value="Keripik Ubi Rina Jaya"' in page and f'value="{taken}"' in page  # what was typed stays
    enterprise.refresh_from_db()
    assert (enterprise.nib, enterprise.name) == (None, "Keripik Ubi Rina")


@pytest.mark.parametrize(("typed", "message"), [
    ("12345", "NIB: NIB harus terdiri dari 13 digit angka"),
    ("91200A0123456", "NIB: NIB harus terdiri dari 13 digit angka"),
])
def test_a_malformed_nib_is_refused_naming_the_field(client, typed, message):
    enterprise = informal_micro_enterprise()
    owner, _ = make_msme(enterprise)
    client.force_login(owner)
    response = client.post(edit_url(enterprise), profile(enterprise, nib=typed))
    assert response.status_code == 400 and message in response.content.decode()
    assert Enterprise.objects.get(pk=enterprise.pk).nib is None


def test_a_recorded_nib_cannot_be_emptied_but_can_be_corrected(client, django_capture_on_commit_callbacks):
    owner, enterprise = make_msme()
    client.force_login(owner)
    response = client.post(edit_url(enterprise), profile(enterprise, nib=""))
    assert response.status_code == 400
    assert "NIB: NIB yang sudah tercatat tidak dapat dikosongkan" in response.content.decode()
    corrected = make_nib()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(edit_url(enterprise), profile(enterprise, nib=corrected)).status_code == 302
    assert Enterprise.objects.get(pk=enterprise.pk).nib == corrected


@pytest.mark.django_db(transaction=True)
def test_a_nib_taken_by_a_concurrent_writer_is_an_error_on_the_nib_field(client):
    """The other writer's row is not committed while the form and the service check the NIB; the database's
    unique index then refuses the update, and the owner gets the same message on the field, not a 500."""
    enterprise = informal_micro_enterprise()
    owner, _ = make_msme(enterprise)
    client.force_login(owner)
    nib = make_nib()
    with _uncommitted(lambda: make_enterprise("Usaha Serentak", nib=nib)):
        response = client.post(edit_url(enterprise), profile(enterprise, nib=nib))
    assert response.status_code == 400
    assert "NIB: NIB ini sudah dipakai oleh UMKM lain." in response.content.decode()
    assert Enterprise.objects.get(pk=enterprise.pk).nib is None


# --- sector -----------------------------------------------------------------------------------------


def test_the_owner_changes_the_sector_and_its_kbli_code(client):
    owner, enterprise = make_msme()
    client.force_login(owner)
    food = Sector.objects.get(version="2020", code="10")
    response = client.post(edit_url(enterprise), profile(enterprise, sector=food.pk, kbli_code="10794"))
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert (enterprise.sector_id, enterprise.kbli_code) == (food.pk, "10794")
    assert "KBLI 10794" in client.get(edit_url(enterprise)).content.decode()


def test_a_kbli_code_outside_the_chosen_sector_is_refused_naming_the_field(client):
    owner, enterprise = make_msme()
    client.force_login(owner)
    food = Sector.objects.get(version="2020", code="10")
    response = client.post(edit_url(enterprise), profile(enterprise, sector=food.pk, kbli_code="47111"))
    assert response.status_code == 400
    assert "Kode KBLI 5 digit: Kode KBLI 47111 tidak termasuk golongan pokok 10." in response.content.decode()
    assert Enterprise.objects.get(pk=enterprise.pk).sector.code == "47"


# --- permits and certifications ---------------------------------------------------------------------


def test_an_owner_adds_a_halal_certificate_and_the_page_shows_the_new_formalisation_step(
        client, django_capture_on_commit_callbacks):
    enterprise = informal_micro_enterprise()
    registry_services.enterprise_update(enterprise=enterprise, nib=make_nib())
    owner, _ = make_msme(enterprise)
    client.force_login(owner)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(permit_url(enterprise), {
            "kind": "halal", "number": "ID12110000123450425", "issued_on": (today - timedelta(days=30)).isoformat(),
            "expires_on": ""})
    assert response.status_code == 302 and response["Location"].endswith("#izin")
    permit = Permit.objects.get(enterprise=enterprise)
    assert (permit.kind, permit.number, permit.expires_on) == ("halal", "ID12110000123450425", None)
    enterprise.refresh_from_db()
    assert (enterprise.formal_step, enterprise.tier) == (FormalStep.CERTIFIED, 3)
    assert enterprise.class_reason.endswith("memiliki izin produk/sertifikasi")
    page = client.get(edit_url(enterprise)).content.decode()
    assert "Sertifikat halal" in page and "ID12110000123450425" in page
    assert '<dd id="tahap">Memiliki izin produk/sertifikasi</dd>' in page and enterprise.class_reason in page


def test_an_expired_certificate_is_listed_but_does_not_lift_the_step(client, django_capture_on_commit_callbacks):
    enterprise = informal_micro_enterprise()
    owner, _ = make_msme(enterprise)
    client.force_login(owner)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(permit_url(enterprise), {
            "kind": "pirt", "number": "2061271010123-21", "issued_on": (today - timedelta(days=5 * 365)).isoformat(),
            "expires_on": (today - timedelta(days=1)).isoformat()})
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.formal_step == FormalStep.INFORMAL
    page = client.get(edit_url(enterprise)).content.decode()
    assert "2061271010123-21" in page and "kedaluwarsa" in page


def test_a_permit_number_already_recorded_is_refused_on_the_number_field_and_the_input_is_kept(client):
    make_enterprise("Usaha Lain").permits.create(kind="bpom", number="MD 231128001234")
    owner, enterprise = make_msme()
    client.force_login(owner)
    response = client.post(permit_url(enterprise), {"kind": "bpom", "number": "MD  231128001234",
                                                    "issued_on": "2024-05-02", "expires_on": "2029-05-02"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nomor izin/sertifikat: Nomor izin/sertifikat ini sudah tercatat." in page
    assert 'value="2024-05-02"' in page and 'value="2029-05-02"' in page and 'value="bpom" selected' in page
    assert not Permit.objects.filter(enterprise=enterprise).exists()


@pytest.mark.parametrize(("dates", "message"), [
    ({"issued_on": "2025-06-01", "expires_on": "2025-01-01"},
     "Berlaku sampai: Tanggal berlaku sampai tidak boleh sebelum tanggal terbit."),
    ({"issued_on": "2999-01-01"}, "Tanggal terbit: Tanggal terbit tidak boleh di masa depan."),
    ({"issued_on": "31-31-2025"}, "Tanggal terbit: "),
])
def test_wrong_permit_dates_are_refused_naming_the_field(client, dates, message):
    owner, enterprise = make_msme()
    client.force_login(owner)
    response = client.post(permit_url(enterprise), {"kind": "sni", "number": "SNI-01-2891", **dates})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Permit.objects.exists()


def test_the_nib_is_not_offered_as_a_product_permit(client):
    owner, enterprise = make_msme()
    client.force_login(owner)
    response = client.post(permit_url(enterprise), {"kind": "nib", "number": make_nib()})
    assert response.status_code == 400 and "Jenis izin/sertifikat: " in response.content.decode()
    assert not Permit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_enterprises_recording_one_permit_number_at_once_get_one_permit_and_a_field_error():
    first, second = make_enterprise(), make_enterprise()
    with _uncommitted(lambda: registry_services.permit_save(enterprise=first, kind="merek", number="IDM000123456")):
        with pytest.raises(ValidationError) as refused:
            registry_services.permit_save(enterprise=second, kind="merek", number="IDM000123456")
    assert refused.value.message_dict == {"number": ["Nomor izin/sertifikat ini sudah tercatat."]}
    assert list(Permit.objects.values_list("enterprise_id", flat=True)) == [first.pk]


# --- who may ----------------------------------------------------------------------------------------


def test_another_owners_enterprise_is_404_on_every_profile_page_and_nothing_changes(client):
    owner, _ = make_msme(username="pemilik_a")
    _other, theirs = make_msme(username="pemilik_b")
    client.force_login(owner)
    assert client.get(edit_url(theirs)).status_code == 404
    assert client.post(edit_url(theirs), profile(theirs, name="Diambil Alih", nib=make_nib())).status_code == 404
    assert client.post(permit_url(theirs), {"kind": "halal", "number": "ID-1"}).status_code == 404
    theirs_now = Enterprise.objects.get(pk=theirs.pk)
    assert (theirs_now.name, theirs_now.nib) == (theirs.name, theirs.nib)
    assert not Permit.objects.exists()


def test_an_owner_whose_claim_is_not_confirmed_yet_cannot_edit_or_add_permits(client):
    enterprise = make_enterprise()
    user = make_user("menunggu", role=roles.MSME_OWNER)
    EnterpriseClaim.objects.create(user=user, kind=ClaimKind.EXISTING, enterprise=enterprise, nib=enterprise.nib,
                                   status=ClaimStatus.PENDING)
    client.force_login(user)
    assert client.get(edit_url(enterprise)).status_code == 404
    assert client.post(permit_url(enterprise), {"kind": "halal", "number": "ID-2"}).status_code == 404
    assert not Permit.objects.exists()


def test_staff_use_the_registry_not_the_owner_pages(client):
    _owner, enterprise = make_msme()
    client.force_login(make_staff())
    assert client.post(permit_url(enterprise), {"kind": "halal", "number": "ID-3"}).status_code == 403
    assert client.get(permit_url(enterprise)).status_code in (403, 405)


# --- helpers ----------------------------------------------------------------------------------------


class _uncommitted:
    """Run `write` in another connection and keep its transaction open (not yet committed) for the body of the
    `with`; it commits a moment after the body starts, so the body's insert waits on it and then collides."""

    def __init__(self, write, hold_seconds: float = 1.0):
        self.write, self.hold = write, hold_seconds
        self.written, self.release = threading.Event(), threading.Event()
        self.errors: list[BaseException] = []

    def _run(self):
        try:
            with transaction.atomic():
                self.write()
                self.written.set()
                self.release.wait(self.hold)
        except BaseException as exc:  # surfaced by __exit__
            self.errors.append(exc)
            self.written.set()
        finally:
            connection.close()

    def __enter__(self):
        self.thread = threading.Thread(target=self._run)
        self.thread.start()
        assert self.written.wait(10)
        return self

    def __exit__(self, *exc_info):
        self.release.set()
        self.thread.join(10)
        assert not self.errors, self.errors
