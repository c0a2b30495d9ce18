"""Parsers for one cell of an imported spreadsheet: raw text in, a clean value out.

Every parser returns the value (None for a blank cell) or raises `ParseError(code, message)`, where the
message is Indonesian, names the column (`label`) and the value, and says what is wrong. Nothing is
guessed: a value that could mean two things is refused with the reason. The reader
(`registry.importing.reader`) delivers cells as text; see there for how numeric Excel cells are rendered.

Regions are resolved against the Region table (Kemendagri codes), cached in memory per process, and the
BPS↔Kemendagri crosswalk in registry/data/kabkota_bps_crosswalk.csv.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import identity

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


class ParseError(ValueError):
    """A cell that cannot be read. `code` is stable (for tests and reports), `message` is for the user."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def clean_cell(value: object) -> str:
    """Text of a cell without surrounding spaces (also non-breaking ones) and without the apostrophe
    Excel users type to force text (`'1271…`)."""
    text = str(value if value is not None else "").replace("\xa0", " ").strip()
    if text.startswith("'"):
        text = text[1:].lstrip()
    return text


def _fail(code: str, message: str, **params: object) -> ParseError:
    return ParseError(code, message % params)


# --- amounts in rupiah ------------------------------------------------------------------------------

_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_CURRENCY_PREFIX = re.compile(r"^(?:rp|idr)\s*\.?\s*", re.IGNORECASE)
_CURRENCY_SUFFIX = re.compile(r"\s*(?:rupiah|rp|idr)\.?$", re.IGNORECASE)
_NIL_MARK = re.compile(r"[.,]?\s*-+$")  # the ",-" / ".-" that closes an amount in letters and receipts
_WITH_SUFFIX = re.compile(r"^(?P<number>[\d.,\s]*\d)\s*(?P<suffix>[a-zA-Z]+)\.?$")
_MULTIPLIERS = {
    "rb": 10**3, "ribu": 10**3,
    "jt": 10**6, "juta": 10**6,
    "m": 10**9, "miliar": 10**9, "milyar": 10**9, "milliar": 10**9,
    "t": 10**12, "triliun": 10**12, "trilyun": 10**12,
}
_INDONESIAN = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$|^\d+(?:,\d+)?$")  # 2.000.000,50 · 2000000 · 1,5
_DOT_DECIMAL = re.compile(r"^\d+\.\d+$")  # 2000000.0 from a program's export; 1.500 is caught above
_SPACE_GROUPS = re.compile(r"^\d{1,3}(?: \d{3})+(?:,\d+)?$")  # 2 000 000
_COMMA_THOUSANDS = re.compile(r"^\d{1,3},\d{3}$")  # 150,000: English thousands or 150 and a fraction?
_ENGLISH = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_MAX_AMOUNT = 10**18  # fits the BigIntegerField the figures are stored in


def parse_amount(value: object, *, label: str | None = None, unit: int = 1) -> int | None:
    """An amount in whole rupiah, read the Indonesian way: dot = thousands, comma = decimals.

    Accepts `2000000000`, `2.000.000.000`, `Rp 2.000.000.000`, `Rp2.000.000.000,00`,
    `Rp. 491.010.818.000.-`, `Rp 683.984.244.000,-`, `2 M`, `2 miliar`, `1,5 M`, `750 jt`, `750 juta`,
    `3.431.815,03` (rounded to the rupiah) and a plain decimal point from a program's export
    (`2000000.0`). `unit` multiplies a number written without its own multiplier (a header in
    "Rp juta"). Blank or `-` → None. Refused: negatives, scientific notation, letters, and `150,000`
    (English thousands or 150 with a fraction — it cannot be told).
    """
    label = label or gettext_lazy("Jumlah rupiah")
    text = clean_cell(value)
    if not text or text in {"-", "–", "—"}:
        return None
    shown = text
    text = _CURRENCY_SUFFIX.sub("", _CURRENCY_PREFIX.sub("", text)).strip()
    if text[:1] in {"-", "−", "–"} or (text.startswith("(") and text.endswith(")")):
        raise _fail("amount_negative", _("%(label)s '%(value)s' negatif; jumlah rupiah tidak boleh negatif."),
                    label=label, value=shown)
    text = _NIL_MARK.sub("", text).strip()
    if _SCIENTIFIC.match(text):
        raise _fail(
            "amount_scientific",
            _("%(label)s '%(value)s' tersimpan sebagai angka oleh spreadsheet dalam notasi ilmiah; nilai "
              "lengkapnya tidak bisa dipulihkan — format sel sebagai angka biasa atau teks, lalu ketik ulang."),
            label=label, value=shown,
        )
    multiplier = unit
    suffixed = _WITH_SUFFIX.match(text)
    if suffixed:
        suffix = suffixed["suffix"].lower()
        if suffix not in _MULTIPLIERS:
            raise _unreadable_amount(label, shown)
        multiplier, text = _MULTIPLIERS[suffix], suffixed["number"].strip()
    if _SPACE_GROUPS.match(text):
        text = text.replace(" ", ".")
    if _COMMA_THOUSANDS.match(text) and not suffixed:
        raise _fail(
            "amount_ambiguous",
            _("%(label)s '%(value)s' tidak jelas: koma adalah tanda desimal sehingga nilainya hanya %(small)s "
              "rupiah, tetapi mungkin maksudnya %(large)s. Tulis ribuan dengan titik."),
            label=label, value=shown, small=text.split(",")[0], large=text.replace(",", "."),
        )
    if _INDONESIAN.match(text):
        number = Decimal(text.replace(".", "").replace(",", "."))
    elif _DOT_DECIMAL.match(text):
        number = Decimal(text)
    elif _ENGLISH.match(text):
        raise _fail(
            "amount_format",
            _("%(label)s '%(value)s' memakai koma sebagai pemisah ribuan; tulis ribuan dengan titik dan desimal "
              "dengan koma (mis. 2.000.000,50)."),
            label=label, value=shown,
        )
    else:
        raise _unreadable_amount(label, shown)
    rupiah = int((number * multiplier).to_integral_value(rounding=ROUND_HALF_UP))
    if rupiah >= _MAX_AMOUNT:
        raise _fail("amount_too_large", _("%(label)s '%(value)s' terlalu besar."), label=label, value=shown)
    return rupiah


def _unreadable_amount(label: str, shown: str) -> ParseError:
    rest = _CURRENCY_PREFIX.sub("", shown)
    if re.search(r"[a-zA-Z]", rest) and re.search(r"\d", rest):
        return _fail(
            "amount_letters",
            _("%(label)s '%(value)s' bukan jumlah rupiah yang bisa dibaca: berisi huruf (periksa huruf O, S, C "
              "yang mestinya angka 0, 5, 0); satuan yang dikenal: rb, jt, juta, M, miliar."),
            label=label, value=shown,
        )
    return _fail("amount_format", _("%(label)s '%(value)s' bukan jumlah rupiah yang bisa dibaca."),
                 label=label, value=shown)


def parse_turnover(value: object, *, monthly: bool = False, unit: int = 1, label: str | None = None) -> int | None:
    """Annual turnover in rupiah; a monthly figure (a header that says per bulan) is multiplied by 12."""
    amount = parse_amount(value, label=label or gettext_lazy("Omzet"), unit=unit)
    return amount * 12 if amount is not None and monthly else amount


def parse_count(value: object, *, label: str | None = None) -> int | None:
    """A whole number of people or things: `5`, `5 orang`, `1.200`; blank → None."""
    label = label or gettext_lazy("Jumlah")
    text = clean_cell(value)
    if not text or text == "-":
        return None
    match = re.fullmatch(r"(\d{1,3}(?:\.\d{3})+|\d+)(?:[.,]0+)?\s*(?:orang|org|jiwa|unit)?\.?", text, re.IGNORECASE)
    if not match:
        raise _fail("count_format", _("%(label)s '%(value)s' harus berupa bilangan bulat tidak negatif."),
                    label=label, value=text)
    return int(match[1].replace(".", ""))


def parse_email(value: object, *, label: str | None = None) -> str | None:
    """An e-mail address, lower-cased; blank → None."""
    text = clean_cell(value)
    if not text or text == "-":
        return None
    try:
        validate_email(text)
    except ValidationError as exc:
        raise _fail("email_format", _("%(label)s '%(value)s' bukan alamat email yang benar."),
                    label=label or _("Email"), value=text) from exc
    return text.lower()


# --- years and dates --------------------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "januari": 1, "january": 1, "feb": 2, "februari": 2, "pebruari": 2, "february": 2,
    "mar": 3, "maret": 3, "march": 3, "apr": 4, "april": 4, "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6, "jul": 7, "juli": 7, "july": 7, "agu": 8, "agt": 8, "agus": 8,
    "agustus": 8, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10, "oktober": 10,
    "oct": 10, "october": 10, "nov": 11, "nop": 11, "november": 11, "nopember": 11,
    "des": 12, "desember": 12, "dec": 12, "december": 12,
}
# Years before last year are valid whatever the time zone; only later ones need today's date in Jakarta.
_SAFE_YEAR_BELOW = dt.date.today().year - 1
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's 1900 date system, counting its phantom 29 Feb 1900
# A five-digit number is read as an Excel date serial only from 1960 (serial 21916) on, so that a mistyped
# year such as 20190 (→ 1955) is refused rather than taken for a date.
_EXCEL_SERIAL_FROM = 1960


def parse_year(value: object, *, label: str | None = None) -> int | None:
    """A year from `2019`, `12/05/2019` (dd/mm/yyyy), `2019-05-12`, `12-05-2019`, `12 Mei 2019`, or an Excel
    date serial (`43597` → 2019, five digits, so never confused with a year). Years outside
    1900..this year (Asia/Jakarta) are refused, as are two-digit years and impossible dates."""
    label = label or gettext_lazy("Tahun")
    text = clean_cell(value)
    if not text or text == "-":
        return None
    year = _year_of(text, label)
    if 1900 <= year < _SAFE_YEAR_BELOW:
        return year
    this_year = timezone.localdate().year
    if not 1900 <= year <= this_year:
        raise _fail("year_range", _("%(label)s '%(value)s' di luar rentang 1900–%(max)s."),
                    label=label, value=text, max=this_year)
    return year


def _year_of(text: str, label: str) -> int:
    if re.fullmatch(r"\d{4}(?:[.,]0+)?", text):
        return int(text[:4])
    if m := re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text):
        return _checked_date(int(m[3]), int(m[2]), int(m[1]), text, label)
    if m := re.fullmatch(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text):
        return _checked_date(int(m[1]), int(m[2]), int(m[3]), text, label)
    if m := re.fullmatch(r"(?:(\d{1,2})[\s\-]+)?([A-Za-z]+)\.?[\s\-]+(\d{4})", text):
        month = _MONTHS.get(m[2].lower())
        if month is None:
            raise _fail("year_format", _("%(label)s '%(value)s': nama bulan '%(month)s' tidak dikenal."),
                        label=label, value=text, month=m[2])
        return _checked_date(int(m[3]), month, int(m[1] or 1), text, label)
    if re.fullmatch(r"\d{5}(?:[.,]\d+)?", text):
        year = (_EXCEL_EPOCH + dt.timedelta(days=int(re.split(r"[.,]", text)[0]))).year
        if year < _EXCEL_SERIAL_FROM:
            raise _fail("year_format", _("%(label)s '%(value)s' bukan tahun; sebagai nomor tanggal Excel ia jatuh pada "
                                         "tahun %(year)s, yang tidak masuk akal."), label=label, value=text, year=year)
        return year
    if re.fullmatch(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}", text):
        raise _fail("year_two_digits", _("%(label)s '%(value)s' memakai tahun 2 digit; tulis tahun lengkap 4 digit."),
                    label=label, value=text)
    raise _fail(
        "year_format",
        _("%(label)s '%(value)s' bukan tahun atau tanggal yang dikenali (contoh: 2019, 12/05/2019, 2019-05-12)."),
        label=label, value=text,
    )


def _checked_date(year: int, month: int, day: int, text: str, label: str) -> int:
    try:
        return dt.date(year, month, day).year
    except ValueError as exc:
        raise _fail("year_date", _("%(label)s '%(value)s' bukan tanggal yang ada (urutan yang dipakai: hari/bulan/"
                                   "tahun)."), label=label, value=text) from exc


# --- identity numbers and phones --------------------------------------------------------------------

IdentifierKind = Literal["nik", "nib", "phone"]
_IDENTIFIER_LABELS = {"nik": gettext_lazy("NIK"), "nib": gettext_lazy("NIB"), "phone": gettext_lazy("Nomor telepon")}
_LENGTHS = {"nik": 16, "nib": 13}
_FLOAT_TAIL = re.compile(r"^\d+[.,]0+$")
_SEPARATORS = re.compile(r"[\s.\-/()]")


