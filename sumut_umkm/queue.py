"""Handing work to Celery without letting a broker outage fail (or stall) the user's request."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, outage_note: str = "ditunda", **kwargs) -> None:
    """Send `task` once the current transaction commits; if Redis is down, log it and carry on.

    The user's write is already committed, so the page still succeeds; work that must not be lost is swept up
    again by a periodic task (e.g. plut's pending notices), the rest catches up on its next scheduled run."""

    def send():
        try:
            task.delay(*args, **kwargs)
        except Exception:  # kombu and redis raise several types when the broker is unreachable
            logger.warning("Antrean tidak tersedia; %s%s: %s", task.name, args, outage_note, exc_info=True)

    transaction.on_commit(send)
