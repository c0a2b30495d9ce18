"""Writes to the registry. Views, admin actions, API and commands call these; each is one transaction."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sumut_umkm.queue import enqueue_on_commit

from . import exports, graduation, identity
from .models import (
    COMPUTED_ENTERPRISE_FIELDS,
    Enterprise,
    JobChunk,
    JobRun,
    JobStatus,
    Owner,
    Region,
    RuleSet,
    SupportRecord,
    YearlyReport,
    staff_regency,
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
    # The stored NIB, not the object's: a form (the admin's) may already have written the new one into it.
    nib_before = Enterprise.objects.filter(pk=enterprise.pk).values_list("nib", flat=True).first()
    for name, value in fields.items():
        setattr(enterprise, name, value)
    _save_enterprise(enterprise)
    if enterprise.nib != nib_before:  # the NIB is a formalisation step: the tier may change
        graduation_enqueue([enterprise.pk])
    return enterprise


# What a verification vouches for: these figures, of this enterprise's year.
VERIFIED_REPORT_FIELDS = ("enterprise_id", "year", "omzet", "capital", "employees")


@transaction.atomic
def yearly_report_store(*, report: YearlyReport, recompute: bool = True) -> YearlyReport:
    """Validate and save a yearly report whose fields the caller has set (a service, an admin form).

    Every write of yearly figures goes through here: figures that differ from the stored ones (or figures moved to
    another year or enterprise) clear the report's verification, since a verification vouches for the figures it
    saw. With `recompute`, the enterprise (and the one a report moved away from) is recomputed after commit."""
    stored = None
    if report.pk is not None:
        stored = YearlyReport.objects.select_for_update().filter(pk=report.pk).values(*VERIFIED_REPORT_FIELDS).first()
    if stored is not None and any(stored[name] != getattr(report, name) for name in VERIFIED_REPORT_FIELDS):
        report.verified_by, report.verified_at = None, None
    report.full_clean(validate_unique=stored is None)
    report.save()
    if recompute:
        graduation_enqueue([report.enterprise_id, stored["enterprise_id"] if stored else None])
    return report


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
    yearly_report_store(report=report, recompute=False)
    # The same stamp as the admin's "Verifikasi laporan terpilih" (a report verified before keeps its verifier);
    # it enqueues the recompute itself when it stamps.
    if verified_by is not None and yearly_reports_verify(reports=[report.pk], user=verified_by):
        report.refresh_from_db(fields=["verified_by", "verified_at", "updated_at"])
    else:
        graduation_enqueue([enterprise.pk])
    return report


@transaction.atomic
def yearly_reports_verify(*, reports, user) -> int:
    """Record `user` as having verified these yearly reports (a YearlyReport queryset, or ids), now; returns how
    many were verified.

    One UPDATE for the lot. Only reports of enterprises the user may see (Enterprise.objects.for_user: a regency
    office verifies its own regency's) that are not verified yet are stamped; a report verified before keeps its
    verifier. The enterprises' classes are recomputed after commit: a move up resting on a verified report is
    confirmed (terkonfirmasi), also one flagged perlu verifikasi."""
    if not isinstance(reports, QuerySet):
        reports = YearlyReport.objects.filter(pk__in=[int(pk) for pk in reports])
    pending = reports.filter(
        verified_at__isnull=True, enterprise__in=Enterprise.objects.for_user(user).values("pk")
    ).order_by()
    enterprise_ids = list(pending.values_list("enterprise_id", flat=True).distinct())
    if not enterprise_ids:
        return 0
    now = timezone.now()
    verified = YearlyReport.objects.filter(pk__in=pending.values("pk")).update(
        verified_by=user, verified_at=now, updated_at=now
    )
    for start in range(0, len(enterprise_ids), GRADUATION_IDS_PER_TASK):
        graduation_enqueue(enterprise_ids[start:start + GRADUATION_IDS_PER_TASK])
    return verified


# --- Naik kelas ------------------------------------------------------------------------------------


def graduation_enqueue(enterprise_ids) -> None:
    """Recompute these enterprises in the worker once the current transaction commits.

    A broker outage must not undo or fail the user's save: the nightly run catches the enterprise up.
    """
    ids = sorted({int(pk) for pk in enterprise_ids if pk})
    if ids:
        from .tasks import graduation_recompute_enterprises_task

        enqueue_on_commit(graduation_recompute_enterprises_task, ids, outage_note="dihitung ulang pada proses malam")


def _job_send_on_commit(job: JobRun, task_name: str, *, fail) -> None:
    """Hand a recorded job to the worker after commit. With Redis down the request still succeeds and the job
    says why it did not start (fail), instead of staying queued for ever."""

    def send():
        from . import tasks

        try:
            getattr(tasks, task_name).delay(job.pk)
        except Exception as exc:  # kombu and redis raise several types when the broker is unreachable
            logger.warning("Antrean tidak tersedia; proses %s tidak dapat dimulai", job.pk, exc_info=True)
            fail(job_id=job.pk, error=_("Antrean tugas (Redis) tidak tersedia: %(error)s") % {"error": exc})

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


def _job_create_once(*, submission: str | None, **fields) -> tuple[JobRun, bool]:
    """Create a job, or find the one the same form submission already created: (job, created).

    Two requests with one key (a double click) race to the unique index; the loser waits for the winner's
    commit, gets an IntegrityError inside its savepoint and returns the winner's job."""
    if submission:
        existing = JobRun.objects.filter(submission=submission).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            return JobRun.objects.create(submission=submission or None, **fields), True
    except IntegrityError:
        if not submission:
            raise
        return JobRun.objects.get(submission=submission), False


@transaction.atomic
def graduation_start(*, regency: str = "", user=None, enqueue: bool = True, submission: str | None = None) -> JobRun:
    """Record a recompute job and hand it to the worker after commit.

    enqueue=False: the caller runs the job itself through graduation_run and graduation_chunk, the code
    path the worker uses (`recompute_graduation --sync`). submission: the form's one-time key; sent again,
    it returns the job it started instead of starting another.
    """
    if regency and not Region.objects.regencies().filter(pk=regency).exists():
        raise ValidationError({"regency": [_("Kabupaten/kota %(code)s tidak dikenal.") % {"code": regency}]})
    job, created = _job_create_once(
        submission=submission,
        kind="graduation", scope=regency, rule_set_id=graduation.active_rule_set_id(), started_by=user,
    )
    if not created:
        return job

    if enqueue:
        _job_send_on_commit(job, "graduation_run_task", fail=graduation_fail)
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
        # Largest first: with two workers the big regencies (Medan) start at once instead of finishing last alone.
        regencies.sort(key=lambda code: -sizes.get(code, 0))
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


# --- Exports ---------------------------------------------------------------------------------------

EXPORT_KIND = "export"


@transaction.atomic
def export_start(
    *, filters: dict, fmt: str, user=None, enqueue: bool = True, dataset: str = exports.ENTERPRISES
) -> JobRun:
    """Record an export of a filtered list and hand it to the worker after commit.

    dataset: exports.ENTERPRISES (the enterprise list) or the key of a list another app registered
    (exports.register), whose rows the worker selects again for the starting user (for_user).
    A wrong filter, format or dataset is refused here, with its reason, before any job exists.
    """
    if fmt not in exports.FORMATS:
        raise ValidationError({"format": [_("Format ekspor “%(format)s” tidak dikenal; pilih csv atau xlsx.")
                                          % {"format": fmt}]})
    if dataset != exports.ENTERPRISES:
        return _dataset_export_start(filters=filters, fmt=fmt, user=user, enqueue=enqueue, key=dataset)
    scope_regency = staff_regency(user) if user is not None else None
    exports.enterprises_for_export(filters, scope_regency=scope_regency)
    job = JobRun.objects.create(
        kind=EXPORT_KIND, scope=scope_regency or filters.get("regency", ""), started_by=user,
        params={"format": fmt, "filters": dict(filters), **({"scope_regency": scope_regency} if scope_regency else {})},
        result_name=exports.export_filename(fmt),
    )

    if enqueue:
        _job_send_on_commit(job, "export_run_task", fail=export_fail)
    return job


def _dataset_export_start(*, filters: dict, fmt: str, user, enqueue: bool, key: str) -> JobRun:
    dataset = exports.get_dataset(key)
    dataset.queryset(filters, user)  # validates the filters (and that there is a user to scope by)
    scope_regency = staff_regency(user)
    job = JobRun.objects.create(
        kind=EXPORT_KIND, scope=scope_regency or "", started_by=user,
        params={"format": fmt, "dataset": key, "filters": dict(filters), "language": translation.get_language()},
        result_name=dataset.filename(fmt),
    )
    if enqueue:
        _job_send_on_commit(job, "export_run_task", fail=export_fail)
    return job


def _export_rows(job: JobRun):
    """(queryset, writer) of a job: the enterprise export, or a registered list selected for the job's user.

    The user is read again here, in the worker: a user since deactivated or moved to another regency exports
    what they may see now (for_user), never what they could see when they clicked."""
    fmt = job.params.get("format", "")
    key = job.params.get("dataset") or exports.ENTERPRISES
    if key == exports.ENTERPRISES:
        queryset = exports.enterprises_for_export(
            job.params.get("filters") or {}, scope_regency=job.params.get("scope_regency")
        )
        return queryset, lambda out, progress: exports.write(queryset, fmt, out, progress)
    dataset = exports.get_dataset(key)
    user = job.started_by
    if user is None:
        raise ValidationError(_("proses ekspor ini tidak punya pengguna yang memulainya."))
    queryset = dataset.queryset(job.params.get("filters") or {}, user)

    def write(out, progress):
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            return exports.write_dataset(dataset, queryset, user, fmt, out, progress)

    return queryset, write


def export_run(*, job_id: int) -> None:
    """Claim a queued export and write its file under MEDIA_ROOT/jobs/, counting rows as they go out.

    A redelivered message finds the job claimed and does nothing, unless the worker that claimed it died
    (no finish after STALE_AFTER): then this run takes it over and starts the file again.
    """
    now = timezone.now()
    claimed = JobRun.objects.filter(
        Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, started_at__lt=now - STALE_AFTER),
        pk=job_id, kind=EXPORT_KIND,
    ).update(status=JobStatus.RUNNING, started_at=now, done=0, error="")
    if not claimed:
        return
    job = JobRun.objects.select_related("started_by").get(pk=job_id)
    progress = exports.JobProgress(job_id)
    try:
        fmt = job.params.get("format", "")
        queryset, write = _export_rows(job)
        # One count per job (not per page): it sizes the progress bar.
        JobRun.objects.filter(pk=job_id).update(total=queryset.order_by().count())
        # On disk while it is written (constant memory); the file system storage then moves it into place.
        with TemporaryUploadedFile(job.result_name, exports.FORMATS.get(fmt, ""), 0, "utf-8") as tmp:
            rows = write(tmp, progress)
            tmp.flush()
            tmp.seek(0)
            # A name nobody can guess: the media folder is no way around the download view.
            job.result_file.save(f"ekspor_{job_id}_{secrets.token_urlsafe(12)}.{fmt}", tmp, save=False)
        JobRun.objects.filter(pk=job_id).update(
            status=JobStatus.DONE, done=rows, total=rows, result_file=job.result_file.name, finished_at=timezone.now()
        )
    except Exception as exc:
        logger.exception("Ekspor %s gagal", job_id)
        if job.result_file:
            job.result_file.delete(save=False)
        reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else repr(exc)
        export_fail(job_id=job_id, error=_("Ekspor gagal: %(reason)s") % {"reason": reason})
    finally:
        progress.close()