def _masked(kind: str, text: str) -> str:
    """A NIK is personal data (UU 27/2022): messages, which end up in import reports, show it masked."""
    if kind != "nik" or len(text) < 10:
        return text
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def parse_identifier(value: object, kind: IdentifierKind, *, label: str | None = None) -> str | None:
    """A NIK (16 digits), NIB (13 digits) or phone number as text of digits; blank → None.

    Spaces, dots, dashes and a leading apostrophe are dropped. A value a spreadsheet has turned into a
    number is refused with that reason — scientific notation (`1.27101E+15`, `9,12E+12`), a trailing
    `.0`, or a NIK/NIB with digits missing — because the lost digits cannot be recovered and must be
    typed again as text. A NIK is then checked in full by registry.identity.validate_nik.
    Phones are returned as `08…` / `0…` from `08…`, `62 8…`, `+62…`.
    """
    label = label or _IDENTIFIER_LABELS[kind]
    text = clean_cell(value)
    if not text or text == "-":
        return None
    scientific = bool(_SCIENTIFIC.match(text.replace(" ", "")))
    if scientific or _FLOAT_TAIL.match(text):
        if kind == "phone":
            raise _fail(
                "stored_as_number",
                _("%(label)s tersimpan sebagai angka oleh spreadsheet (%(value)s); ketik ulang sebagai teks."),
                label=label, value=text,
            )
        raise _fail(
            "stored_as_number",
            _("%(label)s tersimpan sebagai angka oleh spreadsheet (%(value)s); %(n)s digit tidak bisa dipulihkan — "
              "ketik ulang sebagai teks."),
            label=label, value=text if scientific else _masked(kind, text), n=_LENGTHS[kind],
        )
    if kind == "phone":
        return _phone(text, label)
    digits = _SEPARATORS.sub("", text)
    shown = _masked(kind, text)
    if not digits.isdigit():
        raise _fail("identifier_format", _("%(label)s '%(value)s' berisi karakter selain angka."),
                    label=label, value=shown)
    length = _LENGTHS[kind]
    if len(digits) < length:
        raise _fail(
            "identifier_short",
            _("%(label)s harus %(n)s digit, tertulis %(found)s digit (%(value)s); bila berkas berasal dari "
              "spreadsheet, digit bisa hilang karena sel berformat angka — ketik ulang sebagai teks."),
            label=label, n=length, found=len(digits), value=shown,
        )
    if len(digits) > length:
        raise _fail("identifier_long", _("%(label)s harus %(n)s digit, tertulis %(found)s digit (%(value)s)."),
                    label=label, n=length, found=len(digits), value=shown)
    validate = identity.validate_nik if kind == "nik" else identity.validate_nib
    try:
        return validate(digits)
    except ValidationError as exc:
        raise ParseError(exc.code or "identifier_invalid", f"{label} '{shown}': {exc.messages[0]}") from exc


def _phone(text: str, label: str) -> str:
    if re.search(r"[/,;&]|\bdan\b|\batau\b", text):
        raise _fail("phone_several", _("%(label)s '%(value)s' tampaknya berisi lebih dari satu nomor; isi satu saja."),
                    label=label, value=text)
    digits = _SEPARATORS.sub("", text)
    plus = digits.startswith("+")
    digits = digits[1:] if plus else digits
    if not digits.isdigit():
        raise _fail("phone_format", _("%(label)s '%(value)s' berisi huruf atau tanda selain angka."),
                    label=label, value=text)
    if plus:
        if not digits.startswith("62"):
            raise _fail("phone_foreign", _("%(label)s '%(value)s' bukan nomor Indonesia (+62)."),
                        label=label, value=text)
        national = "0" + digits[2:].lstrip("0")
    elif digits.startswith("0"):
        national = digits
    elif digits.startswith("628"):
        national = "0" + digits[2:]
    elif digits.startswith("8"):
        # A mobile number whose leading 0 a spreadsheet dropped (stored as a number): 8… can only be 08….
        national = "0" + digits
    else:
        # 62 followed by an area code, or 61…: a landline that lost its 0 (0622… Siantar) reads the same as
        # one in international form, so it is refused rather than guessed.
        raise _fail(
            "phone_prefix",
            _("%(label)s '%(value)s' tidak jelas: nomor harus diawali 0, +62, atau 628 (ponsel); bila angka 0 di "
              "depan hilang karena sel berformat angka, ketik ulang sebagai teks."),
            label=label, value=text,
        )
    if not 9 <= len(national) <= 13:
        raise _fail("phone_length", _("%(label)s '%(value)s' panjangnya tidak wajar (%(n)s digit)."),
                    label=label, value=text, n=len(national))
    return national


