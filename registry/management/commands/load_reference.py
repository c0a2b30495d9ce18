from django.core.management.base import BaseCommand

from registry.reference import reference_load


class Command(BaseCommand):
    help = "Muat data rujukan: wilayah Sumatera Utara (kode Kemendagri) dan KBLI 2020."

    def handle(self, *args, **options):
        counts = reference_load()
        self.stdout.write(f"Data rujukan dimuat: {counts['regions']} wilayah, {counts['sectors']} sektor KBLI.")
