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


def _limit(class_expr: str, row: str = "d") -> str:
    """The upper limit of a class under the row's criterion (omzet or capital)."""
    by = {
        prefix: f"CASE {class_expr} WHEN 'mikro' THEN rs.{prefix}_micro_max WHEN 'kecil' THEN rs.{prefix}_small_max"
        f" ELSE rs.{prefix}_medium_max END"
        for prefix in ("omzet", "capital")
    }
    return f"CASE WHEN {row}.basis = 'omzet' THEN {by['omzet']} ELSE {by['capital']} END"


# The decision for every enterprise in scope, from inputs only (never from its stored class), so the
# outcome is the same however often and in whatever order chunks run.
DECIDE_SQL = f"""
rs AS (SELECT * FROM registry_ruleset WHERE id = %(rule_set)s),
scope AS (
    SELECT e.id, e.regency_id, e.nib, e.size_class, e.tier, e.class_status, e.class_rule_set_id
    FROM registry_enterprise e WHERE {{scope}}
),
sales AS (
    SELECT r.enterprise_id, r.year, r.omzet, r.verified_at IS NOT NULL AS verified,
           lead(r.year) OVER w AS prev_year, lead(r.omzet) OVER w AS prev_omzet,
           row_number() OVER w AS rn
    FROM registry_yearlyreport r JOIN scope s ON s.id = r.enterprise_id
    WHERE r.omzet IS NOT NULL AND r.year < %(current_year)s
    WINDOW w AS (PARTITION BY r.enterprise_id ORDER BY r.year DESC)
),
capital AS (
    SELECT DISTINCT ON (r.enterprise_id) r.enterprise_id, r.year, r.capital, r.verified_at IS NOT NULL AS verified
    FROM registry_yearlyreport r JOIN scope s ON s.id = r.enterprise_id
    WHERE r.capital IS NOT NULL AND r.year < %(current_year)s
    ORDER BY r.enterprise_id, r.year DESC
),
certified AS (
    SELECT DISTINCT p.enterprise_id FROM registry_permit p JOIN scope s ON s.id = p.enterprise_id
    WHERE p.kind = ANY(%(certificate_kinds)s) AND (p.expires_on IS NULL OR p.expires_on >= %(today)s)
),
inputs AS (
    SELECT s.id, s.regency_id, s.size_class AS old_class, s.tier AS old_tier, s.class_status AS old_status,
           s.class_rule_set_id IS NOT NULL AS was_graded,
           o.year AS sales_year, o.omzet, o.verified AS sales_verified,
           CASE WHEN o.prev_year = o.year - 1 THEN o.prev_omzet END AS prev_omzet,
           c.year AS capital_year, c.capital, c.verified AS capital_verified,
           CASE WHEN cert.enterprise_id IS NOT NULL THEN 2 WHEN s.nib IS NOT NULL THEN 1 ELSE 0 END AS formal_step,
           {_classify("o.omzet", "omzet")} AS sales_class,
           {_classify("CASE WHEN o.prev_year = o.year - 1 THEN o.prev_omzet END", "omzet")} AS prev_class,
           {_classify("c.capital", "capital")} AS capital_class
    FROM scope s
    CROSS JOIN rs
    LEFT JOIN sales o ON o.enterprise_id = s.id AND o.rn = 1
    LEFT JOIN capital c ON c.enterprise_id = s.id
    LEFT JOIN certified cert ON cert.enterprise_id = s.id
),
classed AS (
    SELECT i.*,
           COALESCE(i.sales_class, i.capital_class) AS new_class,
           CASE WHEN i.sales_class IS NOT NULL THEN 'omzet' WHEN i.capital_class IS NOT NULL THEN 'modal' END AS basis,
           (i.prev_class IS NOT NULL AND abs({_rank("i.sales_class")} - {_rank("i.prev_class")}) > 1) AS jumped,
           (i.prev_omzet IS NOT NULL AND i.prev_omzet > 0
               AND (i.omzet > 10 * i.prev_omzet OR i.omzet * 10 < i.prev_omzet)) AS swung
    FROM inputs i
),
decided AS (
    SELECT c.*,
           CASE WHEN c.new_class IS NULL THEN NULL
                ELSE {_rank("c.new_class")} * 3 + c.formal_step + 1 END AS new_tier,
           CASE
               WHEN c.basis IS NULL THEN NULL
               WHEN c.basis = 'modal' THEN CASE WHEN c.capital_verified THEN 'terkonfirmasi' ELSE 'sementara' END
               WHEN c.sales_verified THEN 'terkonfirmasi'
               WHEN c.jumped OR c.swung THEN 'perlu_verifikasi'
               WHEN c.prev_class = c.sales_class THEN 'terkonfirmasi'
               ELSE 'sementara'
           END AS new_status,
           (c.sales_class IS NOT NULL AND c.capital_class IS NOT NULL AND c.sales_class <> c.capital_class)
               AS criteria_disagree,
           CASE WHEN c.basis = 'omzet' THEN c.sales_year ELSE c.capital_year END AS basis_year,
           CASE WHEN c.basis = 'omzet' THEN c.omzet ELSE c.capital END AS basis_amount
    FROM classed c
),
phrased AS (
    SELECT d.*,
        CASE d.basis WHEN 'omzet' THEN 'Omzet ' ELSE 'Modal usaha ' END
            || d.basis_year || ' ' || registry_rp_short(d.basis_amount) || ' ' AS lead_in,
        -- the limit that holds the class, from the inputs alone
        CASE d.new_class
            WHEN 'mikro' THEN 'tidak melebihi batas mikro ' || registry_rp_short({_limit("'mikro'")})
            WHEN 'kecil' THEN 'melebihi batas mikro ' || registry_rp_short({_limit("'mikro'")})
            WHEN 'menengah' THEN 'melebihi batas kecil ' || registry_rp_short({_limit("'kecil'")})
            WHEN 'besar' THEN 'melebihi batas menengah ' || registry_rp_short({_limit("'menengah'")})
        END AS class_phrase,
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
),
described AS (
    SELECT p.*,
        left(CASE WHEN p.new_class IS NULL THEN 'Belum ada data omzet maupun modal usaha'
                  ELSE p.lead_in || p.class_phrase || p.tail END, 255) AS reason,
        -- a history row names the limit the move crossed
        CASE
            WHEN p.new_class IS NULL THEN 'Data omzet dan modal usaha tidak ada lagi'
            WHEN {_rank("p.new_class")} > {_rank("p.old_class")}
                THEN p.lead_in || 'melebihi batas ' || p.old_class || ' '
                     || registry_rp_short({_limit("p.old_class", "p")}) || p.tail
            WHEN {_rank("p.new_class")} < {_rank("p.old_class")}
                THEN p.lead_in || 'tidak melebihi batas ' || p.new_class || ' '
                     || registry_rp_short({_limit("p.new_class", "p")}) || p.tail
            ELSE p.lead_in || p.class_phrase || p.tail
        END AS event_reason
    FROM phrased p CROSS JOIN rs
)
"""

