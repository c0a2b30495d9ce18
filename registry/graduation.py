"""Naik kelas: size class, formalisation tier and their history, recomputed set-based in PostgreSQL.

One statement per chunk (a regency, or a list of enterprises) computes every enterprise's class from
the active rule set, updates only the rows whose outcome changed and appends one history row per
change. Recomputing twice in a row writes nothing. See DESIGN.md "Size classes" and "Naik kelas".

- Class: annual sales (omzet) of the latest complete yearly report (a year before the current one);
  capital (modal usaha) when no report has sales yet; unknown when neither exists. A boundary value
  belongs to the lower class ("paling banyak").
- Tier: class rank × 3 + formalisation step (informal, NIB, product permit/certification) + 1, so
  1 = micro and informal (needs the most) … 12 = large and certified.
- Status: *terkonfirmasi* when the class rests on a verified report or the previous year's report gives
  the same class; *perlu_verifikasi* when the last two reports are more than one class apart or sales
  changed more than tenfold in a year (a suspected data error), unless verified; otherwise *sementara*.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from . import signals

CERTIFICATE_KINDS = ("pirt", "halal", "bpom", "sni", "merek")

_CLASS_RANK = "CASE {c} WHEN 'mikro' THEN 0 WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 END"


def _classify(column: str, prefix: str) -> str:
    return (
        f"CASE WHEN {column} IS NULL THEN NULL"
        f" WHEN {column} <= rs.{prefix}_micro_max THEN 'mikro'"
        f" WHEN {column} <= rs.{prefix}_small_max THEN 'kecil'"
        f" WHEN {column} <= rs.{prefix}_medium_max THEN 'menengah' ELSE 'besar' END"
    )


def _rank(expr: str) -> str:
    return _CLASS_RANK.format(c=expr)


def _rp_short(amount: str) -> str:
    """SQL for registry_rp_short(amount) (migration 0004: "Rp2,4 M", "Rp750 jt", "Rp950.000") in integer
    arithmetic: the same text, about twenty times faster than its numeric to_char(), which dominated the
    cost of writing a reason for every enterprise. Negative amounts (never valid) go to the function."""
    tenths = {"M": f"({amount} + 50000000) / 100000000", "jt": f"({amount} + 50000) / 100000"}
    short = {
        unit: f"'Rp' || ({value} / 10)::text || CASE WHEN mod({value}, 10) <> 0 THEN ',' || mod({value}, 10)::text"
        f" ELSE '' END || ' {unit}'"
        for unit, value in tenths.items()
    }
    return (
        f"CASE WHEN {amount} IS NULL THEN '-' WHEN {amount} < 0 THEN registry_rp_short({amount})"
        f" WHEN {amount} >= 1000000000 THEN {short['M']} WHEN {amount} >= 1000000 THEN {short['jt']}"
        f" WHEN {amount} >= 1000 THEN 'Rp' || ({amount} / 1000)::text || '.' || lpad(mod({amount}, 1000)::text, 3, '0')"
        f" ELSE 'Rp' || {amount}::text END"
    )


def _limit(class_expr: str, row: str = "d") -> str:
    """The upper limit of a class under the row's criterion (omzet or capital), written short ("Rp2 M")."""
    by = {
        prefix: f"CASE {class_expr} WHEN 'mikro' THEN rs.{prefix}_micro_rp WHEN 'kecil' THEN rs.{prefix}_small_rp"
        f" ELSE rs.{prefix}_medium_rp END"
        for prefix in ("omzet", "capital")
    }
    return f"CASE WHEN {row}.basis = 'omzet' THEN {by['omzet']} ELSE {by['capital']} END"


