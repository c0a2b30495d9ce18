"""Writes of the CSR app. Each is one transaction and mirrors the support into the pembinaan ledger
(registry.services.support_record_save / support_record_end) inside that same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from registry import services as registry_services
from registry.models import Enterprise, SizeClass, SupportSource
from sumut_umkm import roles
from sumut_umkm.queue import enqueue_on_commit

from .models import CompanyMember, MemberRole, Programme, ProgrammeStatus, Support, SupportStatus

OUTCOME_GRADUATED = "Naik kelas"
OUTCOME_REASSIGNED = "Dialihkan ke UMKM lain"
OUTCOME_PROGRAMME_FINISHED = "Selesai: program ditutup"
ENDING_STATUSES = {
    SupportStatus.COMPLETED: "Selesai",
    SupportStatus.STOPPED: "Dihentikan",
}


def today() -> date:
    return timezone.localdate()


# --- reads used by the writes -------------------------------------------------------------------------


def target_sector_ids(programme: Programme) -> list[int] | None:
    """The programme's target sectors as main-group ids (a category counts with its groups); None = all."""
    from registry.models import Sector

    chosen = list(programme.target_sectors.values_list("pk", flat=True))
    if not chosen:
        return None
    return list(Sector.objects.filter(pk__in=chosen).values_list("pk", flat=True).union(
        Sector.objects.filter(parent_id__in=chosen).values_list("pk", flat=True)
    ))


@dataclass(frozen=True)
class Target:
    """A programme's target read once (an upload checks hundreds of rows against it without a query each)."""

    regencies: frozenset
    sectors: frozenset | None
    size_classes: frozenset
    tier_min: int
    tier_max: int

    @classmethod
    def of(cls, programme: Programme) -> Target:
        sectors = target_sector_ids(programme)
        return cls(
            regencies=frozenset(programme.target_regencies.values_list("pk", flat=True)),
            sectors=frozenset(sectors) if sectors is not None else None,
            size_classes=frozenset(programme.size_classes), tier_min=programme.tier_min, tier_max=programme.tier_max,
        )


def outside_target(target: Target | Programme, enterprise: Enterprise) -> list[str]:
    """Why an enterprise is outside the programme's target (empty list = inside)."""
    if isinstance(target, Programme):
        target = Target.of(target)
    reasons = []
    if not enterprise.is_active:
        reasons.append(_("UMKM sudah tidak aktif (tutup)."))
    if target.regencies and enterprise.regency_id not in target.regencies:
        reasons.append(_("Kabupaten/kota UMKM bukan sasaran program."))
    if target.sectors is not None and enterprise.sector_id not in target.sectors:
        reasons.append(_("Sektor (KBLI) UMKM bukan sasaran program."))
    if enterprise.size_class and enterprise.size_class not in target.size_classes:
        reasons.append(
            _("Kelas usaha %(cls)s bukan sasaran program.") % {"cls": SizeClass(enterprise.size_class).label}
        )
    if enterprise.tier and not target.tier_min <= enterprise.tier <= target.tier_max:
        reasons.append(
            _("Tingkat %(tier)s di luar rentang program (%(low)s–%(high)s).")
            % {"tier": enterprise.tier, "low": target.tier_min, "high": target.tier_max}
        )
    return reasons


def overlap_since(*, enterprise_id: int, kind: str, company_id: int) -> date | None:
    """When another company's active support of the same kind began (never which company: companies see
    only this date; staff see the full overlap in the admin)."""
    first = (
        Support.objects.active().filter(enterprise_id=enterprise_id, kind=kind)
        .exclude(programme__company_id=company_id).order_by("started_on").values_list("started_on", flat=True)
        .first()
    )
    return first


def overlap_message(since: date) -> str:
    return _(
        "UMKM ini juga sedang menerima dukungan jenis yang sama dari program perusahaan lain sejak %(date)s."
    ) % {"date": date_format(since, "j F Y")}


def programme_closed_reason(programme: Programme, *, on: date | None = None) -> str:
    """Why a programme takes no new beneficiaries ("" = it still does): finished, or past its end date."""
    on = on or today()
    if programme.status == ProgrammeStatus.FINISHED:
        return _("Program %(name)s sudah berstatus Selesai; penerima baru tidak dapat ditambahkan.") % {
            "name": programme.name,
        }
    if programme.ends_on and programme.ends_on < on:
        return _(
            "Program %(name)s sudah berakhir pada %(date)s; penerima baru tidak dapat ditambahkan."
        ) % {"name": programme.name, "date": date_format(programme.ends_on, "j F Y")}
    return ""


