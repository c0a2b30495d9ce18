"""A company's admin member manages the company's officer accounts in the portal; officers cannot, and nobody
reaches another company's members."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from csr.models import CompanyMember
from sumut_umkm import roles

from .conftest import make_officer

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Andaliman-Pedas-2026"


@pytest.fixture
def admin(company):
    user = make_officer("admin_a", email="admin@alpha.co.id")
    CompanyMember.objects.create(user=user, company=company, role="admin")
    return user


@pytest.fixture
def admin_client(admin):
    client = Client()
    client.force_login(admin)
    return client


def _new_officer(**changes) -> dict:
    data = {"username": "petugas_baru", "full_name": "Rina Siregar", "email": "rina@alpha.co.id",
            "password": PASSWORD, "password2": PASSWORD}
    data.update(changes)
    return data


def test_the_company_admin_lists_the_companys_members_and_no_one_elses(
    admin_client, officer, other_company, other_officer
):
    html = admin_client.get(reverse("csr:members")).content.decode()
    assert "admin_a" in html and officer.username in html
    assert other_officer.username not in html


def test_only_the_company_admin_sees_the_members_link_in_the_portal_menu(admin_client, client, officer):
    assert reverse("csr:members") in admin_client.get(reverse("csr:dashboard")).content.decode()
    client.force_login(officer)
    assert reverse("csr:members") not in client.get(reverse("csr:dashboard")).content.decode()


def test_an_officer_added_by_the_admin_signs_in_with_the_officer_role_and_works_for_the_same_company(
    admin_client, company
):
    response = admin_client.post(reverse("csr:member-add"), _new_officer())
    assert response.status_code == 302 and response["Location"] == reverse("csr:members")
    user = User.objects.get(username="petugas_baru")
    assert (user.first_name, user.email, user.is_staff) == ("Rina Siregar", "rina@alpha.co.id", False)
    assert list(user.groups.values_list("name", flat=True)) == [roles.COMPANY_OFFICER]
    member = CompanyMember.objects.get(user=user)
    assert (member.company, member.role) == (company, "petugas")
    newcomer = Client()
    assert newcomer.login(username="petugas_baru", password=PASSWORD)
    page = newcomer.get(reverse("csr:dashboard"))
    assert page.status_code == 200 and company.legal_name in page.content.decode()
    assert newcomer.get(reverse("csr:members")).status_code == 403  # an officer, not an admin


@pytest.mark.parametrize(("changes", "field"), [
    ({"password": "12345678", "password2": "12345678"}, "password"),  # Django's password validators
    ({"password": "petugas_baru", "password2": "petugas_baru"}, "password"),  # too close to the username
    ({"password2": "Lain-Sekali-2026"}, "password2"),
    ({"username": "PETUGAS_A"}, "username"),  # taken (case does not matter)
    ({"username": "nama dengan spasi"}, "username"),
    ({"email": "bukan-email"}, "email"),
    ({"full_name": ""}, "full_name"),
], ids=["common", "like-username", "mismatch", "taken", "bad-username", "bad-email", "no-name"])
def test_a_bad_officer_account_is_refused_on_its_field_and_nothing_is_created(
    admin_client, officer, changes, field
):
    before = User.objects.count(), CompanyMember.objects.count()
    response = admin_client.post(reverse("csr:member-add"), _new_officer(**changes))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert (User.objects.count(), CompanyMember.objects.count()) == before


def test_the_admin_deactivates_an_officer_who_then_cannot_use_the_portal_or_the_api(
    admin_client, admin, officer, client
):
    member = CompanyMember.objects.get(user=officer)
    token = Token.objects.create(user=officer)
    response = admin_client.post(reverse("csr:member-deactivate", args=[member.pk]), follow=True)
    assert "dinonaktifkan" in response.content.decode()
    officer.refresh_from_db()
    member.refresh_from_db()
    assert not officer.is_active
    assert member.deactivated_by == admin and member.deactivated_at is not None
    assert member.events.filter(pgh_label="update", deactivated_by=admin).exists()  # audited
    client.force_login(officer)
    assert client.get(reverse("csr:dashboard")).status_code == 302  # back to the sign-in page
    assert not Client().login(username=officer.username, password="rahasia-uji-123")
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/programmes/").status_code == 401


def test_the_admin_cannot_deactivate_themselves(admin_client, admin):
    member = CompanyMember.objects.get(user=admin)
    response = admin_client.post(reverse("csr:member-deactivate", args=[member.pk]), follow=True)
    assert "akun Anda sendiri" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_another_admin_of_the_company_is_not_deactivated_in_the_portal(admin_client, company):
    second = make_officer("admin_kedua")
    member = CompanyMember.objects.create(user=second, company=company, role="admin")
    admin_client.post(reverse("csr:member-deactivate", args=[member.pk]))
    second.refresh_from_db()
    assert second.is_active


def test_another_companys_member_is_404_and_stays_active(admin_client, other_company, other_officer):
    member = CompanyMember.objects.get(user=other_officer)
    assert admin_client.post(reverse("csr:member-deactivate", args=[member.pk])).status_code == 404
    other_officer.refresh_from_db()
    assert other_officer.is_active


def test_an_admin_of_another_company_cannot_reach_this_companys_members(
    company, other_company, other_officer, officer
):
    CompanyMember.objects.filter(user=other_officer).update(role="admin")
    client = Client()
    client.force_login(other_officer)
    member = CompanyMember.objects.get(user=officer)
    assert client.post(reverse("csr:member-deactivate", args=[member.pk])).status_code == 404
    assert officer.username not in client.get(reverse("csr:members")).content.decode()
    officer.refresh_from_db()
    assert officer.is_active


def test_an_officer_without_the_admin_role_gets_403_on_every_member_page(client, company, officer, admin):
    client.force_login(officer)
    admin_member = CompanyMember.objects.get(user=admin)
    assert client.get(reverse("csr:members")).status_code == 403
    assert client.get(reverse("csr:member-add")).status_code == 403
    assert client.post(reverse("csr:member-add"), _new_officer()).status_code == 403
    assert client.post(reverse("csr:member-deactivate", args=[admin_member.pk])).status_code == 403
    assert not User.objects.filter(username="petugas_baru").exists()
    admin.refresh_from_db()
    assert admin.is_active


def test_signed_out_visitors_are_sent_to_the_portal_sign_in(client):
    for url in (reverse("csr:members"), reverse("csr:member-add")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("csr:login"))
