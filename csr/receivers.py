"""Follows the registry's graduation engine (registry.signals.classes_changed, sent after commit)."""

import logging

logger = logging.getLogger(__name__)


def classes_changed_received(sender, regency=None, enterprise_ids=None, job_run_id=None, **kwargs):
    """Enqueue the graduation check; the work happens in the task, never in the sender's request."""
    from .tasks import supports_graduate_task

    ids = list(enterprise_ids) if enterprise_ids is not None else None
    try:
        supports_graduate_task.delay(regency=regency, enterprise_ids=ids)
    except Exception:  # Redis down: the nightly provincial check (beat, csr-supports-graduate) catches up
        logger.warning("Antrean tidak tersedia; pemeriksaan kelulusan dukungan ditunda", exc_info=True)
