"""Celery tasks of the CSR app: thin, take ids, call a service. All safe to retry."""

from celery import shared_task

from . import notices, services


@shared_task(acks_late=True, ignore_result=True)
def supports_graduate_task(regency: str | None = None, enterprise_ids: list[int] | None = None) -> int:
    """After a graduation recompute: mark supports whose enterprise left its programme's segment.
    Only active supports are touched, so a redelivered message changes nothing."""
    return len(services.supports_graduate(regency=regency, enterprise_ids=enterprise_ids))


@shared_task(acks_late=True, bind=True, max_retries=5, default_retry_delay=60, ignore_result=True)
def graduation_notify_task(self, support_ids: list[int]) -> int:
    """Email each company's officers about its newly graduated beneficiaries (each support once)."""
    try:
        return notices.graduation_notify(support_ids=support_ids)
    except OSError as exc:  # mail server unreachable: try again later, nothing was marked as sent
        raise self.retry(exc=exc) from exc


@shared_task(acks_late=True, ignore_result=True)
def programmes_close_expired_task() -> int:
    """Daily (beat): close the programmes past their end date with their supports and ledger rows. Only
    programmes not yet finished are touched, so a rerun or redelivery changes nothing."""
    return len(services.programmes_close_expired().programmes)
