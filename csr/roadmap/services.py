"""The roadmap's snapshot: what is too slow to count on every page view at provincial scale.

Counting 1.2 million enterprises per regency and size class, and the graduation history per month, takes
longer than a page may (500 ms). Both are counted by `snapshot_refresh` (a Celery task nightly and on
staff's request) and kept in the Django cache (Redis) with the time they were counted, which the pages show.
The province matrix as it first opens (supports running today, no filter) is kept too; a filtered view
aggregates the ledger live, in time proportional to the rows it selects, so it shows a support recorded a
minute ago at once. No table of our own: a lost cache entry is simply counted again on the next view.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from . import queries

CHART_MONTHS = 24
_KEY = "roadmap:snapshot:v2:{database}"


def _key() -> str:
    # One Redis may serve several databases (test databases, staging): never read another one's counts.
    return _KEY.format(database=connection.settings_dict["NAME"])


def _months_back(today, months: int) -> list[str]:
    """["2024-12", …, "2026-11"]: the `months` months up to this one."""
    index = today.year * 12 + today.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - months + 1, index + 1)]


def snapshot_compute() -> dict:
    started = time.monotonic()
    now = timezone.now()
    months = _months_back(timezone.localdate(now), CHART_MONTHS)
    year, month = map(int, months[0].split("-"))
    since = timezone.make_aware(datetime(year, month, 1))  # in Asia/Jakarta, the current time zone
    found = queries.graduation_months(since)
    default_cells = queries.ledger_cells(queries.Filters())
    return {
        "refreshed_at": now.isoformat(),
        "enterprises": queries.enterprise_counts(),
        # The province matrix as staff first open it (supports running today): at provincial scale the ledger
        # aggregate reads ~45,000 enterprises by id, 1–3 s on our 2-core machine, above the page's 500 ms.
        "default_cells": [[regency, kind, asdict(cell)] for (regency, kind), cell in default_cells.items()],
        "months": [[m, *found.get(m, (0, 0))] for m in months],
        "seconds": round(time.monotonic() - started, 3),
    }


def regional_compute(regency: str) -> dict:
    """What the snapshot holds, for one regency, counted now: a regency office's staff never see the province's
    counts, and their regency's enterprises are few enough to count on each view."""
    started = time.monotonic()
    now = timezone.now()
    months = _months_back(timezone.localdate(now), CHART_MONTHS)
    year, month = map(int, months[0].split("-"))
    found = queries.graduation_months(timezone.make_aware(datetime(year, month, 1)), regency=regency)
    return {
        "refreshed_at": now.isoformat(),
        "enterprises": queries.enterprise_counts(regency),
        "months": [[m, *found.get(m, (0, 0))] for m in months],
        "seconds": round(time.monotonic() - started, 3),
        "regency": regency,
    }


def snapshot_refresh() -> dict:
    """Count again and keep the result until the next refresh (no expiry: it says when it was counted)."""
    snapshot = snapshot_compute()
    cache.set(_key(), snapshot, timeout=None)
    return snapshot


def snapshot_get() -> dict:
    """The kept snapshot; counted now when there is none yet (first view, or Redis was emptied)."""
    snapshot = cache.get(_key())
    return snapshot if snapshot is not None else snapshot_refresh()


def snapshot_cells(snapshot: dict) -> dict[tuple[str, str], queries.Cell]:
    return {(regency, kind): queries.Cell(**cell) for regency, kind, cell in snapshot["default_cells"]}


def snapshot_forget() -> None:
    cache.delete(_key())


def refreshed_at(snapshot: dict) -> datetime:
    return datetime.fromisoformat(snapshot["refreshed_at"])
