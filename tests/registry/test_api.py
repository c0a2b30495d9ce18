"""REST API /api/v1/: access, lists and their filters, cursor paging, what an enterprise shows, writes."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from pghistory.models import Context
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry import services
from registry.models import Enterprise, EnterpriseEvent, Owner, Permit, PermitKind
from sumut_umkm import roles
from tests.factories import VALID_NIK_MAN, VALID_NIK_WOMAN, make_enterprise, make_owner, make_staff, make_user

pytestmark = pytest.mark.django_db

ENTERPRISES = "/api/v1/enterprises/"


@pytest.fixture
def staff():
    return make_staff()


@pytest.fixture
def api(staff):
    client = APIClient()
    client.force_authenticate(staff)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [ENTERPRISES, "/api/v1/regions/", "/api/v1/sectors/"])
def test_anonymous_requests_are_refused_with_401(url):
    response = APIClient().get(url)
    assert response.status_code == 401
    assert response.json()["detail"] == "Data autentikasi tidak diberikan."


def test_a_signed_in_user_who_is_not_staff_is_refused():
    client = APIClient()
    assert client.login(username=make_user(role=roles.MSME_OWNER).username, password="rahasia-uji-123")
    response = client.get(ENTERPRISES)
    assert response.status_code == 403
    assert response.json()["detail"] == "Hanya petugas Diskop UKM yang dapat mengakses API ini."


def test_a_staff_account_without_a_registry_role_is_refused():
    client = APIClient()
    client.force_authenticate(make_user(staff=True))
    assert client.get(ENTERPRISES).status_code == 403


def test_a_plut_consultant_may_neither_read_nor_register_enterprises_through_the_registry_api():
    # A consultant sees the enterprise of an assigned request on that request's page only (sumut_umkm/roles.py).
    client = APIClient()
    client.force_authenticate(make_user(role=roles.PLUT_CONSULTANT))
    assert client.get(ENTERPRISES).status_code == 403
    response = client.post(ENTERPRISES, {"name": "Usaha Baru", "regency": "12.71"}, format="json")
    assert response.status_code == 403
    assert not Enterprise.objects.filter(name="Usaha Baru").exists()


def test_a_staff_token_gives_access_and_a_wrong_token_does_not(staff):
    enterprise = make_enterprise()
    token = Token.objects.create(user=staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert ids(client.get(ENTERPRISES)) == {enterprise.pk}
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get(ENTERPRISES).status_code == 401


def test_a_staff_session_from_the_admin_login_gives_access(staff):
    client = APIClient()
    assert client.login(username=staff.username, password="rahasia-uji-123")
    assert client.get(ENTERPRISES).status_code == 200


def test_enterprises_cannot_be_deleted_only_closed_even_by_a_superuser(api):
    enterprise = make_enterprise()
    assert api.delete(f"{ENTERPRISES}{enterprise.pk}/").status_code == 403  # staff hold no delete permission
    admin = APIClient()
    admin.force_authenticate(make_user(staff=True, is_superuser=True))
    response = admin.delete(f"{ENTERPRISES}{enterprise.pk}/")
    assert response.status_code == 405
    assert response.json()["detail"] == "Metode DELETE tidak tersedia di alamat ini."
    assert Enterprise.objects.filter(pk=enterprise.pk).exists()


# --- enterprise list and filters ------------------------------------------------------------------


def test_the_list_shows_regions_and_sector_by_code_and_name(api):
    make_enterprise("Kopi Sidikalang", regency="12.71", district="12.71.02", sector="10")
    row = api.get(ENTERPRISES).json()["results"][0]
    assert row["name"] == "Kopi Sidikalang"
    assert row["regency"] == {"code": "12.71", "name": "Kota Medan"}
    assert row["district"] == {"code": "12.71.02", "name": "Medan Sunggal"}
    assert row["sector"]["code"] == "10" and row["sector"]["version"] == "2020" and row["sector"]["name"]
    assert row["is_formal"] is True and row["is_active"] is True


def test_filter_by_regency_and_district_uses_kemendagri_codes(api):
    medan_kota = make_enterprise(regency="12.71", district="12.71.01")
    medan_sunggal = make_enterprise(regency="12.71", district="12.71.02")
    balige = make_enterprise(regency="12.12", district="12.12.01")
    assert ids(api.get(ENTERPRISES, {"regency": "12.71"})) == {medan_kota.pk, medan_sunggal.pk}
    assert ids(api.get(ENTERPRISES, {"regency": "12.12"})) == {balige.pk}
    assert ids(api.get(ENTERPRISES, {"district": "12.71.02"})) == {medan_sunggal.pk}


def test_filter_by_sector_letter_matches_the_whole_kbli_category(api):
    food = make_enterprise(sector="10")  # C: manufacturing
    weaving = make_enterprise(sector="13")  # C
    shop = make_enterprise(sector="47")  # G: trade
    assert ids(api.get(ENTERPRISES, {"sector": "C"})) == {food.pk, weaving.pk}
    assert ids(api.get(ENTERPRISES, {"sector": "c"})) == {food.pk, weaving.pk}
    assert ids(api.get(ENTERPRISES, {"sector": "10"})) == {food.pk}
    assert ids(api.get(ENTERPRISES, {"sector": "G"})) == {shop.pk}


def test_filter_by_size_class_follows_the_yearly_figures(api, django_capture_on_commit_callbacks):
    micro, small = make_enterprise(), make_enterprise()
    make_enterprise()  # no figures yet: no class
    with django_capture_on_commit_callbacks(execute=True):
        services.yearly_report_save(enterprise=micro, year=2024, omzet=300_000_000)
        services.yearly_report_save(enterprise=small, year=2024, omzet=4_000_000_000)
    assert ids(api.get(ENTERPRISES, {"size_class": "mikro"})) == {micro.pk}
    assert ids(api.get(ENTERPRISES, {"size_class": "kecil"})) == {small.pk}
    assert ids(api.get(ENTERPRISES, {"size_class": "menengah"})) == set()


def test_filter_by_formal_means_having_an_nib(api):
    formal = make_enterprise()
    informal = make_enterprise(nib=None)
    assert ids(api.get(ENTERPRISES, {"formal": "true"})) == {formal.pk}
    assert ids(api.get(ENTERPRISES, {"formal": "false"})) == {informal.pk}


def test_filter_by_active_separates_closed_enterprises(api):
    open_ = make_enterprise()
    closed = make_enterprise(is_active=False)
    assert ids(api.get(ENTERPRISES, {"active": "true"})) == {open_.pk}
    assert ids(api.get(ENTERPRISES, {"active": "false"})) == {closed.pk}


def test_search_finds_part_of_a_name_or_a_whole_nib(api):
    bika = make_enterprise("Bika Ambon Zulaikha")
    other = make_enterprise("Sirup Markisa Pelangi", nib="9120000012345")
    assert ids(api.get(ENTERPRISES, {"q": "ambon"})) == {bika.pk}
    assert ids(api.get(ENTERPRISES, {"q": "9120000012345"})) == {other.pk}
    assert ids(api.get(ENTERPRISES, {"q": "9120.0000.1234.5"})) == {other.pk}


def test_filters_combine(api):
    wanted = make_enterprise(regency="12.71", district="12.71.01", sector="10")
    make_enterprise(regency="12.71", district="12.71.01", sector="47")
    make_enterprise(regency="12.12", district="12.12.01", sector="10")
    assert ids(api.get(ENTERPRISES, {"regency": "12.71", "sector": "C", "formal": "true"})) == {wanted.pk}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"regency": "1275"}, "regency", "Kode kabupaten/kota “1275” tidak dikenal"),
        ({"regency": "12.71.01"}, "regency", "tidak dikenal"),  # a district is not a regency
        ({"district": "12.71.99"}, "district", "Kode kecamatan “12.71.99” tidak dikenal"),
        ({"sector": "04"}, "sector", "Kode KBLI “04” tidak dikenal"),  # KBLI 2020 has no main group 04
        ({"sector": "Z"}, "sector", "Kode KBLI “Z” tidak dikenal"),
        ({"formal": "ya"}, "formal", "Isi dengan true atau false"),
        ({"size_class": "raksasa"}, "size_class", "Masukkan pilihan yang valid"),
    ],
)
def test_an_unknown_filter_value_is_a_400_naming_the_filter(api, params, field, message):
    response = api.get(ENTERPRISES, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert message in response.json()[field][0]


# --- paging and query budget ----------------------------------------------------------------------


def test_cursor_pages_walk_every_enterprise_once_newest_first(api):
    made = [make_enterprise(nib=None).pk for _ in range(23)]
    seen, url, pages = [], ENTERPRISES + "?page_size=10", 0
    while url:
        body = api.get(url).json()
        assert "count" not in body
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert pages == 3
    assert seen == sorted(made, reverse=True)


def test_a_bad_cursor_is_refused_in_indonesian(api):
    response = api.get(ENTERPRISES, {"cursor": "bukan-kursor"})
    assert response.status_code == 404
    assert response.json()["detail"] == "Kursor halaman tidak valid."


def test_a_list_page_costs_the_same_few_queries_at_any_size_and_never_counts(api, django_assert_max_num_queries):
    owner = make_owner(nik=VALID_NIK_MAN)
    for n in range(60):
        make_enterprise(owner=owner if n % 2 else None, sector="10" if n % 3 else None)
    for page_size in (5, 50):
        # permission look-ups (2) + the user's regency scope (1) + the page (1); filter validation adds one per
        # code filter
        with django_assert_max_num_queries(5) as captured:
            response = api.get(ENTERPRISES, {"page_size": page_size, "regency": "12.71"})
        assert len(response.json()["results"]) == page_size
        sql = " ".join(query["sql"] for query in captured.captured_queries).upper()
        assert "COUNT(" not in sql
        assert "NIK_ENCRYPTED" not in sql and "NIK_HASH" not in sql


# --- what one enterprise shows --------------------------------------------------------------------


def test_an_enterprise_shows_its_owner_with_a_masked_nik_and_nothing_that_reveals_it(api):
    owner = make_owner("Rina Siregar", nik=VALID_NIK_WOMAN, sex="P", phone="081234567890", email="rina@example.id")
    enterprise = make_enterprise(owner=owner, npwp=VALID_NIK_WOMAN)
    for url in (f"{ENTERPRISES}{enterprise.pk}/", ENTERPRISES):
        response = api.get(url)
        body = response.json()
        row = body if "results" not in body else body["results"][0]
        assert row["owner"] == {
            "id": owner.pk,
            "name": "Rina Siregar",
            "sex": "P",
            "phone": "081234567890",
            "email": "rina@example.id",
            "nik_masked": "1271********0002",
        }
        # A 16-digit NPWP is the holder's NIK: masked too.
        assert row["npwp"] == "1271********0002"
        text = response.content.decode()
        assert VALID_NIK_WOMAN not in text
        assert owner.nik_hash not in text
        assert owner.nik_encrypted not in text


def test_the_full_nik_is_not_sent_even_to_staff_allowed_to_see_it(staff):
    client = APIClient()
    client.force_authenticate(make_staff(with_nik=True))
    enterprise = make_enterprise(owner=make_owner(nik=VALID_NIK_MAN))
    response = client.get(f"{ENTERPRISES}{enterprise.pk}/")
    assert response.json()["owner"]["nik_masked"] == "1271********0001"
    assert VALID_NIK_MAN not in response.content.decode()


def test_an_enterprise_shows_its_yearly_figures_newest_first_and_its_permits(
    api, staff, django_capture_on_commit_callbacks
):
    enterprise = make_enterprise()
    with django_capture_on_commit_callbacks(execute=True):
        services.yearly_report_save(enterprise=enterprise, year=2023, omzet=150_000_000, capital=50_000_000)
        services.yearly_report_save(
            enterprise=enterprise, year=2024, omzet=210_000_000, employees=4, verified_by=staff
        )
    Permit.objects.create(enterprise=enterprise, kind=PermitKind.HALAL, number="ID12110000123450824")
    body = api.get(f"{ENTERPRISES}{enterprise.pk}/").json()
    assert [(r["year"], r["omzet"], r["verified"]) for r in body["yearly_reports"]] == [
        (2024, 210_000_000, True),
        (2023, 150_000_000, False),
    ]
    assert body["yearly_reports"][1]["capital"] == 50_000_000
    assert body["permits"] == [
        {"kind": "halal", "number": "ID12110000123450824", "issued_on": None, "expires_on": None}
    ]
    assert body["size_class"] == "mikro"


def test_an_unknown_enterprise_is_a_404_in_indonesian(api):
    response = api.get(f"{ENTERPRISES}999999999/")
    assert response.status_code == 404
    assert response.json()["detail"] == "Data tidak ditemukan."


# --- writes ---------------------------------------------------------------------------------------


def test_staff_register_an_enterprise_with_its_owner_and_the_change_is_audited(api, staff):
    response = api.post(
        ENTERPRISES,
        {
            "name": "Keripik Ubi Bu Rina",
            "nib": "9120-0000-9999-1",
            "npwp": "",
            "regency": "12.71",
            "district": "12.71.01",
            "sector": "10",
            "kbli_code": "10794",
            "address": "Jl. Sisingamangaraja No. 5",
            "founded_year": 2019,
            "legal_form": "perorangan",
            "owner_name": "Rina Siregar",
            "owner_nik": VALID_NIK_WOMAN,
            "owner_sex": "P",
            "owner_phone": "081234567890",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    enterprise = Enterprise.objects.get(pk=body["id"])
    assert enterprise.nib == "9120000099991"
    assert body["is_formal"] is True
    assert body["district"] == {"code": "12.71.01", "name": "Medan Kota"}
    assert body["owner"]["nik_masked"] == "1271********0002"
    assert "owner_nik" not in body and VALID_NIK_WOMAN not in response.content.decode()
    assert enterprise.owner.nik == VALID_NIK_WOMAN
    event = EnterpriseEvent.objects.get(pgh_obj_id=enterprise.pk, pgh_label="insert")
    assert Context.objects.get(pk=event.pgh_context_id).metadata["user"] == staff.pk


def test_registering_with_a_known_nik_reuses_that_owner(api):
    owner = make_owner("Rina Siregar", nik=VALID_NIK_WOMAN)
    response = api.post(
        ENTERPRISES,
        {"name": "Cabang Kedua", "regency": "12.71", "owner_nik": VALID_NIK_WOMAN, "owner_phone": "0811111111"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["owner"]["id"] == owner.pk
    assert Owner.objects.count() == 1
    owner.refresh_from_db()
    assert owner.name == "Rina Siregar" and owner.phone == "0811111111"


def test_closing_an_enterprise_is_a_patch_of_is_active_and_is_audited(api):
    enterprise = make_enterprise()
    response = api.patch(f"{ENTERPRISES}{enterprise.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    enterprise.refresh_from_db()
    assert enterprise.is_active is False
    assert EnterpriseEvent.objects.filter(pgh_obj_id=enterprise.pk, pgh_label="update", is_active=False).exists()


def test_a_full_update_replaces_the_fields_and_keeps_the_owner_when_none_is_sent(api):
    owner = make_owner(nik=VALID_NIK_MAN)
    enterprise = make_enterprise(owner=owner)
    response = api.put(
        f"{ENTERPRISES}{enterprise.pk}/",
        {"name": "Nama Baru", "regency": "12.12", "district": "12.12.02", "nib": None},
        format="json",
    )
    assert response.status_code == 200, response.content
    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.regency_id, enterprise.district_id) == ("Nama Baru", "12.12", "12.12.02")
    assert enterprise.nib is None and response.json()["is_formal"] is False
    assert enterprise.owner_id == owner.pk


def test_owner_contact_details_can_be_updated_through_the_enterprise(api):
    owner = make_owner("Budi Nasution", nik=VALID_NIK_MAN)
    enterprise = make_enterprise(owner=owner)
    response = api.patch(f"{ENTERPRISES}{enterprise.pk}/", {"owner_email": "budi@example.id"}, format="json")
    assert response.status_code == 200, response.content
    owner.refresh_from_db()
    assert owner.email == "budi@example.id" and owner.name == "Budi Nasution"
    assert Owner.objects.count() == 1


def test_a_yearly_report_is_added_then_replaced_and_the_class_follows(api, staff, django_capture_on_commit_callbacks):
    enterprise = make_enterprise()
    url = f"{ENTERPRISES}{enterprise.pk}/reports/"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url, {"year": 2024, "omzet": 1_500_000_000, "capital": 200_000_000}, format="json")
    assert response.status_code == 201, response.content
    enterprise.refresh_from_db()
    assert enterprise.size_class == "mikro"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(url, {"year": 2024, "omzet": 2_500_000_000, "verified": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["verified"] is True
    report = enterprise.yearly_reports.get()
    assert (report.omzet, report.capital, report.verified_by) == (2_500_000_000, None, staff)
    enterprise.refresh_from_db()
    assert enterprise.size_class == "kecil"


def test_a_plut_consultant_cannot_write_yearly_figures():
    client = APIClient()
    client.force_authenticate(make_user(role=roles.PLUT_CONSULTANT))
    enterprise = make_enterprise()
    response = client.post(f"{ENTERPRISES}{enterprise.pk}/reports/", {"year": 2024, "omzet": 1}, format="json")
    assert response.status_code == 403
    assert not enterprise.yearly_reports.exists()


# --- regions and sectors --------------------------------------------------------------------------


def test_regions_filter_by_level_and_parent(api):
    body = api.get("/api/v1/regions/", {"level": "regency", "page_size": 100}).json()
    assert len(body["results"]) == 33
    assert {"code": "12.71", "name": "Kota Medan", "level": "regency", "parent": "12"} in body["results"]
    districts = api.get("/api/v1/regions/", {"parent": "12.12", "page_size": 100}).json()["results"]
    assert districts and all(row["code"].startswith("12.12.") for row in districts)
    assert api.get("/api/v1/regions/12.71/").json()["name"] == "Kota Medan"


def test_an_unknown_parent_region_is_a_400(api):
    response = api.get("/api/v1/regions/", {"parent": "99.99"})
    assert response.status_code == 400
    assert "Kode wilayah induk “99.99” tidak dikenal" in response.json()["parent"][0]


def test_sectors_filter_by_level_and_version(api):
    sections = api.get("/api/v1/sectors/", {"level": "section", "version": "2020", "page_size": 50}).json()
    assert [row["code"] for row in sections["results"]] == [chr(c) for c in range(ord("A"), ord("V"))]
    divisions = api.get("/api/v1/sectors/", {"level": "division", "page_size": 200}).json()["results"]
    food = next(row for row in divisions if row["code"] == "10")
    assert food["parent"] == "C"
    assert api.get("/api/v1/sectors/", {"version": "1990"}).json()["results"] == []


# --- OpenAPI --------------------------------------------------------------------------------------


def test_the_openapi_schema_generates_without_warnings_and_documents_enterprises(tmp_path):
    path = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    schema = yaml.safe_load(path.read_text())
    listing = schema["paths"]["/api/v1/enterprises/"]
    assert {"get", "post"} <= set(listing)
    assert {"get", "put", "patch"} <= set(schema["paths"]["/api/v1/enterprises/{id}/"])
    assert "delete" not in schema["paths"]["/api/v1/enterprises/{id}/"]
    assert "post" in schema["paths"]["/api/v1/enterprises/{id}/reports/"]
    params = {p["name"] for p in listing["get"]["parameters"]}
    assert {"regency", "district", "sector", "size_class", "formal", "active", "q", "cursor"} <= params
    write = schema["components"]["schemas"]["EnterpriseWrite"]["properties"]
    assert write["owner_nik"]["writeOnly"] is True
    shown = schema["components"]["schemas"]["OwnerBrief"]["properties"]
    assert "nik_masked" in shown and not {"nik", "nik_hash", "nik_encrypted"} & set(shown)


def test_the_schema_and_the_docs_page_are_served(api):
    assert api.get("/api/schema/").status_code == 200
    assert api.get("/api/docs/").status_code == 200
