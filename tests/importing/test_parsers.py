import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from registry.importing import parsers
from registry.importing.columns import CANONICAL_COLUMNS, match_header, match_headers
from registry.importing.parsers import (
    ParseError,
    RegionIndex,
    parse_amount,
    parse_count,
    parse_email,
    parse_identifier,
    parse_kbli,
    parse_sex,
    parse_turnover,
    parse_year,
    resolve_district,
    resolve_regency,
    resolve_region,
)
from registry.models import Region
from tests.factories import VALID_NIK_MAN, VALID_NIK_WOMAN


def refused(func, *args, **kwargs) -> ParseError:
    with pytest.raises(ParseError) as info:
        func(*args, **kwargs)
    return info.value


# --- amounts ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rupiah"),
    [
        ("2000000000", 2_000_000_000),
        ("2.000.000.000", 2_000_000_000),
        ("Rp 2.000.000.000", 2_000_000_000),
        ("Rp2.000.000.000,00", 2_000_000_000),
        ("Rp. 491.010.818.000.-", 491_010_818_000),
        ("Rp 683.984.244.000,-", 683_984_244_000),
        ("2 M", 2_000_000_000),
        ("2 miliar", 2_000_000_000),
        ("1,5 M", 1_500_000_000),
        ("750 jt", 750_000_000),
        ("750 juta", 750_000_000),
        ("1,5 milyar", 1_500_000_000),
        ("3.431.815,03", 3_431_815),
        ("3.431.815,50", 3_431_816),
        ("'2000000", 2_000_000),
        ("  Rp 1.500.000  ", 1_500_000),
        ("2000000.0", 2_000_000),  # a program's float export
        ("2 000 000", 2_000_000),
        ("0", 0),
    ],
)
def test_amounts_written_the_indonesian_way_are_read_in_whole_rupiah(text, rupiah):
    assert parse_amount(text) == rupiah


@pytest.mark.parametrize("text", ["", "   ", None, "-", "'"])
def test_a_blank_amount_is_none(text):
    assert parse_amount(text) is None


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("-2.000.000", "amount_negative", "negatif"),
        ("Rp -500.000", "amount_negative", "negatif"),
        ("(5.000)", "amount_negative", "negatif"),
        ("Rp1.000.000.0C0", "amount_letters", "huruf"),
        ("RpSO.0O0.00O.000,00", "amount_letters", "huruf"),
        ("2E+09", "amount_scientific", "notasi ilmiah"),
        ("150,000", "amount_ambiguous", "150.000"),
        ("2,000,000", "amount_format", "koma sebagai pemisah ribuan"),
        ("2 kg", "amount_letters", "huruf"),
        ("dua juta", "amount_format", "bukan jumlah rupiah"),
    ],
)
def test_an_amount_that_cannot_be_read_is_refused_naming_the_column_and_the_value(text, code, words):
    error = refused(parse_amount, text, label="Omzet tahunan")
    assert error.code == code
    assert error.message.startswith(f"Omzet tahunan '{text}'")
    assert words in error.message


def test_a_number_without_its_own_multiplier_takes_the_unit_of_its_header():
    assert parse_amount("150", unit=1_000_000) == 150_000_000
    assert parse_amount("2 M", unit=1_000_000) == 2_000_000_000


def test_a_monthly_turnover_is_stored_as_annual():
    assert parse_turnover("15.000.000", monthly=True) == 180_000_000
    assert parse_turnover("15.000.000") == 15_000_000
    assert parse_turnover("", monthly=True) is None


