import pytest
from django.core.exceptions import ValidationError

from registry import identity
from tests.factories import VALID_NIK_MAN, VALID_NIK_WOMAN


def test_a_valid_nik_is_returned_as_16_digits_even_with_separators():
    assert identity.validate_nik("1271 0115 0590 0001") == VALID_NIK_MAN


def test_a_womans_nik_carries_the_birth_day_plus_40():
    assert identity.validate_nik(VALID_NIK_WOMAN) == VALID_NIK_WOMAN


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("127101150590001", "nik_length"),  # 15 digits, as Excel leaves it
        ("12710115059000012", "nik_length"),
        ("1.27101E+15", "nik_format"),
        ("1271013205900001", "nik_date"),  # day 32
        ("1271017505900001", "nik_date"),  # woman, day 35
        ("1271011513900001", "nik_date"),  # month 13
        ("9971011505900001", "nik_region"),  # province 99 does not exist
        ("1271011505900000", "nik_serial"),
    ],
)
def test_a_wrong_nik_is_refused_with_the_reason(value, code):
    with pytest.raises(ValidationError) as info:
        identity.validate_nik(value)
    assert info.value.code == code
    assert "NIK" in info.value.messages[0]


def test_nib_must_be_13_digits():
    assert identity.validate_nib("9120100770001") == "9120100770001"
    for wrong in ("912010077000", "91201007700012", "9.12E+12", "NIB-123"):
        with pytest.raises(ValidationError, match="NIB harus terdiri dari 13 digit"):
            identity.validate_nib(wrong)


def test_npwp_accepts_15_and_16_digits_with_a_valid_check_digit():
    assert identity.validate_npwp("01.300.066.6-091.000") == "013000666091000"
    assert identity.validate_npwp("0013000666091000") == "0013000666091000"


def test_npwp_with_a_wrong_check_digit_or_length_is_refused():
    with pytest.raises(ValidationError, match="Digit pemeriksa NPWP"):
        identity.validate_npwp("01.300.066.2-091.000")
    with pytest.raises(ValidationError, match="15 atau 16 digit"):
        identity.validate_npwp("12345")


def test_nik_is_masked_with_the_region_and_serial_visible():
    assert identity.nik_mask(VALID_NIK_MAN) == "1271********0001"


def test_encrypted_nik_round_trips_and_is_not_clear_text(settings):
    token = identity.nik_encrypt(VALID_NIK_MAN)
    assert VALID_NIK_MAN not in token
    assert identity.nik_decrypt(token) == VALID_NIK_MAN


def test_the_lookup_hash_depends_on_the_key(settings):
    first = identity.nik_hash(VALID_NIK_MAN)
    settings.PII_KEY = "another-key"
    assert identity.nik_hash(VALID_NIK_MAN) != first