# The decision for every enterprise in scope, from inputs only (never from its stored class), so the
# outcome is the same however often and in whatever order chunks run.
#
# Speed (see tests/benchmarks/test_graduation_benchmark.py): the cost of a chunk follows its size, not the
# province's. The enterprises of the scope are read once and walked in id order; their reports and permits
# are index look-ups in that order (the reports of neighbouring ids share pages). Each step ends in
# OFFSET 0 so that PostgreSQL computes a row's class once instead of pasting the CASE into every use.
DECIDE_SQL = f"""
rs AS MATERIALIZED (
    SELECT r.id, r.legal_source, r.omzet_micro_max, r.omzet_small_max, r.omzet_medium_max,
           r.capital_micro_max, r.capital_small_max, r.capital_medium_max,
           registry_rp_short(r.omzet_micro_max) AS omzet_micro_rp,
           registry_rp_short(r.omzet_small_max) AS omzet_small_rp,
           registry_rp_short(r.omzet_medium_max) AS omzet_medium_rp,
           registry_rp_short(r.capital_micro_max) AS capital_micro_rp,
           registry_rp_short(r.capital_small_max) AS capital_small_rp,
           registry_rp_short(r.capital_medium_max) AS capital_medium_rp
    FROM registry_ruleset r WHERE r.id = %(rule_set)s
),
inputs AS (
    SELECT e.id, e.regency_id, e.size_class AS old_class, e.tier AS old_tier, e.class_status AS old_status,
           e.formal_step AS old_formal_step, e.criteria_disagree AS old_criteria_disagree,
           e.class_reason AS old_reason, e.class_rule_set_id AS old_rule_set_id,
           e.class_rule_set_id IS NOT NULL AS was_graded,
           o.year AS sales_year, o.omzet, o.verified_at IS NOT NULL AS sales_verified,
           -- last year's sales count only when they are of the year right before
           CASE WHEN o.prev_year = o.year - 1 THEN o.prev_omzet END AS prev_omzet,
           c.year AS capital_year, c.capital, c.verified_at IS NOT NULL AS capital_verified,
           CASE WHEN EXISTS (
                    SELECT FROM registry_permit p
                    WHERE p.enterprise_id = e.id AND p.kind = ANY(%(certificate_kinds)s)
                      AND (p.expires_on IS NULL OR p.expires_on >= %(today)s)
                ) THEN 2
                WHEN e.nib IS NOT NULL THEN 1 ELSE 0 END AS formal_step
    FROM (
        SELECT e.id, e.regency_id, e.nib, e.size_class, e.tier, e.class_status, e.formal_step, e.criteria_disagree,
               e.class_reason, e.class_rule_set_id
        FROM registry_enterprise e WHERE {{scope}} ORDER BY e.id
    ) e
    -- the latest report with sales before this year, and the one before it
    LEFT JOIN LATERAL (
        SELECT r.year, r.omzet, r.verified_at, lead(r.year) OVER w AS prev_year, lead(r.omzet) OVER w AS prev_omzet
        FROM registry_yearlyreport r
        WHERE r.enterprise_id = e.id AND r.omzet IS NOT NULL AND r.year < %(current_year)s
        WINDOW w AS (ORDER BY r.year DESC)
        ORDER BY r.year DESC LIMIT 1
    ) o ON TRUE
    LEFT JOIN LATERAL (
        SELECT r.year, r.capital, r.verified_at FROM registry_yearlyreport r
        WHERE r.enterprise_id = e.id AND r.capital IS NOT NULL AND r.year < %(current_year)s
        ORDER BY r.year DESC LIMIT 1
    ) c ON TRUE
),
classed AS (
    SELECT i.*,
           {_classify("i.omzet", "omzet")} AS sales_class,
           {_classify("i.prev_omzet", "omzet")} AS prev_class,
           {_classify("i.capital", "capital")} AS capital_class
    FROM inputs i CROSS JOIN rs
    OFFSET 0
),
based AS (
    SELECT c.*,
           COALESCE(c.sales_class, c.capital_class) AS new_class,
           CASE WHEN c.sales_class IS NOT NULL THEN 'omzet' WHEN c.capital_class IS NOT NULL THEN 'modal' END AS basis,
           (c.prev_class IS NOT NULL AND abs({_rank("c.sales_class")} - {_rank("c.prev_class")}) > 1) AS jumped,
           (c.prev_omzet IS NOT NULL AND c.prev_omzet > 0
               AND (c.omzet > 10 * c.prev_omzet OR c.omzet * 10 < c.prev_omzet)) AS swung
    FROM classed c
    OFFSET 0
),
decided AS (
    SELECT b.*,
           CASE WHEN b.new_class IS NULL THEN NULL
                ELSE {_rank("b.new_class")} * 3 + b.formal_step + 1 END AS new_tier,
           CASE
               WHEN b.basis IS NULL THEN NULL
               WHEN b.basis = 'modal' THEN CASE WHEN b.capital_verified THEN 'terkonfirmasi' ELSE 'sementara' END
               WHEN b.sales_verified THEN 'terkonfirmasi'
               WHEN b.jumped OR b.swung THEN 'perlu_verifikasi'
               WHEN b.prev_class = b.sales_class THEN 'terkonfirmasi'
               ELSE 'sementara'
           END AS new_status,
           (b.sales_class IS NOT NULL AND b.capital_class IS NOT NULL AND b.sales_class <> b.capital_class)
               AS criteria_disagree,
           CASE WHEN b.basis = 'omzet' THEN b.sales_year ELSE b.capital_year END AS basis_year,
           CASE WHEN b.basis = 'omzet' THEN b.omzet ELSE b.capital END AS basis_amount
    FROM based b
    OFFSET 0
),
phrased AS (
    SELECT d.*,
        CASE d.basis WHEN 'omzet' THEN 'Omzet ' ELSE 'Modal usaha ' END
            || d.basis_year || ' ' || ({_rp_short("d.basis_amount")}) || ' ' AS lead_in,
        ' (' || rs.legal_source || ')'
            || CASE d.new_status
                WHEN 'perlu_verifikasi' THEN CASE WHEN d.jumped
                    THEN '; perlu verifikasi: melompat lebih dari satu kelas dalam setahun'
                    ELSE '; perlu verifikasi: omzet berubah lebih dari 10 kali lipat dalam setahun' END
                WHEN 'sementara' THEN '; sementara, menunggu verifikasi atau laporan tahun berikutnya'
                ELSE '' END
            || CASE d.formal_step WHEN 2 THEN '; memiliki izin produk/sertifikasi'
                                  WHEN 1 THEN '; memiliki NIB' ELSE '; belum memiliki NIB' END AS tail
    FROM decided d CROSS JOIN rs
    OFFSET 0
),
described AS (
    SELECT p.*,
        left(CASE WHEN p.new_class IS NULL THEN 'Belum ada data omzet maupun modal usaha'
                  ELSE p.lead_in || CASE p.new_class  -- the limit that holds the class, from the inputs alone
                      WHEN 'mikro' THEN 'tidak melebihi batas mikro ' || {_limit("'mikro'", "p")}
                      WHEN 'kecil' THEN 'melebihi batas mikro ' || {_limit("'mikro'", "p")}
                      WHEN 'menengah' THEN 'melebihi batas kecil ' || {_limit("'kecil'", "p")}
                      WHEN 'besar' THEN 'melebihi batas menengah ' || {_limit("'menengah'", "p")}
                  END || p.tail END, 255) AS reason
    FROM phrased p CROSS JOIN rs
)
"""

