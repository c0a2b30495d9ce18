"""A claim and its enterprise's NIB after the NIB changes: the owner corrects it in the portal, or staff do in the
registry. A confirmed claim then holds the new NIB (a claim on it is refused) and lets go of the old one (which
may belong to another business); the staff pages show the enterprise's current NIB for it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from plut import services
from plut.models import ClaimKind, ClaimStatus, EnterpriseClaim
from registry import services as registry_services
from sumut_umkm import roles
from tests.factories import make_enterprise, make_nib, make_staff, make_user
from tests.plut.conftest import make_msme
from tests.plut.test_owner_profile import edit_url, profile

pytestmark = pytest.mark.django_db


def owner_account(username: str):
    return make_user(username, role=roles.MSME_OWNER, email=f"{username}@contoh.id")


def claim_for(nib: str, username: str = "pendaftar_baru"):
    """Another person claims `nib`: the enterprise registered with it, or a new one when none has it."""
    return services.claim_create(user=owner_account(username), nib=nib, name="Usaha Baru Pendaftar",
                                 regency_id="12.71", district_id="12.71.01")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_after_the_owner_corrects_the_nib_in_the_portal_the_new_nib_is_claimed_and_the_old_one_is_free(
    django_capture_on_commit_callbacks,
):
    owner, enterprise = make_msme(make_enterprise("Kopi Lintong"), username="pemilik_kopi")
    old_nib, new_nib = enterprise.nib, make_nib()

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(owner).post(edit_url(enterprise), profile(enterprise, nib=new_nib))

    assert response.status_code == 302
    claim = EnterpriseClaim.objects.get(user=owner)
    assert (claim.status, claim.nib) == (ClaimStatus.CONFIRMED, new_nib)
    with pytest.raises(ValidationError) as refused:
        claim_for(new_nib, "penyerobot")
    assert "NIB ini sudah diklaim oleh akun lain" in str(refused.value.message_dict["nib"])
    # The old NIB is no enterprise's any more: whoever it belongs to may register their business with it.
    freed = claim_for(old_nib)
    assert (freed.kind, freed.status, freed.nib, freed.enterprise_id) == (ClaimKind.NEW, ClaimStatus.PENDING,
                                                                          old_nib, None)


def test_an_owner_adding_a_first_nib_makes_it_claimed():
    owner, enterprise = make_msme(make_enterprise("Keripik Ubi", nib=None), username="pemilik_ubi")
    nib = make_nib()

    assert signed_in(owner).post(edit_url(enterprise), profile(enterprise, nib=nib)).status_code == 302

    assert EnterpriseClaim.objects.get(user=owner).nib == nib
    with pytest.raises(ValidationError):
        claim_for(nib, "penyerobot")


def test_after_staff_change_the_nib_in_the_registry_the_old_nib_can_be_claimed_and_the_new_one_cannot():
    owner, enterprise = make_msme(make_enterprise("Ulos Tarutung"), username="pemilik_ulos")
    old_nib, new_nib = enterprise.nib, make_nib()

    registry_services.enterprise_update(enterprise=enterprise, nib=new_nib)  # the admin's path

    with pytest.raises(ValidationError) as refused:
        claim_for(new_nib, "penyerobot")
    assert "NIB ini sudah diklaim oleh akun lain" in str(refused.value.message_dict["nib"])
    freed = claim_for(old_nib)
    assert freed.status == ClaimStatus.PENDING and freed.enterprise_id is None
    assert EnterpriseClaim.objects.get(user=owner).nib == new_nib  # the confirmed claim followed its enterprise


def test_an_owner_cannot_take_a_nib_another_account_asked_to_register_with(client):
    pending = claim_for(make_nib())  # a new enterprise asked for with this NIB, waiting for staff
    owner, enterprise = make_msme(make_enterprise("Dodol Deli"), username="pemilik_dodol")
    old_nib = enterprise.nib

    response = signed_in(owner).post(edit_url(enterprise), profile(enterprise, nib=pending.nib))

    assert response.status_code == 400
    assert "NIB: NIB ini sudah diklaim oleh akun lain" in response.content.decode()
    enterprise.refresh_from_db()
    assert enterprise.nib == old_nib  # nothing saved
    assert EnterpriseClaim.objects.get(user=owner).nib == old_nib


def test_a_pending_claim_shows_the_nib_it_was_made_with_and_the_enterprises_current_one():
    enterprise = make_enterprise("Bolu Meranti")
    claimed_with = enterprise.nib
    claim = services.claim_create(user=owner_account("pengklaim"), nib=claimed_with)
    registry_services.enterprise_update(enterprise=enterprise, nib=make_nib())  # staff correct it meanwhile
    enterprise.refresh_from_db()

    page = signed_in(make_staff()).get(reverse("plut:claims")).content.decode()

    claim.refresh_from_db()
    assert claim.nib == claimed_with  # staff check what the person claimed with
    assert claimed_with in page and f"NIB UMKM kini: {enterprise.nib}" in page


def test_confirming_a_claim_whose_nib_was_corrected_meanwhile_makes_it_hold_the_current_nib():
    enterprise = make_enterprise("Sirup Markisa")
    claimed_with = enterprise.nib
    claim = services.claim_create(user=owner_account("pengklaim"), nib=claimed_with)
    registry_services.enterprise_update(enterprise=enterprise, nib=make_nib())
    enterprise.refresh_from_db()

    services.claim_decide(claim=claim, user=make_staff(), confirm=True)

    claim.refresh_from_db()
    assert (claim.status, claim.nib) == (ClaimStatus.CONFIRMED, enterprise.nib)
    assert claim_for(claimed_with).enterprise_id is None  # the old NIB is free


def test_the_claims_admin_lists_a_confirmed_claim_with_its_enterprises_current_nib():
    """A claim left holding an old NIB (as stored before claims followed NIB changes) still lists the current one."""
    owner, enterprise = make_msme(make_enterprise("Teh Kayu Aro"), username="pemilik_teh")
    stale = make_nib()
    EnterpriseClaim.objects.filter(user=owner).update(nib=stale)

    page = signed_in(make_staff()).get("/admin/plut/enterpriseclaim/").content.decode()

    assert enterprise.nib in page and stale not in page
