"""Writes to the registry. Views, admin actions, API and commands call these; each is one transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import identity
from .models import Enterprise, Owner, YearlyReport
from .sizing import enterprises_classify

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


def _save_enterprise(enterprise: Enterprise) -> Enterprise:
    enterprise.full_clean()
    try:
        with transaction.atomic():
            enterprise.save()
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
    """Add or replace one year's figures, then recompute the enterprise's size class."""
    report = YearlyReport.objects.filter(enterprise=enterprise, year=year).first() or YearlyReport(
        enterprise=enterprise, year=year
    )
    report.omzet, report.capital, report.employees, report.source = omzet, capital, employees, source
    if verified_by is not None:
        report.verified_by, report.verified_at = verified_by, timezone.now()
    report.full_clean(validate_unique=report.pk is None)
    report.save()
    enterprises_classify([enterprise.pk])
    return report
