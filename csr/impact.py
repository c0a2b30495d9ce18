"""Impact statement of a company: for each programme, its beneficiaries' class and tier at the start and now
(the registry's computed class with its status: terkonfirmasi = from verified figures), as data for a page,
an XLSX and a PDF. One query for all rows; no owner data."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook

from registry.models import ClassStatus, SizeClass

from .models import Company, Support, SupportStatus


@dataclass
class ImpactRow:
    enterprise: str
    nib: str
    district: str
    kind: str
    status: str
    started_on: object
    start_class: str
    start_tier: int | None
    now_class: str
    now_tier: int | None
    class_status: str
    moved_up: bool
    graduated: bool


@dataclass
class ProgrammeImpact:
    name: str
    rows: list[ImpactRow] = field(default_factory=list)

    @property
    def beneficiaries(self) -> int:
        return len(self.rows)

    @property
    def moved_up(self) -> int:
        return sum(1 for row in self.rows if row.moved_up)

    @property
    def graduated(self) -> int:
        return sum(1 for row in self.rows if row.graduated)


@dataclass
class Statement:
    company: Company
    programmes: list[ProgrammeImpact]
    generated_at: object


def _label(choices, value) -> str:
    return str(choices(value).label) if value else "-"


def statement(programmes, *, company: Company) -> Statement:
    by_programme = {p.pk: ProgrammeImpact(p.name) for p in programmes.order_by("-starts_on", "-id")}
    rows = (
        Support.objects.filter(programme_id__in=list(by_programme))
        .order_by("programme_id", "enterprise__name", "id")
        .values(
            "programme_id", "kind", "status", "started_on", "start_class", "start_tier", "graduated_at",
            name=F("enterprise__name"), nib=F("enterprise__nib"), district=F("enterprise__district__name"),
            now_class=F("enterprise__size_class"), now_tier=F("enterprise__tier"),
            class_status=F("enterprise__class_status"),
        )
    )
    kinds = dict(Support._meta.get_field("kind").choices)
    for row in rows:
        by_programme[row["programme_id"]].rows.append(ImpactRow(
            enterprise=row["name"], nib=row["nib"] or "", district=row["district"] or "",
            kind=str(kinds.get(row["kind"], row["kind"])), status=_label(SupportStatus, row["status"]),
            started_on=row["started_on"], start_class=_label(SizeClass, row["start_class"]),
            start_tier=row["start_tier"], now_class=_label(SizeClass, row["now_class"]), now_tier=row["now_tier"],
            class_status=_label(ClassStatus, row["class_status"]),
            moved_up=bool(row["start_tier"] and row["now_tier"] and row["now_tier"] > row["start_tier"]),
            graduated=row["graduated_at"] is not None,
        ))
    return Statement(company=company, programmes=list(by_programme.values()), generated_at=timezone.localtime())


def filename(company: Company, ext: str) -> str:
    return f"dampak-{slugify(company.legal_name)}-{timezone.localdate():%Y%m%d}.{ext}"


def headers() -> list[str]:
    return [
        _("Program"), _("UMKM"), _("NIB"), _("Kecamatan"), _("Jenis dukungan"), _("Status"), _("Mulai"),
        _("Kelas saat mulai"), _("Tingkat saat mulai"), _("Kelas sekarang"), _("Tingkat sekarang"),
        _("Status kelas"), _("Naik tingkat"),
    ]


def as_xlsx(statement: Statement) -> bytes:
    book = Workbook(write_only=True)
    summary = book.create_sheet(_("Ringkasan"))
    summary.append([_("Pernyataan dampak"), statement.company.legal_name])
    summary.append([_("Dibuat"), statement.generated_at.strftime("%d-%m-%Y %H:%M WIB")])
    summary.append([])
    summary.append([_("Program"), _("Penerima"), _("Naik tingkat"), _("Naik kelas (lulus)")])
    for programme in statement.programmes:
        summary.append([programme.name, programme.beneficiaries, programme.moved_up, programme.graduated])
    sheet = book.create_sheet(_("Penerima"))
    sheet.append(headers())
    for programme in statement.programmes:
        for r in programme.rows:
            sheet.append([
                programme.name, r.enterprise, r.nib, r.district, r.kind, r.status, r.started_on, r.start_class,
                r.start_tier, r.now_class, r.now_tier, r.class_status, _("ya") if r.moved_up else _("tidak"),
            ])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_pdf(statement: Statement, *, request=None) -> bytes:
    from weasyprint import HTML

    html = render_to_string("csr/impact_pdf.html", {"statement": statement}, request=request)
    return HTML(string=html).write_pdf()


__all__ = ["statement", "as_xlsx", "as_pdf"]
