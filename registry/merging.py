"""Merging two registry records of one enterprise (a duplicate an import listed, or one staff found).

`enterprises_merge(keep=, absorb=, user=)` moves everything that points at `absorb` to `keep` in one
transaction, fills `keep`'s blank profile fields from `absorb`, and leaves `absorb` in place, inactive, with
`merged_into = keep` — a record other systems may still cite, never deleted.

What moves, one set-based statement per table:
- yearly reports: a year both records have is decided by `_better_report` — the verified report wins over an
  unverified one, else the one written last (updated_at), else keep's; the loser is deleted (the deletion is
  in the audit history) and every decision is returned in `MergeResult.year_conflicts`;
- every other foreign key to Enterprise, in any app (permits, the pembinaan ledger, csr supports, plut claims,
  requests and registrations, …), found by walking the models' fields: the registry imports neither csr nor
  plut, and a new app's foreign key is moved without a change here. A unique constraint that includes the
  foreign key (e.g. "one active support per programme") is checked first: if both records hold such a row the
  merge is refused with that constraint's own message, and staff settle it in the owning app before merging;
- possible-duplicate pairs: the keep–absorb pair is marked merged; absorb's pairs with a third enterprise are
  re-pointed at keep (or dropped when keep already has that pair).

What stays: the class history (GraduationEvent) stays with absorb — it records what was computed from
absorb's own figures at the time, and rewriting it would invent history for keep. Keep's class is recomputed
after commit from the merged reports, which adds keep's own history row if the class changes. Absorb keeps
its last computed class, consistent with its history. The audit trail (pghistory event tables) is never
re-pointed; the merge's changes carry a context naming both records.
"""

from __future__ import annotations

import dataclasses

import pghistory
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from pghistory.models import Event as AuditEvent

from . import services
from .models import (
    DuplicateStatus,
    Enterprise,
    GraduationEvent,
    PossibleDuplicate,
    YearlyReport,
    staff_regency,
)

# Moved or kept by their own rules above, not by the generic walk.
_OWN_RULES = {
    (YearlyReport, "enterprise"), (GraduationEvent, "enterprise"),
    (PossibleDuplicate, "enterprise"), (PossibleDuplicate, "other"),
}
# Blank on keep → taken from absorb. NIB, district and KBLI code have their own conditions (see _fill_blanks).
_FILLED_TEXT = ("npwp", "address")
_FILLED_NULL = ("owner_id", "sector_id", "founded_year")


@dataclasses.dataclass(frozen=True)
class YearConflict:
    year: int
    kept_from: int  # the enterprise whose report was kept
    reason: str


@dataclasses.dataclass(frozen=True)
class MergeResult:
    keep_id: int
    absorb_id: int
    moved: dict[str, int]  # verbose name (plural) of the rows → how many moved
    year_conflicts: list[YearConflict]
    filled: list[str]  # keep's fields filled from absorb


def referencing_fields() -> list[models.ForeignKey]:
    """Every concrete foreign key / one-to-one of an installed model that points at Enterprise, except audit
    event tables (history is never rewritten) and those with their own rules."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or issubclass(model, AuditEvent):
            continue
        for field in opts.concrete_fields:
            if field.is_relation and field.related_model is Enterprise and (model, field.name) not in _OWN_RULES:
                found.append(field)
    return found


def _unique_sets(field) -> list[tuple[tuple[str, ...], models.Q | None, str]]:
    """The unique rules of the field's model that include the field: (the other fields, condition, message)."""
    model = field.model
    sets = []
    if field.unique:
        sets.append(((), None, ""))
    for names in model._meta.unique_together:
        if field.name in names:
            sets.append((tuple(n for n in names if n != field.name), None, ""))
    for constraint in model._meta.constraints:
        # Expression-based ones cannot be checked here; the database still refuses them (IntegrityError below).
        if isinstance(constraint, models.UniqueConstraint) and field.name in constraint.fields:
            others = tuple(n for n in constraint.fields if n != field.name)
            sets.append((others, constraint.condition, str(constraint.violation_error_message or "")))
    return sets


def _conflicts(field, keep: Enterprise, absorb: Enterprise) -> list[str]:
    model = field.model
    problems = []
    for others, condition, message in _unique_sets(field):
        mine = model._base_manager.filter(**{field.name: absorb})
        theirs = model._base_manager.filter(**{field.name: keep})
        if condition is not None:
            mine, theirs = mine.filter(condition), theirs.filter(condition)
        if mine.filter(Exists(theirs.filter(**{name: OuterRef(name) for name in others}))).exists():
            problems.append(_("%(rows)s: kedua UMKM sama-sama memiliki data yang hanya boleh ada satu%(why)s.") % {
                "rows": str(model._meta.verbose_name_plural).capitalize(),
                "why": f" ({message})" if message else "",
            })
    return problems


