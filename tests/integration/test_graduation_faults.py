"""A provincial recompute survives a worker killed mid-run and two runs started at once (real workers, Redis).

Both scenarios seed 20,000 demo enterprises, then change last year's figures set-based so that thousands of
enterprises move class or status. What the runs must leave behind is known before they start: the
engine's decision for every enterprise (graduation.DECIDE_SQL, read-only). After the faults the registry
must hold exactly that, be a fixed point (one more recompute changes nothing), and have exactly one new
history row per enterprise whose class, tier or status moved.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from datetime import timedelta

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from registry import graduation, services
from registry.models import GraduationEvent, JobChunk, JobRun, Region
from tests.celery_worker import database_url, kill_worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LAST_YEAR = timezone.localdate().year - 1
STATE_COLUMNS = "size_class, tier, class_status, formal_step, criteria_disagree, class_reason, class_rule_set_id"
REGENCIES = 33


def wait_for(predicate, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def seed_and_shift() -> None:
    """20,000 classified enterprises, then new figures for most of them (one statement, as an import would)."""
    call_command("seed_demo", enterprises=20_000, seed=7, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE registry_yearlyreport SET omzet = CASE enterprise_id %% 4
                   WHEN 0 THEN omzet * 12   -- a tenfold swing: perlu verifikasi, often a jump of classes
                   WHEN 1 THEN omzet * 3    -- grows across a limit or stays, now unconfirmed
                   WHEN 2 THEN omzet / 3    -- shrinks: demotions
                   ELSE omzet END
               WHERE year = %s AND omzet IS NOT NULL""",
            [LAST_YEAR],
        )


def stored_state() -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {STATE_COLUMNS} FROM registry_enterprise")
        return {row[0]: row[1:] for row in cursor.fetchall()}


def decided_state() -> dict[int, tuple]:
    """What any complete run must store, computed without writing (the engine's own decision)."""
    rule_set = graduation.active_rule_set_id()
    sql = (
        f"WITH {graduation.DECIDE_SQL} SELECT id, new_class, new_tier, new_status, formal_step, criteria_disagree,"
        " reason, %(rule_set)s::bigint FROM described"
    ).format(scope="TRUE")
    with connection.cursor() as cursor:
        cursor.execute(sql, graduation._params(rule_set))
        return {row[0]: row[1:] for row in cursor.fetchall()}


def moved(before: dict[int, tuple], after: dict[int, tuple]) -> set[int]:
    """Enterprises whose class, tier or status differ: each must have exactly one new history row."""
    return {pk for pk, row in after.items() if before[pk][:3] != row[:3]}


def assert_consistent(before: dict[int, tuple], expected: dict[int, tuple], first_new_event: int) -> list[dict]:
    final = stored_state()
    assert final == expected, f"{sum(final[pk] != expected[pk] for pk in final)} enterprises differ from the decision"
    result = graduation.recompute_all()
    assert (result.changed, result.history) == (0, 0), "a further recompute still changes rows: not a fixed point"

    events = list(
        GraduationEvent.objects.filter(id__gte=first_new_event).values(
            "enterprise_id", "from_class", "to_class", "from_tier", "to_tier", "status", "job_run_id"
        )
    )
    per_enterprise = Counter(event["enterprise_id"] for event in events)
    duplicates = {pk: n for pk, n in per_enterprise.items() if n > 1}
    assert not duplicates, f"{len(duplicates)} enterprises have more than one new history row"
    should_move = {pk for pk in moved(before, final) if before[pk][0] is not None}
    assert len(should_move) > 2000  # the scenario really moves many enterprises
    assert set(per_enterprise) == should_move
    for event in events:
        old, new = before[event["enterprise_id"]], final[event["enterprise_id"]]
        assert (event["from_class"], event["from_tier"]) == old[:2]
        assert (event["to_class"], event["to_tier"], event["status"]) == new[:3]
    return events


