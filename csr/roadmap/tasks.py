"""Celery task of the roadmap: recount its snapshot. Safe to repeat: it only overwrites the cached counts."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def roadmap_refresh_task() -> float:
    """Celery beat (nightly, after the graduation recompute) and the refresh button."""
    return services.snapshot_refresh()["seconds"]