def indonesian(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@given(
    n=st.integers(min_value=0, max_value=10**15),
    grouped=st.booleans(),
    prefix=st.sampled_from(["", "Rp", "Rp ", "Rp. ", "rp", "IDR "]),
    suffix=st.sampled_from(["", ",00", ",-", ".-", ",00,-"]),
)
def test_any_rupiah_amount_formatted_the_indonesian_way_reads_back(n, grouped, prefix, suffix):
    text = f"{prefix}{indonesian(n) if grouped else n}{suffix}"
    assert parse_amount(text) == n


@given(
    whole=st.integers(min_value=0, max_value=999_999),
    fraction=st.text(alphabet="0123456789", min_size=0, max_size=3),
    word=st.sampled_from([("rb", 10**3), ("ribu", 10**3), ("jt", 10**6), ("Juta", 10**6), ("M", 10**9),
                          ("miliar", 10**9), ("Milyar", 10**9), ("T", 10**12)]),
    space=st.sampled_from(["", " ", "  "]),
)
def test_amounts_with_a_multiplier_word_read_back(whole, fraction, word, space):
    suffix, multiplier = word
    text = f"{indonesian(whole)}{',' + fraction if fraction else ''}{space}{suffix}"
    expected = (Decimal(f"{whole}.{fraction or 0}") * multiplier).to_integral_value(rounding=ROUND_HALF_UP)
    assert parse_amount(text) == int(expected)


@given(rupiah=st.integers(min_value=0, max_value=10**14), sen=st.integers(min_value=0, max_value=99))
def test_decimals_after_the_comma_are_rounded_to_the_rupiah(rupiah, sen):
    expected = rupiah + (1 if sen >= 50 else 0)
    assert parse_amount(f"Rp {indonesian(rupiah)},{sen:02d}") == expected


def test_counts_accept_a_unit_word_and_refuse_fractions():
    assert parse_count("5") == 5
    assert parse_count("12 orang") == 12
    assert parse_count("1.200") == 1200
    assert parse_count("3.0") == 3
    assert parse_count("") is None
    assert refused(parse_count, "2,5", label="Tenaga kerja").message.startswith("Tenaga kerja '2,5'")


def test_emails_are_lower_cased_and_checked():
    assert parse_email(" Ros@Example.ID ") == "ros@example.id"
    assert refused(parse_email, "ros@", label="Email").code == "email_format"


# --- years ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2019", "12/05/2019", "2019-05-12", "12-05-2019", "12.05.2019", "43597", "43597.5", "2019.0",
     "12 Mei 2019", "Mei 2019", "2019-05-12 10:04:13", "2019-05-12T10:04:13", "'2019"],
)
def test_years_and_dates_give_the_year(text):
    assert parse_year(text) == 2019


def test_a_year_outside_1900_to_this_year_is_refused():
    this_year = timezone.localdate().year
    assert parse_year(str(this_year)) == this_year
    assert parse_year("1900") == 1900
    for text in (str(this_year + 1), "1899", f"01/01/{this_year + 5}"):
        error = refused(parse_year, text, label="Tahun berdiri")
        assert error.code == "year_range"
        assert f"Tahun berdiri '{text}' di luar rentang 1900–{this_year}" in error.message


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31/02/2019", "year_date"),  # no such day
        ("05/13/2019", "year_date"),  # month-first (US) order
        ("12/05/19", "year_two_digits"),
        ("20190", "year_format"),  # a mistyped year is not an Excel date of 1955
        ("12 Mai 2019", "year_format"),
        ("dua ribu", "year_format"),
    ],
)
def test_dates_that_are_not_real_or_not_clear_are_refused(text, code):
    assert refused(parse_year, text).code == code


def test_a_blank_year_is_none():
    assert parse_year("  ") is None


# --- NIK, NIB, phone --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [VALID_NIK_MAN, "1271 0115 0590 0001", "1271.0115.0590.0001", "1271-0115-0590-0001", f"'{VALID_NIK_MAN}",
     f"  {VALID_NIK_MAN}  "],
)
def test_a_nik_written_as_text_is_returned_as_16_digits(text):
    assert parse_identifier(text, "nik") == VALID_NIK_MAN


def test_the_sci_notation_nik_is_refused_with_the_spreadsheet_as_the_reason():
    error = refused(parse_identifier, "1.27101E+15", "nik")
    assert error.code == "stored_as_number"
    assert error.message == (
        "NIK tersimpan sebagai angka oleh spreadsheet (1.27101E+15); 16 digit tidak bisa dipulihkan — "
        "ketik ulang sebagai teks."
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [("9,12E+12", "nib"), ("9.12010077E+12", "nib"), ("1.27101150590000E+15", "nik"), ("1271011505900001.0", "nik"),
     ("9120100770001.0", "nib"), ("8.12345678900E+10", "phone"), ("81234567890.0", "phone")],
)
def test_identifiers_a_spreadsheet_turned_into_numbers_are_refused(text, kind):
    error = refused(parse_identifier, text, kind)
    assert error.code == "stored_as_number"
    assert "tersimpan sebagai angka oleh spreadsheet" in error.message
    assert "ketik ulang sebagai teks" in error.message


