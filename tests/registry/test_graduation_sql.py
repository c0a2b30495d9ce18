"""The engine's SQL shortcuts give exactly what the slower, canonical SQL gives."""

import pytest
from django.db import connection

from registry import graduation

pytestmark = pytest.mark.django_db

AMOUNTS = [
    0, 1, 999, 1_000, 1_001, 9_999, 950_000, 999_949, 999_950, 999_999, 1_000_000, 1_049_999, 1_050_000,
    1_949_999, 1_950_000, 750_000_000, 999_949_999, 999_950_000, 999_999_999, 1_000_000_000, 1_049_999_999,
    1_050_000_000, 2_000_000_000, 2_000_000_001, 2_400_000_000, 9_950_000_000, 15_000_000_000, 50_000_000_001,
    123_456_789_012, 999_999_999_999_999, -5_000, None,
]


def test_the_integer_rupiah_formatter_writes_what_registry_rp_short_writes():
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v, registry_rp_short(v), {graduation._rp_short('v')} FROM unnest(%s::bigint[]) v", [AMOUNTS]
        )
        rows = cursor.fetchall()
        cursor.execute(
            f"""SELECT count(*)
                FROM generate_series(1, 50000), LATERAL (SELECT (random() * 10 ^ (random() * 13))::bigint v) s
                WHERE registry_rp_short(v) IS DISTINCT FROM {graduation._rp_short('v')}"""
        )
        random_mismatches = cursor.fetchone()[0]
    assert [(amount, fast) for amount, _, fast in rows] == [(amount, canonical) for amount, canonical, _ in rows]
    assert dict((amount, fast) for amount, _, fast in rows)[2_400_000_000] == "Rp2,4 M"
    assert random_mismatches == 0
