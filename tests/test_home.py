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


def test_a_plut_consultant_goes_to_the_request_queue_and_sees_no_roadmap_link():
    client = Client()
    client.force_login(make_user(role=roles.PLUT_CONSULTANT))
    assert client.get("/")["Location"] == "/layanan/antrean/"
    page = client.get("/layanan/antrean/").content.decode()
    assert "Antrean PLUT" in page
    assert "/peta-jalan/" not in page  # the roadmap would refuse them


def test_any_page_offers_english_and_switching_keeps_the_visitor_on_the_page():
    client = Client()
    assert 'name="language" value="en"' in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/layanan/daftar/"})
    assert response["Location"] == "/layanan/daftar/"
    page = client.get("/layanan/daftar/")
    assert page.headers["Content-Language"] == "en"
    assert '<html lang="en">' in page.content.decode()
