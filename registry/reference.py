"""Reference data shipped with the repository (registry/data/*.csv, each naming its source)."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from .models import Region, Sector

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict]:
    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


@transaction.atomic
def reference_load() -> dict[str, int]:
    """Insert or update regions and KBLI sectors; safe to run on every start."""
    regions = [
        Region(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent"] or None)
        for r in _rows("regions_sumut.csv")
    ]
    # Parents come before children in the file (sorted by code), so one ordered upsert suffices.
    Region.objects.bulk_create(
        regions, update_conflicts=True, unique_fields=["code"], update_fields=["name", "level", "parent"]
    )
    sector_rows = _rows("kbli2020.csv")
    sections = [
        Sector(version=r["version"], code=r["code"], name=r["name"], level=r["level"])
        for r in sector_rows
        if r["level"] == "section"
    ]
    Sector.objects.bulk_create(
        sections, update_conflicts=True, unique_fields=["version", "code"], update_fields=["name", "level"]
    )
    section_ids = {(s.version, s.code): s.pk for s in Sector.objects.filter(level="section")}
    divisions = [
        Sector(
            version=r["version"], code=r["code"], name=r["name"], level=r["level"],
            parent_id=section_ids[(r["version"], r["parent"])],
        )
        for r in sector_rows
        if r["level"] == "division"
    ]
    Sector.objects.bulk_create(
        divisions, update_conflicts=True, unique_fields=["version", "code"], update_fields=["name", "level", "parent"]
    )
    return {"regions": len(regions), "sectors": len(sections) + len(divisions)}