def test_a_nik_that_lost_digits_says_the_spreadsheet_may_have_dropped_them():
    error = refused(parse_identifier, "127101150590001", "nik", label="NIK pemilik")
    assert error.code == "identifier_short"
    assert error.message.startswith("NIK pemilik harus 16 digit, tertulis 15 digit")
    assert "sel berformat angka" in error.message
    assert "127101150590001" not in error.message  # a NIK is shown masked in reports


def test_a_nib_that_lost_its_leading_zero_is_not_padded_silently():
    error = refused(parse_identifier, "220000012345", "nib")
    assert error.code == "identifier_short"
    assert "NIB harus 13 digit, tertulis 12 digit" in error.message


def test_a_full_nik_check_is_the_identity_modules():
    assert parse_identifier(VALID_NIK_WOMAN, "nik") == VALID_NIK_WOMAN
    assert refused(parse_identifier, "1271013205900001", "nik").code == "nik_date"
    assert refused(parse_identifier, "9971011505900001", "nik").code == "nik_region"
    assert refused(parse_identifier, "1271011505900000", "nik").code == "nik_serial"


def test_a_masked_or_lettered_identifier_is_refused():
    assert refused(parse_identifier, "121806**********", "nik").code == "identifier_format"
    assert refused(parse_identifier, "NIB-123", "nib").code == "identifier_format"
    assert parse_identifier("9120-1007-70001", "nib") == "9120100770001"


@pytest.mark.parametrize(
    "text",
    ["081234567890", "0812-3456-7890", "0812 3456 7890", "62 812 3456 7890", "6281234567890", "+62 812-3456-7890",
     "+6281234567890", "+62 (0)812 3456 7890", "'081234567890", "81234567890"],
)
def test_phones_are_normalised_to_the_national_08_form(text):
    # The last one lost its leading 0 when a spreadsheet stored it as a number: a mobile number starting 8
    # can only have been 08…, so it is restored rather than refused.
    assert parse_identifier(text, "phone") == "081234567890"


def test_a_landline_keeps_its_area_code():
    assert parse_identifier("(061) 451-2345", "phone") == "0614512345"
    assert parse_identifier("+62 61 4512345", "phone") == "0614512345"


@pytest.mark.parametrize(
    ("text", "code"),
    [("0812xxxx4401", "phone_format"), ("Telp 0812345678", "phone_format"),
     ("0812345678 / 0813456789", "phone_several"), ("622412345", "phone_prefix"),
     ("+1 202 555 0100", "phone_foreign"), ("0812", "phone_length")],
)
def test_phones_with_letters_or_an_unclear_prefix_are_refused(text, code):
    assert refused(parse_identifier, text, "phone").code == code


def test_a_blank_identifier_is_none():
    assert parse_identifier(" ", "nik") is None
    assert parse_identifier("", "phone") is None


# --- sex, KBLI --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sex"),
    [("L", "L"), ("l", "L"), ("LAKI-LAKI", "L"), ("Laki laki", "L"), ("Laki-laki", "L"), ("Pria", "L"), ("LK", "L"),
     ("P", "P"), ("PEREMPUAN", "P"), ("Perempuan", "P"), ("Wanita", "P"), ("  p ", "P")],
)
def test_sex_is_read_as_l_or_p(text, sex):
    assert parse_sex(text) == sex


def test_an_unknown_sex_is_refused_and_a_blank_one_is_none():
    assert refused(parse_sex, "X").message == "Jenis kelamin 'X' tidak dikenal; isi L (laki-laki) atau P (perempuan)."
    assert parse_sex("") is None


@pytest.mark.parametrize(
    ("text", "kbli"),
    [("47111", ("47", "47111")), ("47", ("47", "")), ("01111", ("01", "01111")), ("47.111", ("47", "47111")),
     ("47111 - Perdagangan eceran", ("47", "47111")), ("47.0", ("47", "")), (" 10794 ", ("10", "10794"))],
)
def test_kbli_gives_the_main_group_and_the_five_digit_code(text, kbli):
    assert parse_kbli(text) == kbli


@pytest.mark.parametrize(
    ("text", "code"),
    [("G", "kbli_category"), ("1111", "kbli_format"), ("471", "kbli_format"), ("1", "kbli_format"),
     ("04", "kbli_unknown"), ("34111", "kbli_unknown"), ("KBLI", "kbli_format")],
)
def test_kbli_that_is_too_coarse_damaged_or_unknown_is_refused(text, code):
    assert refused(parse_kbli, text).code == code


def test_a_kbli_that_lost_its_leading_zero_says_so():
    assert "angka 0 itu hilang karena sel berformat angka" in refused(parse_kbli, "1111").message


