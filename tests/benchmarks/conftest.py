import pytest


def pytest_collection_modifyitems(config, items):
    """Benchmarks run only when asked for with `-m benchmark` (`make bench`), never in the normal suite."""
    if "benchmark" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="benchmark: jalankan dengan `make bench` (pytest -m benchmark)")
    for item in items:
        if item.get_closest_marker("benchmark"):
            item.add_marker(skip)
