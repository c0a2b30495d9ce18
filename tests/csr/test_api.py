import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from csr import services

from .conftest import classed, make_classed

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def api(officer, company):
    return _client(officer)


@pytest.fixture
def graduated(other_programme, django_capture_on_commit_callbacks):
    grows = make_classed(district="12.71.01")
    support = services.support_start(programme=other_programme, enterprise=grows, kind="pelatihan").support
    classed(grows, "kecil", 4)
    with django_capture_on_commit_callbacks():
        services.supports_graduate(enterprise_ids=[grows.pk])
    return support


def test_a_company_token_gets_404_for_every_record_of_another_company(api, other_company, other_programme, graduated):
    newcomer = make_classed()
    for url in [
        f"/api/v1/companies/{other_company.pk}/",
        f"/api/v1/programmes/{other_programme.pk}/",
        f"/api/v1/programmes/{other_programme.pk}/reassignment-candidates/",
        f"/api/v1/supports/{graduated.pk}/",
    ]:
        assert api.get(url).status_code == 404, url
    assert api.patch(f"/api/v1/programmes/{other_programme.pk}/", {"name": "X"}, format="json").status_code == 404
    assert api.post(f"/api/v1/supports/{graduated.pk}/reassign/", {"enterprise": newcomer.pk}).status_code == 404
    assert api.get("/api/v1/supports/").json()["results"] == []
    assert [c["id"] for c in api.get("/api/v1/companies/").json()["results"]] != [other_company.pk]
    response = api.post("/api/v1/supports/", {"programme": other_programme.pk, "enterprise": newcomer.pk,
                                              "kind": "pelatihan"}, format="json")
    assert response.status_code == 400 and "programme" in response.json()
    response = api.post("/api/v1/programmes/", {
        "company": other_company.pk, "name": "Menyusup", "kinds": ["pelatihan"], "size_classes": ["mikro"],
        "starts_on": "2025-01-01",
    }, format="json")
    assert response.status_code == 400 and "company" in response.json()


def test_a_company_token_manages_its_own_programme_and_beneficiaries(api, company, other_programme):
    response = api.post("/api/v1/programmes/", {
        "name": "Program API", "kinds": ["pelatihan"], "size_classes": ["mikro"], "tier_max": 3,
        "starts_on": "2025-01-01", "target_regencies": ["12.71"],
    }, format="json")
    assert response.status_code == 201, response.json()
    programme_id = response.json()["id"]
    assert response.json()["company"] == company.pk
    enterprise = make_classed("Rendang Padang Bulan")
    services.support_start(programme=other_programme, enterprise=enterprise, kind="pelatihan", started_on="2025-05-05")
    created = api.post("/api/v1/supports/", {"programme": programme_id, "enterprise": enterprise.pk,
                                             "kind": "pelatihan"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["overlap_since"] == "2025-05-05" and body["enterprise_detail"]["name"] == "Rendang Padang Bulan"
    assert "owner" not in body["enterprise_detail"]
    duplicate = api.post("/api/v1/supports/", {"programme": programme_id, "enterprise": enterprise.pk,
                                               "kind": "pelatihan"}, format="json")
    assert duplicate.status_code == 400 and "sudah menerima dukungan aktif" in str(duplicate.json())


def test_candidates_and_reassignment_through_the_api(graduated, other_officer):
    api = _client(other_officer)
    near = make_classed("Calon Terdekat", district="12.71.01")
    url = f"/api/v1/programmes/{graduated.programme_id}/reassignment-candidates/?support={graduated.pk}"
    found = api.get(url).json()
    assert found[0]["enterprise_id"] == near.pk and found[0]["closeness"] == 0 and found[0]["reason"]
    moved = api.post(f"/api/v1/supports/{graduated.pk}/reassign/", {"enterprise": near.pk}, format="json")
    assert moved.status_code == 201 and moved.json()["reassigned_from"] == graduated.pk
    again = api.post(f"/api/v1/supports/{graduated.pk}/reassign/", {"enterprise": make_classed().pk}, format="json")
    assert again.status_code == 400 and "sudah dialihkan" in str(again.json())


def test_staff_see_every_companys_supports(graduated):
    from tests.factories import make_staff

    api = _client(make_staff())
    assert [s["id"] for s in api.get("/api/v1/supports/").json()["results"]] == [graduated.pk]


def test_an_owner_or_anonymous_caller_is_refused():
    from sumut_umkm import roles
    from tests.factories import make_user

    assert APIClient().get("/api/v1/programmes/").status_code in (401, 403)
    assert _client(make_user(role=roles.MSME_OWNER)).get("/api/v1/programmes/").status_code == 403
