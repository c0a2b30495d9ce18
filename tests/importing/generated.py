"""A deterministic import file of any size, written the way a merged regency submission could look.

Used by the import benchmark (1,166,918 rows) and by the tests of the parallel path (a few thousand rows).
Same rows and seed, same file. Regions come from registry/data/regions_sumut.csv and the regency shares,
names and KBLI codes from registry.demo_data, so no database is needed to write it.

Every row is valid except a share `bad_share` that carries one of four faults a real file has (a NIK that a
spreadsheet turned into a number, an unknown regency, a negative turnover, a district of another regency).
Owners are unique by NIK (10 % have none); 1.5 % of owners have a second enterprise; 20 % of enterprises have
an NIB.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from registry import demo_data

HEADER = [
    "NIB", "Nama Usaha", "Nama Pemilik", "NIK", "Jenis Kelamin", "Alamat", "Kabupaten/Kota", "Kecamatan", "KBLI",
    "Tahun Berdiri", "Tahun", "Omzet per Tahun", "Modal Usaha", "Tenaga Kerja", "No HP", "Email",
]
REGIONS_CSV = Path(demo_data.__file__).resolve().parent / "data" / "regions_sumut.csv"
BAD_KINDS = ("nik_number", "regency_unknown", "omzet_negative", "district_elsewhere")


@dataclass(frozen=True)
class GeneratedFile:
    path: Path
    rows: int
    bad: dict[str, int]  # fault → rows carrying it

    @property
    def valid(self) -> int:
        return self.rows - sum(self.bad.values())


def _regions() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    regencies: dict[str, str] = {}
    districts: dict[str, list[tuple[str, str]]] = {}
    with open(REGIONS_CSV, encoding="utf-8") as handle:
        for row in csv.DictReader(line for line in handle if not line.startswith("#")):
            if row["level"] == "regency":
                regencies[row["code"]] = row["name"]
            elif row["level"] == "district":
                districts.setdefault(row["parent"], []).append((row["code"], row["name"]))
    return regencies, districts


def _amount(rnd: random.Random, value: int) -> str:
    """One of the ways regency files write rupiah."""
    x = rnd.random()
    if x < 0.40:
        return str(value)
    if x < 0.70:
        return "Rp " + f"{value:,}".replace(",", ".")
    if x < 0.85:
        return f"{value:,}".replace(",", ".")
    millions = max(1, round(value / 1_000_000))
    if millions >= 1000 and millions % 100 == 0:
        return f"{millions / 1000:g} M".replace(".", ",")
    return f"{millions} jt"


def write_import_csv(path: Path, rows: int, *, seed: int = 2026, bad_share: float = 0.005) -> GeneratedFile:
    rnd = random.Random(f"sumut-umkm-import:{seed}")
    r = rnd.random
    regencies, districts = _regions()
    codes = [code for code in demo_data.REGENCY_WEIGHTS if districts.get(code)]
    weights = [demo_data.REGENCY_WEIGHTS[code] for code in codes]
    kinds = [(name, kbli) for _, (_, options) in demo_data.SECTORS.items() for name, kbli, _ in options]
    groups = list(demo_data.GROUPS.values())
    phrases = demo_data.PHRASES
    prefixes = demo_data.PHONE_PREFIXES
    birthdays = []
    day = date(2001, 1, 1)
    while day.year == 2001:
        birthdays.append((f"{day.day:02d}{day.month:02d}", f"{day.day + 40:02d}{day.month:02d}"))
        day += timedelta(days=1)
    serials: dict[str, int] = {}
    nib_count = 0
    bad = dict.fromkeys(BAD_KINDS, 0)
    regency_cells: dict[str, tuple[str, ...]] = {
        code: (code, name, name.upper(), name.replace("Kabupaten ", "Kab. ")) for code, name in regencies.items()
    }
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        pending_second = None
        while written < rows:
            if pending_second is not None:
                owner, regency, district, district_name = pending_second
                pending_second = None
            else:
                regency = rnd.choices(codes, weights)[0]
                district, district_name = districts[regency][int(r() * len(districts[regency]))]
                group = groups[int(r() * len(groups))]
                female = r() < 0.55
                given = group["P" if female else "L"][int(r() * len(group["P" if female else "L"]))]
                family = group["family"][int(r() * len(group["family"]))]
                nik = ""
                if r() >= demo_data.NO_NIK_SHARE:
                    born = (60 + int(r() * 45)) % 100
                    prefix = f"{district.replace('.', '')}{birthdays[int(r() * 365)][female]}{born:02d}"
                    serials[prefix] = serials.get(prefix, 0) + 1
                    nik = f"{prefix}{serials[prefix]:04d}"
                owner = (f"{given} {family}", nik, "P" if female else "L", given)
                if nik and r() < 0.015:
                    pending_second = (owner, regency, district, district_name)
            owner_name, nik, sex, given = owner
            kind, kbli = kinds[int(r() * len(kinds))]
            name = f"{kind} {phrases[int(r() * len(phrases))]} {given}"
            nib = ""
            if r() < 0.20:
                nib_count += 1
                nib = f"912{(7_919_003 * nib_count + 1_234_567) % 10**10:010d}"
            omzet = max(1_000_000, int(rnd.lognormvariate(17.6, 1.0)) // 100_000 * 100_000)
            capital = max(500_000, int(omzet * rnd.uniform(0.2, 0.6)) // 100_000 * 100_000)
            founded = 1990 + int(r() * 36)
            regency_cell = regency_cells[regency][int(r() * 4)]
            district_cell = district_name if r() < 0.7 else district_name.upper()
            nik_cell = nik
            omzet_cell = _amount(rnd, omzet)
            if r() < bad_share:
                fault = BAD_KINDS[int(r() * len(BAD_KINDS))]
                if fault == "nik_number" and nik:
                    nik_cell = f"{int(nik) / 1e15:.5f}E+15"
                elif fault == "regency_unknown":
                    regency_cell = "Kota Antah Berantah"
                elif fault == "omzet_negative":
                    omzet_cell = f"-{omzet}"
                else:
                    fault = "district_elsewhere"
                    other = codes[(codes.index(regency) + 1) % len(codes)]
                    district_cell = f"{districts[other][0][0]}"
                bad[fault] += 1
            out.writerow([
                nib, name, owner_name, nik_cell, sex,
                f"Jl. {demo_data.STREETS[int(r() * 40)]} No. {1 + int(r() * 250)}",
                regency_cell, district_cell, kbli, str(founded) if r() < 0.9 else f"{1 + int(r() * 28)}/05/{founded}",
                "2024", omzet_cell, _amount(rnd, capital), str(1 + int(r() * 4)),
                f"{prefixes[int(r() * len(prefixes))]}{int(r() * 10**8):08d}" if r() < 0.85 else "",
                f"{re.sub('[^a-z]', '', given.lower())}{written}@contoh.id" if r() < 0.12 else "",
            ])
            written += 1
    return GeneratedFile(path=path, rows=rows, bad=bad)