RECOMPUTE_SQL = f"""
WITH {DECIDE_SQL},
changed AS (
    UPDATE registry_enterprise e SET
        size_class = d.new_class, tier = d.new_tier, class_status = d.new_status, formal_step = d.formal_step,
        criteria_disagree = d.criteria_disagree, class_reason = d.reason, class_rule_set_id = %(rule_set)s,
        class_since = CASE WHEN (e.size_class, e.tier) IS DISTINCT FROM (d.new_class, d.new_tier)
                           THEN %(now)s ELSE e.class_since END
    FROM described d
    WHERE e.id = d.id
      AND (e.size_class, e.tier, e.class_status, e.formal_step, e.criteria_disagree, e.class_reason,
           e.class_rule_set_id)
          IS DISTINCT FROM (d.new_class, d.new_tier, d.new_status, d.formal_step, d.criteria_disagree, d.reason,
                            %(rule_set)s::bigint)
    RETURNING d.*
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
           %(rule_set)s, left(c.event_reason, 255), %(job_run)s, %(now)s
    FROM changed c
    -- the engine's first classification of an enterprise is its starting point, not a move
    WHERE c.was_graded AND c.old_class IS NOT NULL
      AND (c.old_class, c.old_tier, c.old_status) IS DISTINCT FROM (c.new_class, c.new_tier, c.new_status)
    RETURNING 1
)
SELECT (SELECT count(*) FROM scope), (SELECT count(*) FROM changed), (SELECT count(*) FROM history)
"""

PREVIEW_SQL = f"""
WITH {DECIDE_SQL}
SELECT d.regency_id, d.old_class, d.new_class, count(*)
FROM described d
WHERE d.old_class IS DISTINCT FROM d.new_class
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""


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


def recompute_regency(*, regency: str, rule_set_id: int, job_run_id: int | None = None) -> ChunkResult:
    """Recompute one regency in one transaction, holding a lock so overlapping runs take turns."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('registry.graduation'), hashtext(%s))", [regency])
        cursor.execute(
            RECOMPUTE_SQL.format(scope="e.regency_id = %(regency)s"),
            _params(rule_set_id, job_run_id, regency=regency),
        )
        return ChunkResult(*cursor.fetchone())


def recompute_enterprises(*, enterprise_ids: list[int], rule_set_id: int | None = None) -> ChunkResult:
    """Recompute a few enterprises, e.g. right after their figures or permits were saved."""
    rule_set_id = rule_set_id or active_rule_set_id()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(RECOMPUTE_SQL.format(scope="e.id = ANY(%(ids)s)"), _params(rule_set_id, ids=enterprise_ids))
        return ChunkResult(*cursor.fetchone())


def preview(*, rule_set_id: int, regency: str | None = None) -> list[tuple[str, str | None, str | None, int]]:
    """What a rule set would change, written nowhere: rows of (regency, from class, to class, count)."""
    scope = "e.regency_id = %(regency)s" if regency else "TRUE"
    with connection.cursor() as cursor:
        cursor.execute(PREVIEW_SQL.format(scope=scope), _params(rule_set_id, regency=regency))
        return cursor.fetchall()


def active_rule_set_id() -> int:
    from .models import RuleSet

    return RuleSet.objects.active().values_list("pk", flat=True).get()


def recompute_all(*, rule_set_id: int | None = None) -> ChunkResult:
    """The whole province in one statement (seed_demo, benchmarks); jobs go regency by regency instead."""
    rule_set_id = rule_set_id or active_rule_set_id()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(RECOMPUTE_SQL.format(scope="TRUE"), _params(rule_set_id))
        return ChunkResult(*cursor.fetchone())
