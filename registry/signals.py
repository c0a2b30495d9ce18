"""Signals other apps listen to; registry never imports them (dependencies run one way, DESIGN.md)."""

from django.dispatch import Signal

# Sent after the commit of a graduation recompute that changed at least one enterprise's class or tier.
# Arguments: `regency` (a Kemendagri code, or None for the whole province) or `enterprise_ids` (a list),
# and `job_run_id` (None outside a job). Receivers should enqueue work, not do it inline.
classes_changed = Signal()
