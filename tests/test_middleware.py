"""Text with a NUL character is refused with a 400 naming the field, on pages and in the API, never a 500."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from registry.models import Enterprise
from tests.factories import make_enterprise, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=make_staff('petugas_nul')).key}")


def test_a_nul_in_a_json_field_is_a_400_naming_the_field(api):
    response = api.post("/api/v1/enterprises/", {"name": "Usaha", "regency": "12.7\x001"},
                        content_type="application/json")
    assert response.status_code == 400
    assert "regency" in response.json() and "NUL" in response.json()["regency"][0]
    assert not Enterprise.objects.filter(name="Usaha").exists()


def test_a_nul_in_a_form_encoded_put_is_a_400_and_nothing_changes(api):
    enterprise = make_enterprise("Kopi Lintong")
    response = api.put(f"/api/v1/enterprises/{enterprise.pk}/", "name=Baru&regency=12%0071",
                       content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "regency" in response.json()
    enterprise.refresh_from_db()
    assert enterprise.name == "Kopi Lintong"


def test_a_nul_in_a_query_parameter_of_a_page_is_a_400_in_indonesian():
    client = Client()
    client.force_login(make_staff("petugas_nul_halaman"))
    response = client.get("/admin/registry/enterprise/", {"q": "kopi\x00"})
    assert response.status_code == 400
    assert "Isian “q” berisi karakter NUL" in response.content.decode()