# A history row names the limit the move crossed; computed only for the rows that get one.
EVENT_REASON = f"""CASE
    WHEN c.new_class IS NULL THEN 'Data omzet dan modal usaha tidak ada lagi'
    WHEN {_rank("c.new_class")} > {_rank("c.old_class")}
        THEN c.lead_in || 'melebihi batas ' || c.old_class || ' ' || {_limit("c.old_class", "c")} || c.tail
    WHEN {_rank("c.new_class")} < {_rank("c.old_class")}
        THEN c.lead_in || 'tidak melebihi batas ' || c.new_class || ' ' || {_limit("c.new_class", "c")} || c.tail
    ELSE c.reason
END"""

_OUTCOME = "d.new_class, d.new_tier, d.new_status, d.formal_step, d.criteria_disagree, d.reason, %(rule_set)s::bigint"

RECOMPUTE_SQL = f"""
WITH {DECIDE_SQL},
outcome AS (
    SELECT d.* FROM described d
    WHERE (d.old_class, d.old_tier, d.old_status, d.old_formal_step, d.old_criteria_disagree, d.old_reason,
           d.old_rule_set_id) IS DISTINCT FROM ({_OUTCOME})
    OFFSET 0  -- only rows whose outcome changed are looked up for the update
),
changed AS (
    UPDATE registry_enterprise e SET
        size_class = d.new_class, tier = d.new_tier, class_status = d.new_status, formal_step = d.formal_step,
        criteria_disagree = d.criteria_disagree, class_reason = d.reason, class_rule_set_id = %(rule_set)s,
        class_since = CASE WHEN (e.size_class, e.tier) IS DISTINCT FROM (d.new_class, d.new_tier)
                           THEN %(now)s ELSE e.class_since END
    FROM outcome d
    -- compared again on the row itself: a row another transaction changed meanwhile is re-checked as it is now
    WHERE e.id = d.id
      AND (e.size_class, e.tier, e.class_status, e.formal_step, e.criteria_disagree, e.class_reason,
           e.class_rule_set_id) IS DISTINCT FROM ({_OUTCOME})
    RETURNING d.id, d.was_graded, d.old_class, d.new_class, d.old_tier, d.new_tier, d.old_status, d.new_status,
              d.basis, d.basis_year, d.omzet, d.capital, d.lead_in, d.tail, d.reason
),
history AS (
    INSERT INTO registry_graduationevent
        (enterprise_id, from_class, to_class, from_tier, to_tier, direction, status, basis, year, omzet, capital,
         rule_set_id, reason, job_run_id, created_at)
    SELECT c.id, c.old_class, c.new_class, c.old_tier, c.new_tier,
           CASE WHEN {_rank("c.new_class")} > {_rank("c.old_class")} THEN 'naik'
                WHEN {_rank("c.new_class")} < {_rank("c.old_class")} THEN 'turun'
                WHEN c.new_tier > c.old_tier THEN 'naik'
                WHEN c.new_tier < c.old_tier THEN 'turun'
                ELSE 'tetap' END,
           COALESCE(c.new_status, 'sementara'), COALESCE(c.basis, ''), c.basis_year, c.omzet, c.capital,
           %(rule_set)s, left({EVENT_REASON}, 255), %(job_run)s, %(now)s
    FROM changed c CROSS JOIN rs
    -- the engine's first classification of an enterprise is its starting point, not a move
    WHERE c.was_graded AND c.old_class IS NOT NULL
      AND (c.old_class, c.old_tier, c.old_status) IS DISTINCT FROM (c.new_class, c.new_tier, c.new_status)
    RETURNING 1
)
SELECT (SELECT count(*) FROM registry_enterprise e WHERE {{scope}}),
       (SELECT count(*) FROM changed), (SELECT count(*) FROM history)
"""