def export_fail(*, job_id: int, error: str) -> None:
    JobRun.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )


# --- Imports ---------------------------------------------------------------------------------------

IMPORT_KIND = "import"
IMPORT_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
# Graduation after an import: up to this many enterprises by id (tasks of GRADUATION_IDS_PER_TASK); more are
# recomputed regency by regency, the whole province at once from GRADUATION_PROVINCE_FROM regencies on.
GRADUATION_IDS_PER_TASK = 5_000
GRADUATION_PROVINCE_FROM = 10


@transaction.atomic
def import_start(
    *, file, user=None, options: dict | None = None, filename: str = "", enqueue: bool = True,
    submission: str | None = None,
) -> JobRun:
    """Store an uploaded file under MEDIA_ROOT/imports/ and record an import job for the worker (after commit).

    options: ImportOptions fields (dry_run, bps, sheet, header_row, mapping, remember_mapping, regency, year),
    plus report_format ("xlsx", the default, or "csv") for the rejection report stored with the run.
    submission: the upload's one-time key; started twice (a double click), it returns the first job.
    """
    if submission and (existing := JobRun.objects.filter(submission=submission).first()) is not None:
        return existing
    from django.core.files.storage import default_storage

    from .importing.pipeline import ImportOptions

    options = dict(options or {})
    report_fmt = options.pop("report_format", "xlsx")
    filename = filename or getattr(file, "name", "") or "impor.csv"
    suffix = f".{filename.rsplit('.', 1)[-1].lower()}" if "." in filename else ""
    if suffix not in IMPORT_SUFFIXES:
        raise ValidationError({"file": [_("Jenis berkas '%(name)s' tidak didukung; unggah .csv atau .xlsx.")
                                        % {"name": filename}]})
    if report_fmt not in ("csv", "xlsx"):
        raise ValidationError({"report_format": [_("Format laporan harus csv atau xlsx.")]})
    try:
        import_options = ImportOptions(**options)
    except TypeError as exc:
        raise ValidationError({"options": [str(exc)]}) from exc
    regency = import_options.regency
    if regency and not Region.objects.regencies().filter(pk=regency).exists():
        raise ValidationError({"regency": [_("Kabupaten/kota %(code)s tidak dikenal.") % {"code": regency}]})
    own = staff_regency(user) if user is not None else None
    if own is not None:
        # A regency office imports its own regency: the run refuses other regencies' rows (run_import).
        if regency and regency != own:
            raise ValidationError({"regency": [_(
                "Kabupaten/kota %(code)s di luar wilayah kerja Anda; pilih %(own)s atau kosongkan."
            ) % {"code": regency, "own": own}]})
        regency = own
        import_options = dataclasses.replace(import_options, regency=own)
    # A name nobody can guess: the upload holds personal data (NIKs).
    stored = default_storage.save(
        f"imports/{timezone.localdate():%Y/%m}/{secrets.token_urlsafe(12)}{suffix}", file
    )
    job, created = _job_create_once(
        submission=submission,
        kind=IMPORT_KIND, scope=regency or "", started_by=user,
        params={"file": stored, "filename": filename[:200], "options": import_options.as_params(),
                "report_format": report_fmt},
    )
    if not created:  # the same upload was started meanwhile: keep its copy only
        default_storage.delete(stored)
        return job

    if enqueue:
        _job_send_on_commit(job, "import_run_task", fail=import_fail)
    return job


