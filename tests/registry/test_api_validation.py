"""Bad input through the API: every refused field is named, with the reason in Indonesian, and nothing
is half-saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from registry import services
from registry.api.serializers import EnterpriseWriteSerializer
from registry.models import Enterprise, Owner, YearlyReport
from tests.factories import VALID_NIK_MAN, VALID_NIK_WOMAN, make_enterprise, make_owner, make_staff

pytestmark = pytest.mark.django_db

ENTERPRISES = "/api/v1/enterprises/"
# A valid 15-digit NPWP (Luhn check digit), as python-stdnum's own examples use.
VALID_NPWP = "013000666091000"


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(make_staff())
    return client


def post(api, **fields):
    data = {"name": "Dodol Garut Medan", "regency": "12.71", **fields}
    return api.post(ENTERPRISES, data, format="json")


def assert_refused(response, field: str, message: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert any(message in text for text in body[field]), body[field]


# --- identity numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        ("127101150590001", "NIK harus 16 digit (tertulis 15 digit)."),
        ("12710115059000011", "NIK harus 16 digit (tertulis 17 digit)."),
        ("1271O11505900001", "NIK hanya boleh berisi angka."),
        ("9971011505900001", "Kode wilayah dalam NIK (6 digit pertama) tidak dikenal."),
        ("1271013202900001", "Tanggal lahir dalam NIK (digit 7–12) bukan tanggal yang ada."),
        ("1271011505900000", "Nomor urut NIK (4 digit terakhir) tidak boleh 0000."),
    ],
)
def test_a_wrong_owner_nik_is_refused_with_the_reason(api, nik, message):
    assert_refused(post(api, owner_name="Budi", owner_nik=nik), "owner_nik", message)
    assert not Owner.objects.exists()


@pytest.mark.parametrize("nib", ["912000001234", "91200000123456", "91200000123AB"])
def test_an_nib_that_is_not_13_digits_is_refused(api, nib):
    assert_refused(post(api, nib=nib), "nib", "NIB harus terdiri dari 13 digit angka")


@pytest.mark.parametrize(
    ("npwp", "message"),
    [
        ("0130006660910", "NPWP harus 15 atau 16 digit angka."),
        ("013000665091000", "Digit pemeriksa NPWP tidak cocok."),
        ("01300066609100A", "NPWP harus 15 atau 16 digit angka."),
    ],
)
def test_a_wrong_npwp_is_refused(api, npwp, message):
    assert_refused(post(api, npwp=npwp), "npwp", message)


def test_a_valid_npwp_with_separators_is_stored_as_digits(api):
    response = post(api, npwp="01.300.066.6-091.000")
    assert response.status_code == 201, response.content
    assert Enterprise.objects.get().npwp == VALID_NPWP


def test_a_duplicate_nib_is_refused_on_create_and_on_update(api):
    taken = make_enterprise(nib="9120000055555")
    assert_refused(post(api, nib="9120000055555"), "nib", "NIB ini sudah dipakai oleh UMKM lain.")
    other = make_enterprise()
    response = api.patch(f"{ENTERPRISES}{other.pk}/", {"nib": "9120-0000-5555-5"}, format="json")
    assert_refused(response, "nib", "NIB ini sudah dipakai oleh UMKM lain.")
    # Saving an enterprise with its own NIB is not a duplicate.
    response = api.patch(f"{ENTERPRISES}{taken.pk}/", {"nib": "9120000055555", "name": "Tetap"}, format="json")
    assert response.status_code == 200, response.content


# --- regions and sectors --------------------------------------------------------------------------


def test_a_district_outside_the_regency_is_refused(api):
    response = post(api, regency="12.71", district="12.12.01")
    assert_refused(response, "district", "Kecamatan Balige tidak berada di Kota Medan.")
    assert not Enterprise.objects.exists()


def test_moving_only_the_district_checks_it_against_the_stored_regency(api):
    enterprise = make_enterprise(regency="12.71", district="12.71.01")
    response = api.patch(f"{ENTERPRISES}{enterprise.pk}/", {"district": "12.07.02"}, format="json")
    assert_refused(response, "district", "Kecamatan Tanjung Morawa tidak berada di Kota Medan.")
    enterprise.refresh_from_db()
    assert enterprise.district_id == "12.71.01"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"regency": "1275"}, "regency", "Kode kabupaten/kota “1275” tidak dikenal; pakai kode Kemendagri"),
        ({"regency": "12.71.01"}, "regency", "Kode kabupaten/kota “12.71.01” tidak dikenal"),
        ({"district": "12.71.99"}, "district", "Kode kecamatan “12.71.99” tidak dikenal"),
        ({"sector": "04"}, "sector", "Kode KBLI 2020 “04” tidak dikenal"),
        ({"sector": "C"}, "sector", "Kode KBLI 2020 “C” tidak dikenal; isi 2 digit golongan pokok"),
        ({"sector": "47", "kbli_code": "4711"}, "kbli_code", "Kode KBLI harus 5 digit angka"),
        ({"sector": "47", "kbli_code": "10794"}, "kbli_code", "Kode KBLI 10794 tidak termasuk golongan pokok 47."),
        ({"kbli_code": "47111"}, "kbli_code", "Isi juga sektor"),
    ],
)
def test_unknown_codes_are_refused_naming_the_field(api, fields, field, message):
    assert_refused(post(api, **fields), field, message)
    assert not Enterprise.objects.exists()


# --- DRF's own messages, other fields -------------------------------------------------------------


def test_missing_required_fields_are_named_in_indonesian(api):
    response = api.post(ENTERPRISES, {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["Bidang ini harus diisi."], "regency": ["Bidang ini harus diisi."]}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Bidang ini tidak boleh kosong."),
        ({"founded_year": "dulu"}, "founded_year", "Nilai bidang ini harus berupa bilangan bulat."),
        ({"founded_year": 1800}, "founded_year", "Isi bidang ini harus lebih atau sama dengan 1900."),
        ({"legal_form": "bumn"}, "legal_form", '"bumn" tidak ada dalam daftar pilihan.'),
        ({"is_active": "mungkin"}, "is_active", "Isi dengan true atau false."),
        ({"owner_name": "Budi", "owner_email": "budi@"}, "owner_email", "Masukkan alamat email"),
        ({"owner_name": "Budi", "owner_sex": "X"}, "owner_sex", "tidak ada dalam daftar pilihan"),
        ({"owner_phone": "0812"}, "owner_name", "Nama pemilik wajib diisi."),
    ],
)
def test_other_invalid_fields_get_indonesian_messages(api, fields, field, message):
    assert_refused(post(api, **fields), field, message)


def test_all_wrong_fields_are_reported_at_once(api):
    response = post(api, nib="123", npwp="1", district="12.12.01", owner_name="Budi", owner_nik="1")
    assert response.status_code == 400
    assert {"nib", "npwp", "owner_nik"} <= set(response.json())


def test_changing_the_owner_of_an_enterprise_whose_owner_has_no_nik_needs_a_nik(api):
    enterprise = make_enterprise(owner=make_owner("Tanpa NIK"))
    response = api.patch(f"{ENTERPRISES}{enterprise.pk}/", {"owner_phone": "0812"}, format="json")
    assert_refused(response, "owner_nik", "isi NIK pemilik untuk mengubah datanya")
    assert Owner.objects.count() == 1


# --- yearly figures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"omzet": -1}, "omzet", "Omzet tidak boleh negatif."),
        ({"omzet": 1, "capital": -5_000_000}, "capital", "Modal usaha tidak boleh negatif."),
        ({"omzet": 1, "employees": -2}, "employees", "Jumlah tenaga kerja tidak boleh negatif."),
        ({"omzet": "banyak"}, "omzet", "Nilai bidang ini harus berupa bilangan bulat."),
    ],
)
def test_negative_or_non_numeric_figures_are_refused(api, fields, field, message):
    enterprise = make_enterprise()
    response = api.post(f"{ENTERPRISES}{enterprise.pk}/reports/", {"year": 2024, **fields}, format="json")
    assert_refused(response, field, message)
    assert not YearlyReport.objects.exists()


def test_a_report_without_a_year_is_refused(api):
    enterprise = make_enterprise()
    response = api.post(f"{ENTERPRISES}{enterprise.pk}/reports/", {"omzet": 1}, format="json")
    assert_refused(response, "year", "Bidang ini harus diisi.")


# --- nothing half-saved ---------------------------------------------------------------------------


def test_a_valid_owner_with_an_invalid_enterprise_leaves_no_owner_behind(api):
    response = post(api, owner_name="Rina Siregar", owner_nik=VALID_NIK_WOMAN, regency="12.71", district="12.12.01")
    assert response.status_code == 400
    assert Owner.objects.count() == 0
    assert Enterprise.objects.count() == 0


def test_an_enterprise_refused_after_its_owner_was_saved_rolls_the_owner_back(api, monkeypatch):
    """The service can still refuse after the owner is written: another writer may take the NIB between
    validation and insert (services translate that race into a ValidationError). Simulate that refusal."""

    def refuse(**fields):
        raise ValidationError({"nib": ["NIB ini sudah dipakai oleh UMKM lain."]})

    monkeypatch.setattr(services, "enterprise_register", refuse)
    response = post(api, nib="9120000077777", owner_name="Rina Siregar", owner_nik=VALID_NIK_WOMAN)
    assert_refused(response, "nib", "NIB ini sudah dipakai oleh UMKM lain.")
    assert Owner.objects.count() == 0


def test_an_update_refused_after_the_owner_changed_keeps_the_old_owner_details(api, monkeypatch):
    owner = make_owner("Budi Nasution", nik=VALID_NIK_MAN, phone="0811")
    enterprise = make_enterprise(owner=owner)

    def refuse(**fields):
        raise ValidationError({"nib": ["NIB ini sudah dipakai oleh UMKM lain."]})

    monkeypatch.setattr(services, "enterprise_update", refuse)
    response = api.patch(f"{ENTERPRISES}{enterprise.pk}/", {"owner_phone": "0899", "name": "X"}, format="json")
    assert response.status_code == 400
    owner.refresh_from_db()
    assert owner.phone == "0811"


def test_a_refused_partial_update_does_not_change_the_instance_in_memory():
    enterprise = make_enterprise(regency="12.71", district="12.71.01")
    serializer = EnterpriseWriteSerializer(enterprise, data={"district": "12.12.01", "name": "Baru"}, partial=True)
    assert not serializer.is_valid()
    assert "district" in serializer.errors
    assert (enterprise.district_id, enterprise.name) == ("12.71.01", enterprise.name)
    assert enterprise.name != "Baru"


# --- malformed requests ---------------------------------------------------------------------------


def test_a_body_that_is_not_json_is_refused_in_indonesian(api):
    response = api.post(ENTERPRISES, "{nama:", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "Isi permintaan bukan JSON yang sah."
