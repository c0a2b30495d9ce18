"""seed_demo at provincial scale: prints the figures, asserts only facts about the rows (no timed test).

    make bench        # or: pytest -m benchmark -s tests/benchmarks

The seeding itself is the session fixture `provincial_registry` (conftest.py), so that `make bench` seeds once
and the list page benchmark reads the same registry.
"""

import pytest
from django.db import connection

from registry.models import Enterprise, Owner, YearlyReport
from tests.benchmarks.conftest import PROVINCE_ENTERPRISES


@pytest.mark.benchmark
@pytest.mark.django_db
def test_seed_demo_loads_the_provincial_registry_and_prints_its_speed(provincial_registry):
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid), pg_relation_size(c.oid)
               FROM pg_class c WHERE c.relname = ANY(%s) ORDER BY c.relname""",
            [["registry_enterprise", "registry_owner", "registry_yearlyreport", "registry_permit"]],
        )
        tables = cursor.fetchall()
    if provincial_registry.seeded_here:
        elapsed = provincial_registry.seconds
        rate = PROVINCE_ENTERPRISES / elapsed
        print(f"\nseed_demo {PROVINCE_ENTERPRISES:,} UMKM: {elapsed:.1f} s wall, {rate:,.0f} UMKM/s")
    else:
        print(f"\nseed_demo not timed: the test database already held {provincial_registry.enterprises:,} UMKM")
    for name, rows, total, heap in tables:
        print(f"  {name:<24} {rows:>12,} rows  {total / 2**20:>8.0f} MB total ({heap / 2**20:.0f} MB heap)")

    assert Enterprise.objects.count() == PROVINCE_ENTERPRISES
    assert YearlyReport.objects.count() > 2 * PROVINCE_ENTERPRISES
    assert Owner.objects.count() > 0.95 * PROVINCE_ENTERPRISES
    assert not Enterprise.objects.filter(size_class=None).exists()