@transaction.atomic
def import_retry(*, job: JobRun, user=None, enqueue: bool = True) -> JobRun:
    """Run a stopped import again from its stored file: the batches it saved come out unchanged."""
    retry = JobRun.objects.create(kind=IMPORT_KIND, scope=job.scope, started_by=user, params=dict(job.params))
    if enqueue:
        _job_send_on_commit(retry, "import_run_task", fail=import_fail)
    return retry


class _ImportProgress:
    """Writes an import's progress after each batch on its own connection, so that it shows while the run goes
    on — also for a dry run, whose own transaction is rolled back at the end."""

    def __init__(self, job_id: int):
        from django.db import DEFAULT_DB_ALIAS, connections

        self.job_id = job_id
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, result) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE registry_jobrun SET total = %s, done = %s, changed = %s, chunks_done = %s WHERE id = %s",
                [max(result.estimated_rows, result.rows), result.rows, result.added + result.updated,
                 result.batches, self.job_id],
            )

    def close(self) -> None:
        self.connection.close()


def import_run(*, job_id: int) -> None:
    """Claim a queued import and run it (registry.importing.pipeline); store its report and summary.

    A redelivered message finds the job claimed and does nothing, unless the worker that claimed it died (no
    finish after STALE_AFTER): then this run takes it over and imports the file again, which is idempotent.
    """
    from django.core.files.base import File
    from django.core.files.storage import default_storage

    from .importing.parsers import ParseError
    from .importing.pipeline import ImportAborted, ImportOptions, run_import
    from .importing.report import RejectReport

    now = timezone.now()
    claimed = JobRun.objects.filter(
        Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, started_at__lt=now - STALE_AFTER),
        pk=job_id, kind=IMPORT_KIND,
    ).update(status=JobStatus.RUNNING, started_at=now, done=0, error="")
    if not claimed:
        return
    job = JobRun.objects.select_related("started_by").get(pk=job_id)
    options = ImportOptions(**job.params.get("options", {}))
    report_fmt = job.params.get("report_format", "xlsx")
    report = RejectReport()
    progress = _ImportProgress(job_id)
    result, error = None, ""
    try:
        with default_storage.open(job.params["file"], "rb") as source:
            result = run_import(source, filename=job.params.get("filename"), options=options, progress=progress,
                                report=report, job_run_id=job_id, user=job.started_by)
    except ParseError as exc:
        error = _("Berkas tidak dapat diimpor: %(reason)s") % {"reason": exc.message}
    except ImportAborted as exc:
        result, error = exc.result, exc.message
        logger.warning("Impor %s berhenti", job_id, exc_info=True)
    except Exception as exc:
        logger.exception("Impor %s gagal", job_id)
        error = _("Impor gagal: %(reason)s") % {"reason": repr(exc)}
    finally:
        progress.close()
    try:
        fields = {"finished_at": timezone.now()}
        if result is not None:
            with tempfile.TemporaryFile() as out:
                report.write(out, file_format=report_fmt, summary=result.summary_lines())
                out.seek(0)
                name = f"laporan_impor_{job_id}_{secrets.token_urlsafe(12)}.{report_fmt}"
                job.result_file.save(name, File(out), save=False)
            fields.update(
                result_file=job.result_file.name, result_name=f"laporan_impor_{job_id}.{report_fmt}",
                summary=result.summary(), done=result.rows, total=result.rows, changed=result.added + result.updated,
                chunks_done=result.batches,
            )
    finally:
        report.close()
    if error:
        JobRun.objects.filter(pk=job_id).update(status=JobStatus.FAILED, error=error[:2000], **fields)
    else:
        JobRun.objects.filter(pk=job_id).update(status=JobStatus.DONE, **fields)
    if result is not None and not result.dry_run:
        import_graduation(result=result)


