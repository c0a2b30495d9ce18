"""Recompute jobs that lose their worker, and edits that race a recompute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from registry import graduation, services
from registry.models import Enterprise, GraduationEvent, JobChunk, JobRun, YearlyReport
from tests.factories import make_enterprise

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1


def started_job(*, chunks_done: int) -> JobRun:
    """A provincial job some chunks into its run."""
    job = services.graduation_start(enqueue=False)
    regencies = services.graduation_run(job=job)
    for code in regencies[:chunks_done]:
        services.graduation_chunk(job_id=job.pk, regency=code)
    return job


def last_progress(job: JobRun, *, minutes_ago: int) -> None:
    then = timezone.now() - timedelta(minutes=minutes_ago)
    JobRun.objects.filter(pk=job.pk).update(started_at=then - timedelta(minutes=1))
    JobChunk.objects.filter(job_run=job).update(finished_at=then)


def test_a_run_whose_worker_died_is_marked_failed_by_the_next_run():
    dead = started_job(chunks_done=5)
    never_progressed = started_job(chunks_done=0)
    last_progress(dead, minutes_ago=31)
    last_progress(never_progressed, minutes_ago=45)

    new = services.graduation_start(enqueue=False)
    assert len(services.graduation_run(job=new)) == 33

    for job in (dead, never_progressed):
        job.refresh_from_db()
        assert job.status == "gagal"
        assert job.finished_at is not None
        assert job.error.startswith("Terhenti: tidak ada bagian yang selesai selama lebih dari 30 menit")
        assert job.error.endswith(f"digantikan oleh proses #{new.pk}.")
    assert JobRun.objects.get(pk=new.pk).status == "berjalan"


def test_a_run_still_making_progress_is_left_running_when_another_starts():
    busy = started_job(chunks_done=5)
    last_progress(busy, minutes_ago=2)  # overlapping runs take turns; a waiting run is not dead
    new = services.graduation_start(enqueue=False)
    services.graduation_run(job=new)
    busy.refresh_from_db()
    assert (busy.status, busy.error) == ("berjalan", "")


def test_a_finished_or_failed_run_keeps_its_outcome_when_another_starts():
    finished = started_job(chunks_done=33)
    last_progress(finished, minutes_ago=90)
    assert JobRun.objects.get(pk=finished.pk).status == "selesai"
    new = services.graduation_start(enqueue=False)
    services.graduation_run(job=new)
    finished.refresh_from_db()
    assert (finished.status, finished.error) == ("selesai", "")


def test_an_edit_loaded_before_a_recompute_does_not_put_the_old_class_back():
    enterprise = make_enterprise()
    YearlyReport.objects.create(enterprise=enterprise, year=LAST_YEAR - 1, omzet=1_000_000_000)
    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk])
    form_copy = Enterprise.objects.get(pk=enterprise.pk)  # staff open the edit form: class mikro
    YearlyReport.objects.create(enterprise=enterprise, year=LAST_YEAR, omzet=3_000_000_000)
    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk])  # the nightly run: mikro → kecil

    services.enterprise_update(enterprise=form_copy, name="Nama Baru")  # staff save the form

    enterprise.refresh_from_db()
    assert (enterprise.name, enterprise.size_class, enterprise.tier) == ("Nama Baru", "kecil", 5)
    result = graduation.recompute_enterprises(enterprise_ids=[enterprise.pk])
    assert (result.changed, result.history) == (0, 0)
    assert GraduationEvent.objects.filter(enterprise=enterprise).count() == 1


def test_a_provincial_run_hands_out_the_largest_regencies_first():
    make_enterprise("Kopi Medan 1", regency="12.71")
    make_enterprise("Kopi Medan 2", regency="12.71")
    make_enterprise("Ulos Samosir", regency="12.17", district=None)
    job = services.graduation_start(enqueue=False)

    regencies = services.graduation_run(job=job)

    assert regencies[:2] == ["12.71", "12.17"]
    assert len(regencies) == 33  # regencies without enterprises still get their (empty) chunk
