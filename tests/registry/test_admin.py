"""The staff admin of the registry: search, filters, bounded queries, validation, NIK protection, history."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry import graduation, services
from registry.models import Enterprise, EnterpriseEvent, Owner, Region
from registry.paginators import LargeTablePaginator
from tests.factories import VALID_NIK_MAN, VALID_NIK_WOMAN, make_enterprise, make_owner, make_staff, make_user

pytestmark = pytest.mark.django_db

LIST = "/admin/registry/enterprise/"
ADD = "/admin/registry/enterprise/add/"


def change_url(enterprise) -> str:
    return f"/admin/registry/enterprise/{enterprise.pk}/change/"


@pytest.fixture
def staff():
    return make_staff("petugas_uji")


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def listed_names(response) -> list[str]:
    assert response.status_code == 200
    return sorted(e.name for e in response.context["cl"].result_list)


def enterprise_form(**fields) -> dict:
    """POST data of the enterprise admin form, with empty inlines (yearly reports, permits)."""
    data = {
        "name": "Keripik Sambal Ibu Ros",
        "owner": "",
        "legal_form": "perorangan",
        "founded_year": "2019",
        "is_active": "on",
        "nib": "",
        "npwp": "",
        "address": "Jl. Sisingamangaraja No. 5",
        "regency": "12.71",
        "district": "12.71.01",
        "sector": "",
        "kbli_code": "",
    }
    for prefix in ("yearly_reports", "permits"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    data.update(fields)
    return data


# --- search ---------------------------------------------------------------------------------------


def test_staff_finds_enterprises_by_part_of_the_name_in_any_case(staff_client):
    make_enterprise("Kopi Sidikalang Jaya")
    make_enterprise("Tenun Ulos Toba")

    assert listed_names(staff_client.get(LIST, {"q": "sidikal"})) == ["Kopi Sidikalang Jaya"]
    assert listed_names(staff_client.get(LIST, {"q": "ULOS"})) == ["Tenun Ulos Toba"]


def test_staff_finds_an_enterprise_by_its_13_digit_nib_exactly(staff_client):
    wanted = make_enterprise("Bika Ambon Zulaikha", nib="9120000000001")
    make_enterprise("Bolu Meranti", nib="9120000000011")

    assert listed_names(staff_client.get(LIST, {"q": "9120000000001"})) == [wanted.name]
    assert listed_names(staff_client.get(LIST, {"q": " 9120-0000-00001 "})) == [wanted.name]


def test_name_search_sql_can_use_the_trigram_index_on_upper_name():
    # Unordered: the question is whether the WHERE expression matches the index expression UPPER(name).
    queryset = Enterprise.objects.search("sidikalang").order_by()
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # Tiny test tables favour a sequential scan; forbid it to see whether the index can serve the query.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "registry_ent_name_trgm" in plan


# --- filters --------------------------------------------------------------------------------------


@pytest.fixture
def varied_enterprises():
    medan_food = make_enterprise("Medan Makanan", regency="12.71", district="12.71.01", sector="10")
    medan_shop = make_enterprise("Medan Toko", regency="12.71", district="12.71.02", sector="47", nib=None)
    toba_shop = make_enterprise("Toba Toko", regency="12.12", district="12.12.01", sector="47")
    services.yearly_report_save(enterprise=medan_food, year=2024, omzet=3_000_000_000)  # kecil
    services.yearly_report_save(enterprise=medan_shop, year=2024, omzet=150_000_000)  # mikro
    services.enterprise_update(enterprise=toba_shop, is_active=False)
    graduation.recompute_enterprises(enterprise_ids=[medan_food.pk, medan_shop.pk, toba_shop.pk])
    return medan_food, medan_shop, toba_shop


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"regency": "12.71"}, ["Medan Makanan", "Medan Toko"]),
        ({"regency": "12.12"}, ["Toba Toko"]),
        ({"regency": "12.71", "district": "12.71.02"}, ["Medan Toko"]),
        ({"section": "C"}, ["Medan Makanan"]),
        ({"section": "G"}, ["Medan Toko", "Toba Toko"]),
        ({"sector": "47", "regency": "12.12"}, ["Toba Toko"]),
        ({"size_class": "kecil"}, ["Medan Makanan"]),
        ({"size_class": "mikro"}, ["Medan Toko"]),
        ({"size_class": "none"}, ["Toba Toko"]),
        ({"formal": "0"}, ["Medan Toko"]),
        ({"formal": "1"}, ["Medan Makanan", "Toba Toko"]),
        ({"active": "0"}, ["Toba Toko"]),
    ],
)
def test_list_filters_narrow_the_enterprise_list(staff_client, varied_enterprises, params, expected):
    assert listed_names(staff_client.get(LIST, params)) == expected


def test_district_filter_offers_only_the_districts_of_the_chosen_regency(staff_client):
    response = staff_client.get(LIST, {"regency": "12.12"})
    district_filter = next(spec for spec in response.context["cl"].filter_specs if spec.parameter_name == "district")
    offered = {code for code, _ in district_filter.lookup_choices}
    assert offered == set(Region.objects.districts().filter(parent_id="12.12").values_list("code", flat=True))
    assert "12.71.01" not in offered


def test_choosing_another_regency_drops_the_chosen_district(staff_client):
    response = staff_client.get(LIST, {"regency": "12.71", "district": "12.71.01"})
    regency_filter = next(spec for spec in response.context["cl"].filter_specs if spec.parameter_name == "regency")
    toba = next(c for c in regency_filter.choices(response.context["cl"]) if "regency=12.12" in c["query_string"])
    assert "district" not in toba["query_string"]


# --- scale: bounded queries, no full count --------------------------------------------------------


def _changelist_queries(client, params=None) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST, params or {})
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def _unbounded_enterprise_counts(queries: list[str]) -> list[str]:
    return [sql for sql in queries if re.search(r"COUNT\(", sql, re.I) and "registry_enterprise" in sql
            and "LIMIT" not in sql.upper()]


@pytest.mark.parametrize("params", [{}, {"regency": "12.71", "section": "G"}, {"q": "usaha"}])
def test_changelist_queries_stay_bounded_and_never_count_the_whole_table(
    staff_client, django_assert_max_num_queries, params
):
    for _ in range(5):
        make_enterprise(sector="47")
    few = _changelist_queries(staff_client, params)
    for _ in range(55):
        make_enterprise(sector="47")
    many = _changelist_queries(staff_client, params)

    assert len(many) == len(few)
    with django_assert_max_num_queries(12):
        staff_client.get(LIST, params)
    assert _unbounded_enterprise_counts(many) == []


def test_a_long_list_is_counted_only_up_to_the_cap(staff_client, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "cap", 3)
    for _ in range(5):
        make_enterprise(regency="12.12", district=None)

    response = staff_client.get(LIST, {"regency": "12.12"})

    assert response.context["cl"].paginator.count_label == "3+"
    assert "3+ UMKM" in re.sub(r"\s+", " ", response.content.decode())


def test_the_unfiltered_list_shows_postgresql_row_estimate_instead_of_counting(staff_client, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "cap", 3)
    for _ in range(5):
        make_enterprise()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_enterprise")

    queries = _changelist_queries(staff_client)
    response = staff_client.get(LIST)

    assert response.context["cl"].paginator.count_label == "±5"
    assert not [sql for sql in queries if re.search(r"COUNT\(", sql, re.I) and "registry_enterprise" in sql]


# --- access ---------------------------------------------------------------------------------------


def test_anonymous_and_non_staff_users_are_sent_to_the_admin_login():
    make_enterprise()
    anonymous = Client()
    member = Client()
    member.force_login(make_user("pemilik_uji", staff=False))

    for client in (anonymous, member):
        response = client.get(LIST)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


# --- validation through the admin form ------------------------------------------------------------


def test_a_district_of_another_regency_is_refused_naming_the_district(staff_client):
    response = staff_client.post(ADD, enterprise_form(regency="12.71", district="12.12.01"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Balige" in " ".join(errors["district"])
    assert not Enterprise.objects.filter(name="Keripik Sambal Ibu Ros").exists()


def test_a_duplicate_nib_is_refused_with_an_indonesian_message_on_the_nib_field(staff_client):
    make_enterprise("Pemilik NIB Asli", nib="9130000000001")

    response = staff_client.post(ADD, enterprise_form(nib="9130000000001"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["nib"] == ["NIB ini sudah dipakai oleh UMKM lain."]
    assert Enterprise.objects.filter(nib="9130000000001").count() == 1


def test_adding_an_enterprise_with_a_yearly_report_computes_its_size_class(
    staff_client, django_capture_on_commit_callbacks
):
    data = enterprise_form(nib="9130000000002")
    data.update({
        "yearly_reports-TOTAL_FORMS": "1",
        "yearly_reports-0-year": "2024",
        "yearly_reports-0-omzet": "16000000000",
        "yearly_reports-0-capital": "",
        "yearly_reports-0-employees": "12",
        "yearly_reports-0-source": "petugas",
    })

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(ADD, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    enterprise = Enterprise.objects.get(nib="9130000000002")
    assert enterprise.size_class == "menengah"
    assert enterprise.yearly_reports.get().omzet == 16_000_000_000


def test_a_negative_omzet_in_the_inline_is_refused(staff_client):
    data = enterprise_form()
    data.update({"yearly_reports-TOTAL_FORMS": "1", "yearly_reports-0-year": "2024",
                 "yearly_reports-0-omzet": "-5", "yearly_reports-0-source": "petugas"})

    response = staff_client.post(ADD, data)

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors[0]["omzet"]
    assert not Enterprise.objects.filter(name="Keripik Sambal Ibu Ros").exists()


# --- owners and their NIK -------------------------------------------------------------------------

OWNER_ADD = "/admin/registry/owner/add/"


def test_an_owner_added_with_a_nik_is_stored_protected_and_listed_masked(staff_client):
    response = staff_client.post(OWNER_ADD, {"name": "Rosmawati", "nik": VALID_NIK_WOMAN, "sex": "P"})

    assert response.status_code == 302
    owner = Owner.objects.get(name="Rosmawati")
    assert owner.nik == VALID_NIK_WOMAN and owner.nik_masked == "1271********0002"
    listing = staff_client.get("/admin/registry/owner/").content.decode()
    assert "1271********0002" in listing
    for secret in (VALID_NIK_WOMAN, owner.nik_hash, owner.nik_encrypted):
        assert secret not in listing


def test_a_duplicate_nik_is_refused_on_the_nik_field(staff_client):
    make_owner("Pemilik Pertama", nik=VALID_NIK_MAN)

    response = staff_client.post(OWNER_ADD, {"name": "Pemilik Kedua", "nik": VALID_NIK_MAN})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["nik"] == ["Pemilik dengan NIK ini sudah terdaftar."]


def test_an_invalid_nik_is_refused_saying_why(staff_client):
    response = staff_client.post(OWNER_ADD, {"name": "Salah Ketik", "nik": "12710115059"})

    assert response.status_code == 200
    assert "NIK harus 16 digit" in response.context["adminform"].form.errors["nik"][0]


def test_the_full_nik_shows_on_the_owner_page_only_with_view_owner_nik():
    owner = make_owner("Rosmawati", nik=VALID_NIK_WOMAN)
    url = f"/admin/registry/owner/{owner.pk}/change/"
    plain, privileged = Client(), Client()
    plain.force_login(make_staff("petugas_biasa"))
    privileged.force_login(make_staff("petugas_pii", with_nik=True))

    plain_page = plain.get(url).content.decode()
    privileged_page = privileged.get(url).content.decode()

    assert "1271********0002" in plain_page and VALID_NIK_WOMAN not in plain_page
    assert VALID_NIK_WOMAN in privileged_page


# --- audit history --------------------------------------------------------------------------------


def test_the_history_shows_a_change_made_in_the_admin_and_who_made_it(staff, staff_client):
    enterprise = make_enterprise("Kopi Lama", nib="9140000000001")

    response = staff_client.post(change_url(enterprise), enterprise_form(name="Kopi Baru", nib="9140000000001"))
    assert response.status_code == 302

    history = staff_client.get(f"/admin/registry/enterprise/{enterprise.pk}/history/")
    text = re.sub(r"\s+", " ", history.content.decode())
    assert "Riwayat perubahan" in text
    assert "Nama usaha</strong>: Kopi Lama &rarr; Kopi Baru" in text
    assert staff.get_username() in text
    # Shown in Western Indonesian Time, not UTC.
    changed = EnterpriseEvent.objects.filter(pgh_obj=enterprise, pgh_label="update").latest("pgh_id").pgh_created_at
    assert changed.astimezone(ZoneInfo("Asia/Jakarta")).strftime("%H:%M:%S") in text


def test_the_history_of_an_enterprise_includes_its_yearly_reports(staff_client):
    enterprise = make_enterprise("Dodol Garut Medan")
    services.yearly_report_save(enterprise=enterprise, year=2023, omzet=1_500_000)

    history = staff_client.get(f"/admin/registry/enterprise/{enterprise.pk}/history/").content.decode()

    assert "laporan tahunan 2023" in history
    assert "Rp1.500.000" in history


def test_the_owner_history_never_shows_the_nik_its_hash_or_its_ciphertext(staff_client):
    owner = make_owner("Rosmawati", nik=VALID_NIK_WOMAN)
    response = staff_client.post(
        f"/admin/registry/owner/{owner.pk}/change/", {"name": "Rosmawati Siregar", "nik": VALID_NIK_MAN, "sex": "P"}
    )
    assert response.status_code == 302
    owner.refresh_from_db()

    history = staff_client.get(f"/admin/registry/owner/{owner.pk}/history/").content.decode()

    assert "Rosmawati Siregar" in history and "1271********0001" in history
    for secret in (VALID_NIK_MAN, VALID_NIK_WOMAN, owner.nik_hash, owner.nik_encrypted):
        assert secret not in history