# --- header matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "column", "monthly"),
    [
        ("Nama Usaha", "nama_usaha", False), ("NAMA UMKM", "nama_usaha", False),
        ("Nama Pelaku Usaha", "nama_pemilik", False), ("NIK", "nik_pemilik", False),
        ("NIK Pemilik", "nik_pemilik", False), ("No. NIB", "nib", False), ("Kab/Kota", "kabupaten_kota", False),
        ("Kabupaten/Kota", "kabupaten_kota", False), ("Kode Wilayah", "kode_wilayah", False),
        ("Kecamatan", "kecamatan", False), ("Omzet", "omzet_tahunan", False),
        ("Omset per Bulan", "omzet_tahunan", True), ("Omzet/bulan (Rp)", "omzet_tahunan", True),
        ("OMZET PERBULAN", "omzet_tahunan", True), ("Omzet Bulanan", "omzet_tahunan", True),
        ("Omzet per tahun", "omzet_tahunan", False), ("Omzet Tahunan (Rp)", "omzet_tahunan", False),
        ("Modal", "modal_usaha", False), ("Jumlah Tenaga Kerja", "tenaga_kerja", False),
        ("No HP", "telepon", False), ("Telp", "telepon", False), ("L/P", "jenis_kelamin", False),
        ("Jenis Kelamin", "jenis_kelamin", False), ("Tahun Berdiri", "tahun_berdiri", False),
        ("Tahun", "tahun_laporan", False), ("  nama   usaha ", "nama_usaha", False), ("E-mail", "email", False),
        ("Kode BPS", "kode_bps", False), ("KBLI", "kbli", False),
    ],
)
def test_headers_match_their_column_whatever_their_case_and_spacing(header, column, monthly):
    found = match_header(header)
    assert (found.column, found.monthly) == (column, monthly)


def test_every_canonical_name_matches_itself():
    assert [match_header(name).column for name in CANONICAL_COLUMNS] == list(CANONICAL_COLUMNS)


def test_a_header_in_millions_gives_the_unit():
    assert match_header("Omzet (Rp juta)").unit == 1_000_000
    assert match_header("Modal (ribu rupiah)").unit == 1_000


def test_a_header_matching_gives_columns_unrecognised_headers_and_flags():
    info = match_headers(["No", "Nama Usaha", "Warna Favorit", "Omzet per bulan", "NIK", "NIK Pemilik", "", "kode_bps"])
    assert info.columns == {1: "nama_usaha", 3: "omzet_tahunan", 4: "nik_pemilik", 7: "kode_bps"}
    assert info.unrecognised == ["Warna Favorit"]  # the row-number column "No" is not worth asking about
    assert info.duplicates == ["NIK Pemilik"]
    assert info.monthly_turnover and info.bps_codes


def test_a_staff_mapping_names_headers_the_aliases_do_not_know():
    mapping = {"WARNA favorit": "nama_usaha", "penjualan sebulan": "omzet_bulanan", "Keterangan": ""}
    info = match_headers(["Warna Favorit", "Penjualan Sebulan", "Keterangan", "NIK"], mapping)
    assert info.columns == {0: "nama_usaha", 1: "omzet_tahunan", 3: "nik_pemilik"}
    assert info.unrecognised == []
    assert info.monthly_turnover
    with pytest.raises(ValueError):
        match_headers(["X"], {"X": "warna"})


def test_a_turnover_header_that_says_both_month_and_year_is_not_guessed():
    assert match_header("Omzet per bulan / per tahun").column is None


# --- regions ----------------------------------------------------------------------------------------

CROSSWALK = Path(parsers.DATA_DIR) / "kabkota_bps_crosswalk.csv"


