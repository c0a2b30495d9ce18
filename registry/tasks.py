"""Celery tasks of the registry: thin wrappers that take ids and call a service. All safe to retry."""

from celery import group, shared_task
from django.utils.translation import gettext as _

from . import graduation, services
from .models import JobRun


# ignore_result: a save that enqueues it must never wait on the result store (Redis down = a stalled page).
@shared_task(acks_late=True, ignore_result=True)
def graduation_recompute_enterprises_task(enterprise_ids: list[int]) -> int:
    """Recompute a few enterprises after their figures or permits were saved."""
    return graduation.recompute_enterprises(enterprise_ids=enterprise_ids).changed


@shared_task(acks_late=True)
def graduation_run_task(job_id: int) -> int:
    """Fan a recompute job out into one chunk task per regency; a redelivered message finds it claimed."""
    job = JobRun.objects.get(pk=job_id)
    regencies = services.graduation_run(job=job)
    if regencies:
        group(graduation_chunk_task.si(job_id, code) for code in regencies).apply_async()
    return len(regencies)


@shared_task(acks_late=True, bind=True, max_retries=3, default_retry_delay=10)
def graduation_chunk_task(self, job_id: int, regency: str) -> None:
    try:
        services.graduation_chunk(job_id=job_id, regency=regency)
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            services.graduation_fail(job_id=job_id, error=_("Kabupaten/kota %(regency)s gagal dihitung: %(error)s") % {
                "regency": regency, "error": repr(exc)})
            raise
        raise self.retry(exc=exc) from exc


@shared_task(acks_late=True)
def graduation_nightly_task() -> int:
    """Celery beat, 01:00 Asia/Jakarta: recompute the whole province."""
    from django.db import transaction

    with transaction.atomic():
        job = services.graduation_start()
    return job.pk


@shared_task(acks_late=True)
def export_run_task(job_id: int) -> None:
    """Write an export's file; a redelivered message finds the job claimed (services.export_run)."""
    services.export_run(job_id=job_id)


@shared_task(acks_late=True)
def import_run_task(job_id: int) -> None:
    """Import a stored file; a redelivered message finds the job claimed (services.import_run)."""
    services.import_run(job_id=job_id)