def _move(field, keep: Enterprise, absorb: Enterprise, now) -> int:
    values = {field.name: keep}
    if any(f.name == "updated_at" and getattr(f, "auto_now", False) for f in field.model._meta.concrete_fields):
        values["updated_at"] = now
    return field.model._base_manager.filter(**{field.name: absorb}).update(**values)


def _better_report(keep_report: YearlyReport, absorb_report: YearlyReport) -> tuple[YearlyReport, str]:
    if keep_report.is_verified != absorb_report.is_verified:
        winner = keep_report if keep_report.is_verified else absorb_report
        return winner, _("laporan terverifikasi dipakai")
    if absorb_report.updated_at > keep_report.updated_at:
        return absorb_report, _("laporan yang terakhir diperbarui dipakai")
    return keep_report, _("laporan yang terakhir diperbarui dipakai")


def _decide_years(keep: Enterprise, absorb: Enterprise) -> tuple[list[YearConflict], list[int]]:
    # At most a few dozen rows per enterprise: deciding in Python is fine, the writes are set-based.
    keep_years = {r.year: r for r in YearlyReport.objects.filter(enterprise=keep)}
    conflicts, losers = [], []
    for report in YearlyReport.objects.filter(enterprise=absorb, year__in=list(keep_years)).order_by("year"):
        winner, reason = _better_report(keep_years[report.year], report)
        losers.append(report.pk if winner is keep_years[report.year] else keep_years[report.year].pk)
        conflicts.append(YearConflict(year=report.year, kept_from=winner.enterprise_id, reason=reason))
    return conflicts, losers


def year_conflicts(keep: Enterprise, absorb: Enterprise) -> list[YearConflict]:
    """What a merge would decide for the years both records report (for the confirmation page; writes nothing)."""
    return _decide_years(keep, absorb)[0]


def default_keep(first: Enterprise, second: Enterprise) -> Enterprise:
    """The record to keep unless staff choose otherwise: the one with an NIB, else the one registered first."""
    if bool(first.nib) != bool(second.nib):
        return first if first.nib else second
    return first if first.pk < second.pk else second


def _merge_reports(keep: Enterprise, absorb: Enterprise, now) -> tuple[int, list[YearConflict]]:
    conflicts, losers = _decide_years(keep, absorb)
    if losers:
        YearlyReport.objects.filter(pk__in=losers).delete()
    moved = YearlyReport.objects.filter(enterprise=absorb).update(enterprise=keep, updated_at=now)
    return moved, conflicts


def _merge_pairs(keep: Enterprise, absorb: Enterprise, user, now) -> None:
    PossibleDuplicate.objects.filter(
        enterprise_id=min(keep.pk, absorb.pk), other_id=max(keep.pk, absorb.pk)
    ).update(status=DuplicateStatus.MERGED, reviewed_by=user, reviewed_at=now)
    table = PossibleDuplicate._meta.db_table
    with connection.cursor() as cursor:
        # absorb's pairs with a third enterprise become keep's (stored smallest id first), unless keep has it.
        cursor.execute(
            f"""
            WITH moved AS (
                SELECT id, LEAST(%(keep)s, third) AS lo, GREATEST(%(keep)s, third) AS hi
                FROM (SELECT id, CASE WHEN enterprise_id = %(absorb)s THEN other_id ELSE enterprise_id END AS third
                      FROM {table} WHERE enterprise_id = %(absorb)s OR other_id = %(absorb)s) AS p
                WHERE third <> %(keep)s
            )
            UPDATE {table} AS d SET enterprise_id = moved.lo, other_id = moved.hi
            FROM moved
            WHERE d.id = moved.id
              AND NOT EXISTS (SELECT 1 FROM {table} AS e WHERE e.enterprise_id = moved.lo AND e.other_id = moved.hi)
            """,
            {"keep": keep.pk, "absorb": absorb.pk},
        )
    # What is left of absorb's third-party pairs repeats a pair keep already has.
    PossibleDuplicate.objects.filter(models.Q(enterprise=absorb) | models.Q(other=absorb)).exclude(
        enterprise_id=min(keep.pk, absorb.pk), other_id=max(keep.pk, absorb.pk)
    ).delete()


def _fill_blanks(keep: Enterprise, absorb: Enterprise) -> dict:
    filled = {}
    if not keep.nib and absorb.nib:
        filled["nib"] = absorb.nib
    for name in _FILLED_TEXT:
        if not getattr(keep, name) and getattr(absorb, name):
            filled[name] = getattr(absorb, name)
    for name in _FILLED_NULL:
        if getattr(keep, name) is None and getattr(absorb, name) is not None:
            filled[name] = getattr(absorb, name)
    # A district only within keep's regency; a 5-digit KBLI only when it belongs to the sector keep ends with.
    if keep.district_id is None and absorb.district_id and absorb.regency_id == keep.regency_id:
        filled["district_id"] = absorb.district_id
    if not keep.kbli_code and absorb.kbli_code and filled.get("sector_id", keep.sector_id) == absorb.sector_id:
        filled["kbli_code"] = absorb.kbli_code
    return filled


