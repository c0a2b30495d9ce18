"""`python manage.py csr_demo`: demo companies, programmes and supports on the demo registry (DEBUG only).

Idempotent: companies and programmes are found by name, and a programme that already has supports gets no
new ones. Company names are fictitious. Beneficiaries are picked set-based from the registry (the first
active enterprises of each programme's segment), and one beneficiary of the first programme is made to
graduate through the registry's own path (a yearly report, then a recompute), so that the portal shows
a graduated support with its suggestions.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from csr import services
from csr.models import Company, CompanyKind, CompanyMember, MemberRole, Programme, SupportStatus
from registry import graduation
from registry import services as registry_services
from registry.models import Enterprise, Region

DEMO_OFFICER = "perusahaan"  # created by registry's create_demo_accounts
PER_PROGRAMME = 12

COMPANIES = [
    ("PT Perkebunan Agro Deli Nusantara (Persero)", CompanyKind.BUMN, "Jl. Putri Hijau No. 12, Medan"),
    ("PT Sawit Asahan Sejahtera", CompanyKind.PRIVATE, "Jl. Imam Bonjol No. 45, Kisaran"),
    ("PT Bank Daerah Tapian Nauli", CompanyKind.BUMD, "Jl. Sisingamangaraja No. 8, Sibolga"),
]

# (company index, name, kinds, regencies, size classes, tiers, budget)
PROGRAMMES = [
    (0, "Rumah BUMN Naik Kelas Medan", ["pelatihan", "pendampingan", "pemasaran"], ["12.71", "12.07"],
     ["mikro"], (1, 3), 750_000_000),
    (0, "Pendanaan Usaha Mikro Deli", ["pembiayaan"], ["12.07", "12.18"], ["mikro"], (1, 3), 2_000_000_000),
    (1, "Sawit Asahan Berdaya", ["pelatihan", "peralatan"], ["12.09", "12.08"], ["mikro", "kecil"], (1, 5),
     400_000_000),
    (2, "Kredit Usaha Tapanuli", ["pembiayaan", "pendampingan"], ["12.73", "12.01"], ["mikro", "kecil"], (1, 6),
     1_500_000_000),
]


class Command(BaseCommand):
    help = "Buat data demo program CSR (hanya untuk pengembangan)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Izinkan walau DJANGO_DEBUG tidak aktif.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Data demo CSR hanya dibuat saat DJANGO_DEBUG aktif (atau dengan --force).")
        if not Enterprise.objects.exists():
            raise CommandError("Registri masih kosong: jalankan seed_demo dulu.")
        with transaction.atomic():
            companies = self._companies()
            programmes = [self._programme(companies[i], *rest) for i, *rest in PROGRAMMES]
            added = sum(self._supports(p) for p in programmes)
        graduated = self._graduate_one(programmes[0])
        self.stdout.write(
            f"CSR demo: {len(companies)} perusahaan, {len(programmes)} program, {added} dukungan baru, "
            f"{graduated} naik kelas. Masuk portal: http://127.0.0.1:8000/perusahaan/ (username: {DEMO_OFFICER})"
        )

    def _companies(self) -> list[Company]:
        companies = []
        for name, kind, address in COMPANIES:
            company, _ = Company.objects.get_or_create(
                legal_name=name, defaults={"kind": kind, "address": address, "contact_name": "Unit TJSL"},
            )
            companies.append(company)
        user = get_user_model().objects.filter(username=DEMO_OFFICER).first()
        if user is None:
            self.stdout.write(f"Akun {DEMO_OFFICER} belum ada (create_demo_accounts); tidak dihubungkan.")
        else:
            CompanyMember.objects.get_or_create(
                user=user, defaults={"company": companies[0], "role": MemberRole.ADMIN}
            )
        return companies

    def _programme(self, company, name, kinds, regencies, classes, tiers, budget) -> Programme:
        programme, created = Programme.objects.get_or_create(
            company=company, name=name,
            defaults={
                "kinds": kinds, "size_classes": classes, "tier_min": tiers[0], "tier_max": tiers[1],
                "budget": budget, "starts_on": date(date.today().year - 1, 3, 1),
                "description": "Program demo (fiktif).",
            },
        )
        if created:
            programme.target_regencies.set(Region.objects.filter(pk__in=regencies))
        return programme

    def _supports(self, programme: Programme) -> int:
        if programme.supports.exists():
            return 0
        regencies = list(programme.target_regencies.values_list("pk", flat=True))
        picked = (
            Enterprise.objects.active()
            .filter(regency_id__in=regencies, size_class__in=programme.size_classes,
                    tier__gte=programme.tier_min, tier__lte=programme.tier_max)
            .exclude(csr_supports__programme=programme)
            .order_by("-id")[:PER_PROGRAMME]
        )
        added = 0
        for number, enterprise in enumerate(picked):
            services.support_start(
                programme=programme, enterprise=enterprise, kind=programme.kinds[number % len(programme.kinds)],
                amount=5_000_000 + number * 1_000_000, started_on=programme.starts_on,
            )
            added += 1
        return added

    def _graduate_one(self, programme: Programme) -> int:
        """One beneficiary reports sales above the micro limit; the registry recomputes its class."""
        if programme.supports.filter(graduated_at__isnull=False).exists():
            return 0
        support = programme.supports.filter(status=SupportStatus.ACTIVE).order_by("id").first()
        if support is None:
            return 0
        with transaction.atomic():
            registry_services.yearly_report_save(
                enterprise=support.enterprise, year=date.today().year - 1, omzet=4_800_000_000, capital=1_500_000_000,
                source="demo",
            )
            graduation.recompute_enterprises(enterprise_ids=[support.enterprise_id])
        # The receiver of classes_changed does this through Celery; done here too so the demo does not
        # depend on a running worker (the service only touches active supports, so it is safe twice).
        return len(services.supports_graduate(enterprise_ids=[support.enterprise_id]))
