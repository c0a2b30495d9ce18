"""The roadmap's reads: set-based SQL over the registry's pembinaan ledger, one statement per aggregate.

The roadmap never reads csr or plut models: every support from any source is mirrored into
registry.SupportRecord, and the enterprises and their graduation history are the registry's.

Definitions the pages, exports and tests share:
- MSMEs of a regency: its active enterprises (closed ones are left out everywhere), counted in the snapshot
  (services.py), because counting 1.2 million rows takes longer than a page may.
- Supported: distinct active enterprises with a ledger row in the period. "aktif" = running today,
  a year = running at some time in that year, "semua" = any row ever.
- Graduated: a supported enterprise with a "naik" history row (class or formalisation tier) created on or
  after the day its support in that cell began (Asia/Jakarta).
- Overlap: one enterprise with two ledger rows of different providers or programmes whose periods overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.utils import timezone

from registry.models import Direction, SupportKind, SupportSource

PERIOD_ACTIVE = "aktif"
PERIOD_ALL = "semua"
OVERLAP_PAGE = 50


@dataclass(frozen=True)
class Filters:
    period: str = PERIOD_ACTIVE  # "aktif", "semua" or a year such as "2025"
    source: str = ""
    kind: str = ""
    size_class: str = ""
    regency: str = ""  # one regency (the overlap list's filter; always set for a regency office's staff)

    def as_query(self) -> dict[str, str]:
        """The non-empty filters, as query-string parameters (for export links and paging)."""
        return {name: value for name, value in self.__dict__.items() if value}


def _ledger_where(filters: Filters, params: dict) -> str:
    """The WHERE conditions on ledger rows `s` joined to their enterprise `e`."""
    conditions = ["e.is_active"]
    if filters.period == PERIOD_ACTIVE:
        params["today"] = timezone.localdate()
        conditions.append("s.started_on <= %(today)s AND (s.ended_on IS NULL OR s.ended_on >= %(today)s)")
    elif filters.period != PERIOD_ALL:
        year = int(filters.period)
        params["period_start"], params["period_end"] = date(year, 1, 1), date(year, 12, 31)
        conditions.append("s.started_on <= %(period_end)s AND (s.ended_on IS NULL OR s.ended_on >= %(period_start)s)")
    if filters.source:
        params["source"] = filters.source
        conditions.append("s.source = %(source)s")
    if filters.kind:
        params["kind"] = filters.kind
        conditions.append("s.kind = %(kind)s")
    if filters.size_class:
        params["size_class"] = filters.size_class
        conditions.append("e.size_class = %(size_class)s")
    if filters.regency:
        params["regency"] = filters.regency
        # The IN lets the planner read the regency's enterprises by the regency index and hash them, instead of
        # looking up the enterprise of every ledger row in the province.
        conditions.append(
            "e.regency_id = %(regency)s"
            " AND s.enterprise_id IN (SELECT x.id FROM registry_enterprise x WHERE x.regency_id = %(regency)s)"
        )
    return " AND ".join(conditions)


# --- the matrix ----------------------------------------------------------------------------------


@dataclass
class Cell:
    """Supported enterprises of one regency × kind (or a total), by source, and how many graduated."""

    supported: int = 0
    csr: int = 0
    plut: int = 0
    pemda: int = 0
    graduated: int = 0
    micro_supported: int = 0
    companies: list[str] = field(default_factory=list)


# One row per (regency, kind), per regency (kind NULL), per kind (regency NULL) and for the province:
# distinct enterprises are not additive across kinds or regencies, so the totals are grouped, never summed.
MATRIX_SQL = """
WITH r AS (
    SELECT e.regency_id, e.size_class, s.kind, s.source, s.provider, s.enterprise_id,
           EXISTS (
               SELECT 1 FROM registry_graduationevent g
               WHERE g.enterprise_id = s.enterprise_id AND g.direction = %(up)s
                 AND g.created_at >= (s.started_on::timestamp AT TIME ZONE 'Asia/Jakarta')
           ) AS graduated
    FROM registry_supportrecord s
    CROSS JOIN LATERAL ({enterprise}) e
    WHERE {where}
)
SELECT regency_id, kind, GROUPING(regency_id) = 1, GROUPING(kind) = 1,
       count(DISTINCT enterprise_id),
       count(DISTINCT enterprise_id) FILTER (WHERE source = %(csr)s),
       count(DISTINCT enterprise_id) FILTER (WHERE source = %(plut)s),
       count(DISTINCT enterprise_id) FILTER (WHERE source = %(pemda)s),
       count(DISTINCT enterprise_id) FILTER (WHERE graduated),
       count(DISTINCT enterprise_id) FILTER (WHERE size_class = 'mikro'),
       array_agg(DISTINCT provider ORDER BY provider) FILTER (WHERE source = %(csr)s)
