"""Size class (PP 7/2021 Pasal 35), computed set-based in PostgreSQL.

Annual sales (omzet) of the latest yearly report that has them decides; capital (modal usaha) decides
when no report has sales yet. Boundaries belong to the lower class ("paling banyak").
The graduation engine (naik kelas) will turn these thresholds into versioned rule sets.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

# Upper bounds in rupiah, inclusive. Source: PP No. 7 Tahun 2021 Pasal 35 ayat (3) and (5).
OMZET_LIMITS = {"mikro": 2_000_000_000, "kecil": 15_000_000_000, "menengah": 50_000_000_000}
CAPITAL_LIMITS = {"mikro": 1_000_000_000, "kecil": 5_000_000_000, "menengah": 10_000_000_000}


def _case(column: str, limits: dict[str, int]) -> str:
    whens = " ".join(f"WHEN {column} <= {limit} THEN '{name}'" for name, limit in limits.items())
    return f"CASE WHEN {column} IS NULL THEN NULL {whens} ELSE 'besar' END"


CLASSIFY_SQL = f"""
WITH latest AS (
    SELECT DISTINCT ON (r.enterprise_id) r.enterprise_id, r.omzet
    FROM registry_yearlyreport r
    WHERE r.omzet IS NOT NULL AND {{report_filter}}
    ORDER BY r.enterprise_id, r.year DESC
), capital AS (
    SELECT DISTINCT ON (r.enterprise_id) r.enterprise_id, r.capital
    FROM registry_yearlyreport r
    WHERE r.capital IS NOT NULL AND {{report_filter}}
    ORDER BY r.enterprise_id, r.year DESC
), computed AS (
    SELECT e.id,
           COALESCE({_case("l.omzet", OMZET_LIMITS)}, {_case("c.capital", CAPITAL_LIMITS)}) AS size_class
    FROM registry_enterprise e
    LEFT JOIN latest l ON l.enterprise_id = e.id
    LEFT JOIN capital c ON c.enterprise_id = e.id
    WHERE {{enterprise_filter}}
)
UPDATE registry_enterprise e SET size_class = computed.size_class
FROM computed
WHERE e.id = computed.id AND e.size_class IS DISTINCT FROM computed.size_class
"""


def enterprises_classify(enterprise_ids: Iterable[int] | None = None) -> int:
    """Recompute size_class for the given enterprises (all when None); returns rows changed."""
    with connection.cursor() as cursor:
        if enterprise_ids is None:
            cursor.execute(CLASSIFY_SQL.format(report_filter="TRUE", enterprise_filter="TRUE"))
        else:
            ids = list(enterprise_ids)
            cursor.execute(
                CLASSIFY_SQL.format(
                    report_filter="r.enterprise_id = ANY(%(ids)s)", enterprise_filter="e.id = ANY(%(ids)s)"
                ),
                {"ids": ids},
            )
        return cursor.rowcount
