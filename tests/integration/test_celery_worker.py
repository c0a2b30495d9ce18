import time

import pytest
from django.utils import timezone

from registry import services
from registry.models import Enterprise, GraduationEvent, JobRun, YearlyReport
from registry.tasks import graduation_recompute_enterprises_task
from tests.factories import make_enterprise

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LAST_YEAR = timezone.localdate().year - 1


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_real_worker_recomputes_an_enterprise_through_redis(celery_worker_process):
    enterprise = make_enterprise("Konveksi Tebing")
    # Written without the service, so only the worker's run can set the class.
    YearlyReport.objects.create(enterprise=enterprise, year=LAST_YEAR, omzet=16_000_000_000)
    assert Enterprise.objects.get(pk=enterprise.pk).size_class is None

    changed = graduation_recompute_enterprises_task.apply_async([[enterprise.pk]], ignore_result=False).get(timeout=30)

    assert changed == 1
    assert Enterprise.objects.get(pk=enterprise.pk).size_class == "menengah"
    # Running it again changes nothing: the task is safe to retry.
    again = graduation_recompute_enterprises_task.apply_async([[enterprise.pk]], ignore_result=False)
    assert again.get(timeout=30) == 0


def test_saving_yearly_figures_has_the_worker_recompute_that_enterprise_within_seconds(celery_worker_process):
    enterprise = make_enterprise("Bika Ambon Zulaikha")
    services.yearly_report_save(enterprise=enterprise, year=LAST_YEAR, omzet=2_500_000_000)
    assert wait_for(lambda: Enterprise.objects.get(pk=enterprise.pk).size_class == "kecil", timeout=15)


def test_a_provincial_job_runs_end_to_end_and_reaches_100_percent(celery_worker_process):
    medan = make_enterprise(regency="12.71", district="12.71.01")
    YearlyReport.objects.create(enterprise=medan, year=LAST_YEAR - 1, omzet=1_000_000_000)
    services.graduation_start()
    assert wait_for(lambda: JobRun.objects.latest("id").status == "selesai")
    YearlyReport.objects.create(enterprise=medan, year=LAST_YEAR, omzet=3_000_000_000)

    job = services.graduation_start()

    assert wait_for(lambda: JobRun.objects.get(pk=job.pk).status == "selesai")
    job.refresh_from_db()
    assert (job.chunks_done, job.chunks_total, job.percent) == (33, 33, 100)
    assert (job.total, job.done, job.changed) == (1, 1, 1)
    event = GraduationEvent.objects.get(enterprise=medan)
    assert (event.direction, event.job_run_id) == ("naik", job.pk)