def programme_check_open(programme: Programme) -> None:
    """Refuse to add beneficiaries to a finished programme (search, upload, API, reassignment)."""
    reason = programme_closed_reason(programme)
    if reason:
        raise ValidationError({"programme": reason}, code="programme_closed")


# --- start / end -------------------------------------------------------------------------------------


@dataclass
class Started:
    support: Support
    overlap_since: date | None


def _mirror(support: Support, *, outcome: str = "") -> None:
    programme = support.programme
    registry_services.support_record_save(
        source=SupportSource.CSR, source_key=support.ledger_key, enterprise_id=support.enterprise_id,
        kind=support.kind, provider=programme.company.legal_name, started_on=support.started_on,
        title=programme.name, ended_on=support.ended_on, amount=support.amount, outcome=outcome,
    )


@transaction.atomic
def support_start(
    *,
    programme: Programme,
    enterprise: Enterprise,
    kind: str,
    started_on: date | None = None,
    amount: int | None = None,
    reassigned_from: Support | None = None,
    check_target: bool = True,
) -> Started:
    """Start a programme's support for an enterprise and write its ledger row."""
    programme_check_open(programme)
    if kind not in programme.kinds:
        raise ValidationError({"kind": _("Jenis dukungan ini tidak termasuk dalam program.")})
    if check_target:
        reasons = outside_target(programme, enterprise)
        if reasons:
            raise ValidationError({"enterprise": reasons})
    support = Support(
        programme=programme, enterprise=enterprise, kind=kind, started_on=started_on or today(), amount=amount,
        status=SupportStatus.ACTIVE, start_class=enterprise.size_class, start_tier=enterprise.tier,
        reassigned_from=reassigned_from,
    )
    support.full_clean(exclude=["programme", "enterprise", "reassigned_from"], validate_constraints=False)
    try:
        with transaction.atomic():
            support.save()
    except IntegrityError as exc:
        if "csr_support_one_active" in str(exc):
            raise ValidationError(
                {"enterprise": _("UMKM ini sudah menerima dukungan aktif dari program ini.")}, code="duplicate"
            ) from exc
        if "reassigned_from" in str(exc):
            raise ValidationError(_("Dukungan ini sudah dialihkan."), code="already_reassigned") from exc
        raise
    _mirror(support)
    since = overlap_since(enterprise_id=enterprise.pk, kind=kind, company_id=programme.company_id)
    return Started(support, since)


@transaction.atomic
def support_end(*, support: Support, status: str, ended_on: date | None = None) -> Support:
    """Finish or stop an active support; the ledger row is closed with the same outcome."""
    if status not in ENDING_STATUSES:
        raise ValidationError({"status": _("Status akhir tidak dikenal.")})
    support = Support.objects.select_for_update().get(pk=support.pk)
    if support.status != SupportStatus.ACTIVE:
        raise ValidationError(_("Hanya dukungan aktif yang dapat diakhiri."), code="not_active")
    ended_on = ended_on or today()
    if ended_on < support.started_on:
        raise ValidationError({"ended_on": _("Tanggal selesai dukungan tidak boleh sebelum tanggal mulai.")})
    support.status, support.ended_on = status, ended_on
    support.save(update_fields=["status", "ended_on", "updated_at"])
    registry_services.support_record_end(
        source_key=support.ledger_key, ended_on=ended_on, outcome=ENDING_STATUSES[status]
    )
    return support


# --- graduation -----------------------------------------------------------------------------------


# One statement marks every active support whose enterprise has moved out of its programme's segment
# (a class the programme does not serve, or above its highest tier). `status = 'aktif'` makes a retry a
# no-op. An enterprise without a computed class has not graduated from anything.
_GRADUATE_SQL = """
UPDATE csr_support s
SET status = 'lulus', ended_on = GREATEST(%(today)s::date, s.started_on), graduated_at = %(now)s,
    graduated_class = e.size_class, graduated_tier = e.tier, updated_at = %(now)s
FROM csr_programme p, registry_enterprise e
WHERE s.status = 'aktif' AND p.id = s.programme_id AND e.id = s.enterprise_id
  AND e.size_class IS NOT NULL
  AND (NOT (e.size_class = ANY(p.size_classes)) OR e.tier > p.tier_max)
  {scope} {programme}
RETURNING s.id, s.ended_on, e.size_class, e.tier
"""


