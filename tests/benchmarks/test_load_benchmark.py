"""Load on the production server: 20 concurrent clients for a bounded time against the registry at provincial
scale (1,166,918 UMKM), through gunicorn on loopback with production settings (DEBUG off).

    make bench    # or: pytest -m benchmark -s -p no:cacheprovider tests/benchmarks/test_load_benchmark.py

Each client is a thread with its own keep-alive connection, signed in as STAFF (session cookie for the admin
and the enterprise page, a token for the API), going round the four endpoints: the admin's enterprise list,
a search by part of a name, an enterprise page, and the API list. Prints requests/s, p50, p95 and the error
count per endpoint and overall; the last line is the same as JSON. Goal on a 2-core machine: p95 < 200 ms
and zero errors. The test asserts zero errors; latency is reported against the goal, not asserted (the
figure depends on what else the machine runs).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import statistics
import threading
import time
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.e2e.server import gunicorn
from tests.factories import make_staff

pytestmark = pytest.mark.benchmark

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "30"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
GOAL_P95_MS = 200
SEARCH_TERMS = ["kopi", "gerabah", "tenun", "sambal", "bengkel", "warung"]


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    def add(self, other: Tally) -> None:
        self.latencies_ms += other.latencies_ms
        self.errors += other.errors
        self.first_error = self.first_error or other.first_error


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def figures(tally: Tally, seconds: float) -> dict:
    return {
        "requests": len(tally.latencies_ms),
        "rps": round(len(tally.latencies_ms) / seconds, 1),
        "p50_ms": round(percentile(tally.latencies_ms, 50), 1),
        "p95_ms": round(percentile(tally.latencies_ms, 95), 1),
        "mean_ms": round(statistics.fmean(tally.latencies_ms), 1) if tally.latencies_ms else 0.0,
        "errors": tally.errors,
    }


def endpoints(enterprise_ids: list[int]) -> dict:
    """Name → a function giving the next path (varied so that caches do not answer everything)."""
    return {
        "admin_list": lambda: "/admin/registry/enterprise/",
        "admin_search": lambda: f"/admin/registry/enterprise/?q={random.choice(SEARCH_TERMS)}",
        "enterprise_page": lambda: f"/registri/umkm/{random.choice(enterprise_ids)}/",
        "api_list": lambda: "/api/v1/enterprises/",
    }


EXPECTED_TEXT = {  # what a person (or program) must find in each answer: a 200 that says nothing is an error
    "admin_list": b'id="result_list"',
    "admin_search": b'id="result_list"',
    "enterprise_page": b'id="profil"',
    "api_list": b'"results":',
}


def client_loop(port: int, headers: dict, paths: dict, deadline: float, tallies: dict[str, Tally]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    names = list(paths)
    turn = random.randrange(len(names))
    while time.monotonic() < deadline:
        name = names[turn % len(names)]
        turn += 1
        tally = tallies[name]
        path = paths[name]()
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers[name])
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200 or EXPECTED_TEXT[name] not in body:
                tally.errors += 1
                tally.first_error = tally.first_error or f"{path}: HTTP {response.status} {body[:200]!r}"
            else:
                tally.latencies_ms.append(elapsed)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            tally.errors += 1
            tally.first_error = tally.first_error or f"{path}: {exc!r}"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()


@pytest.fixture(scope="module")
def load_run(provincial_registry, django_db_blocker, tmp_path_factory) -> tuple[dict, dict[str, Tally], Tally]:
    """The bounded run, outside any test transaction: the server must see the committed staff user and token."""
    tmp_path = tmp_path_factory.mktemp("load")
    assert provincial_registry.enterprises >= 1_166_918
    with django_db_blocker.unblock():
        staff = make_staff("petugas_beban")
        token = Token.objects.create(user=staff).key
        browser = Client()
        browser.force_login(staff)  # a committed session row: the server reads it like any other
        session = browser.cookies["sessionid"].value
        with connection.cursor() as cursor:  # a spread of real ids without scanning the table
            cursor.execute("SELECT id FROM registry_enterprise TABLESAMPLE SYSTEM (0.1) LIMIT 2000")
            enterprise_ids = [row[0] for row in cursor.fetchall()]
    assert enterprise_ids
    web = {"Cookie": f"sessionid={session}", "Accept-Language": "id"}
    api = {"Authorization": f"Token {token}", "Accept": "application/json"}
    paths = endpoints(enterprise_ids)
    headers = {name: api if name == "api_list" else web for name in paths}

    env = {
        "DJANGO_STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",  # no collectstatic
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain http on loopback; a proxy terminates TLS in production
    }
    try:
        with gunicorn(tmp_path / "gunicorn.log", settings_module="sumut_umkm.settings", workers=WORKERS,
                      threads=THREADS, env=env) as url:
            port = int(url.rsplit(":", 1)[1])
            # Warm-up: every worker loads its code and templates, and each endpoint answers correctly once.
            warm = {name: Tally() for name in paths}
            client_loop(port, headers, paths, time.monotonic() + 3, warm)
            assert not any(t.errors for t in warm.values()), {n: t.first_error for n, t in warm.items()}

            tallies = [{name: Tally() for name in paths} for _ in range(CLIENTS)]
            deadline = time.monotonic() + SECONDS
            started = time.monotonic()
            threads = [
                threading.Thread(target=client_loop, args=(port, headers, paths, deadline, tallies[i]))
                for i in range(CLIENTS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.monotonic() - started
    finally:
        with django_db_blocker.unblock():
            Token.objects.filter(user=staff).delete()
            staff.delete()

    per_endpoint = {name: Tally() for name in paths}
    overall = Tally()
    for client in tallies:
        for name, tally in client.items():
            per_endpoint[name].add(tally)
            overall.add(tally)
    result = {
        "benchmark": "load",
        "enterprises": provincial_registry.enterprises,
        "clients": CLIENTS,
        "seconds": round(seconds, 1),
        "gunicorn": f"{WORKERS} workers x {THREADS} threads",
        "endpoints": {name: figures(tally, seconds) for name, tally in per_endpoint.items()},
        "overall": figures(overall, seconds),
    }
    result["goal_met"] = result["overall"]["p95_ms"] < GOAL_P95_MS and overall.errors == 0
    print(f"\nLoad: {CLIENTS} clients, {seconds:.0f} s, {provincial_registry.enterprises:,} UMKM, gunicorn "
          f"{WORKERS}x{THREADS}")
    print(f"{'endpoint':<16} {'req':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'errors':>6}")
    for name, row in [*result["endpoints"].items(), ("overall", result["overall"])]:
        print(f"{name:<16} {row['requests']:>6} {row['rps']:>7} {row['p50_ms']:>8} {row['p95_ms']:>8} "
              f"{row['errors']:>6}")
    return result, per_endpoint, overall


# Marked django_db only so that pytest-django sets up the test database when this file runs alone.
@pytest.mark.django_db
def test_twenty_clients_on_the_provincial_registry_get_answers_without_errors(load_run):
    result, per_endpoint, overall = load_run
    print(json.dumps(result))
    assert overall.errors == 0, {name: tally.first_error for name, tally in per_endpoint.items() if tally.errors}
