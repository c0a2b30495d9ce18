"""Celery tasks of the registry: thin wrappers that take ids and call a set-based function."""

from celery import shared_task

from .sizing import enterprises_classify


@shared_task(acks_late=True)
def enterprises_classify_task(enterprise_ids: list[int] | None = None) -> int:
    """Recompute size classes (all enterprises when no ids); idempotent, so safe to retry."""
    return enterprises_classify(enterprise_ids)
