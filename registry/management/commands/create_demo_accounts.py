from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sumut_umkm import roles

DEMO_PASSWORD = "demo-sumut-2026"

# (username, full name, staff flag, groups)
ACCOUNTS = [
    ("petugas", "Petugas Diskop UKM (demo)", True, [roles.STAFF]),
    ("konsultan", "Konsultan PLUT (demo)", True, [roles.PLUT_CONSULTANT]),
    ("perusahaan", "Petugas CSR Perusahaan (demo)", False, [roles.COMPANY_OFFICER]),
    ("umkm", "Pemilik UMKM (demo)", False, [roles.MSME_OWNER]),
]


class Command(BaseCommand):
    help = "Buat satu akun demo per peran (hanya untuk pengembangan) dan cetak cara masuknya."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Izinkan walau DJANGO_DEBUG tidak aktif.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Akun demo hanya dibuat saat DJANGO_DEBUG aktif (atau dengan --force).")
        groups = roles.roles_sync()
        User = get_user_model()
        self.stdout.write("")
        self.stdout.write(f"Akun demo (kata sandi sama untuk semua: {DEMO_PASSWORD})")
        for username, full_name, is_staff, group_names in ACCOUNTS:
            first, _, last = full_name.partition(" ")
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "is_staff": is_staff}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.set([groups[name] for name in group_names])
            self.stdout.write(f"  {full_name:<34} username: {username}")
        self.stdout.write("  Petugas:     http://127.0.0.1:8000/admin/  (peta jalan: /peta-jalan/)")
        self.stdout.write("  Konsultan:   http://127.0.0.1:8000/layanan/antrean/")
        self.stdout.write("  Perusahaan:  http://127.0.0.1:8000/perusahaan/login/")
        self.stdout.write("  Pemilik UMKM: http://127.0.0.1:8000/layanan/login/  (akun baru: /layanan/daftar/)")
        self.stdout.write("")