# --- sex --------------------------------------------------------------------------------------------

_SEXES = {
    "L": "L", "LK": "L", "LAKILAKI": "L", "LAKI": "L", "PRIA": "L",
    "P": "P", "PR": "P", "PEREMPUAN": "P", "WANITA": "P", "W": "P",
}


def parse_sex(value: object, *, label: str | None = None) -> str | None:
    """"L" or "P" from `L`, `P`, `LAKI-LAKI`, `Laki laki`, `Pria`, `PEREMPUAN`, `Wanita`…; blank → None."""
    text = clean_cell(value)
    if not text or text == "-":
        return None
    sex = _SEXES.get(re.sub(r"[^A-Z]", "", text.upper()))
    if sex is None:
        raise _fail("sex_unknown", _("%(label)s '%(value)s' tidak dikenal; isi L (laki-laki) atau P (perempuan)."),
                    label=label or _("Jenis kelamin"), value=text)
    return sex


# --- KBLI -------------------------------------------------------------------------------------------


@cache
def kbli_divisions() -> frozenset[str]:
    """The two-digit KBLI 2020 main groups (golongan pokok), from registry/data/kbli2020.csv."""
    with open(DATA_DIR / "kbli2020.csv", encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return frozenset(r["code"] for r in rows if r["level"] == "division")


def parse_kbli(value: object, *, label: str | None = None) -> tuple[str, str] | None:
    """(main group, 5-digit code or "") from `47111` or `47`; `47111 - Perdagangan eceran…` reads the code.

    A category letter alone (`G`) is too coarse, and 3- or 4-digit codes are refused: `1111` may be
    `01111` whose leading 0 a spreadsheet dropped. The main group must exist in KBLI 2020."""
    label = label or gettext_lazy("KBLI")
    text = clean_cell(value)
    if not text or text == "-":
        return None
    leading = re.match(r"([A-Za-z]|\d[\d.,]*)(?=$|\s|[-–:])", text)  # "47111 - Perdagangan eceran…" → 47111
    code = leading[1] if leading else text
    if re.fullmatch(r"[A-Za-z]", code):
        raise _fail("kbli_category", _("%(label)s '%(value)s' hanya kategori (huruf); tulis golongan pokok 2 digit "
                                       "(mis. 47) atau kode 5 digit (mis. 47111)."), label=label, value=text)
    if re.fullmatch(r"\d{2}[.,]0+", code):  # 47.0 from a program's export
        code = code[:2]
    code = code.replace(".", "")  # 47.111
    if not code.isdigit() or len(code) not in (2, 5):
        hint = ""
        if code.isdigit() and len(code) in (1, 4):
            hint = _(" Bila kode diawali 0 (mis. 01111), angka 0 itu hilang karena sel berformat angka — ketik ulang "
                     "sebagai teks.")
        raise _fail("kbli_format", _("%(label)s '%(value)s' harus 2 digit (golongan pokok) atau 5 digit.%(hint)s"),
                    label=label, value=text, hint=hint)
    if code[:2] not in kbli_divisions():
        raise _fail("kbli_unknown", _("%(label)s '%(value)s': golongan pokok %(division)s tidak ada dalam KBLI 2020."),
                    label=label, value=text, division=code[:2])
    return code[:2], code if len(code) == 5 else ""


# --- regions ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Regency:
    code: str  # Kemendagri, 12.71
    name: str  # as in the Region table: "Kota Medan"
    kind: str  # "kabupaten" or "kota"


_KIND_PREFIXES = {
    "kabupaten": "kabupaten", "kab": "kabupaten", "pemkab": "kabupaten",
    "kota": "kota", "kotamadya": "kota", "kodya": "kota", "pemko": "kota", "pemkot": "kota",
}
# Spellings and short names used in Sumut, as compact keys (lower case, letters and digits only).
_NAME_VARIANTS = {
    "tobasamosir": "toba", "tobasa": "toba",
    "pakpakbarat": "pakpakbharat",
    "padangsidempuan": "padangsidimpuan", "psp": "padangsidimpuan", "sidimpuan": "padangsidimpuan",
    "siantar": "pematangsiantar",
    "tapteng": "tapanulitengah", "taput": "tapanuliutara", "tapsel": "tapanuliselatan",
    "madina": "mandailingnatal", "sergai": "serdangbedagai", "humbahas": "humbanghasundutan",
    "labura": "labuhanbatuutara", "labusel": "labuhanbatuselatan", "labuhanbatusel": "labuhanbatuselatan",
    "paluta": "padanglawasutara", "palas": "padanglawas", "nisel": "niasselatan",
}
_PROVINCE_TAIL = re.compile(r"(?:provinsi)?(?:sumaterautara|sumatrautara|sumut)$")


def _region_words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9]+", " ", text.replace("\xa0", " ").casefold()).split()