@pytest.mark.django_db
def test_the_crosswalk_names_every_regency_of_the_region_table_once():
    with open(CROSSWALK, encoding="utf-8") as handle:
        assert handle.readline().startswith("#")
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    regencies = dict(Region.objects.regencies().values_list("code", "name"))
    assert len(rows) == len(regencies) == 33
    assert {r["kode_kemendagri"]: r["nama"] for r in rows} == regencies
    assert len({r["kode_bps"] for r in rows}) == 33


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "bps", "code"),
    [
        ("12.71", False, "12.71"), ("1271", False, "12.71"), ("1271", True, "12.73"), ("1275", True, "12.71"),
        ("1275", False, "12.75"), ("12.71", True, "12.71"), ("12.71.01", False, "12.71"), ("1271.0", False, "12.71"),
        ("KOTA MEDAN", False, "12.71"), ("Medan", False, "12.71"), ("kota medan", False, "12.71"),
        ("Kab. Deli Serdang", False, "12.07"), ("Deliserdang", False, "12.07"), ("Kab Deli Serdang", False, "12.07"),
        ("Labuhan Batu", False, "12.10"), ("Labuhanbatu", False, "12.10"), ("LABUHAN BATU SELATAN", False, "12.22"),
        ("Toba Samosir", False, "12.12"), ("Kabupaten Toba", False, "12.12"), ("Pakpak Barat", False, "12.15"),
        ("Pakpak Bharat", False, "12.15"), ("Tanjung Balai", False, "12.74"), ("Pematang Siantar", False, "12.72"),
        ("Padang Sidempuan", False, "12.77"), ("Padangsidempuan", False, "12.77"),
        ("Padangsidimpuan", False, "12.77"), ("Gunung Sitoli", False, "12.78"), ("Batubara", False, "12.19"),
        ("Batu Bara", False, "12.19"), ("Humbang\nHasundutan", False, "12.16"), ("Nias", False, "12.04"),
        ("Nias Barat", False, "12.25"), ("Kota Tebing Tinggi", False, "12.76"), ("Tapteng", False, "12.01"),
        ("Kotamadya Binjai", False, "12.75"), ("Kota Medan, Sumatera Utara", False, "12.71"),
    ],
)
def test_a_regency_is_resolved_from_its_code_or_its_name(text, bps, code):
    assert resolve_regency(text, bps=bps) == code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("Kabupaten Medan", "regency_kind", "yang ada Kota Medan (12.71)"),
        ("Jakarta", "regency_unknown", "tidak dikenal di Sumatera Utara"),
        ("12.1", "regency_code_truncated", "sel berformat angka"),
        ("3201", "regency_outside", "bukan kabupaten/kota di Sumatera Utara"),
        ("12.99", "regency_code_unknown", "12.99"),
        ("12.71.99", "district_code_unknown", "12.71.99"),
        ("127", "regency_code_format", "127"),
    ],
)
def test_a_regency_that_is_unknown_or_unclear_is_refused(text, code, words):
    error = refused(resolve_regency, text, label="Kab/Kota")
    assert error.code == code
    assert words in error.message
    assert error.message.startswith("Kab/Kota")


@pytest.mark.django_db
def test_an_unknown_bps_code_is_refused_when_the_file_declares_bps():
    assert refused(resolve_regency, "1299", bps=True).code == "bps_code_unknown"


def test_a_bare_name_shared_by_a_kabupaten_and_a_kota_is_refused_listing_both():
    index = RegionIndex([("12.01", "Kabupaten Contoh"), ("12.71", "Kota Contoh")])
    error = refused(index.regency, "Contoh")
    assert error.code == "regency_ambiguous"
    assert "Kabupaten Contoh (12.01) atau Kota Contoh (12.71)" in error.message
    assert index.regency("Kab. Contoh") == "12.01"
    assert index.regency("KOTA CONTOH") == "12.71"


@pytest.mark.django_db
def test_no_regency_name_of_sumut_is_shared_by_a_kabupaten_and_a_kota():
    for code, name in Region.objects.regencies().values_list("code", "name"):
        bare = name.removeprefix("Kabupaten ").removeprefix("Kota ")
        assert resolve_regency(bare) == code


def name_variants(name: str) -> st.SearchStrategy[str]:
    kind, bare = ("kota", name[5:]) if name.startswith("Kota ") else ("kabupaten", name.removeprefix("Kabupaten "))
    prefixes = ["", "Kota ", "KOTA ", "kota ", "Kotamadya "] if kind == "kota" else [
        "", "Kab. ", "Kab ", "KAB. ", "Kabupaten ", "KABUPATEN ", "kabupaten "]

    @st.composite
    def variant(draw):
        words = bare.split()
        joined = draw(st.sampled_from([" ", "  ", "\n", ""])).join(words) if len(words) > 1 else bare
        cased = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in joined)
        space = st.sampled_from(["", " "])
        return f"{draw(space)}{draw(st.sampled_from(prefixes))}{cased}{draw(space)}"

    return variant()


@pytest.mark.django_db
@given(data=st.data())
def test_every_regency_name_in_any_case_and_prefix_resolves_to_its_code(data):
    regencies = parsers.region_index().regencies
    code = data.draw(st.sampled_from(sorted(regencies)))
    text = data.draw(name_variants(regencies[code].name))
    assert resolve_regency(text) == code


