"""Celery tasks of the service desk: e-mail after each change, and the overdue escalation (beat, daily).

Thin: they take ids, re-read the rows and call notices.py / services.py. A notice's row carries a
notice_pending flag the task claims before sending, so a swept-up duplicate sends nothing; the escalation
claims its rows first too, so a rerun sends nothing twice."""

from __future__ import annotations

from celery import shared_task

from . import notices, services


# ignore_result: nothing reads a notice's result, and without one .delay() never waits on the result store.
@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def notify_request_event_task(event_id: int) -> int:
    return notices.request_event_notice_once(event_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def notify_claim_task(claim_id: int) -> int:
    return notices.claim_notice_once(claim_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5, ignore_result=True)
def notify_promoted_task(registration_ids: list[int]) -> int:
    return notices.promoted_notice_once(registration_ids)


def _sweep_request_events() -> int:
    ids = services.request_events_with_pending_notice()
    for event_id in ids:
        notify_request_event_task.delay(event_id)
    return len(ids)


def _sweep_claims() -> int:
    ids = services.claims_with_pending_notice()
    for claim_id in ids:
        notify_claim_task.delay(claim_id)
    return len(ids)


def _sweep_promotions() -> int:
    ids = services.registrations_with_pending_notice()
    if ids:
        notify_promoted_task.delay(ids)  # one task: each registration's flag is claimed on its own there
    return len(ids)


@shared_task(ignore_result=True)
def notify_pending_task() -> int:
    """Beat, every minute: queue the notices a broker outage kept from being queued when they were due
    (request events, claim decisions, waiting-list promotions)."""
    return _sweep_request_events() + _sweep_claims() + _sweep_promotions()


@shared_task
def escalate_overdue_task() -> int:
    """Daily: e-mail each centre's head the requests that became overdue since the last run."""
    by_centre = services.overdue_escalate()
    for centre_id, ids in by_centre.items():
        notices.escalation_notice(centre_id, ids)
    return sum(len(ids) for ids in by_centre.values())
