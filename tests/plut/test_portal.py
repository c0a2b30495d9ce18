"""The MSME portal from the outside: sign-up, claims, login throttling, profile and figures."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from plut import services
from plut.models import ClaimKind, ClaimStatus, EnterpriseClaim
from registry.models import Enterprise, YearlyReport
from tests.factories import make_enterprise, make_staff
from tests.plut.conftest import make_msme

pytestmark = pytest.mark.django_db

STRONG = "Kopi-Sidikalang-2026"


def signup_data(**extra):
    return {"username": "budi", "full_name": "Budi Santoso", "email": "budi@contoh.id", "password1": STRONG,
            "password2": STRONG, **extra}


def test_an_owner_signs_up_by_claiming_a_registered_enterprise_by_nib(client):
    enterprise = make_enterprise("Kopi Budi")
    response = client.post(reverse("plut:signup"), signup_data(nib=enterprise.nib))
    assert response.status_code == 302
    claim = EnterpriseClaim.objects.get(user__username="budi")
    assert (claim.kind, claim.status, claim.enterprise_id) == (ClaimKind.EXISTING, ClaimStatus.PENDING, enterprise.pk)
    assert claim.user.groups.filter(name="Pemilik UMKM").exists() and not claim.user.is_staff
    assert client.get(reverse("plut:portal")).status_code == 200


def test_sign_up_refuses_a_nib_already_claimed_and_keeps_what_was_typed(client):
    owner, enterprise = make_msme()
    response = client.post(reverse("plut:signup"), signup_data(nib=enterprise.nib, address="Jl. Gatot Subroto 5"))
    assert response.status_code == 200
    assert "NIB ini sudah diklaim oleh akun lain" in response.content.decode()
    assert 'value="Jl. Gatot Subroto 5"' in response.content.decode()
    assert 'value="budi@contoh.id"' in response.content.decode()
    assert not EnterpriseClaim.objects.filter(user__username="budi").exists()


@pytest.mark.parametrize("password", ["12345678", "password", "budi1"])
def test_sign_up_refuses_a_weak_password(client, password):
    response = client.post(reverse("plut:signup"), signup_data(password1=password, password2=password,
                                                                name="Kopi Budi", regency="12.71"))
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not EnterpriseClaim.objects.exists()
    assert not get_user_model().objects.filter(username="budi").exists()


def test_a_new_enterprise_needs_a_name_and_a_regency(client):
    response = client.post(reverse("plut:signup"), signup_data())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nama usaha wajib diisi" in body and "Kabupaten/kota wajib diisi" in body


def test_a_new_enterprise_enters_the_registry_only_when_staff_confirm_it(client, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    client.post(reverse("plut:signup"), signup_data(name="Keripik Bu Ani", regency="12.71", district="12.71.01"))
    claim = EnterpriseClaim.objects.get(user__username="budi")
    assert claim.kind == ClaimKind.NEW and claim.enterprise is None
    assert not Enterprise.objects.filter(name="Keripik Bu Ani").exists()
    staff = client.__class__()
    staff.force_login(make_staff())
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("plut:claim-decide", args=[claim.pk]), {"decision": "confirm"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CONFIRMED
    assert claim.enterprise.name == "Keripik Bu Ani" and claim.enterprise.regency_id == "12.71"
    assert mailoutbox[-1].to == ["budi@contoh.id"]
    assert client.get(reverse("plut:request-new")).status_code == 200


def test_an_owner_cannot_ask_for_services_before_the_claim_is_confirmed(client):
    client.post(reverse("plut:signup"), signup_data(nib=make_enterprise().nib))
    response = client.get(reverse("plut:request-new"))
    assert response.status_code == 302 and response["Location"] == reverse("plut:portal")


def test_repeated_failed_logins_lock_the_account_out_even_with_the_right_password(client):
    owner, _enterprise = make_msme(username="pemilik_kunci")
    for _attempt in range(5):
        client.post(reverse("plut:login"), {"username": "pemilik_kunci", "password": "salah-salah"})
    response = client.post(reverse("plut:login"), {"username": "pemilik_kunci", "password": "rahasia-uji-123"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_lockout_in_one_test_does_not_carry_into_the_next(client):
    make_msme(username="pemilik_kunci")
    response = client.post(reverse("plut:login"), {"username": "pemilik_kunci", "password": "rahasia-uji-123"})
    assert response.status_code == 302 and response["Location"] == reverse("plut:portal")


def test_the_admin_login_still_works(client):
    staff = make_staff()
    response = client.post(reverse("admin:login"), {"username": staff.username, "password": "rahasia-uji-123",
                                                    "next": "/admin/"})
    assert response.status_code == 302 and client.get("/admin/").status_code == 200


def test_an_owner_updates_its_profile_and_yearly_figures_which_recompute_the_class(
        client, django_capture_on_commit_callbacks):
    owner, enterprise = make_msme()
    client.force_login(owner)
    response = client.post(reverse("plut:enterprise-edit", args=[enterprise.pk]), {
        "name": "Kopi Budi Jaya", "nib": enterprise.nib, "sector": enterprise.sector_id, "kbli_code": "",
        "address": "Jl. Sisingamangaraja 1", "npwp": "", "district": "12.71.01", "founded_year": "2015",
        "legal_form": enterprise.legal_form})
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.name == "Kopi Budi Jaya"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("plut:figures", args=[enterprise.pk]),
                               {"year": "2025", "omzet": "3000000000", "capital": "600000000", "employees": "8"})
    assert response.status_code == 302
    report = YearlyReport.objects.get(enterprise=enterprise, year=2025)
    assert report.source == "mandiri" and report.omzet == 3_000_000_000
    enterprise.refresh_from_db()
    assert enterprise.size_class == "kecil"


def test_an_owner_cannot_open_another_owners_enterprise(client):
    owner, _ = make_msme(username="pemilik_a")
    _other, other_enterprise = make_msme(username="pemilik_b")
    client.force_login(owner)
    assert client.get(reverse("plut:enterprise-edit", args=[other_enterprise.pk])).status_code == 404
    assert client.post(reverse("plut:figures", args=[other_enterprise.pk]),
                       {"year": "2025", "omzet": "1"}).status_code == 404


def test_the_portal_is_not_for_staff_or_consultants(client):
    client.force_login(make_staff())
    assert client.get(reverse("plut:portal")).status_code == 403


def test_claim_create_refuses_a_second_live_claim_on_the_same_enterprise():
    owner, enterprise = make_msme()
    other, _ = make_msme()
    with pytest.raises(ValidationError) as exc:
        services.claim_create(user=other, nib=enterprise.nib)
    assert "sudah diklaim" in exc.value.message_dict["nib"][0]
