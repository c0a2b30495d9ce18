"""Reassignment candidates: who should receive a programme's support next, ranked and explained.

Eligible: active enterprises inside the programme's segment (size classes, tier range), target regencies and
sectors, with no active support from this programme. Ranked by support weight from the pembinaan ledger
(all sources; a support counts 1 in the current year, 1/2 a year before, 1/3 two years before, …), then
tier (lowest first), then closeness to the graduated enterprise (same district, same regency, elsewhere).

Speed with 1.2 million enterprises: most enterprises have no ledger row (weight 0), so they come first and
are read without sorting the segment: one small branch per (tier, closeness), each an index range scan with
its own LIMIT, glued by UNION ALL under an outer LIMIT — PostgreSQL stops at the first branches that fill
it. Only when those do not fill the list are the (few tens of thousands of) ledger rows aggregated.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.models import Enterprise, FormalStep, Region, SizeClass

from .models import Programme, Support
from .services import target_sector_ids, today

CLASS_RANK = {code: rank for rank, code in enumerate(SizeClass.values)}
CLOSE_DISTRICT, CLOSE_REGENCY, CLOSE_ELSEWHERE = 0, 1, 2
DEFAULT_LIMIT = 10


@dataclass
class Candidate:
    enterprise_id: int
    name: str
    nib: str | None
    regency_id: str
    regency_name: str
    district_id: str | None
    district_name: str
    size_class: str | None
    tier: int
    weight: float
    supports: int
    last_year: int | None
    closeness: int
    reason: str = ""


def segment_tiers(programme: Programme) -> list[int]:
    """The tiers the programme serves, lowest first (tier = rank(class) * 3 + formal step + 1)."""
    tiers = {CLASS_RANK[c] * 3 + step + 1 for c in programme.size_classes for step in FormalStep.values}
    return sorted(t for t in tiers if programme.tier_min <= t <= programme.tier_max)


def _filters(programme: Programme, params: dict, scope: str | None = None) -> str:
    where = ["e.is_active", "e.size_class = ANY(%(classes)s)"]
    params["classes"] = list(programme.size_classes)
    if scope:  # a regency office's staff: candidates of their regency only
        where.append("e.regency_id = %(scope)s")
        params["scope"] = scope
    regencies = list(programme.target_regencies.values_list("pk", flat=True))
    if regencies:
        where.append("e.regency_id = ANY(%(regencies)s)")
        params["regencies"] = regencies
    sectors = target_sector_ids(programme)
    if sectors is not None:
        where.append("e.sector_id = ANY(%(sectors)s)")
        params["sectors"] = sectors
    params["programme"] = programme.pk
    where.append(
        "NOT EXISTS (SELECT 1 FROM csr_support s WHERE s.enterprise_id = e.id AND s.programme_id = %(programme)s"
        " AND s.status = 'aktif')"
    )
    return " AND ".join(where)


_COLUMNS = "e.id, e.tier"


def _unsupported(
    programme: Programme, *, district: str | None, regency: str | None, limit: int, scope: str | None = None,
) -> list[tuple]:
    """Enterprises with no ledger row at all, in (tier, closeness, id) order, as (id, tier, closeness)."""
    params: dict = {"limit": limit}
    base = _filters(programme, params, scope) + (
        " AND NOT EXISTS (SELECT 1 FROM registry_supportrecord r WHERE r.enterprise_id = e.id)"
    )
    params["district"], params["regency"] = district, regency
    branches = []
    for tier in segment_tiers(programme):
        near = []
        if district:
            near.append((CLOSE_DISTRICT, "e.district_id = %(district)s", "e.id DESC"))
        if regency:
            near.append((
                CLOSE_REGENCY,
                "e.regency_id = %(regency)s" + (" AND e.district_id IS DISTINCT FROM %(district)s" if district else ""),
                "e.id DESC",
            ))
            near.append((CLOSE_ELSEWHERE, "e.regency_id <> %(regency)s", "e.regency_id DESC, e.id DESC"))
        else:
            near.append((CLOSE_ELSEWHERE, "TRUE", "e.id DESC"))
        for closeness, condition, order in near:
            branches.append(
                f"(SELECT {_COLUMNS}, {closeness} AS closeness FROM registry_enterprise e"
                f" WHERE e.tier = {int(tier)} AND {condition} AND {base} ORDER BY {order} LIMIT %(limit)s)"
            )
    if not branches:
        return []
    sql = " UNION ALL ".join(branches) + " LIMIT %(limit)s"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_WEIGHTED_SQL = """
WITH w AS (
    SELECT r.enterprise_id,
           SUM(1.0 / (1 + GREATEST(0, %(year)s - EXTRACT(YEAR FROM COALESCE(r.ended_on, r.started_on))))) AS weight
    FROM registry_supportrecord r
    GROUP BY r.enterprise_id
)
SELECT e.id, e.tier,
       CASE WHEN e.district_id = %(district)s THEN 0 WHEN e.regency_id = %(regency)s THEN 1 ELSE 2 END AS closeness,
       w.weight