@pytest.mark.django_db
@given(data=st.data())
def test_every_kemendagri_code_resolves_to_itself_dotted_or_not(data):
    code = data.draw(st.sampled_from(sorted(parsers.region_index().regencies)))
    assert resolve_regency(code) == code
    assert resolve_regency(code, bps=True) == code  # dotted is Kemendagri whatever the file declares
    assert resolve_regency(code.replace(".", "")) == code


@pytest.mark.django_db
@given(data=st.data())
def test_every_bps_code_goes_through_the_crosswalk_only_when_declared(data):
    crosswalk = parsers.bps_crosswalk()
    bps = data.draw(st.sampled_from(sorted(crosswalk)))
    assert resolve_regency(bps, bps=True) == crosswalk[bps]
    assert resolve_regency(bps) == f"{bps[:2]}.{bps[2:]}"


@pytest.mark.django_db
def test_bps_1271_is_sibolga_and_kemendagri_1271_is_medan():
    assert Region.objects.get(code=resolve_regency("1271", bps=True)).name == "Kota Sibolga"
    assert Region.objects.get(code=resolve_regency("1271")).name == "Kota Medan"
    assert Region.objects.get(code=resolve_regency("1275", bps=True)).name == "Kota Medan"
    assert Region.objects.get(code=resolve_regency("1275")).name == "Kota Binjai"


@pytest.mark.django_db
def test_a_row_whose_code_and_name_disagree_is_refused_naming_both():
    error = refused(resolve_region, "12.75", "Medan")
    assert error.code == "region_mismatch"
    assert error.message.startswith("Kode 12.75 (Kota Binjai) tidak sesuai dengan nama 'Medan' (Kota Medan, 12.71).")


@pytest.mark.django_db
def test_an_undotted_code_that_matches_the_name_only_as_bps_suggests_the_bps_option():
    error = refused(resolve_region, "1275", "Kota Medan")
    assert "Kode 1275 (Kota Binjai, 12.75)" in error.message
    assert "pilih opsi kode BPS: BPS 1275 adalah Kota Medan" in error.message


@pytest.mark.django_db
def test_a_declared_bps_code_that_disagrees_with_the_name_is_refused():
    error = refused(resolve_region, "1271", "Medan", bps=True)
    assert "Kode BPS 1271 (Kota Sibolga, 12.73)" in error.message


@pytest.mark.django_db
def test_a_code_and_a_name_that_agree_give_the_regency():
    assert resolve_region("12.71", "KOTA MEDAN") == "12.71"
    assert resolve_region("1275", "Medan", bps=True) == "12.71"
    assert resolve_region("", "Kab. Karo") == "12.06"
    assert resolve_region("12.06", "") == "12.06"
    assert resolve_region(" ", None) is None


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["Medan Kota", "medan kota", "MEDAN  KOTA", "Kec. Medan Kota", "Kecamatan Medan Kota",
                                  "Medan-Kota", "12.71.01"])
def test_a_district_is_found_by_name_or_code_within_its_regency(text):
    assert resolve_district("12.71", text) == "12.71.01"


@pytest.mark.django_db
def test_every_district_name_resolves_within_its_regency():
    for code, name, regency in Region.objects.districts().values_list("code", "name", "parent_id"):
        assert resolve_district(regency, name.upper()) == code
        assert resolve_district(regency, f"Kec. {name}") == code


@pytest.mark.django_db
def test_a_district_of_another_regency_is_refused_naming_where_it_is():
    error = refused(resolve_district, "12.07", "Medan Kota")
    assert error.code == "district_elsewhere"
    assert error.message == "Kecamatan 'Medan Kota' tidak ada di Kabupaten Deli Serdang; nama itu ada di Kota Medan."
    error = refused(resolve_district, "12.07", "12.71.01")
    assert error.message == "Kecamatan 12.71.01 (Medan Kota) berada di Kota Medan, bukan di Kabupaten Deli Serdang."


@pytest.mark.django_db
def test_an_unknown_district_is_refused_naming_the_regency():
    assert refused(resolve_district, "12.71", "Atlantis").message == "Kecamatan 'Atlantis' tidak dikenal di Kota Medan."
    assert refused(resolve_district, "12.71", "12.71.99").code == "district_code_unknown"
    assert resolve_district("12.71", "") is None