def import_fail(*, job_id: int, error: str) -> None:
    JobRun.objects.filter(pk=job_id).exclude(status=JobStatus.DONE).update(
        status=JobStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def import_graduation(*, result, run_now: bool = False) -> str:
    """Recompute naik kelas for the enterprises an import added or changed; returns what was done (Indonesian).

    Up to pipeline.TOUCHED_IDS_MAX enterprises go by id (graduation_enqueue, tasks of 5,000). A larger import
    goes regency by regency (graduation.recompute_regency through a job): one set-based statement walks a
    regency's (regency, id) index once, which costs far less per enterprise than recomputing lists of
    hundreds of thousands of ids, and the job shows its progress. From 10 regencies on it is one provincial
    job (the worker runs its 33 regencies as chunks, spread over the workers).
    """
    ids, regencies = result.touched_ids, sorted(result.touched_regencies)
    if ids is not None and not ids:
        return _("Tidak ada UMKM yang perlu dihitung ulang kelasnya.")
    if ids is not None:
        chunks = [ids[i:i + GRADUATION_IDS_PER_TASK] for i in range(0, len(ids), GRADUATION_IDS_PER_TASK)]
        if run_now:
            for chunk in chunks:
                graduation.recompute_enterprises(enterprise_ids=chunk)
            return _("Kelas %(n)s UMKM dihitung ulang.") % {"n": len(ids)}
        for chunk in chunks:
            graduation_enqueue(chunk)
        return _("Kelas %(n)s UMKM dihitung ulang oleh worker (%(tasks)s tugas).") % {
            "n": len(ids), "tasks": len(chunks)}
    scopes = [""] if len(regencies) >= GRADUATION_PROVINCE_FROM else regencies
    if run_now:
        rule_set_id = graduation.active_rule_set_id()
        codes = list(Region.objects.regencies().values_list("pk", flat=True)) if scopes == [""] else regencies
        for code in codes:
            graduation.recompute_regency(regency=code, rule_set_id=rule_set_id)
        return _("Kelas UMKM di %(n)s kabupaten/kota dihitung ulang.") % {"n": len(codes)}
    jobs = [graduation_start(regency=scope) for scope in scopes]
    return _("Kelas UMKM dihitung ulang oleh worker: proses %(jobs)s (%(scope)s).") % {
        "jobs": ", ".join(f"#{job.pk}" for job in jobs),
        "scope": _("seluruh provinsi") if scopes == [""] else ", ".join(regencies),
    }


# --- Pembinaan ledger: the one place csr and plut record the support they give --------------------


@transaction.atomic
def support_record_save(
    *,
    source: str,
    source_key: str,
    enterprise_id: int,
    kind: str,
    provider: str,
    started_on,
    title: str = "",
    ended_on=None,
    amount: int | None = None,
    outcome: str = "",
) -> SupportRecord:
    """Create or update the ledger row for one support (keyed by `source_key`, so a retry writes it once)."""
    record = SupportRecord.objects.select_for_update().filter(source_key=source_key).first() or SupportRecord(
        source_key=source_key
    )
    record.source = source
    record.enterprise_id = enterprise_id
    record.kind = kind
    record.provider = provider
    record.title = title
    record.started_on = started_on
    record.ended_on = ended_on
    record.amount = amount
    record.outcome = outcome
    record.full_clean(validate_unique=False)
    record.save()
    return record


def support_record_end(*, source_key: str, ended_on, outcome: str = "") -> int:
    """Close a ledger row (support finished, graduated, moved or stopped); returns the rows changed (0 or 1)."""
    return SupportRecord.objects.filter(source_key=source_key).update(
        ended_on=ended_on, outcome=outcome, updated_at=timezone.now()
    )


def support_records_end_many(ends: list[tuple[str, object, str]]) -> int:
    """Close many ledger rows in one statement: (source_key, ended_on, outcome) each; returns the rows changed.

    For set-based callers (a recompute that graduates thousands of supports at once)."""
    if not ends:
        return 0
    keys, days, outcomes = (list(column) for column in zip(*ends, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE registry_supportrecord r SET ended_on = e.ended_on, outcome = e.outcome, updated_at = now()
            FROM unnest(%s::text[], %s::date[], %s::text[]) AS e(source_key, ended_on, outcome)
            WHERE r.source_key = e.source_key
            """,
            [keys, days, outcomes],
        )
        return cursor.rowcount


# A set-based write of ledger rows from another table: callers pass SQL selecting the columns below (in this
# order) and its parameters; existing keys are updated, so a rerun writes nothing twice.
_LEDGER_COLUMNS = "enterprise_id, source, source_key, kind, provider, title, started_on, ended_on, amount, outcome"


def support_records_upsert_from(select_sql: str, params: dict) -> int:
    """INSERT … SELECT into the ledger, keyed by source_key; returns the rows written. `select_sql` yields
    (enterprise_id, source, source_key, kind, provider, title, started_on, ended_on, amount, outcome)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO registry_supportrecord (created_at, updated_at, {_LEDGER_COLUMNS})
            SELECT now(), now(), s.* FROM ({select_sql}) s
            ON CONFLICT (source_key) DO UPDATE SET
                enterprise_id = EXCLUDED.enterprise_id, kind = EXCLUDED.kind, provider = EXCLUDED.provider,
                title = EXCLUDED.title, started_on = EXCLUDED.started_on, ended_on = EXCLUDED.ended_on,
                amount = EXCLUDED.amount, outcome = EXCLUDED.outcome, updated_at = now()
            """,
            params,
        )
        return cursor.rowcount


def support_records_delete(source_keys: list[str]) -> int:
    """Remove ledger rows recorded by mistake (e.g. attendance ticked for someone who did not come)."""
    if not source_keys:
        return 0
    deleted, _by_model = SupportRecord.objects.filter(source_key__in=list(source_keys)).delete()
    return deleted


# --- Permits and product certifications (the formalisation ladder) ----------------------------------


@transaction.atomic
def permit_save(
    *, enterprise: Enterprise, kind: str, number: str, issued_on=None, expires_on=None, permit=None
):
    """Record a permit or product certification of `enterprise` (or correct `permit`); its formalisation step
    and tier are recomputed after commit. A number already recorded for the same kind is refused on `number`,
    also when a concurrent writer records it first."""
    from .models import Permit  # imported here so that adding this function changes no other line of the module

    permit = permit or Permit()
    permit.enterprise = enterprise
    permit.kind, permit.number = kind, " ".join((number or "").split())
    permit.issued_on, permit.expires_on = issued_on, expires_on
    # Field checks here; the two constraints below get their messages on the field the user has to fix.
    permit.full_clean(validate_unique=False, validate_constraints=False)
    taken = _("Nomor izin/sertifikat ini sudah tercatat.")
    errors = {}
    if issued_on and expires_on and expires_on < issued_on:
        errors["expires_on"] = [_("Tanggal berlaku sampai tidak boleh sebelum tanggal terbit.")]
    if Permit.objects.filter(kind=permit.kind, number=permit.number).exclude(pk=permit.pk).exists():
        errors["number"] = [taken]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            permit.save()
    except IntegrityError as exc:
        if "registry_permit_kind_number_unique" in str(exc):
            raise ValidationError({"number": [taken]}) from exc
        raise
    graduation_enqueue([enterprise.pk])
    return permit