@transaction.atomic
def supports_graduate(
    *, regency: str | None = None, enterprise_ids: list[int] | None = None, programme_id: int | None = None,
) -> list[int]:
    """Mark graduated supports (set-based) and close their ledger rows; returns the supports marked.
    `programme_id` limits the check to one programme (after its segment was edited).

    Officers are told by email after commit (csr.tasks.graduation_notify_task)."""
    params = {"today": today(), "now": timezone.now()}
    programme_sql = ""
    if programme_id is not None:
        programme_sql, params["programme"] = "AND p.id = %(programme)s", programme_id
    if enterprise_ids is not None:
        scope, params["ids"] = "AND e.id = ANY(%(ids)s)", list(enterprise_ids)
    elif regency:
        scope, params["regency"] = "AND e.regency_id = %(regency)s", regency
    else:
        scope = ""
    with connection.cursor() as cursor:
        cursor.execute(_GRADUATE_SQL.format(scope=scope, programme=programme_sql), params)
        rows = cursor.fetchall()
    # One statement for all of them (a rule-set change can graduate thousands); through the registry's service.
    registry_services.support_records_end_many([
        (f"csr.support:{support_id}", ended_on, f"{OUTCOME_GRADUATED}: {SizeClass(size_class).label}, tingkat {tier}")
        for support_id, ended_on, size_class, tier in rows
    ])
    marked = [row[0] for row in rows]
    if marked:
        from . import tasks

        enqueue_on_commit(tasks.graduation_notify_task, marked)
    return marked


@transaction.atomic
def support_reassign(
    *, support: Support, enterprise: Enterprise, amount: int | None = None, started_on: date | None = None,
) -> Support:
    """Move a graduated support to another enterprise: the new support is linked to the old one, and the old
    one is closed as reassigned, in one transaction. The row lock (and the one-to-one link) make a second,
    concurrent accept fail instead of giving the support twice."""
    old = Support.objects.select_for_update(of=("self",)).select_related("programme__company").get(pk=support.pk)
    if old.status != SupportStatus.GRADUATED:
        if old.status == SupportStatus.REASSIGNED:
            raise ValidationError(_("Dukungan ini sudah dialihkan ke UMKM lain."), code="already_reassigned")
        raise ValidationError(_("Hanya dukungan yang UMKM-nya sudah naik kelas dapat dialihkan."), code="not_graduated")
    started = support_start(
        programme=old.programme, enterprise=enterprise, kind=old.kind, started_on=started_on,
        amount=old.amount if amount is None else amount, reassigned_from=old,
    )
    old.status = SupportStatus.REASSIGNED
    old.save(update_fields=["status", "updated_at"])
    return started.support


# --- programmes ------------------------------------------------------------------------------------


# One statement ends every active support of the given finished programmes, each on its programme's end date
# when that has passed (else today); `status = 'aktif'` makes a retry a no-op.
_CLOSE_SQL = """
UPDATE csr_support s
SET status = 'selesai', updated_at = %(now)s,
    ended_on = GREATEST(LEAST(COALESCE(p.ends_on, %(today)s::date), %(today)s::date), s.started_on)
FROM csr_programme p
WHERE p.id = s.programme_id AND s.programme_id = ANY(%(programmes)s) AND s.status = 'aktif'
RETURNING s.id, s.ended_on
"""


def _programme_supports_end(programme_ids: list[int]) -> list[int]:
    """End the active supports of finished programmes and close their ledger rows: two statements, however
    many programmes and supports."""
    with connection.cursor() as cursor:
        cursor.execute(_CLOSE_SQL, {"programmes": list(programme_ids), "today": today(), "now": timezone.now()})
        rows = cursor.fetchall()
    registry_services.support_records_end_many([
        (f"csr.support:{support_id}", day, OUTCOME_PROGRAMME_FINISHED) for support_id, day in rows
    ])
    return [support_id for support_id, _day in rows]


@dataclass
class Saved:
    programme: Programme
    closed: list[int]  # supports ended because the programme was finished now
    graduated: list[int]  # supports marked graduated because the segment no longer holds their enterprise


@transaction.atomic
def programme_save(*, programme: Programme, target_regencies=None, target_sectors=None) -> Saved:
    """Create or change a programme (already validated by its form or serializer) and its target segment, in
    one transaction. Set to finished (selesai), its active supports end and their ledger rows close; otherwise
    its active supports are checked again against the (perhaps narrowed) segment. Both set-based.

    `target_regencies` / `target_sectors`: the new targets, or None to leave them as they are."""
    existed = programme.pk is not None
    if existed:  # one editor at a time: a concurrent close and segment edit do not interleave
        Programme.objects.select_for_update().filter(pk=programme.pk).values_list("pk", flat=True).first()
    programme.save()
    if target_regencies is not None:
        programme.target_regencies.set(target_regencies)
    if target_sectors is not None:
        programme.target_sectors.set(target_sectors)
    closed: list[int] = []
    graduated: list[int] = []
    if programme.status == ProgrammeStatus.FINISHED:
        # Also on a re-save of a finished programme: supports left active by older data are ended then.
        closed = _programme_supports_end([programme.pk])
    elif existed:
        graduated = supports_graduate(programme_id=programme.pk)
    return Saved(programme, closed, graduated)


