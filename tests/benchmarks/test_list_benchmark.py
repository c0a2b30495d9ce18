"""List pages at provincial scale (1,166,918 UMKM): query count and time per page, printed; no timed test.

    make bench        # or: pytest -m benchmark -s -p no:cacheprovider tests/benchmarks

Every page goes through the Django test client as a signed-in STAFF user: one warm-up request, one with
the queries captured (count, SQL time, the SQL itself), then REPEAT timed requests (median and max). The
test asserts only correctness: every page answers 200, lists what it should, and no query counts the whole
enterprise table. A page slower than SLOW_MS gets the EXPLAIN ANALYZE of its slowest query printed.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
from dataclasses import asdict, dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry.models import Enterprise, Permit
from tests.factories import make_staff

REPEAT = 7
SLOW_MS = 200
ADMIN_LIST = "/admin/registry/enterprise/"
API_LIST = "/api/v1/enterprises/"
COMMON_PART = "kopi"  # kedai/warung/pengepul/kebun kopi, kopi bubuk: about one name in twenty
RARE_PART = "gerabah"  # KBLI 23, about one name in a thousand
NO_MATCH = "qqxz"  # the worst case for walking the id index and filtering: it never stops early
DISTRICT = "12.71.01"  # Medan Tuntungan


@dataclass
class Figure:
    page: str
    url: str
    status: int
    queries: int
    sql_ms: float
    median_ms: float
    max_ms: float
    shown: str  # the count the page shows (admin) or the rows on the page (API)
    slowest_sql: str


def _is_unbounded_enterprise_count(sql: str) -> bool:
    # The paginator's capped count is `SELECT COUNT(*) FROM (SELECT … LIMIT 10001) subquery`.
    return bool(re.search(r"\bCOUNT\(", sql, re.I)) and "registry_enterprise" in sql and "LIMIT" not in sql.upper()


def _shown(response) -> str:
    context = getattr(response, "context", None)
    if context is not None and "cl" in context:
        return context["cl"].paginator.count_label
    data = getattr(response, "data", None)
    if isinstance(data, dict) and "results" in data:
        return f"{len(data['results'])} baris"
    if isinstance(data, dict) and "id" in data:
        return "1 UMKM"
    return ""


def _measure(client: Client, page: str, url: str, params: dict | None = None) -> tuple[Figure, object, list[dict]]:
    client.get(url, params)  # warm-up: templates, content types, the user's session and permissions
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    queries = captured.captured_queries
    timings = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        client.get(url, params)
        timings.append((time.perf_counter() - started) * 1000)
    slowest = max(queries, key=lambda q: float(q["time"]), default={"sql": ""})
    full_url = url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")
    figure = Figure(
        page=page,
        url=full_url,
        status=response.status_code,
        queries=len(queries),
        sql_ms=round(sum(float(q["time"]) for q in queries) * 1000, 1),
        median_ms=round(statistics.median(timings), 1),
        max_ms=round(max(timings), 1),
        shown=_shown(response),
        slowest_sql=slowest["sql"],
    )
    return figure, response, queries


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _count_sql(queries: list[dict]) -> str:
    """The query behind the count a changelist shows: the capped COUNT, or the pg_class estimate."""
    return next((q["sql"] for q in queries if "COUNT(" in q["sql"].upper() or "reltuples" in q["sql"]), "(none)")


@pytest.mark.benchmark
@pytest.mark.django_db
def test_list_pages_at_provincial_scale_print_their_query_counts_and_times(provincial_registry):
    load_before = os.getloadavg()
    client = Client()
    client.force_login(make_staff("petugas_bench"))

    # Real rows to look at: the newest enterprise with a permit (the fullest page), one NIB.
    enterprise_id = Permit.objects.order_by("-enterprise_id").values_list("enterprise_id", flat=True).first()
    nib_id, nib = Enterprise.objects.filter(nib__isnull=False).values_list("id", "nib").first()

    admin_pages = [
        ("admin: unfiltered", {}),
        ("admin: regency 12.71", {"regency": "12.71"}),
        (f"admin: district {DISTRICT}", {"regency": DISTRICT[:5], "district": DISTRICT}),
        ("admin: KBLI section G", {"section": "G"}),
        ("admin: KBLI division 56", {"sector": "56"}),
        ("admin: size class kecil", {"size_class": "kecil"}),
        ("admin: formal", {"formal": "1"}),
        (f"admin: search '{COMMON_PART}'", {"q": COMMON_PART}),
        (f"admin: search '{RARE_PART}'", {"q": RARE_PART}),
        (f"admin: search '{NO_MATCH}' (none)", {"q": NO_MATCH}),
        ("admin: search exact NIB", {"q": nib}),
        ("admin: page 2", {"p": "2"}),
        ("admin: page 200", {"p": "200"}),
    ]
    figures: list[Figure] = []
    responses: dict[str, object] = {}
    captured: dict[str, list[dict]] = {}

    def run(page, url, params=None):
        figure, response, queries = _measure(client, page, url, params)
        figures.append(figure)
        responses[page], captured[page] = response, queries

    for page, params in admin_pages:
        run(page, ADMIN_LIST, params)
    run("enterprise page", f"/registri/umkm/{enterprise_id}/")
    run("api: list", API_LIST)
    run("api: regency 12.71 + kecil", API_LIST, {"regency": "12.71", "size_class": "kecil"})
    run(f"api: q={COMMON_PART}", API_LIST, {"q": COMMON_PART})
    run("api: retrieve", f"{API_LIST}{enterprise_id}/")
    load_after = os.getloadavg()

    # --- report ------------------------------------------------------------------------------------
    seeded = provincial_registry
    print(f"\nList pages at {seeded.enterprises:,} UMKM (seed_demo --seed 2026"
          + (f", seeded in {seeded.seconds:.1f} s" if seeded.seconds else ", already seeded") + ")")
    print(f"test client, staff user, {REPEAT} timed requests per page after a warm-up; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (2 cores, shared machine)")
    print(f"{'page':<34} {'status':>6} {'queries':>7} {'sql ms':>8} {'median ms':>10} {'max ms':>8}  shown")
    for f in figures:
        print(f"{f.page:<34} {f.status:>6} {f.queries:>7} {f.sql_ms:>8.1f} {f.median_ms:>10.1f} {f.max_ms:>8.1f}  "
              f"{f.shown}")
    print("\nCount query of the changelist, unfiltered:\n  " + _count_sql(captured["admin: unfiltered"]))
    print("Count query of the changelist, regency 12.71:\n  " + _count_sql(captured["admin: regency 12.71"]))

    for f in figures:
        if f.median_ms > SLOW_MS and f.slowest_sql.lstrip().upper().startswith("SELECT"):
            print(f"\n{f.page}: median {f.median_ms} ms > {SLOW_MS} ms; slowest query:\n{f.slowest_sql}\n"
                  f"{_explain(f.slowest_sql)}")

    print(json.dumps({
        "benchmark": "list_pages",
        "enterprises": seeded.enterprises,
        "seed_seconds": round(seeded.seconds, 1) if seeded.seconds else None,
        "repeat": REPEAT,
        "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
        "pages": [{k: v for k, v in asdict(f).items() if k != "slowest_sql"} for f in figures],
    }, ensure_ascii=False))

    # --- correctness, never time ---------------------------------------------------------------------
    assert [f.page for f in figures if f.status != 200] == []
    unbounded = [(page, q["sql"]) for page, queries in captured.items() for q in queries
                 if _is_unbounded_enterprise_count(q["sql"])]
    assert unbounded == []
    assert not responses["admin: unfiltered"].context["cl"].paginator.count_is_exact  # the estimate, not a count
    nib_list = responses["admin: search exact NIB"].context["cl"].result_list
    assert [e.pk for e in nib_list] == [nib_id]
    assert list(responses[f"admin: search '{NO_MATCH}' (none)"].context["cl"].result_list) == []
    assert all(COMMON_PART in e.name.lower() for e in responses[f"admin: search '{COMMON_PART}'"].context["cl"]
               .result_list)
    assert len(responses["admin: page 200"].context["cl"].result_list) == 50
    assert all(row["regency"]["code"] == "12.71" and row["size_class"] == "kecil"
               for row in responses["api: regency 12.71 + kecil"].data["results"])
    assert responses["api: retrieve"].data["id"] == enterprise_id