FROM r
GROUP BY GROUPING SETS ((regency_id, kind), (regency_id), (kind), ())
"""

TOTAL = ""  # the key of a total (all regencies, or all kinds)

# Each ledger row's enterprise by its primary key. OFFSET 0 keeps this a per-row index look-up: as a plain
# join the planner chose a merge join that walks all 1.2 million enterprises (1.2 s instead of ~0.1 s).
ENTERPRISE_OF_ROW = (
    "SELECT x.regency_id, x.size_class, x.is_active FROM registry_enterprise x WHERE x.id = s.enterprise_id OFFSET 0"
)


def ledger_cells(filters: Filters) -> dict[tuple[str, str], Cell]:
    """{(regency code or TOTAL, kind or TOTAL): Cell} for the ledger rows the filters select."""
    params = {"up": Direction.UP, "csr": SupportSource.CSR, "plut": SupportSource.PLUT,
              "pemda": SupportSource.GOVERNMENT}
    sql = MATRIX_SQL.format(where=_ledger_where(filters, params), enterprise=ENTERPRISE_OF_ROW)
    cells = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for regency, kind, all_regencies, all_kinds, *counts, companies in cursor.fetchall():
            key = (TOTAL if all_regencies else regency, TOTAL if all_kinds else kind)
            cells[key] = Cell(*counts, companies=companies or [])
    return cells


@dataclass
class MatrixRow:
    code: str
    name: str
    enterprises: int
    micro: int
    cells: list[Cell]  # one per kind shown, in the order of Matrix.kinds
    total: Cell

    @property
    def coverage(self) -> float | None:
        """Supported active enterprises per 100 active enterprises (of the size class chosen)."""
        return round(100 * self.total.supported / self.enterprises, 2) if self.enterprises else None

    @property
    def micro_coverage(self) -> float | None:
        return round(100 * self.total.micro_supported / self.micro, 2) if self.micro else None


@dataclass
class Matrix:
    kinds: list[tuple[str, str]]  # (value, label) of the columns
    rows: list[MatrixRow]
    province: MatrixRow
    kind_totals: list[Cell]
    regional: bool = False  # one regency only (a regency office's staff): no province row is shown


def matrix(
    filters: Filters, regencies: list[tuple[str, str]], counts: dict[str, dict[str, int]],
    cells: dict[tuple[str, str], Cell] | None = None, *, regional: bool = False,
) -> Matrix:
    """The regency × kind matrix: `regencies` are (code, name), `counts` the snapshot's active enterprises
    per regency and size class ("" = not classified yet); `cells` the ledger aggregate when already counted
    (the snapshot's, for the default filters), else counted now."""
    cells = ledger_cells(filters) if cells is None else cells
    kinds = [(k, str(label)) for k, label in SupportKind.choices if not filters.kind or k == filters.kind]

    def enterprises(code: str) -> int:
        by_size = counts.get(code, {})
        return by_size.get(filters.size_class, 0) if filters.size_class else sum(by_size.values())

    rows = []
    for code, name in regencies:
        rows.append(MatrixRow(
            code=code, name=name, enterprises=enterprises(code), micro=counts.get(code, {}).get("mikro", 0),
            cells=[cells.get((code, kind), Cell()) for kind, _label in kinds],
            total=cells.get((code, TOTAL), Cell()),
        ))
    province = MatrixRow(
        code="12", name="", enterprises=sum(row.enterprises for row in rows), micro=sum(row.micro for row in rows),
        cells=[cells.get((TOTAL, kind), Cell()) for kind, _label in kinds], total=cells.get((TOTAL, TOTAL), Cell()),
    )
    return Matrix(kinds=kinds, rows=rows, province=province, kind_totals=province.cells, regional=regional)


# --- gaps ------------------------------------------------------------------------------------------


def gaps(matrix_: Matrix, threshold: float) -> list[MatrixRow]:
    """Regencies whose micro enterprises are supported below `threshold` % (0 = not at all), most micro
    enterprises first. Computed from the matrix, so the page, the map and the exports agree."""
    rows = [
        row for row in matrix_.rows
        if row.micro and (row.total.micro_supported == 0 or (row.micro_coverage or 0) < threshold)
    ]
    return sorted(rows, key=lambda row: (-row.micro, row.code))


# --- overlaps --------------------------------------------------------------------------------------


@dataclass
class OverlapRow:
    enterprise_id: int
    name: str
    regency_code: str
    regency: str
    supports: list[dict]  # the enterprise's ledger rows in the period, oldest first


# Pairs of the same enterprise's rows whose periods overlap and whose provider or programme differ; the
# enterprises are paged by id (keyset, newest first), the rows of a page's enterprises are then listed.
OVERLAP_SQL = """
WITH r AS (
    SELECT s.id, s.enterprise_id, s.provider, s.title, s.started_on, s.ended_on
    FROM registry_supportrecord s
    CROSS JOIN LATERAL ({enterprise}) e
    WHERE {where}
),
overlapping AS (
    SELECT DISTINCT a.enterprise_id
    FROM r a
    JOIN r b ON b.enterprise_id = a.enterprise_id AND b.id > a.id
    WHERE (a.provider, a.title) IS DISTINCT FROM (b.provider, b.title)
      AND daterange(a.started_on, a.ended_on, '[]') && daterange(b.started_on, b.ended_on, '[]')
      {after}
    ORDER BY a.enterprise_id DESC
    {limit}
)
SELECT e.id, e.name, e.regency_id, rg.name,
       json_agg(json_build_object(
           'id', s.id, 'source', s.source, 'kind', s.kind, 'provider', s.provider, 'title', s.title,
           'started_on', s.started_on, 'ended_on', s.ended_on
       ) ORDER BY s.started_on, s.id)
FROM overlapping o
JOIN registry_enterprise e ON e.id = o.enterprise_id
JOIN registry_region rg ON rg.code = e.regency_id
JOIN r ON r.enterprise_id = o.enterprise_id
JOIN registry_supportrecord s ON s.id = r.id
GROUP BY e.id, rg.name
ORDER BY e.id DESC
"""


def overlaps(filters: Filters, *, after: int | None = None, limit: int | None = OVERLAP_PAGE) -> list[OverlapRow]:
    """Enterprises supported by several providers/programmes at once, newest id first, `limit` of them after
    the id `after` (keyset paging; None = the whole list, for exports)."""
    params: dict = {}
    where = _ledger_where(filters, params)
    after_sql = limit_sql = ""
    if after is not None:
        params["after"] = after
        after_sql = "AND a.enterprise_id < %(after)s"
    if limit is not None:
        params["limit"] = limit
        limit_sql = "LIMIT %(limit)s"
    sql = OVERLAP_SQL.format(where=where, after=after_sql, limit=limit_sql, enterprise=ENTERPRISE_OF_ROW)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [OverlapRow(*row) for row in cursor.fetchall()]
    kinds, sources = dict(SupportKind.choices), dict(SupportSource.choices)
    for row in rows:
        for support in row.supports:
            support["kind_label"] = str(kinds.get(support["kind"], support["kind"]))
            support["source_label"] = str(sources.get(support["source"], support["source"]))
            support["started_on"] = date.fromisoformat(support["started_on"])
            support["ended_on"] = date.fromisoformat(support["ended_on"]) if support["ended_on"] else None
    return rows


# --- snapshot aggregates (slow at provincial scale: run by services.snapshot_refresh) --------------

ENTERPRISE_COUNTS_SQL = """
SELECT regency_id, COALESCE(size_class, ''), count(*)
FROM registry_enterprise
WHERE is_active {regency}
GROUP BY 1, 2
"""

GRADUATION_MONTHS_SQL = """
SELECT to_char(date_trunc('month', created_at AT TIME ZONE 'Asia/Jakarta'), 'YYYY-MM'),
       count(*) FILTER (WHERE direction = %(up)s),
       count(*) FILTER (WHERE direction = %(down)s)
FROM registry_graduationevent
WHERE created_at >= %(since)s AND direction IN (%(up)s, %(down)s) {regency}
GROUP BY 1
"""
IN_REGENCY = "AND {column} IN (SELECT x.id FROM registry_enterprise x WHERE x.regency_id = %(regency)s)"


def enterprise_counts(regency: str = "") -> dict[str, dict[str, int]]:
    """Active enterprises per regency and size class ("" = not classified yet); of one regency if given."""
    counts: dict[str, dict[str, int]] = {}
    sql = ENTERPRISE_COUNTS_SQL.format(regency="AND regency_id = %(regency)s" if regency else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"regency": regency} if regency else None)
        for regency, size_class, count in cursor.fetchall():
            counts.setdefault(regency, {})[size_class] = count
    return counts


def graduation_months(since, regency: str = "") -> dict[str, tuple[int, int]]:
    """{"2025-07": (naik, turun)} for the months since `since` (an aware datetime) that had any; of the
    enterprises of one regency if given."""
    params = {"up": Direction.UP, "down": Direction.DOWN, "since": since, "regency": regency}
    sql = GRADUATION_MONTHS_SQL.format(regency=IN_REGENCY.format(column="enterprise_id") if regency else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {month: (up, down) for month, up, down in cursor.fetchall()}
