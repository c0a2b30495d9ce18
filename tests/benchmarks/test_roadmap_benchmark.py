"""The roadmap (peta jalan) at provincial scale: 1,166,918 UMKM and 50,000 pembinaan ledger rows.

    pytest -m benchmark -s -p no:cacheprovider tests/benchmarks/test_roadmap_benchmark.py

The ledger rows (and a "naik" history row for one support in five, three months after it began) are inserted
set-based inside the test's transaction, so they vanish afterwards; the registry is the shared, committed
provincial_registry. Printed: the cold snapshot refresh (counting every enterprise per regency and size class,
and the graduation history per month), the live ledger aggregate alone, and each page and export through the
test client as a signed-in STAFF user (one warm-up, then REPEAT timed requests: median and max, with the query
count and SQL time of one request). Goal (issue #4): the province matrix page in at most 500 ms. The last line
printed is JSON. Only correctness is asserted: timings on a shared 2-core machine vary.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from csr.roadmap import queries, services
from registry.models import RuleSet, SupportKind
from tests.factories import make_staff

pytestmark = pytest.mark.benchmark

LEDGER_ROWS = 50_000
REPEAT = 5
GOAL_MATRIX_MS = 500

# Deterministic pseudo-random picks (hashint4), so every run inserts the same rows. Enterprises are picked by
# id in the seeded range (the next existing id at or after a hashed offset); a quarter of the picks come
# from a small pool so that some enterprises have several supports at once (the overlap list).
LEDGER_SQL = """
WITH bounds AS (SELECT min(id) AS lo, max(id) - min(id) AS span FROM registry_enterprise),
picks AS (
    SELECT g,
           CASE WHEN g %% 4 = 0 THEN abs(hashint4(g)) %% 20000 ELSE abs(hashint4(g)) %% b.span END + b.lo AS target,
           abs(hashint4(g * 3)) %% 1780 AS start_day,
           abs(hashint4(g * 5)) %% 10 AS ending,
           abs(hashint4(g * 7)) %% %(kinds)s AS kind_index
    FROM generate_series(1, %(rows)s) g CROSS JOIN bounds b
)
INSERT INTO registry_supportrecord
    (enterprise_id, source, source_key, kind, provider, title, started_on, ended_on, amount, outcome,
     created_at, updated_at)
SELECT e.id,
       CASE WHEN p.g %% 10 < 6 THEN 'csr' WHEN p.g %% 10 < 8 THEN 'plut' ELSE 'pemda' END,
       'bench.roadmap:' || p.g,
       (%(kind_list)s::text[])[p.kind_index + 1],
       CASE WHEN p.g %% 10 < 6 THEN 'PT Mitra UMKM ' || (p.g %% 40 + 1)
            WHEN p.g %% 10 < 8 THEN 'PLUT KUMKM Sumatera Utara' ELSE 'Dinas Koperasi ' || e.regency_id END,
       'Program uji ' || (p.g %% 120 + 1),
       DATE '2022-01-01' + p.start_day,
       CASE WHEN p.ending < 4 THEN NULL ELSE DATE '2022-01-01' + p.start_day + 30 + p.ending * 40 END,
       CASE WHEN p.g %% 10 < 6 THEN 5000000 + (p.g %% 50) * 1000000 END,
       '', now(), now()
FROM picks p
CROSS JOIN LATERAL (
    SELECT id, regency_id FROM registry_enterprise WHERE id >= p.target ORDER BY id LIMIT 1
) e
"""

EVENTS_SQL = """
INSERT INTO registry_graduationevent
    (enterprise_id, from_class, to_class, from_tier, to_tier, direction, status, basis, year, omzet, capital,
     rule_set_id, reason, created_at)
SELECT s.enterprise_id, 'mikro', 'kecil', 1, 4, 'naik', 'sementara', 'omzet', 2025, 2500000000, NULL,
       %(rule_set)s, 'benchmark peta jalan', (s.started_on + 90)::timestamp AT TIME ZONE 'Asia/Jakarta'
