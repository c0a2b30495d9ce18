"""Our import columns, and matching a file's header texts to them.

Regency spreadsheets name their columns in many ways ("NAMA UMKM", "Nama Usaha", "Omzet/bulan (Rp)").
`match_headers()` maps each header cell to one canonical column, case- and space-insensitively, through
the alias lists below; headers it does not know are returned so that staff can map them by hand (the
`mapping` argument, header text → canonical name).

Header words also carry meaning that the values do not:
- a turnover header that says per month (`per bulan`, `/bulan`, `perbulan`, `bulanan`, `sebulan`) marks
  the turnover as monthly — it is stored ×12 as annual (`HeaderInfo.monthly_turnover`);
- an amount header in thousands or millions (`Omzet (Rp juta)`) gives a unit (`HeaderInfo.units`);
- a `kode_bps` column declares BPS regency codes (`HeaderInfo.bps_codes`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# The import format of issue 6, plus `kabupaten_kota` (the regency written as a name, which a file may
# carry beside a code — the two are cross-checked) and `kode_bps` (a regency code in the BPS scheme).
CANONICAL_COLUMNS: tuple[str, ...] = (
    "nib",
    "nama_usaha",
    "nama_pemilik",
    "nik_pemilik",
    "jenis_kelamin",
    "alamat",
    "kode_wilayah",
    "kabupaten_kota",
    "kecamatan",
    "kbli",
    "tahun_berdiri",
    "tahun_laporan",
    "omzet_tahunan",
    "modal_usaha",
    "tenaga_kerja",
    "telepon",
    "email",
    "kode_bps",
)

# Indonesian names of the columns, for messages and for the mapping form.
COLUMN_LABELS: dict[str, str] = {
    "nib": _("NIB"),
    "nama_usaha": _("Nama usaha"),
    "nama_pemilik": _("Nama pemilik"),
    "nik_pemilik": _("NIK pemilik"),
    "jenis_kelamin": _("Jenis kelamin"),
    "alamat": _("Alamat"),
    "kode_wilayah": _("Kode wilayah"),
    "kabupaten_kota": _("Kabupaten/kota"),
    "kecamatan": _("Kecamatan"),
    "kbli": _("KBLI"),
    "tahun_berdiri": _("Tahun berdiri"),
    "tahun_laporan": _("Tahun laporan"),
    "omzet_tahunan": _("Omzet tahunan"),
    "modal_usaha": _("Modal usaha"),
    "tenaga_kerja": _("Tenaga kerja"),
    "telepon": _("Telepon"),
    "email": _("Email"),
    "kode_bps": _("Kode BPS"),
}

# A name staff may choose in a mapping for a turnover column that is per month although its header
# does not say so; it maps to omzet_tahunan with the monthly flag.
MONTHLY_TURNOVER = "omzet_bulanan"

AMOUNT_COLUMNS = frozenset({"omzet_tahunan", "modal_usaha"})
# Long numbers that a spreadsheet may have stored as numbers (and so damaged): the reader renders a
# numeric cell in these columns in scientific notation so that the parser refuses it.
IDENTIFIER_COLUMNS = frozenset({"nik_pemilik", "nib"})

# Header spellings seen in regency and open-data files (real-data.md §1), written as they appear.
# Matching ignores case, spaces and punctuation, so "No. NIB", "NO NIB" and "no_nib" are one alias.
_ALIASES: dict[str, tuple[str, ...]] = {
    "nib": ("NIB", "No. NIB", "Nomor NIB", "Nomor Induk Berusaha", "No Induk Berusaha", "NIB Usaha", "NIB UMKM"),
    "nama_usaha": (
        "Nama Usaha", "NAMA UMKM", "Nama UKM", "Nama Usaha UMKM", "Nama Perusahaan", "Nama Toko",
        "Nama Badan Usaha", "Nama Unit Usaha", "Merek Usaha", "Nama Merek",
    ),
    # "Pelaku usaha" is the person who runs the business (BPUM lists), so it names the owner.
    "nama_pemilik": (
        "Nama Pemilik", "Pemilik", "Nama Pemilik Usaha", "Nama Pelaku Usaha", "Pelaku Usaha", "Nama Lengkap",
        "Nama Pengusaha", "Nama Penanggung Jawab", "Penanggung Jawab", "Nama Pemilik UMKM",
    ),
    "nik_pemilik": (
        "NIK", "NIK Pemilik", "NIK (KTP-el)", "NIK KTP", "No KTP", "Nomor KTP", "KTP", "No. NIK",
        "Nomor Induk Kependudukan", "NIK Pelaku Usaha", "NIK Pemilik Usaha",
    ),
    "jenis_kelamin": ("Jenis Kelamin", "JK", "L/P", "Kelamin", "Jenis Kelamin (L/P)", "Gender", "Sex"),
    "alamat": (
        "Alamat", "Alamat Usaha", "Alamat Lengkap", "Alamat Tempat Usaha", "Lokasi Usaha", "Alamat Lokasi Usaha",
    ),
    "kode_wilayah": (
        "Kode Wilayah", "Kode Kab/Kota", "Kode Kabupaten/Kota", "Kode Kabupaten", "Kode Kota", "Kode Kab",
        "Kode Daerah", "Kode Kemendagri", "Kode Wilayah Kemendagri", "kode_kabupaten_kota",
    ),
    "kabupaten_kota": (
        "Kab/Kota", "Kabupaten/Kota", "Kabupaten", "Kota", "Kota/Kabupaten", "Kabupaten atau Kota",
        "Nama Kab/Kota", "Nama Kabupaten/Kota", "nama_kabupaten_kota", "Nama Kabupaten", "Nama Kota",
    ),
    "kecamatan": ("Kecamatan", "Kec", "Kec.", "Nama Kecamatan", "Kode Kecamatan"),
    "kbli": ("KBLI", "Kode KBLI", "KBLI 2020", "No KBLI", "Nomor KBLI"),
    "tahun_berdiri": (
        "Tahun Berdiri", "Tahun Mulai Usaha", "Mulai Usaha", "Tahun Mulai", "Tanggal Berdiri", "Tgl Berdiri",
        "Tahun Pendirian", "Tanggal Pendirian", "Berdiri Sejak", "Berdiri Tahun",
    ),
    "tahun_laporan": ("Tahun", "Tahun Laporan", "Tahun Data", "Tahun Pelaporan", "Tahun Pendataan"),
    # "tahunan" is a period word and is taken off before matching, so "Omzet Tahunan" is "Omzet".
    "omzet_tahunan": (
        "Omzet", "Omset", "Omzet Usaha", "Omset Usaha", "Penjualan", "Hasil Penjualan", "Nilai Penjualan",
        "Omzet Penjualan", "Total Omzet", "Jumlah Omzet", "Rata-rata Omzet", "Rata-rata Omset", "Pendapatan",
        "Pendapatan Usaha", "omzet_tahunan",
    ),
    # Older files follow UU 20/2008, whose criterion was net assets; PP 7/2021 replaced it by capital.
    "modal_usaha": (
        "Modal", "Modal Usaha", "Jumlah Modal", "Modal Awal", "Aset", "Asset", "Total Aset", "Nilai Aset",
        "Kekayaan Bersih",
    ),
    "tenaga_kerja": (
        "Tenaga Kerja", "Jumlah Tenaga Kerja", "Jml Tenaga Kerja", "Jumlah TK", "Jml TK", "TK", "Jumlah Karyawan",
        "Karyawan", "Jumlah Pekerja", "Pekerja", "Jumlah Pegawai",
    ),
    "telepon": (
        "Telepon", "Telpon", "Telp", "Tlp", "No Telp", "No. Telp", "No Telepon", "Nomor Telepon", "No HP", "No. HP",
        "Nomor HP", "HP", "No WA", "Nomor WA", "WA", "WhatsApp", "No HP/WA", "Kontak", "Handphone", "Ponsel",
        "No Tlp",
    ),
    "email": ("Email", "E-mail", "Surel", "Alamat Email", "Alamat Surel"),
    "kode_bps": ("Kode BPS", "Kode Kab/Kota BPS", "Kode Kabupaten/Kota BPS", "Kode Wilayah BPS", "kode_bps"),
}

# Row-number columns: neither ours nor worth asking staff about.
_IGNORED = ("No", "No.", "Nomor", "No Urut", "Nomor Urut", "Nmr")

_MONTHLY = re.compile(
    r"\bper\s*(?:bulan|bln)\b|/\s*(?:bulan|bln)\b|\b(?:perbulan|perbln|bulanan|sebulan)\b|\btiap\s+bulan\b"
)
_ANNUAL = re.compile(
    r"\bper\s*(?:tahun|thn)\b|/\s*(?:tahun|thn)\b|\b(?:pertahun|perthn|tahunan|setahun)\b|\btiap\s+tahun\b"
)
_UNITS = {"ribu": 1_000, "rb": 1_000, "ribuan": 1_000, "juta": 1_000_000, "jt": 1_000_000, "jutaan": 1_000_000,
          "miliar": 1_000_000_000, "milyar": 1_000_000_000}
_NOISE_WORDS = frozenset({"rp", "rupiah", "idr", "orang", "jiwa"})


@dataclass(frozen=True)
class HeaderMatch:
    """What one header text means: its canonical column (None if unknown) and what its words add.

    ignored is true for a row-number column ("No") and for a header staff chose to leave out."""

    column: str | None
    monthly: bool = False
    unit: int = 1
    ignored: bool = False


@dataclass(frozen=True)
class HeaderInfo:
    """The result of matching a file's header row(s).

    columns: column index (0-based, in file order) → canonical column name.
    unrecognised: header texts that match no column (blank headers and row-number columns are left out).
    duplicates: header texts whose column was already taken by an earlier header; their values are not read.
    monthly_turnover: the turnover column is per month (store ×12 as annual).
    bps_codes: a `kode_bps` column exists, so its regency codes are BPS codes.
    units: amount column → multiplier written in its header (1_000_000 for "Omzet (Rp juta)").
    headers: the header texts as matched (a two-row header already joined).
    header_rows: the row numbers (as the user sees them) holding the header; set by the reader.
    """

    columns: dict[int, str]
    unrecognised: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    monthly_turnover: bool = False
    bps_codes: bool = False
    units: dict[str, int] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)
    header_rows: tuple[int, ...] = ()

    @property
    def recognised(self) -> int:
        """How many distinct canonical columns the header names."""
        return len(set(self.columns.values()))


def normalise_header(text: str) -> str:
    """The form in which a header text is compared with a staff mapping: case and spacing ignored."""
    return " ".join(str(text or "").replace("\xa0", " ").split()).casefold()


def _analyse(text: str) -> tuple[str, bool, bool, int]:
    """(compact key, says monthly, says annual, unit) of a header text."""
    spaced = normalise_header(text).replace("_", " ")
    monthly, annual = bool(_MONTHLY.search(spaced)), bool(_ANNUAL.search(spaced))
    spaced = _ANNUAL.sub(" ", _MONTHLY.sub(" ", spaced))
    unit, words = 1, []
    for word in re.sub(r"[^0-9a-z]+", " ", spaced).split():
        if word in _UNITS:
            unit = _UNITS[word]
        elif word not in _NOISE_WORDS:
            words.append(word)
    return "".join(words), monthly, annual, unit


def _compile_aliases() -> dict[str, str]:
    keys: dict[str, str] = {}
    for column, spellings in _ALIASES.items():
        for key in [_analyse(s)[0] for s in (column, *spellings)]:
            if keys.setdefault(key, column) != column:  # a typo in the table above, caught at import
                raise ImportError(f"header alias {key!r} names both {keys[key]} and {column}")
    return keys


_ALIAS_KEYS = _compile_aliases()
_IGNORED_KEYS = frozenset(_analyse(s)[0] for s in _IGNORED)


def _normalised_mapping(mapping: Mapping[str, str | None] | None) -> dict[str, str | None]:
    normalised = {normalise_header(k): (v or None) for k, v in (mapping or {}).items()}
    for column in normalised.values():
        if column is not None and column not in CANONICAL_COLUMNS and column != MONTHLY_TURNOVER:
            raise ValueError(f"unknown import column {column!r}")
    return normalised


def _match(text: str, mapping: dict[str, str | None]) -> HeaderMatch:
    key, monthly, annual, unit = _analyse(text)
    wanted = normalise_header(text)
    if wanted in mapping:
        column = mapping[wanted]
        if column is None:
            return HeaderMatch(None, ignored=True)
        if column == MONTHLY_TURNOVER:
            column, monthly, annual = "omzet_tahunan", True, False
    elif key in _IGNORED_KEYS:
        return HeaderMatch(None, ignored=True)
    else:
        column = _ALIAS_KEYS.get(key)
    if column not in AMOUNT_COLUMNS:
        return HeaderMatch(column)
    if column == "omzet_tahunan" and monthly and annual:
        return HeaderMatch(None)  # "per bulan / per tahun" in one header: which one the values are is unclear
    return HeaderMatch(column, monthly=monthly and column == "omzet_tahunan", unit=unit)


def match_header(text: str, mapping: Mapping[str, str | None] | None = None) -> HeaderMatch:
    """Match one header text. A staff mapping (header text → canonical name, "omzet_bulanan", or ""/None
    to leave the column out) is compared case- and space-insensitively and wins over the aliases."""
    return _match(text, _normalised_mapping(mapping))


def match_headers(headers: Sequence[str], mapping: Mapping[str, str | None] | None = None) -> HeaderInfo:
    """Map a header row to canonical columns. The first header that names a column keeps it."""
    normalised = _normalised_mapping(mapping)
    texts = [" ".join(str(h or "").split()) for h in headers]
    columns: dict[int, str] = {}
    unrecognised: list[str] = []
    duplicates: list[str] = []
    units: dict[str, int] = {}
    monthly = False
    for index, text in enumerate(texts):
        if not text:
            continue
        found = _match(text, normalised)
        if found.column is None:
            if not found.ignored:
                unrecognised.append(text)
        elif found.column in columns.values():
            duplicates.append(text)
        else:
            columns[index] = found.column
            monthly = monthly or found.monthly
            if found.unit != 1:
                units[found.column] = found.unit
    return HeaderInfo(
        columns=columns,
        unrecognised=unrecognised,
        duplicates=duplicates,
        monthly_turnover=monthly,
        bps_codes="kode_bps" in columns.values(),
        units=units,
        headers=texts,
    )