PREVIEW_SQL = f"""
WITH {DECIDE_SQL}
SELECT d.regency_id, d.old_class, d.new_class, count(*)
FROM described d
WHERE d.old_class IS DISTINCT FROM d.new_class
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""

# Active CSR supports (from the pembinaan ledger) whose enterprise a rule set would move up a class: only the
# enterprises that have one are classified, so this stays quick however large the province.
PREVIEW_SUPPORTS_SQL = f"""
WITH {DECIDE_SQL}
SELECT s.id, d.id, e.name, d.regency_id, d.old_class, d.new_class, s.provider, s.title, s.kind, s.started_on,
       count(*) OVER () AS total
FROM described d
JOIN registry_supportrecord s ON s.enterprise_id = d.id
JOIN registry_enterprise e ON e.id = d.id
WHERE s.source = 'csr' AND s.started_on <= %(today)s AND (s.ended_on IS NULL OR s.ended_on >= %(today)s)
  AND {_rank("d.new_class")} > {_rank("d.old_class")}
ORDER BY d.regency_id, e.name, s.id
LIMIT %(limit)s
"""
_ACTIVE_CSR_SCOPE = """e.id IN (
    SELECT s.enterprise_id FROM registry_supportrecord s
    WHERE s.source = 'csr' AND s.started_on <= %(today)s AND (s.ended_on IS NULL OR s.ended_on >= %(today)s))"""

# For the recompute statement only, and put back afterwards. Every join in it is an index look-up per
# enterprise in id order; a hash or merge join would read the whole province (all enterprises or all
# reports) for each regency chunk. work_mem: the sort of a large regency's enterprises stays in memory.
_RECOMPUTE_SETTINGS = {"enable_hashjoin": "off", "enable_mergejoin": "off", "work_mem": "64MB"}


@dataclass(frozen=True)
class ChunkResult:
    enterprises: int
    changed: int
    history: int


def _params(rule_set_id: int, job_run_id: int | None = None, **extra) -> dict:
    now = timezone.now()
    return {
        "rule_set": rule_set_id,
        "job_run": job_run_id,
        "now": now,
        "today": timezone.localdate(now),
        "current_year": timezone.localdate(now).year,
        "certificate_kinds": list(CERTIFICATE_KINDS),
        **extra,
    }


def _recompute(cursor, scope: str, params: dict) -> ChunkResult:
    names = list(_RECOMPUTE_SETTINGS)
    cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in names))
    before = cursor.fetchone()
    cursor.execute(
        "SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in names), list(_RECOMPUTE_SETTINGS.values())
    )
    cursor.execute(RECOMPUTE_SQL.format(scope=scope), params)
    result = ChunkResult(*cursor.fetchone())
    cursor.execute("SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name in names), list(before))
    return result


def _announce(result: ChunkResult, **scope) -> ChunkResult:
    """Tell listeners (CSR supports) once the change is committed; nothing is sent when nothing changed."""
    if result.changed:
        transaction.on_commit(lambda: signals.classes_changed.send(sender=ChunkResult, **scope))
    return result


def recompute_regency(*, regency: str, rule_set_id: int, job_run_id: int | None = None) -> ChunkResult:
    """Recompute one regency in one transaction, holding a lock so overlapping runs take turns."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('registry.graduation'), hashtext(%s))", [regency])
        result = _recompute(cursor, "e.regency_id = %(regency)s", _params(rule_set_id, job_run_id, regency=regency))
    return _announce(result, regency=regency, job_run_id=job_run_id)