def _regency_key(text: str) -> tuple[str | None, str]:
    """(kind written in the text or None, compact name key) — "Kab. Labuhan Batu" → ("kabupaten", "labuhanbatu")."""
    words = _region_words(text)
    kind = None
    if words[:2] == ["kota", "madya"]:
        kind, words = "kota", words[2:]
    elif words and words[0] in _KIND_PREFIXES:
        kind, words = _KIND_PREFIXES[words[0]], words[1:]
    key = _PROVINCE_TAIL.sub("", "".join(words))
    return kind, _NAME_VARIANTS.get(key, key)


def _district_key(text: str) -> str:
    words = _region_words(text)
    if words and words[0] in ("kecamatan", "kec"):
        words = words[1:]
    return "".join(words)


class RegionIndex:
    """Regencies and districts in memory, with the BPS crosswalk; built once per process by `region_index()`.

    regencies: (Kemendagri code, name) pairs, e.g. ("12.71", "Kota Medan");
    districts: (code, name, regency code); bps_to_kemendagri: "1275" → "12.71".
    """

    def __init__(
        self,
        regencies: Iterable[tuple[str, str]],
        districts: Iterable[tuple[str, str, str]] = (),
        bps_to_kemendagri: Mapping[str, str] | None = None,
    ):
        self.regencies: dict[str, Regency] = {}
        self._by_key: dict[str, list[Regency]] = {}
        for code, name in regencies:
            kind, key = _regency_key(name)
            regency = Regency(code, name, kind or "kabupaten")
            self.regencies[code] = regency
            self._by_key.setdefault(key, []).append(regency)
        self.districts: dict[str, tuple[str, str]] = {}  # code → (name, regency code)
        self._district_keys: dict[str, dict[str, str]] = {}  # regency code → name key → district code
        for code, name, parent in districts:
            self.districts[code] = (name, parent)
            self._district_keys.setdefault(parent, {})[_district_key(name)] = code
        self.bps = dict(bps_to_kemendagri or {})

    def _name(self, code: str) -> str:
        return self.regencies[code].name

    def regency(self, value: object, *, bps: bool = False, label: str | None = None) -> str | None:
        """Kemendagri code of a regency written as a code or a name; see `resolve_regency`."""
        label = label or gettext_lazy("Kabupaten/kota")
        text = clean_cell(value)
        if not text or text == "-":
            return None
        if re.fullmatch(r"\d[\d.\s]*", text):
            return self._regency_code(text, bps, label)
        kind, key = _regency_key(text)
        found = self._by_key.get(key, [])
        if not found:
            raise _fail("regency_unknown", _("%(label)s '%(value)s' tidak dikenal di Sumatera Utara."),
                        label=label, value=text)
        matching = [r for r in found if kind is None or r.kind == kind]
        if not matching:
            raise _fail("regency_kind", _("%(label)s '%(value)s' tidak ada; yang ada %(names)s."),
                        label=label, value=text, names=_or_list(found))
        if len(matching) > 1:
            raise _fail(
                "regency_ambiguous",
                _("%(label)s '%(value)s' bisa berarti %(names)s; tulis lengkap dengan 'Kabupaten' atau 'Kota'."),
                label=label, value=text, names=_or_list(matching),
            )
        return matching[0].code

    def _regency_code(self, text: str, bps: bool, label: str) -> str:
        compact = re.sub(r"\s", "", text)
        if m := re.fullmatch(r"(\d{2}\.\d{2})(\.\d{2})?", compact):
            code = m[1]
            if m[2] and compact not in self.districts:
                raise _fail("district_code_unknown", _("%(label)s: kode kecamatan %(value)s tidak dikenal."),
                            label=label, value=text)
        elif re.fullmatch(r"\d{2}\.\d", compact):
            raise _fail(
                "regency_code_truncated",
                _("%(label)s: kode '%(value)s' tidak lengkap (kode Kemendagri ditulis 12.KK, mis. 12.10); angka 0 di "
                  "belakang mungkin hilang karena sel berformat angka — ketik ulang sebagai teks."),
                label=label, value=text,
            )
        elif m := re.fullmatch(r"(\d{4})(?:\.0+)?", compact):
            digits = m[1]
            if bps:
                if digits not in self.bps:
                    raise _fail("bps_code_unknown", _("%(label)s: kode BPS %(value)s tidak dikenal di Sumatera Utara."),
                                label=label, value=text)
                return self.bps[digits]
            code = f"{digits[:2]}.{digits[2:]}"
        else:
            raise _fail(
                "regency_code_format",
                _("%(label)s: kode '%(value)s' tidak dikenali; tulis kode Kemendagri 12.KK (mis. 12.71) atau nama "
                  "kabupaten/kota."),
                label=label, value=text,
            )
        if code not in self.regencies:
            if code[:2] != "12":
                raise _fail("regency_outside", _("%(label)s: kode %(value)s bukan kabupaten/kota di Sumatera Utara."),
                            label=label, value=text)
            raise _fail("regency_code_unknown", _("%(label)s: kode %(value)s tidak dikenal di Sumatera Utara."),
                        label=label, value=text)
        return code

    def region(self, code_value: object, name_value: object, *, bps: bool = False) -> str | None:
        """The regency of a row that may give a code, a name, or both; see `resolve_region`."""
        by_code = self.regency(code_value, bps=bps, label=gettext_lazy("Kode wilayah"))
        by_name = self.regency(name_value, bps=bps, label=gettext_lazy("Kabupaten/kota"))
        if by_code and by_name and by_code != by_name:
            code_text, name_text = clean_cell(code_value), clean_cell(name_value)
            message = _("Kode %(code)s (%(code_region)s) tidak sesuai dengan nama '%(name)s' (%(name_region)s, "
                        "%(name_code)s).") % {
                "code": (_("BPS %(code)s") % {"code": code_text}) if bps and "." not in code_text else code_text,
                "code_region": self._name(by_code) + (f", {by_code}" if by_code != code_text else ""),
                "name": name_text,
                "name_region": self._name(by_name), "name_code": by_name,
            }
            digits = re.sub(r"\s", "", code_text)
            if not bps and re.fullmatch(r"\d{4}", digits) and self.bps.get(digits) == by_name:
                message += " " + _("Bila berkas memakai kode BPS, pilih opsi kode BPS: BPS %(code)s adalah "
                                   "%(region)s.") % {"code": digits, "region": self._name(by_name)}
            elif bps and re.fullmatch(r"\d{4}", digits) and f"{digits[:2]}.{digits[2:]}" == by_name:
                message += " " + _("Kode ini cocok sebagai kode Kemendagri; periksa apakah berkas benar memakai kode "
                                   "BPS.")
            raise ParseError("region_mismatch", message)
        return by_code or by_name

    def district(self, regency_code: str, value: object, *, label: str | None = None) -> str | None:
        """Kemendagri code of a district of `regency_code`, written as a name or a full code; see
        `resolve_district`."""
        label = label or gettext_lazy("Kecamatan")
        text = clean_cell(value)
        if not text or text == "-":
            return None
        if regency_code not in self.regencies:
            raise _fail("regency_code_unknown", _("Kode kabupaten/kota %(value)s tidak dikenal."), value=regency_code)
        regency_name = self._name(regency_code)
        compact = re.sub(r"\s", "", text)
        if re.fullmatch(r"[\d.]+", compact):
            if not re.fullmatch(r"\d{2}\.\d{2}\.\d{2}", compact):
                raise _fail(
                    "district_code_format",
                    _("%(label)s: kode '%(value)s' tidak dikenali; tulis nama kecamatan atau kode lengkap 12.KK.CC."),
                    label=label, value=text,
                )
            if compact not in self.districts:
                raise _fail("district_code_unknown", _("%(label)s: kode %(value)s tidak dikenal."),
                            label=label, value=text)
            name, parent = self.districts[compact]
            if parent != regency_code:
                raise _fail("district_elsewhere", _("%(label)s %(value)s (%(name)s) berada di %(other)s, bukan di "
                                                    "%(regency)s."), label=label, value=text, name=name,
                            other=self._name(parent), regency=regency_name)
            return compact
        key = _district_key(text)
        code = self._district_keys.get(regency_code, {}).get(key)
        if code:
            return code
        elsewhere = sorted(
            self._name(parent)
            for parent, keys in self._district_keys.items()
            if key in keys and parent in self.regencies
        )
        if elsewhere:
            raise _fail("district_elsewhere", _("%(label)s '%(value)s' tidak ada di %(regency)s; nama itu ada di "
                                                "%(other)s."), label=label, value=text, regency=regency_name,
                        other=", ".join(elsewhere))
        raise _fail("district_unknown", _("%(label)s '%(value)s' tidak dikenal di %(regency)s."),
                    label=label, value=text, regency=regency_name)


