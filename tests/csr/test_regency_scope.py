"""A regency office's staff (registry.StaffRegion) see only their regency's CSR supports, and the programmes
and companies serving it, on every admin page and API endpoint; another regency's rows are not found."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from csr import services
from registry.models import StaffRegion
from tests.factories import make_staff

from .conftest import make_classed, make_company, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    medan_co = make_company("PT Medan Peduli")
    binjai_co = make_company("PT Binjai Sejahtera")
    medan_prog = make_programme(medan_co, "Program Medan", regencies=("12.71",))
    binjai_prog = make_programme(binjai_co, "Program Binjai", regencies=("12.75",))
    province_prog = make_programme(binjai_co, "Program Seprovinsi", regencies=())
    medan_ent = make_classed("Bolu Meranti Medan", regency="12.71", district="12.71.01")
    binjai_ent = make_classed("Rambutan Binjai", regency="12.75", district="12.75.01")
    spare_medan = make_classed("Calon Medan", regency="12.71", district="12.71.02")
    spare_binjai = make_classed("Calon Binjai", regency="12.75", district="12.75.01")
    start = services.support_start
    return {
        "medan_support": start(programme=medan_prog, enterprise=medan_ent, kind="pelatihan").support,
        "binjai_support": start(programme=binjai_prog, enterprise=binjai_ent, kind="pelatihan").support,
        "province_binjai_support": start(programme=province_prog, enterprise=binjai_ent, kind="pelatihan").support,
        "medan_prog": medan_prog, "binjai_prog": binjai_prog, "province_prog": province_prog,
        "binjai_co": binjai_co, "medan_co": medan_co, "spare_medan": spare_medan, "spare_binjai": spare_binjai,
    }


@pytest.fixture
def medan_staff():
    user = make_staff("petugas_dinas_medan")
    StaffRegion.objects.create(user=user, regency_id="12.71")
    return user


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def test_regency_staff_list_only_their_regencys_supports_and_the_programmes_serving_it_in_the_admin(
    medan_staff, world
):
    client = _browser(medan_staff)
    supports = client.get(reverse("admin:csr_support_changelist")).content.decode()
    assert "Bolu Meranti" in supports and "Rambutan Binjai" not in supports
    programmes = client.get(reverse("admin:csr_programme_changelist")).content.decode()
    assert "Program Medan" in programmes and "Program Seprovinsi" in programmes  # no target = the whole province
    assert "Program Binjai" not in programmes
    companies = client.get(reverse("admin:csr_company_changelist")).content.decode()
    assert "PT Medan Peduli" in companies and "PT Binjai Sejahtera" in companies  # via the province-wide programme


def test_another_regencys_support_and_programme_are_not_found_in_the_admin_and_the_api(medan_staff, world):
    client = _browser(medan_staff)
    for url in (
        reverse("admin:csr_support_change", args=[world["binjai_support"].pk]),
        reverse("admin:csr_support_change", args=[world["province_binjai_support"].pk]),
        reverse("admin:csr_programme_change", args=[world["binjai_prog"].pk]),
    ):
        response = client.get(url, follow=True)
        assert "Rambutan Binjai" not in response.content.decode() and "Program Binjai" not in str(
            response.context.get("original", "")
        ), url
        assert response.redirect_chain and response.redirect_chain[0][1] == 302, url  # admin: "does not exist"
    own = client.get(reverse("admin:csr_support_change", args=[world["medan_support"].pk]))
    assert own.status_code == 200 and "Bolu Meranti" in own.content.decode()

    api = _api(medan_staff)
    for url in (
        f"/api/v1/supports/{world['binjai_support'].pk}/",
        f"/api/v1/supports/{world['province_binjai_support'].pk}/",
        f"/api/v1/programmes/{world['binjai_prog'].pk}/",
        f"/api/v1/programmes/{world['binjai_prog'].pk}/reassignment-candidates/",
    ):
        assert api.get(url).status_code == 404, url
    assert [s["id"] for s in api.get("/api/v1/supports/").json()["results"]] == [world["medan_support"].pk]
    listed = {p["name"] for p in api.get("/api/v1/programmes/").json()["results"]}
    assert listed == {"Program Medan", "Program Seprovinsi"}
    # The province-wide programme's candidates: only enterprises of their own regency.
    candidates = api.get(f"/api/v1/programmes/{world['province_prog'].pk}/reassignment-candidates/").json()
    assert {c["regency"] for c in candidates} == {"12.71"}
    assert world["spare_binjai"].pk not in [c["enterprise_id"] for c in candidates]


def test_provincial_staff_still_see_every_regency(world):
    api = _api(make_staff("petugas_provinsi"))
    ids = {s["id"] for s in api.get("/api/v1/supports/").json()["results"]}
    assert ids == {world["medan_support"].pk, world["binjai_support"].pk, world["province_binjai_support"].pk}
    assert len(api.get("/api/v1/programmes/").json()["results"]) == 3
    page = _browser(make_staff("petugas_provinsi_2")).get(reverse("admin:csr_support_changelist")).content.decode()
    assert "Bolu Meranti" in page and "Rambutan Binjai" in page


def test_the_support_admin_list_never_counts_the_whole_table(medan_staff, world):
    for user in (medan_staff, make_staff("petugas_provinsi")):
        client = _browser(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("admin:csr_support_changelist")).status_code == 200
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "csr_support" in q["sql"]]
        assert all("LIMIT" in sql.upper() for sql in counts), counts