FROM registry_supportrecord s
WHERE s.source_key LIKE 'bench.roadmap:%%' AND s.id %% 5 = 0 AND s.started_on + 90 < current_date
"""


def _timed(client: Client, url: str, params: dict | None = None) -> dict:
    response = client.get(url, params)  # warm-up: templates, the user's session and permissions
    assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    timings = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        client.get(url, params)
        timings.append((time.perf_counter() - started) * 1000)
    queries_ = captured.captured_queries
    return {
        "url": url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""),
        "queries": len(queries_),
        "sql_ms": round(sum(float(q["time"]) for q in queries_) * 1000, 1),
        "median_ms": round(statistics.median(timings), 1),
        "max_ms": round(max(timings), 1),
    }


@pytest.mark.django_db
def test_the_roadmap_at_provincial_scale_prints_its_refresh_and_page_times(provincial_registry):
    load_before = os.getloadavg()
    kinds = list(SupportKind.values)
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(LEDGER_SQL, {"rows": LEDGER_ROWS, "kinds": len(kinds), "kind_list": kinds})
        inserted = cursor.rowcount
        cursor.execute(EVENTS_SQL, {"rule_set": RuleSet.objects.get(is_active=True).pk})
        events = cursor.rowcount
        cursor.execute("ANALYZE registry_supportrecord")
        cursor.execute("ANALYZE registry_graduationevent")
        seed_s = round(time.perf_counter() - started, 2)
    assert inserted == LEDGER_ROWS

    services.snapshot_forget()
    started = time.perf_counter()
    snapshot = services.snapshot_refresh()
    refresh_ms = round((time.perf_counter() - started) * 1000, 1)
    assert sum(sum(by_size.values()) for by_size in snapshot["enterprises"].values()) > 1_000_000

    ledger = {}
    for name, filters in [
        ("active today", queries.Filters()),
        ("all time", queries.Filters(period=queries.PERIOD_ALL)),
        ("2025, pelatihan, mikro", queries.Filters(period="2025", kind="pelatihan", size_class="mikro")),
    ]:
        timings = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            cells = queries.ledger_cells(filters)
            timings.append((time.perf_counter() - started) * 1000)
        ledger[name] = {"median_ms": round(statistics.median(timings), 1),
                        "supported": cells[(queries.TOTAL, queries.TOTAL)].supported}
    assert ledger["all time"]["supported"] > 40_000

    client = Client()
    client.force_login(make_staff("petugas_peta_jalan"))
    pages = {
        "matrix (province, active today)": _timed(client, reverse("roadmap:matrix")),
        "matrix (all time)": _timed(client, reverse("roadmap:matrix"), {"period": "semua"}),
        "matrix (2025, csr, pelatihan)": _timed(
            client, reverse("roadmap:matrix"), {"period": "2025", "source": "csr", "kind": "pelatihan"}
        ),
        "overlaps (all time)": _timed(client, reverse("roadmap:overlaps"), {"period": "semua"}),
        "overlaps (12.71, all time)": _timed(
            client, reverse("roadmap:overlaps"), {"period": "semua", "regency": "12.71"}
        ),
        "gaps": _timed(client, reverse("roadmap:gaps"), {"threshold": "5"}),
        "map and chart": _timed(client, reverse("roadmap:map")),
        "matrix export xlsx": _timed(client, reverse("roadmap:matrix-export", args=["xlsx"])),
        "overlap export csv (all time)": _timed(
            client, reverse("roadmap:overlap-export", args=["csv"]), {"period": "semua"}
        ),
    }
    overlaps_page = client.get(reverse("roadmap:overlaps"), {"period": "semua"})
    assert len(overlaps_page.context["rows"]) == queries.OVERLAP_PAGE

    print(f"\nroadmap benchmark: {provincial_registry.enterprises:,} UMKM, {inserted:,} ledger rows, "
          f"{events:,} naik events (inserted and analysed in {seed_s} s)")
    print(f"  snapshot refresh (cold): {refresh_ms} ms  [enterprise counts + graduation months]")
    for name, figure in ledger.items():
        print(f"  ledger aggregate, {name:<24} {figure['median_ms']:>8} ms   supported={figure['supported']:,}")
    print(f"  {'page':<34} {'queries':>7} {'sql ms':>8} {'median ms':>10} {'max ms':>8}")
    for name, figure in pages.items():
        print(f"  {name:<34} {figure['queries']:>7} {figure['sql_ms']:>8} {figure['median_ms']:>10} "
              f"{figure['max_ms']:>8}")
    matrix_ms = pages["matrix (province, active today)"]["median_ms"]
    verdict = "within" if matrix_ms <= GOAL_MATRIX_MS else "OVER"
    print(f"  goal: province matrix ≤ {GOAL_MATRIX_MS} ms → {matrix_ms} ms ({verdict})")
    print(json.dumps({
        "enterprises": provincial_registry.enterprises, "ledger_rows": inserted, "naik_events": events,
        "refresh_ms": refresh_ms, "ledger": ledger, "pages": pages, "goal_matrix_ms": GOAL_MATRIX_MS,
        "load_before": load_before, "load_after": os.getloadavg(),
    }))
    services.snapshot_forget()