def _or_list(regencies: list[Regency]) -> str:
    return _(" atau ").join(f"{r.name} ({r.code})" for r in regencies)


def bps_crosswalk() -> dict[str, str]:
    """BPS 4-digit regency code → Kemendagri code, from registry/data/kabkota_bps_crosswalk.csv."""
    with open(DATA_DIR / "kabkota_bps_crosswalk.csv", encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {r["kode_bps"]: r["kode_kemendagri"] for r in rows}


_index: RegionIndex | None = None


def region_index() -> RegionIndex:
    """The regencies and districts of the Region table, read once per process (reference data rarely
    changes; call `clear_region_index()` after reloading it). An empty table is not kept, so a worker
    started before `load_reference` does not stay without regions."""
    global _index
    if _index is None:
        from registry.models import Region, RegionLevel

        rows = list(
            Region.objects.filter(level__in=[RegionLevel.REGENCY, RegionLevel.DISTRICT])
            .order_by("code")
            .values_list("code", "name", "level", "parent_id")
        )
        index = RegionIndex(
            regencies=[(code, name) for code, name, level, _parent in rows if level == RegionLevel.REGENCY],
            districts=[(code, name, parent) for code, name, level, parent in rows if level == RegionLevel.DISTRICT],
            bps_to_kemendagri=bps_crosswalk(),
        )
        if not index.regencies:
            return index
        _index = index
    return _index


def clear_region_index() -> None:
    global _index
    _index = None


def resolve_regency(value: object, *, bps: bool = False, label: str | None = None) -> str | None:
    """Kemendagri code (`12.71`) of a regency written as a code or a name; blank → None.

    - `12.71` (dotted) is Kemendagri; a district code `12.71.01` gives its regency.
    - `1271` (undotted) is Kemendagri 12.71 unless `bps=True`, when it goes through the crosswalk
      (BPS 1271 = Kota Sibolga = Kemendagri 12.73). `12.1` is refused: a spreadsheet dropped the 0 of 12.10.
    - Names in any case, with or without `Kab.`/`Kabupaten`/`Kota`, spaces ignored (`Labuhan Batu`), common
      spellings (`Pakpak Barat`, `Padang Sidempuan`, `Toba Samosir`) and short names (`Tapteng`, `Sergai`).
      A prefix that contradicts the name (`Kabupaten Medan`) and a bare name shared by a Kabupaten and a Kota
      are refused, naming the candidates.
    """
    return region_index().regency(value, bps=bps, label=label)


def resolve_region(code_value: object, name_value: object, *, bps: bool = False) -> str | None:
    """The regency of a row from its code column and its name column: whichever is given; when both are
    and they disagree, the row is refused naming both ("Kode 12.75 (Kota Binjai) tidak sesuai dengan nama
    'Medan' (Kota Medan, 12.71)."), with a hint when the code would match as a BPS code. None if both are blank."""
    return region_index().region(code_value, name_value, bps=bps)


def resolve_district(regency_code: str, value: object, *, label: str | None = None) -> str | None:
    """Kemendagri code of a district of the given regency, by name (case, spaces, dashes, `Kec.`/`Kecamatan`
    ignored) or by its full code `12.71.01`; one that is unknown or in another regency is refused naming it."""
    return region_index().district(regency_code, value, label=label)
