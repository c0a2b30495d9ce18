"""The PLUT service catalogue (services named by Diskop UKM Sumut, May 2024: promosi, pameran, branding, izin
berusaha, penyuluhan, rumah kemasan, bantuan hukum daring, plus field consultants) and the centres.

Target days are the office's starting values (UNVERIFIED); staff change them in the admin. Regency centres
besides Medan are placeholders for the regencies that run one (UNVERIFIED)."""

from django.db import migrations

SERVICES = [
    # code, name, support kind, target working days, description, required documents
    ("promosi", "Promosi produk", "pemasaran", 10,
     "Promosi produk UMKM melalui media sosial, katalog dan galeri PLUT.",
     "Foto produk\nProfil singkat usaha"),
    ("pameran", "Fasilitasi pameran", "pemasaran", 15,
     "Keikutsertaan UMKM dalam pameran dan bazar yang difasilitasi PLUT.",
     "Foto produk\nDaftar harga"),
    ("branding", "Penguatan merek (branding)", "pemasaran", 15,
     "Pendampingan logo, identitas merek dan pendaftaran merek dagang.",
     "Foto produk\nLogo atau rancangan merek (bila ada)"),
    ("izin-berusaha", "Pengurusan izin berusaha (NIB melalui OSS)", "perizinan", 5,
     "Pendampingan pendaftaran NIB dan perizinan berusaha berbasis risiko melalui OSS.",
     "KTP pemilik\nNPWP (bila ada)\nAlamat dan foto tempat usaha"),
    ("konsultasi", "Penyuluhan dan konsultasi usaha", "penyuluhan", 5,
     "Konsultasi kelembagaan, SDM, produksi, pembiayaan, pemasaran dan teknologi informasi.",
     ""),
    ("rumah-kemasan", "Rumah kemasan", "peralatan", 20,
     "Desain dan pembuatan kemasan produk di rumah kemasan PLUT.",
     "Contoh produk atau foto produk\nInformasi komposisi dan izin produk (P-IRT/halal bila ada)"),
    ("bantuan-hukum", "Bantuan hukum daring", "bantuan_hukum", 10,
     "Konsultasi hukum secara daring melalui pesan dengan konsultan PLUT.",
     "Uraian masalah\nDokumen terkait (perjanjian, surat)"),
    ("pendampingan", "Pendampingan lapangan oleh konsultan", "pendampingan", 20,
     "Kunjungan dan pendampingan usaha oleh konsultan pendamping PLUT.",
     "Profil usaha\nData omzet terakhir"),
]

CENTRES = [
    ("plut-sumut", "PLUT KUMKM Provinsi Sumatera Utara", "12.71", "Kota Medan",
     "Medan"),
    ("plut-deli-serdang", "PLUT KUMKM Kabupaten Deli Serdang", "12.07", "Kabupaten Deli Serdang", "Lubuk Pakam"),
    ("plut-pematangsiantar", "PLUT KUMKM Kota Pematangsiantar", "12.72", "Kota Pematangsiantar", "Pematangsiantar"),
]


def load(apps, schema_editor):
    Region = apps.get_model("registry", "Region")
    Service = apps.get_model("plut", "Service")
    Centre = apps.get_model("plut", "Centre")
    for order, (code, name, kind, days, description, documents) in enumerate(SERVICES, start=1):
        Service.objects.update_or_create(code=code, defaults={
            "name": name, "support_kind": kind, "target_days": days, "description": description,
            "required_documents": documents, "sort_order": order,
        })
    # Regions are loaded by `load_reference` after migrating; the centres need theirs now (it upserts later).
    province, _ = Region.objects.get_or_create(code="12", defaults={"name": "Sumatera Utara", "level": "province"})
    for code, name, regency_code, regency_name, address in CENTRES:
        Region.objects.get_or_create(
            code=regency_code, defaults={"name": regency_name, "level": "regency", "parent": province}
        )
        Centre.objects.update_or_create(code=code, defaults={
            "name": name, "regency_id": regency_code, "address": address,
        })


class Migration(migrations.Migration):
    dependencies = [("plut", "0001_initial"), ("registry", "0007_support_ledger")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
