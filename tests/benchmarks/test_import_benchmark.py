"""Importing the province (1,166,918 rows) into an empty registry, timed against a plain COPY of the same file.

    make bench        # or: pytest -m benchmark -s -p no:cacheprovider tests/benchmarks/test_import_benchmark.py

The file is generated deterministically (tests/importing/generated.py: realistic names, valid NIKs, mixed
amount and region spellings, 0.5 % faulty rows). The import runs as staff would run it, in a subprocess:
`manage.py import_enterprises FILE -v 2` (its output, with the time per step and the CPU time of the parsing
processes and of PostgreSQL, is printed). Graduation is skipped there (`--graduation skip`): the worker
recomputes the classes after an import, and the graduation benchmark times that.

- import_s: the subprocess, start to finish (Python start-up included);
- copy_s: the physical limit, the same CSV COPYed by PostgreSQL into a bare table with one text column per
  file column (no parsing, no checks, no indexes);
- peak memory: the import process and its largest parsing process (each process's own peak RSS, as the
  command reports it from getrusage; RUSAGE_CHILDREN here gives the largest of them as a cross-check).

Registry state: the import needs an EMPTY registry, so this benchmark empties the registry tables before it
(the reference data stays) and again after it. It takes no `provincial_registry`, so conftest.py orders it
before the benchmarks that do; their fixture sees fewer than 1,166,918 enterprises and seeds the province
again with --reset. The last line printed is JSON. Goal on a 2-core machine: import ≤ 90 s, peak < 500 MB.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pghistory.models
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

from registry.models import Enterprise, Owner, Permit, YearlyReport
from tests.benchmarks.conftest import PROVINCE_ENTERPRISES
from tests.importing.generated import HEADER, GeneratedFile, write_import_csv

pytestmark = pytest.mark.benchmark

GOAL = {"import_s": 90.0, "peak_rss_mb": 500}
BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _empty_registry() -> None:
    """TRUNCATE the registry's own tables and their audit events (what refers to them goes too: CASCADE)."""
    name = connection.settings_dict["NAME"]
    assert name.startswith("test_"), f"the import benchmark refuses to empty the non-test database {name!r}"
    tracked = (Owner, Enterprise, YearlyReport, Permit)
    tables = [model._meta.db_table for model in tracked]
    tables += [
        model._meta.db_table for model in apps.get_app_config("registry").get_models()
        if issubclass(model, pghistory.models.Event) and model.pgh_tracked_model in tracked
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def _plain_copy(path: Path) -> float:
    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_plain")
        cursor.execute(f"CREATE TABLE bench_import_plain ({columns})")
        started = time.perf_counter()
        with open(path, "rb") as handle, cursor.copy(
            "COPY bench_import_plain FROM STDIN WITH (FORMAT csv, HEADER true)"
        ) as copy:
            while block := handle.read(1 << 20):
                copy.write(block)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_import_plain")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_import_plain")
    assert rows == PROVINCE_ENTERPRISES
    return seconds


def _summary_number(output: str, label: str) -> int:
    match = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)\s*$", output, re.MULTILINE)
    assert match, f"{label!r} missing from the command's summary:\n{output}"
    return int(match[1].replace(".", ""))


def _command_peaks(output: str) -> tuple[float, float]:
    match = re.search(r"Memori puncak: proses ini ([\d.]+) MB, proses pengurai terbesar ([\d.]+) MB", output)
    assert match, output
    return float(match[1].replace(".", "")), float(match[2].replace(".", ""))


@dataclass(frozen=True)
class ImportRun:
    generated: GeneratedFile
    output: str
    returncode: int
    import_s: float
    copy_s: float
    children_peak_mb: float
    enterprises: int
    with_reports: int


@pytest.fixture(scope="module")
def imported_province(django_db_setup, django_db_blocker, tmp_path_factory) -> ImportRun:
    """The import, committed outside any test transaction (the subprocess sees only committed rows), between two
    emptyings of the registry."""
    from tests.celery_worker import database_url

    folder = tmp_path_factory.mktemp("import_benchmark")
    generated = write_import_csv(folder / "umkm_sumut.csv", PROVINCE_ENTERPRISES)
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SECRET_KEY": settings.SECRET_KEY,
           "DJANGO_PII_KEY": settings.PII_KEY}
    with django_db_blocker.unblock():
        assert not connection.in_atomic_block, "the subprocess must see what this process commits"
        _empty_registry()
        try:
            started = time.perf_counter()
            command = subprocess.run(
                [sys.executable, "manage.py", "import_enterprises", str(generated.path), "--graduation", "skip",
                 "--report", str(folder / "ditolak.csv"), "-v", "2"],
                cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=1800,
            )
            import_s = time.perf_counter() - started
            children_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            enterprises = Enterprise.objects.count()
            with_reports = YearlyReport.objects.values("enterprise").distinct().count()
            copy_s = _plain_copy(generated.path)
        finally:
            _empty_registry()
    return ImportRun(generated, command.stdout + command.stderr, command.returncode, import_s, copy_s,
                     children_peak_mb, enterprises, with_reports)


@pytest.mark.django_db  # so that the test database is set up; the import itself runs in the fixture
def test_importing_the_province_into_an_empty_registry_against_one_plain_copy(imported_province):
    run = imported_province
    print(f"\n{run.output}")
    assert run.returncode == 0
    added = _summary_number(run.output, "Ditambahkan")
    rejected = _summary_number(run.output, "Ditolak (baris)")
    own_mb, parser_mb = _command_peaks(run.output)
    assert added + rejected == PROVINCE_ENTERPRISES
    assert added == run.enterprises == run.with_reports
    # Every faulty row is refused; a few more are in-file duplicates (the same name drawn twice for one owner).
    faulty = sum(run.generated.bad.values())
    assert faulty <= rejected < faulty + 100

    print(f"import_enterprises, {PROVINCE_ENTERPRISES:,} rows into an empty registry: {run.import_s:.1f} s "
          f"({added:,} added, {rejected:,} rejected); plain COPY of the same file into a bare table: "
          f"{run.copy_s:.1f} s; ratio {run.import_s / run.copy_s:.1f}; peak RSS: import process {own_mb:.0f} MB, "
          f"largest parsing process {parser_mb:.0f} MB (RUSAGE_CHILDREN {run.children_peak_mb:.0f} MB)")
    print(json.dumps({
        "rows": PROVINCE_ENTERPRISES,
        "import_s": round(run.import_s, 1),
        "copy_s": round(run.copy_s, 2),
        "ratio": round(run.import_s / run.copy_s, 1),
        "import_process_peak_rss_mb": own_mb,
        "parser_process_peak_rss_mb": parser_mb,
        "goal": GOAL,
    }))
