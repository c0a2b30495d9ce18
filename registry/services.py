"""Writes to the registry. Views, admin actions, API and commands call these; each is one transaction."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from . import graduation, identity
from .models import (
    COMPUTED_ENTERPRISE_FIELDS,
    Enterprise,
    JobChunk,
    JobRun,
    JobStatus,
    Owner,
    Region,
    RuleSet,
    YearlyReport,
)

logger = logging.getLogger(__name__)

OWNER_FIELDS = ("name", "sex", "phone", "email")


@transaction.atomic
def owner_upsert(*, name: str, nik: str | None = None, sex: str = "", phone: str = "", email: str = "") -> Owner:
    """Find the owner by NIK (keyed hash) or create one; contact details given here win."""
    owner = None
    if nik:
        try:
            digits = identity.validate_nik(nik)
        except ValidationError as exc:
            raise ValidationError({"nik": exc.messages}) from exc
        owner = Owner.objects.select_for_update().filter(nik_hash=identity.nik_hash(digits)).first()
    if owner is None:
        owner = Owner()
        owner.set_nik(nik)
    owner.name = name or owner.name
    for field, value in (("sex", sex), ("phone", phone), ("email", email)):
        if value:
            setattr(owner, field, value)
    owner.full_clean()
    owner.save()
    return owner


# An update writes what people edit, never the engine's columns: a form loaded before a recompute must not
# put the old class back (the next run would then record the same move a second time).
EDITABLE_ENTERPRISE_FIELDS = [
    field.name for field in Enterprise._meta.concrete_fields
    if not field.primary_key and not field.generated and field.name not in COMPUTED_ENTERPRISE_FIELDS
]


def _save_enterprise(enterprise: Enterprise) -> Enterprise:
    enterprise.full_clean()
    try:
        with transaction.atomic():
            if enterprise._state.adding:
                enterprise.save()
            else:
                enterprise.save(update_fields=EDITABLE_ENTERPRISE_FIELDS)
    except IntegrityError as exc:
        # A concurrent writer took the same NIB between full_clean() and save().
        if "registry_enterprise_nib_unique" in str(exc):
            raise ValidationError({"nib": [_("NIB ini sudah dipakai oleh UMKM lain.")]}) from exc
        raise
    return enterprise


@transaction.atomic
def enterprise_register(*, owner: Owner | None = None, **fields) -> Enterprise:
    """Add an enterprise to the registry."""
    return _save_enterprise(Enterprise(owner=owner, **fields))


@transaction.atomic
def enterprise_update(*, enterprise: Enterprise, **fields) -> Enterprise:
    for name, value in fields.items():
        setattr(enterprise, name, value)
    return _save_enterprise(enterprise)


@transaction.atomic
def yearly_report_save(
    *,
    enterprise: Enterprise,
    year: int,
    omzet: int | None,
    capital: int | None = None,
    employees: int | None = None,
    source: str = "petugas",
    verified_by=None,
) -> YearlyReport:
    """Add or replace one year's figures; the enterprise's class is recomputed after commit."""
    report = YearlyReport.objects.filter(enterprise=enterprise, year=year).first() or YearlyReport(
        enterprise=enterprise, year=year
    )
    report.omzet, report.capital, report.employees, report.source = omzet, capital, employees, source
    if verified_by is not None:
        report.verified_by, report.verified_at = verified_by, timezone.now()
    report.full_clean(validate_unique=report.pk is None)
    report.save()
    graduation_enqueue([enterprise.pk])
    return report


# --- Naik kelas ------------------------------------------------------------------------------------


def graduation_enqueue(enterprise_ids) -> None:
    """Recompute these enterprises in the worker once the current transaction commits.

    A broker outage must not undo or fail the user's save: the nightly run catches the enterprise up.
    """
    ids = sorted({int(pk) for pk in enterprise_ids if pk})
    if not ids:
        return

    def send():
        from .tasks import graduation_recompute_enterprises_task

        try:
            graduation_recompute_enterprises_task.delay(ids)
        except Exception:  # kombu raises several types when Redis is down
            logger.warning("Antrean tidak tersedia; UMKM %s dihitung ulang pada proses malam", ids, exc_info=True)

    transaction.on_commit(send)


RULE_SET_FIELDS = (
    "omzet_micro_max", "omzet_small_max", "omzet_medium_max",
    "capital_micro_max", "capital_small_max", "capital_medium_max",
)


@transaction.atomic
def rule_set_create(*, name: str, legal_source: str, criterion: str, **limits: int) -> RuleSet:
    """A new, inactive rule-set version; preview it before activating it."""
    version = (RuleSet.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
    rule_set = RuleSet(version=version, name=name, legal_source=legal_source, criterion=criterion, **limits)
    rule_set.full_clean()
    rule_set.save()
    return rule_set


@transaction.atomic
def rule_set_activate(*, rule_set: RuleSet, user=None) -> JobRun:
    """Make this version the active one and recompute the province under it (history stays as it was)."""
    RuleSet.objects.filter(is_active=True).exclude(pk=rule_set.pk).update(is_active=False)
    rule_set.is_active, rule_set.activated_at = True, timezone.now()
    rule_set.save(update_fields=["is_active", "activated_at"])
    return graduation_start(user=user)


@transaction.atomic
def graduation_start(*, regency: str = "", user=None, enqueue: bool = True) -> JobRun:
    """Record a recompute job and hand it to the worker after commit.

    enqueue=False: the caller runs the job itself through graduation_run and graduation_chunk, the code
    path the worker uses (`recompute_graduation --sync`).
    """
    if regency and not Region.objects.regencies().filter(pk=regency).exists():
        raise ValidationError({"regency": [_("Kabupaten/kota %(code)s tidak dikenal.") % {"code": regency}]})
    job = JobRun.objects.create(
        kind="graduation", scope=regency, rule_set_id=graduation.active_rule_set_id(), started_by=user
    )

    def send():
        from .tasks import graduation_run_task

        try:
            graduation_run_task.delay(job.pk)
        except Exception as exc:  # Redis down: say so on the job instead of failing the request
            logger.warning("Antrean tidak tersedia; proses %s tidak dapat dimulai", job.pk, exc_info=True)
            graduation_fail(job_id=job.pk, error=_("Antrean tugas (Redis) tidak tersedia: %(error)s") % {"error": exc})

    if enqueue:
        transaction.on_commit(send)
    return job


# A running job with no chunk finished for this long has lost its worker (killed, or its message lost):
# the next run marks it failed, so that it does not show "berjalan" for ever. Far above the minute or so
# the largest regency (Kota Medan) takes, also while it waits for an overlapping run's lock.
STALE_AFTER = timedelta(minutes=30)


def graduation_run(*, job: JobRun) -> list[str]:
    """Claim a queued job and size it; returns the regencies (chunks) to recompute, [] if already claimed."""
    with transaction.atomic():
        now = timezone.now()
        claimed = JobRun.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started_at=now
        )
        if not claimed:
            return []
        _graduation_fail_stale(now=now, replaced_by=job)
        enterprises = Enterprise.objects.all()
        if job.scope:
            enterprises = enterprises.filter(regency_id=job.scope)
        # One grouped count per job (not per page): it sizes the progress bar.
        sizes = dict(enterprises.order_by().values_list("regency_id").annotate(n=Count("id")))
        regencies = [job.scope] if job.scope else list(Region.objects.regencies().values_list("pk", flat=True))
        JobRun.objects.filter(pk=job.pk).update(total=sum(sizes.values()), chunks_total=len(regencies))
    return regencies


def _graduation_fail_stale(*, now, replaced_by: JobRun) -> int:
    cutoff = now - STALE_AFTER
    last_chunk = JobChunk.objects.filter(job_run=OuterRef("pk")).order_by("-finished_at").values("finished_at")[:1]
    stale = (
        JobRun.objects.filter(kind=replaced_by.kind, status=JobStatus.RUNNING, started_at__lt=cutoff)
        .exclude(pk=replaced_by.pk)
        .annotate(last_chunk=Subquery(last_chunk))
        .filter(Q(last_chunk__isnull=True) | Q(last_chunk__lt=cutoff))
    )
    error = _(
        "Terhenti: tidak ada bagian yang selesai selama lebih dari %(minutes)d menit (worker mati atau pesannya "
        "hilang); digantikan oleh proses #%(job)d."
    ) % {"minutes": STALE_AFTER.total_seconds() // 60, "job": replaced_by.pk}
    return JobRun.objects.filter(pk__in=stale.values("pk")).update(
        status=JobStatus.FAILED, error=error, finished_at=now
    )


def graduation_chunk(*, job_id: int, regency: str) -> None:
    """Recompute one regency for a job and record it, in one transaction: a retried chunk counts once."""
    job = JobRun.objects.only("rule_set_id").get(pk=job_id)
    with transaction.atomic():
        result = graduation.recompute_regency(regency=regency, rule_set_id=job.rule_set_id, job_run_id=job_id)
        chunk, created = JobChunk.objects.get_or_create(
            job_run_id=job_id, key=regency, defaults={"enterprises": result.enterprises, "changed": result.changed}
        )
        if not created:
            return
        JobRun.objects.filter(pk=job_id).update(
            done=F("done") + result.enterprises, changed=F("changed") + result.changed,
            chunks_done=F("chunks_done") + 1,
        )
        JobRun.objects.filter(pk=job_id, chunks_done=F("chunks_total"), status=JobStatus.RUNNING).update(
            status=JobStatus.DONE, finished_at=timezone.now()
        )


def graduation_fail(*, job_id: int, error: str) -> None:
    JobRun.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )
