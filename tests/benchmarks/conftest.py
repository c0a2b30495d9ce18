import io
import sys
import time
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import connection

PROVINCE_ENTERPRISES = 1_166_918  # DESIGN.md: business actors in North Sumatra
DEMO_SEED = 2026


def pytest_collection_modifyitems(config, items):
    """Benchmarks run only when asked for with `-m benchmark` (`make bench`), never in the normal suite."""
    if "benchmark" in (config.getoption("markexpr") or ""):
        # Benchmarks on the shared, committed registry go last: one that seeds inside its own (rolled back)
        # test transaction needs an empty registry, and seed_demo refuses a registry that has enterprises.
        # Among them the seed benchmark first, so that its figure opens the report.
        items.sort(key=lambda item: (
            "provincial_registry" in getattr(item, "fixturenames", ()), "test_seed_benchmark" not in item.nodeid
        ))
        return
    skip = pytest.mark.skip(reason="benchmark: jalankan dengan `make bench` (pytest -m benchmark)")
    for item in items:
        if item.get_closest_marker("benchmark"):
            item.add_marker(skip)


@dataclass(frozen=True)
class SeededRegistry:
    enterprises: int
    seeded_here: bool  # False when the test database already held the registry (e.g. pytest --reuse-db)
    seconds: float | None
    output: str


class _Tee(io.StringIO):
    """Keeps seed_demo's output and still shows its progress on the terminal (with `-s`)."""

    def write(self, text):
        sys.stdout.write(text)
        return super().write(text)


@pytest.fixture(scope="session")
def provincial_registry(django_db_setup, django_db_blocker) -> SeededRegistry:
    """The test database with the provincial registry (seed_demo, 1,166,918 UMKM), seeded once per session.

    Committed, unlike data made inside a test: every benchmark of the session reads the same rows, and the
    test database is dropped at the end of the session as usual. Seeds with --reset when the database holds
    fewer enterprises, which also drops dead rows an earlier rolled-back seed left in the heap.
    """
    from registry.models import Enterprise

    with django_db_blocker.unblock():
        assert not connection.in_atomic_block, "provincial_registry must be set up outside a test transaction"
        # seed_demo --reset empties the registry: never let it touch anything but a test database.
        name = connection.settings_dict["NAME"]
        assert name.startswith("test_"), f"provincial_registry refuses to reset the non-test database {name!r}"
        present = Enterprise.objects.count()
        if present >= PROVINCE_ENTERPRISES:
            return SeededRegistry(present, seeded_here=False, seconds=None, output="")
        out = _Tee()
        started = time.monotonic()
        call_command("seed_demo", enterprises=PROVINCE_ENTERPRISES, seed=DEMO_SEED, reset=True, stdout=out)
        seconds = time.monotonic() - started
        return SeededRegistry(Enterprise.objects.count(), seeded_here=True, seconds=seconds, output=out.getvalue())
