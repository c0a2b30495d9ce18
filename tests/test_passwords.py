"""Changing and resetting a password in the company portal and the MSME portal, as their users do it."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.csr.conftest import make_company, make_officer
from tests.factories import make_staff
from tests.plut.conftest import make_msme

pytestmark = pytest.mark.django_db

OLD = "rahasia-uji-123"  # the factories' password
NEW = "Tenun-Ulos-Sipirok-77"


@pytest.fixture
def officer():
    user = make_officer("petugas_sandi", email="petugas@ptpn-contoh.co.id")
    make_company("PT Perkebunan Nusantara Contoh", officer=user)
    return user


@pytest.fixture
def owner():
    return make_msme(username="pemilik_sandi")[0]


def signs_in(portal: str, username: str, password: str) -> bool:
    """Through the portal's real sign-in page (django-axes and all), in a fresh browser."""
    response = Client().post(reverse(f"{portal}:login"), {"username": username, "password": password})
    return response.status_code == 302


def _change(client, portal, old, new1, new2=None):
    return client.post(reverse(f"{portal}:password-change"), {
        "old_password": old, "new_password1": new1, "new_password2": new2 or new1,
    }, follow=True)


@pytest.mark.parametrize(("portal", "who"), [("csr", "officer"), ("plut", "owner")])
def test_a_portal_user_changes_their_password_and_signs_in_with_the_new_one_only(client, request, portal, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    page = client.get(reverse(f"{portal}:dashboard" if portal == "csr" else f"{portal}:portal"))
    assert reverse(f"{portal}:password-change") in page.text  # the menu links to it

    response = _change(client, portal, OLD, NEW)

    assert response.redirect_chain[-1][0] == reverse(f"{portal}:password-change-done")
    assert "Kata sandi Anda telah diubah." in response.text
    # Still signed in on this device: the session survived the new password hash.
    home = client.get(reverse("csr:dashboard" if portal == "csr" else "plut:portal"))
    assert home.status_code == 200
    assert signs_in(portal, user.username, NEW)
    assert not signs_in(portal, user.username, OLD)


def test_a_wrong_old_password_is_refused_on_its_field_in_indonesian(client, officer):
    client.force_login(officer)
    response = _change(client, "csr", "bukan-sandi-lama", NEW)
    assert response.status_code == 200
    message = "Sandi lama Anda yang dimasukkan salah. Masukkan sekali lagi."
    assert response.context["form"].errors["old_password"] == [message]
    assert message in response.text
    officer.refresh_from_db()
    assert officer.check_password(OLD)


def test_a_common_new_password_is_refused_by_the_password_validators(client, owner):
    client.force_login(owner)
    response = _change(client, "plut", OLD, "password123")
    assert "new_password2" in response.context["form"].errors
    owner.refresh_from_db()
    assert owner.check_password(OLD)


def test_a_signed_out_visitor_is_sent_to_the_portal_sign_in_for_the_change_page(client):
    response = client.get(reverse("plut:password-change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("plut:login"))
    response = client.get(reverse("csr:password-change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("csr:login"))


@pytest.mark.parametrize(("portal", "who"), [("csr", "officer"), ("plut", "owner")])
def test_forgot_password_mails_a_link_that_sets_a_new_password(client, request, mailoutbox, portal, who):
    user = request.getfixturevalue(who)
    assert reverse(f"{portal}:password-reset") in client.get(reverse(f"{portal}:login")).text

    response = client.post(reverse(f"{portal}:password-reset"), {"email": user.email.upper()})

    assert response.status_code == 302 and response["Location"] == reverse(f"{portal}:password-reset-done")
    [mail] = mailoutbox
    assert mail.to == [user.email]
    assert "kata sandi baru" in mail.subject
    link = re.search(r"https?://\S+", mail.body).group(0)
    assert link.startswith(settings.SITE_URL + f"/{'perusahaan' if portal == 'csr' else 'layanan'}/")
    set_page = client.get(urlsplit(link).path, follow=True)
    assert set_page.context["validlink"]
    done = client.post(set_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302 and done["Location"] == reverse(f"{portal}:password-reset-complete")
    assert signs_in(portal, user.username, NEW)
    assert not signs_in(portal, user.username, OLD)
    # The link works once.
    assert not client.get(urlsplit(link).path, follow=True).context["validlink"]


def test_an_unknown_address_gets_the_same_sent_page_and_no_mail(client, mailoutbox, owner):
    known = client.post(reverse("plut:password-reset"), {"email": owner.email}, follow=True)
    mailoutbox.clear()
    unknown = client.post(reverse("plut:password-reset"), {"email": "tidak-ada@contoh.id"}, follow=True)
    assert unknown.redirect_chain == known.redirect_chain
    assert unknown.status_code == 200 and "Periksa e-mail Anda" in unknown.text
    assert mailoutbox == []


def test_a_staff_account_gets_no_portal_reset_mail(client, mailoutbox):
    staff = make_staff("petugas_dinas")
    staff.email = "petugas@diskopukm.sumutprov.go.id"
    staff.save()
    for portal in ("csr", "plut"):
        response = client.post(reverse(f"{portal}:password-reset"), {"email": staff.email})
        assert response["Location"] == reverse(f"{portal}:password-reset-done")
    assert mailoutbox == []
