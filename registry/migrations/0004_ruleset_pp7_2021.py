"""Rule set v1: PP 7/2021 Pasal 35 size classes, and the SQL helper the graduation reasons use."""

from django.db import migrations
from django.utils import timezone



def load_pp7_2021(apps, schema_editor):
    RuleSet = apps.get_model("registry", "RuleSet")
    RuleSet.objects.update_or_create(
        version=1,
        defaults={
            "name": "Kriteria UMKM PP 7/2021",
            "legal_source": "PP 7/2021 Pasal 35",
            "criterion": (
                "Hasil penjualan tahunan (omzet) dari laporan tahunan lengkap terakhir menentukan kelas "
                "(Pasal 35 ayat 4-6: kriteria untuk pemberdayaan dan usaha yang sudah berjalan). Bila belum ada "
                "omzet, modal usaha di luar tanah dan bangunan yang menentukan (Pasal 35 ayat 2-3). Nilai batas "
                "termasuk kelas yang lebih rendah (\"paling banyak\")."
            ),
            "omzet_micro_max": 2_000_000_000,
            "omzet_small_max": 15_000_000_000,
            "omzet_medium_max": 50_000_000_000,
            "capital_micro_max": 1_000_000_000,
            "capital_small_max": 5_000_000_000,
            "capital_medium_max": 10_000_000_000,
            "is_active": True,
            "activated_at": timezone.now(),
        },
    )


# Rupiah in the short form of a reason: "Rp2,4 M" (miliar), "Rp750 jt" (juta), "Rp950.000".
RP_SHORT_FUNCTION = """
CREATE OR REPLACE FUNCTION registry_rp_short(amount bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN amount IS NULL THEN '-'
        WHEN amount >= 1000000000 THEN 'Rp' || replace(rtrim(rtrim(to_char(round(amount / 1e9, 1), 'FM999999990.0'), '0'), '.'), '.', ',') || ' M'
        WHEN amount >= 1000000 THEN 'Rp' || replace(rtrim(rtrim(to_char(round(amount / 1e6, 1), 'FM999999990.0'), '0'), '.'), '.', ',') || ' jt'
        ELSE 'Rp' || replace(to_char(amount, 'FM999,999,990'), ',', '.')
    END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_graduation")]

    operations = [
        migrations.RunSQL(RP_SHORT_FUNCTION, reverse_sql="DROP FUNCTION IF EXISTS registry_rp_short(bigint)"),
        migrations.RunPython(load_pp7_2021, migrations.RunPython.noop),
    ]