def recompute_enterprises(*, enterprise_ids: list[int], rule_set_id: int | None = None) -> ChunkResult:
    """Recompute a few enterprises, e.g. right after their figures or permits were saved."""
    rule_set_id = rule_set_id or active_rule_set_id()
    with transaction.atomic(), connection.cursor() as cursor:
        result = _recompute(cursor, "e.id = ANY(%(ids)s)", _params(rule_set_id, ids=enterprise_ids))
    return _announce(result, enterprise_ids=list(enterprise_ids), job_run_id=None)


def preview(*, rule_set_id: int, regency: str | None = None) -> list[tuple[str, str | None, str | None, int]]:
    """What a rule set would change, written nowhere: rows of (regency, from class, to class, count)."""
    scope = "e.regency_id = %(regency)s" if regency else "TRUE"
    with connection.cursor() as cursor:
        cursor.execute(PREVIEW_SQL.format(scope=scope), _params(rule_set_id, regency=regency))
        return cursor.fetchall()


@dataclass(frozen=True)
class SupportMove:
    support_id: int
    enterprise_id: int
    enterprise: str
    regency: str
    from_class: str | None
    to_class: str | None
    provider: str
    title: str
    kind: str
    started_on: object


def preview_supports(
    *, rule_set_id: int, regency: str | None = None, limit: int = 200
) -> tuple[int, list[SupportMove]]:
    """Active CSR supports whose enterprise the rule set would move up a class: (how many, the first `limit`)."""
    scope = _ACTIVE_CSR_SCOPE + (" AND e.regency_id = %(regency)s" if regency else "")
    with connection.cursor() as cursor:
        cursor.execute(
            PREVIEW_SUPPORTS_SQL.format(scope=scope), _params(rule_set_id, regency=regency, limit=limit)
        )
        rows = cursor.fetchall()
    return (rows[0][-1] if rows else 0), [SupportMove(*row[:-1]) for row in rows]


def active_rule_set_id() -> int:
    from .models import RuleSet

    return RuleSet.objects.active().values_list("pk", flat=True).get()


def recompute_all(*, rule_set_id: int | None = None) -> ChunkResult:
    """The whole province in one statement (seed_demo, benchmarks); jobs go regency by regency instead."""
    rule_set_id = rule_set_id or active_rule_set_id()
    with transaction.atomic(), connection.cursor() as cursor:
        result = _recompute(cursor, "TRUE", _params(rule_set_id))
    return _announce(result, regency=None, job_run_id=None)