def pg(query: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def waiting_backends(lock: str = "") -> list[tuple[int, str]]:
    """Other sessions of the test database waiting for a lock (of the kind `lock`, e.g. advisory, if given)."""
    return pg(
        "SELECT pid, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND wait_event_type = 'Lock' AND (%s = '' OR wait_event = %s)",
        [lock, lock],
    )


def test_a_worker_killed_mid_run_then_a_new_run_leaves_the_state_of_an_uninterrupted_run(celery_workers):
    seed_and_shift()
    before, expected = stored_state(), decided_state()
    first_new_event = (GraduationEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    # The order a provincial run hands out its chunks: largest regency first, ties in code order.
    sizes = dict(pg("SELECT regency_id, count(*) FROM registry_enterprise GROUP BY 1"))
    regencies = sorted(Region.objects.regencies().values_list("code", flat=True), key=lambda c: -sizes.get(c, 0))
    doomed = celery_workers()

    killed = services.graduation_start()
    wait_for(lambda: JobChunk.objects.filter(job_run=killed).count() >= 3, what="the first chunks")
    # Hold the run's JobRun row: the worker's next chunk writes its enterprises, history and JobChunk row,
    # then waits for that row to add its counts, before it commits. Kill it there, mid-chunk, writes pending.
    with psycopg.connect(database_url()) as blocker:
        blocker.execute("SELECT id FROM registry_jobrun WHERE id = %s FOR UPDATE", [killed.pk])
        stuck = wait_for(waiting_backends, timeout=30, what="the worker to wait on the run's row")
        chunks_before_kill = JobChunk.objects.filter(job_run=killed).count()
        assert 3 <= chunks_before_kill < REGENCIES
        kill_worker(doomed)
        blocker.rollback()
    stuck_pid = stuck[0][0]
    wait_for(lambda: not pg("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [stuck_pid]), what="the dead session")
    interrupted = regencies[chunks_before_kill]  # solo pool: chunks run in the order handed out
    # Nothing of the interrupted chunk was committed.
    assert not GraduationEvent.objects.filter(job_run=killed, enterprise__regency_id=interrupted).exists()
    in_interrupted = {pk for pk, in pg("SELECT id FROM registry_enterprise WHERE regency_id = %s", [interrupted])}
    now = stored_state()
    assert all(now[pk] == before[pk] for pk in in_interrupted)

    celery_workers()
    rerun = services.graduation_start()
    wait_for(lambda: JobRun.objects.get(pk=rerun.pk).status == "selesai", what="the new run")

    events = assert_consistent(before, expected, first_new_event)
    assert {event["job_run_id"] for event in events} == {killed.pk, rerun.pk}
    assert any(event["job_run_id"] == rerun.pk for event in events if event["enterprise_id"] in in_interrupted)
    # The killed run lost one chunk with its worker (the message waits unacknowledged in Redis); the new
    # worker finished the others, so the run still shows "berjalan" at 32 of 33 …
    killed.refresh_from_db()
    assert (killed.status, killed.chunks_done) == ("berjalan", REGENCIES - 1)
    assert not JobChunk.objects.filter(job_run=killed, key=interrupted).exists()
    # … until a later run finds it without progress for longer than STALE_AFTER and marks it failed.
    long_ago = timezone.now() - services.STALE_AFTER - timedelta(minutes=1)
    JobRun.objects.filter(pk=killed.pk).update(started_at=long_ago)
    JobChunk.objects.filter(job_run=killed).update(finished_at=long_ago)
    later = services.graduation_start()
    wait_for(lambda: JobRun.objects.get(pk=later.pk).status == "selesai", what="the later run")
    killed.refresh_from_db()
    assert killed.status == "gagal"
    assert f"digantikan oleh proses #{later.pk}" in killed.error
    assert JobRun.objects.get(pk=later.pk).changed == 0


def test_two_runs_started_together_take_turns_per_regency_and_write_each_change_once(celery_workers):
    seed_and_shift()
    before, expected = stored_state(), decided_state()
    first_new_event = (GraduationEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    celery_workers(concurrency=2)

    # Hold Kota Medan's recompute lock so that both runs' Medan chunks are certain to meet there.
    with psycopg.connect(database_url(), autocommit=True) as blocker:
        blocker.execute("SELECT pg_advisory_lock(hashtext('registry.graduation'), hashtext('12.71'))")
        first, second = services.graduation_start(), services.graduation_start()
        wait_for(lambda: len(waiting_backends("advisory")) == 2, what="both runs to wait for Medan")
        blocker.execute("SELECT pg_advisory_unlock(hashtext('registry.graduation'), hashtext('12.71'))")
        wait_for(
            lambda: set(JobRun.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True))
            == {"selesai"},
            what="both runs",
        )

    events = assert_consistent(before, expected, first_new_event)
    runs = {job.pk: job for job in JobRun.objects.filter(pk__in=[first.pk, second.pk])}
    assert all((job.chunks_done, job.done) == (REGENCIES, 20_000) for job in runs.values())
    # Every changed enterprise was written by exactly one of the two runs.
    rewritten = sum(1 for pk, row in expected.items() if before[pk] != row)
    assert sum(job.changed for job in runs.values()) == rewritten
    assert {event["job_run_id"] for event in events} <= set(runs)
    medan = sorted(JobChunk.objects.filter(job_run__in=runs, key="12.71").values_list("changed", flat=True))
    assert medan[0] == 0 and medan[1] > 0  # the run that waited found Medan already done