def programme_close(*, programme: Programme) -> Saved:
    """Finish a programme: status selesai, its active supports ended with their ledger rows."""
    programme.status = ProgrammeStatus.FINISHED
    return programme_save(programme=programme)


# Programmes whose end date has passed but whose status was never set to selesai. Row locks (FOR UPDATE) keep
# a concurrent programme_save of the same programme from interleaving; SKIP LOCKED leaves one being edited
# right now to the next run.
_EXPIRED_SQL = """
UPDATE csr_programme p SET status = 'selesai', updated_at = %(now)s
WHERE p.id IN (
    SELECT id FROM csr_programme
    WHERE status <> 'selesai' AND ends_on < %(today)s::date
    FOR UPDATE SKIP LOCKED
)
RETURNING p.id
"""


@dataclass
class Expired:
    programmes: list[int]  # programmes closed now
    closed: list[int]  # their supports ended now


@transaction.atomic
def programmes_close_expired(*, on: date | None = None) -> Expired:
    """Close every programme past its end date (planned or running): status selesai, its active supports ended
    on the programme's end date and their ledger rows closed — the closing of programme_save, set-based over all
    of them (three statements). A second run finds nothing to change. Closing notifies nobody."""
    with connection.cursor() as cursor:
        cursor.execute(_EXPIRED_SQL, {"today": on or today(), "now": timezone.now()})
        programme_ids = [row[0] for row in cursor.fetchall()]
    if not programme_ids:
        return Expired([], [])
    return Expired(programme_ids, _programme_supports_end(programme_ids))


# --- company members ---------------------------------------------------------------------------------


def member_check_admin(*, company, user) -> None:
    """Only an active admin member of the company manages its officers (fail closed: 403)."""
    if not CompanyMember.objects.filter(
        company=company, user=user, role=MemberRole.ADMIN, user__is_active=True,
    ).exists():
        raise PermissionDenied


@transaction.atomic
def member_add(*, company, by, username: str, full_name: str, email: str, password: str) -> CompanyMember:
    """A company admin adds an officer account: the user (with the company-officer role, like every portal
    officer) and its membership, in one transaction. Errors are keyed by the fields username, full_name,
    email and password."""
    member_check_admin(company=company, user=by)
    User = get_user_model()
    user = User(username=username.strip(), first_name=full_name.strip(), email=email.strip(), is_staff=False)
    errors: dict[str, list] = {}
    try:
        user.full_clean(exclude=["password", "last_name", "last_login", "date_joined"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault({"first_name": "full_name"}.get(field, field), []).extend(messages)
    if not user.first_name:
        errors.setdefault("full_name", []).append(_("Nama wajib diisi."))
    if not user.email:
        errors.setdefault("email", []).append(_("Email wajib diisi: pemberitahuan naik kelas dikirim ke sana."))
    if "username" not in errors and User.objects.filter(username__iexact=user.username).exists():
        errors["username"] = [_("Nama pengguna ini sudah dipakai.")]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=roles.COMPANY_OFFICER))
    return CompanyMember.objects.create(user=user, company=company, role=MemberRole.OFFICER)


@transaction.atomic
def member_deactivate(*, member: CompanyMember, by) -> CompanyMember:
    """A company admin deactivates one of the company's officers: the account can no longer sign in or use
    its API token. Never the admin themselves, never an admin or a staff account. Repeating it changes nothing."""
    member = CompanyMember.objects.select_for_update().select_related("user").get(pk=member.pk)
    member_check_admin(company=member.company_id, user=by)
    if member.user_id == by.pk:
        raise ValidationError(_("Anda tidak dapat menonaktifkan akun Anda sendiri."), code="self")
    if member.role != MemberRole.OFFICER or member.user.is_staff:
        raise ValidationError(
            _("Hanya akun petugas CSR yang dapat dinonaktifkan di portal; admin perusahaan diatur Diskop UKM."),
            code="not_officer",
        )
    if member.deactivated_at is not None and not member.user.is_active:
        return member
    get_user_model().objects.filter(pk=member.user_id).update(is_active=False)
    member.deactivated_at, member.deactivated_by = timezone.now(), by
    member.save(update_fields=["deactivated_at", "deactivated_by"])
    return member