FROM w JOIN registry_enterprise e ON e.id = w.enterprise_id
WHERE e.tier BETWEEN %(tier_min)s AND %(tier_max)s AND {filters}
ORDER BY w.weight, e.tier, closeness, e.id DESC
LIMIT %(limit)s
"""


def _supported(
    programme: Programme, *, district: str | None, regency: str | None, limit: int, scope: str | None = None,
) -> list[tuple]:
    """Enterprises that have had support, least (and least recent) first, as (id, tier, closeness, weight)."""
    params: dict = {
        "limit": limit, "district": district, "regency": regency, "year": today().year,
        "tier_min": programme.tier_min, "tier_max": programme.tier_max,
    }
    sql = _WEIGHTED_SQL.format(filters=_filters(programme, params, scope))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def reassignment_candidates(
    programme: Programme, *, near: Support | None = None, limit: int = DEFAULT_LIMIT, regency: str | None = None,
) -> list[Candidate]:
    """Ranked, explained candidates for the programme; `near` is the graduated support being moved; `regency`
    keeps them to one regency (what a regency office's staff may see)."""
    regency_scope = regency
    district = regency = None
    near_name = ""
    if near is not None:
        district, regency, near_name = near.enterprise.district_id, near.enterprise.regency_id, near.enterprise.name
    ranked = [(row[0], row[1], row[2], 0.0) for row in _unsupported(
        programme, district=district, regency=regency, limit=limit, scope=regency_scope
    )]
    if len(ranked) < limit:
        ranked += [tuple(row) for row in _supported(
            programme, district=district, regency=regency, limit=limit - len(ranked), scope=regency_scope
        )]
    return _explain(ranked, near_name=near_name)


def _explain(ranked: list[tuple], *, near_name: str) -> list[Candidate]:
    ids = [row[0] for row in ranked]
    enterprises = Enterprise.objects.filter(pk__in=ids).only(
        "id", "name", "nib", "regency_id", "district_id", "size_class", "tier", "formal_step"
    ).in_bulk()
    region_ids = {e.regency_id for e in enterprises.values()} | {e.district_id for e in enterprises.values()}
    names = dict(Region.objects.filter(pk__in=region_ids - {None}).values_list("pk", "name"))
    ledger = _ledger_summary(ids)
    out = []
    for enterprise_id, tier, closeness, weight in ranked:
        e = enterprises[enterprise_id]
        count, last_year = ledger.get(enterprise_id, (0, None))
        candidate = Candidate(
            enterprise_id=e.pk, name=e.name, nib=e.nib, regency_id=e.regency_id,
            regency_name=names.get(e.regency_id, ""), district_id=e.district_id,
            district_name=names.get(e.district_id, ""), size_class=e.size_class, tier=tier,
            weight=float(weight), supports=count, last_year=last_year, closeness=closeness,
        )
        candidate.reason = _reason(candidate, formal_step=e.formal_step, near_name=near_name)
        out.append(candidate)
    return out


def _ledger_summary(ids: list[int]) -> dict[int, tuple[int, int | None]]:
    from django.db.models import Count, Max

    from registry.models import SupportRecord

    rows = SupportRecord.objects.filter(enterprise_id__in=ids).values("enterprise_id").annotate(
        n=Count("id"), last=Max("started_on")
    )
    return {row["enterprise_id"]: (row["n"], row["last"].year if row["last"] else None) for row in rows}


def _reason(c: Candidate, *, formal_step: int, near_name: str) -> str:
    if c.supports == 0:
        support = _("belum pernah menerima pembinaan dari pihak mana pun")
    else:
        support = ngettext(
            "baru %(n)s kali menerima pembinaan (terakhir %(year)s)",
            "baru %(n)s kali menerima pembinaan (terakhir %(year)s)", c.supports,
        ) % {"n": c.supports, "year": c.last_year}
    level = _("tingkat %(tier)s: %(cls)s, %(step)s") % {
        "tier": c.tier, "cls": SizeClass(c.size_class).label.lower() if c.size_class else "-",
        "step": FormalStep(formal_step).label.lower(),
    }
    if c.closeness == CLOSE_DISTRICT and near_name:
        where = _("satu kecamatan dengan %(name)s") % {"name": near_name}
    elif c.closeness == CLOSE_REGENCY and near_name:
        where = _("satu kabupaten/kota dengan %(name)s") % {"name": near_name}
    else:
        where = _("berada di %(regency)s") % {"regency": c.regency_name}
    return f"{support[:1].upper()}{support[1:]}; {level}; {where}."
