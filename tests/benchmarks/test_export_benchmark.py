"""Exporting the provincial registry (1,166,918 UMKM) to CSV and XLSX, against a plain COPY of the bare table.

    make bench        # or: pytest -m benchmark -s -p no:cacheprovider tests/benchmarks/test_export_benchmark.py

Runs on the shared, committed provincial registry (provincial_registry in conftest.py). Each export goes
through the project's own job path, services.export_run (claim, count, write under MEDIA_ROOT/jobs/,
progress written on its own connection), as the Celery task runs it, inside the test's transaction (the
jobs are rolled back; MEDIA_ROOT is a temporary folder and the files are deleted at the end). Beside
them, the physical limit: `COPY registry_enterprise TO STDOUT` of the bare table, with no joins, labels or
latest figures. Memory is this process's resident set, sampled every 50 ms during each export, as growth
over its size before the export.
The last line printed is JSON. Goal on a 2-core machine: CSV of every enterprise in at most 60 s (issue 6);
XLSX has no goal (the figure is reported).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from openpyxl import load_workbook

from registry import exports, services
from registry.models import Enterprise, JobRun, JobStatus

pytestmark = pytest.mark.benchmark

GOAL = {"csv_s": 60.0}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("VmRSS missing from /proc/self/status")


class PeakMemory:
    """The highest resident set of this process while the block runs, above what it was when it began."""

    def __init__(self):
        self.start = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _rss_mb())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())

    @property
    def growth_mb(self) -> float:
        return self.peak - self.start


def _export(fmt: str, media: Path) -> dict:
    job = services.export_start(filters={}, fmt=fmt, enqueue=False)
    with PeakMemory() as memory:
        started = time.perf_counter()
        services.export_run(job_id=job.pk)
        seconds = time.perf_counter() - started
    job.refresh_from_db()
    path = media / job.result_file.name if job.result_file else None
    figure = {
        "status": job.status, "error": job.error, "rows": job.done, "total": job.total, "seconds": round(seconds, 2),
        "rows_per_s": round(job.done / seconds) if seconds else None,
        "file_mb": round(path.stat().st_size / 2**20, 1) if path else None,
        "rss_growth_mb": round(memory.growth_mb, 1), "path": path,
    }
    if fmt == "xlsx" and path:
        figure["sheets"] = load_workbook(path, read_only=True).sheetnames
    if fmt == "csv" and path:
        with path.open("rb") as file:
            figure["header"] = file.readline().decode().strip()
            file.seek(-4096, os.SEEK_END)
            figure["last_line"] = file.read().decode().rstrip("\n").rsplit("\n", 1)[-1]
    return figure


def _plain_copy_s() -> tuple[float, int]:
    """The physical limit: the bare table out through COPY, read and thrown away."""
    started = time.perf_counter()
    size = 0
    with connection.cursor() as cursor, cursor.copy("COPY registry_enterprise TO STDOUT WITH (FORMAT csv)") as copy:
        for row in copy:
            size += len(row)
    return time.perf_counter() - started, size


@pytest.mark.django_db  # the jobs are rolled back with the test; the files go with tmp_path
def test_exporting_the_province_to_csv_and_xlsx_is_timed(provincial_registry, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    load_before = os.getloadavg()
    enterprises = Enterprise.objects.count()
    newest = Enterprise.objects.order_by("-id").values_list("id", flat=True).first()
    plain_s, plain_bytes = _plain_copy_s()
    try:
        csv_figure = _export("csv", tmp_path)
        xlsx_figure = _export("xlsx", tmp_path)
    finally:
        for job in JobRun.objects.filter(kind=services.EXPORT_KIND):
            job.result_file.delete(save=False)  # ~0.5 GB that need not outlive the run
    load_after = os.getloadavg()

    print(f"\nExport of {enterprises:,} UMKM (services.export_run, the worker's code path); load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (2 cores, shared machine)")
    print(f"plain COPY of the bare enterprise table: {plain_s:.1f} s, {plain_bytes / 2**20:.0f} MB")
    for fmt, f in (("CSV", csv_figure), ("XLSX", xlsx_figure)):
        print(f"{fmt:<5} {f['seconds']:>7.1f} s  {f['rows']:>9,} rows  {f['rows_per_s']:>8,} rows/s  "
              f"{f['file_mb']:>7.1f} MB  memory +{f['rss_growth_mb']:.0f} MB")
    print(f"CSV / plain COPY: {csv_figure['seconds'] / plain_s:.1f}×; XLSX sheets: {xlsx_figure.get('sheets')}")
    print(json.dumps({
        "benchmark": "export",
        "enterprises": enterprises,
        "plain_copy_s": round(plain_s, 2),
        "csv": {k: v for k, v in csv_figure.items() if k in ("seconds", "rows", "rows_per_s", "file_mb",
                                                              "rss_growth_mb")},
        "xlsx": {k: v for k, v in xlsx_figure.items() if k in ("seconds", "rows", "rows_per_s", "file_mb",
                                                                "rss_growth_mb", "sheets")},
        "csv_to_plain_copy": round(csv_figure["seconds"] / plain_s, 2),
        "load_average": [round(load_before[0], 2), round(load_after[0], 2)],
        "goal": GOAL,
    }, ensure_ascii=False))

    # --- correctness, never time ---------------------------------------------------------------------
    for figure in (csv_figure, xlsx_figure):
        assert (figure["status"], figure["error"]) == (JobStatus.DONE, "")
        assert figure["rows"] == figure["total"] == enterprises
    assert csv_figure["header"] == ",".join(exports.HEADERS)
    assert csv_figure["last_line"].startswith(f"{newest},")  # ordered by id, nothing cut off
    assert xlsx_figure["sheets"] == ["UMKM", "UMKM 2"]  # a sheet holds at most 1,048,576 rows
