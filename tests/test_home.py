"""The front door sends each signed-in user to their own place and shows visitors the three ways in."""

import pytest
from django.test import Client

from sumut_umkm import roles
from tests.factories import make_staff, make_user

pytestmark = pytest.mark.django_db


def test_a_visitor_sees_the_three_ways_to_sign_in():
    page = Client().get("/").content.decode()
    for link in ("/layanan/login/", "/layanan/daftar/", "/perusahaan/login/", "/admin/login/"):
        assert f'href="{link}"' in page


@pytest.mark.parametrize(("role", "target"), [
    (roles.COMPANY_OFFICER, "/perusahaan/"),
    (roles.MSME_OWNER, "/layanan/portal/"),
])
def test_a_signed_in_user_goes_to_their_portal(role, target):
    client = Client()
    client.force_login(make_user(role=role))
    assert client.get("/")["Location"] == target


def test_staff_go_to_the_admin():
    client = Client()
    client.force_login(make_staff())
    assert client.get("/")["Location"] == "/admin/"