def _refusals(keep: Enterprise, absorb: Enterprise, user) -> list[str]:
    if keep.pk == absorb.pk:
        return [_("UMKM tidak dapat digabung dengan dirinya sendiri.")]
    problems = []
    code = staff_regency(user)
    if code is not None and (keep.regency_id != code or absorb.regency_id != code):
        problems.append(_(
            "Petugas kabupaten/kota hanya dapat menggabungkan UMKM di wilayah kerjanya (%(code)s); "
            "UMKM ini berada di %(keep)s dan %(absorb)s."
        ) % {"code": code, "keep": keep.regency.name, "absorb": absorb.regency.name})
    elif not user.has_perm("registry.change_enterprise") or Enterprise.objects.for_user(user).filter(
            pk__in=[keep.pk, absorb.pk]).count() != 2:
        problems.append(_("Anda tidak berhak mengubah data UMKM ini."))
    if keep.nib and absorb.nib and keep.nib != absorb.nib:
        problems.append(_(
            "NIB kedua UMKM berbeda (%(keep)s dan %(absorb)s): keduanya usaha yang berbeda menurut OSS dan "
            "tidak dapat digabung."
        ) % {"keep": keep.nib, "absorb": absorb.nib})
    for record, role in ((absorb, _("UMKM yang digabungkan")), (keep, _("UMKM yang dipertahankan"))):
        if record.merged_into_id:
            problems.append(_("%(role)s (#%(pk)s) sudah digabung ke #%(into)s.") % {
                "role": role, "pk": record.pk, "into": record.merged_into_id})
        elif not record.is_active:
            problems.append(_("%(role)s (#%(pk)s) sudah nonaktif.") % {"role": role, "pk": record.pk})
    return problems


def enterprises_merge(*, keep: Enterprise | int, absorb: Enterprise | int, user) -> MergeResult:
    """Merge `absorb` into `keep` (see the module's docstring). Refuses with a ValidationError in Indonesian,
    changing nothing, when the records cannot be the same enterprise or the user may not merge them."""
    keep_id, absorb_id = getattr(keep, "pk", keep), getattr(absorb, "pk", absorb)
    try:
        with transaction.atomic(), pghistory.context(
            note=f"digabung ke #{keep_id}", merge_keep=keep_id, merge_absorb=absorb_id, user=getattr(user, "pk", None)
        ):
            return _merge(keep_id, absorb_id, user)
    except IntegrityError as exc:
        # A row written for absorb by someone else between our checks and the move: nothing was changed.
        raise ValidationError(_("Penggabungan dibatalkan karena data berubah bersamaan: %(error)s. Coba lagi.")
                              % {"error": exc}) from exc


def _merge(keep_id: int, absorb_id: int, user) -> MergeResult:
    # Lock both rows in id order, so two staff merging crossing pairs cannot deadlock.
    locked = {e.pk: e for e in Enterprise.objects.select_for_update(of=("self",)).filter(
        pk__in=[keep_id, absorb_id]).select_related("regency").order_by("pk")}
    if keep_id not in locked or absorb_id not in locked:
        raise ValidationError(_("UMKM yang akan digabung tidak ditemukan."))
    keep, absorb = locked[keep_id], locked[absorb_id]
    problems = _refusals(keep, absorb, user)
    fields = referencing_fields()
    if not problems:
        for field in fields:
            problems.extend(_conflicts(field, keep, absorb))
    if problems:
        raise ValidationError(problems)

    now = timezone.now()
    moved = {}
    reports, year_conflicts = _merge_reports(keep, absorb, now)
    moved[str(YearlyReport._meta.verbose_name_plural)] = reports
    for field in fields:
        count = _move(field, keep, absorb, now)
        if count:
            label = str(field.model._meta.verbose_name_plural)
            moved[label] = moved.get(label, 0) + count
    _merge_pairs(keep, absorb, user, now)

    filled = _fill_blanks(keep, absorb)
    # Absorb gives up its NIB first: an NIB is unique across the registry.
    Enterprise.objects.filter(pk=absorb.pk).update(is_active=False, merged_into=keep, nib=None, updated_at=now)
    if filled:
        Enterprise.objects.filter(pk=keep.pk).update(**filled, updated_at=now)
    services.graduation_enqueue([keep.pk])
    return MergeResult(keep_id=keep.pk, absorb_id=absorb.pk, moved=moved, year_conflicts=year_conflicts,
                       filled=[name.removesuffix("_id") for name in filled])
