"""Demo data for the service desk (DEBUG only, safe to rerun): the demo MSME owner `umkm` owns one demo
enterprise, `konsultan` works at PLUT Medan, a few requests stand in different states, one event is coming."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from plut import services
from plut.models import Centre, ClaimKind, ClaimStatus, Consultant, EnterpriseClaim, Event, Service, ServiceRequest
from registry.models import Enterprise


class Command(BaseCommand):
    help = "Isi data demo layanan PLUT (hanya saat DJANGO_DEBUG aktif; aman dijalankan berulang)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Izinkan walau DJANGO_DEBUG tidak aktif.")

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Data demo PLUT hanya dibuat saat DJANGO_DEBUG aktif (atau dengan --force).")
        users = {u.username: u for u in get_user_model().objects.filter(username__in=["umkm", "konsultan", "petugas"])}
        missing = {"umkm", "konsultan", "petugas"} - set(users)
        if missing:
            raise CommandError(f"Akun demo belum ada ({', '.join(sorted(missing))}): jalankan create_demo_accounts.")
        owner, staff = users["umkm"], users["petugas"]
        centre = Centre.objects.get(code="plut-sumut")
        consultant, _ = Consultant.objects.get_or_create(user=users["konsultan"], defaults={"centre": centre})
        if not owner.email:
            owner.email = "umkm@contoh.id"
            owner.save(update_fields=["email"])

        claim = EnterpriseClaim.objects.filter(user=owner, status=ClaimStatus.CONFIRMED).first()
        if claim is None:
            taken = EnterpriseClaim.objects.active().exclude(enterprise=None).values("enterprise")
            enterprise = (Enterprise.objects.filter(regency_id="12.71", nib__isnull=False, is_active=True)
                          .exclude(pk__in=taken).order_by("id").first())
            if enterprise is None:
                raise CommandError("Tidak ada UMKM demo di Kota Medan: jalankan seed_demo dulu.")
            claim = EnterpriseClaim.objects.create(
                user=owner, kind=ClaimKind.EXISTING, enterprise=enterprise, nib=enterprise.nib,
                status=ClaimStatus.CONFIRMED, decided_by=staff, decided_at=timezone.now(),
            )
        enterprise = claim.enterprise

        if not ServiceRequest.objects.filter(enterprise=enterprise).exists():
            self._requests(owner, staff, consultant, centre, enterprise)
        now = timezone.now()
        start = (now + timedelta(days=14)).replace(hour=9, minute=0, second=0, microsecond=0)
        Event.objects.get_or_create(
            title="Pelatihan Desain Kemasan Produk Pangan", centre=centre,
            defaults={"kind": "pelatihan", "place": "Aula PLUT KUMKM Sumut, Medan", "starts_at": start,
                      "ends_at": start + timedelta(hours=6), "capacity": 30, "is_published": True,
                      "description": "Pelatihan sehari tentang kemasan, label dan informasi gizi."},
        )
        self.stdout.write(f"Data demo PLUT siap: umkm → {enterprise.name}; konsultan di {centre.name}.")

    def _requests(self, owner, staff, consultant, centre, enterprise):
        def new(code, text):
            return services.request_submit(user=owner, enterprise=enterprise, service=Service.objects.get(code=code),
                                           centre=centre, description=text)

        new("izin-berusaha", "Kami ingin memperbarui data NIB dan menambah KBLI untuk katering.")
        scheduled = new("konsultasi", "Butuh konsultasi pemasaran melalui lokapasar.")
        for to, extra in (("diterima", {}), ("ditugaskan", {"consultant": consultant}),
                          ("dijadwalkan", {"scheduled_at": timezone.now() + timedelta(days=3),
                                           "location": "Kantor PLUT KUMKM Sumut"})):
            scheduled = services.request_transition(request=scheduled, user=staff, to=to, **extra)
        waiting = new("rumah-kemasan", "Minta desain kemasan keripik pisang 250 gram.")
        services.request_transition(request=waiting, user=staff, to="menunggu_kelengkapan",
                                    note="Mohon kirim foto produk dan komposisi.")
        done = new("bantuan-hukum", "Pertanyaan tentang perjanjian titip jual dengan toko oleh-oleh.")
        services.request_message(request=done, user=owner, text="Apakah perjanjian lisan sah?")
        for to, extra in (("diterima", {}), ("ditugaskan", {"consultant": consultant}),
                          ("dijadwalkan", {"scheduled_at": timezone.now(), "online_link": "https://meet.example.id/plut"}),
                          ("berjalan", {}), ("selesai", {"outcome": "Draf perjanjian titip jual disusun"})):
            done = services.request_transition(request=done, user=staff, to=to, **extra)
