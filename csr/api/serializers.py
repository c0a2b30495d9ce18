"""REST shapes of the CSR app. Enterprises appear without their owner (no NIK, phone or address): a company
sees name, NIB, regency, district and class only. Writes go through csr.services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.models import Enterprise, Region, Sector, SizeClass
from sumut_umkm.api import CleanModelSerializer

from .. import services
from ..models import PROGRAMME_KIND_CHOICES, Company, CompanyKind, Programme, ProgrammeStatus, Support, SupportStatus


def inline_choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field whose enum stays inline in OpenAPI. The same choice sets (size class, kind of support)
    appear under several names in several apps, and drf-spectacular's enum extraction would warn about every
    one of them; it does not look inside `allOf`, so the enum is wrapped there."""
    schema = {
        "allOf": [{"type": "string", "enum": [value for value, _label in choices]}],
        # A sibling key keeps drf-spectacular from unwrapping a lone allOf.
        "description": "\n".join(f"* `{value}` - {label}" for value, label in choices),
    }
    if kwargs.get("allow_null"):
        schema["nullable"] = True
    field_class = extend_schema_field(schema)(type("InlineChoiceField", (serializers.ChoiceField,), {}))
    return field_class(choices=choices, **kwargs)


class CompanySerializer(serializers.ModelSerializer):
    kind = inline_choice(CompanyKind.choices)

    class Meta:
        model = Company
        fields = ["id", "legal_name", "kind", "npwp", "sector", "address", "contact_name", "contact_email",
                  "contact_phone"]


class ProgrammeSerializer(CleanModelSerializer):
    status = inline_choice(ProgrammeStatus.choices, required=False)
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), required=False,
        help_text=_("Perusahaan pemilik program; bagi petugas perusahaan boleh dikosongkan (perusahaannya sendiri)."),
    )
    kinds = serializers.ListField(child=inline_choice(PROGRAMME_KIND_CHOICES), allow_empty=False)
    size_classes = serializers.ListField(child=inline_choice(SizeClass.choices), allow_empty=False)
    target_regencies = serializers.SlugRelatedField(
        slug_field="code", many=True, required=False, queryset=Region.objects.regencies(),
        help_text=_("Kode Kemendagri kabupaten/kota sasaran; kosong = seluruh provinsi."),
    )
    target_sectors = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=Sector.objects.all())

    class Meta:
        model = Programme
        fields = [
            "id", "company", "name", "description", "kinds", "budget", "starts_on", "ends_on", "status",
            "size_classes", "tier_min", "tier_max", "target_regencies", "target_sectors",
        ]
        # full_clean() checks the (company, name) constraint; DRF's own validator would make company required.
        validators = []

    def validate_company(self, company):
        user = self.context["request"].user
        # Another company's id reads as unknown, as everywhere else.
        if not Company.objects.for_user(user).filter(pk=company.pk).exists():
            raise serializers.ValidationError(_("Perusahaan tidak ditemukan."))
        return company

    def validate(self, attrs):
        if self.instance is None and "company" not in attrs:
            user = self.context["request"].user
            own = Company.objects.filter(members__user=user).first()
            if own is None:
                raise serializers.ValidationError({"company": _("Wajib diisi.")})
            attrs["company"] = own
        return super().validate(attrs)

    def clean_exclude(self):
        return ["target_regencies", "target_sectors"]

    def _save(self, programme: Programme, validated_data: dict) -> Programme:
        # Through the service: one transaction, and a finished programme / narrowed segment acts on its supports.
        regencies = validated_data.pop("target_regencies", None)
        sectors = validated_data.pop("target_sectors", None)
        for name, value in validated_data.items():
            setattr(programme, name, value)
        return services.programme_save(
            programme=programme, target_regencies=regencies, target_sectors=sectors,
        ).programme

    def create(self, validated_data):
        return self._save(Programme(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)


class EnterpriseBriefSerializer(serializers.ModelSerializer):
    regency = serializers.CharField(source="regency_id", read_only=True)
    size_class = inline_choice(SizeClass.choices, read_only=True, allow_null=True)
    district = serializers.CharField(source="district_id", read_only=True, allow_null=True)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "nib", "regency", "district", "size_class", "tier"]
        read_only_fields = fields


class SupportSerializer(serializers.ModelSerializer):
    programme = serializers.PrimaryKeyRelatedField(queryset=Programme.objects.all())
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.active(), help_text=_("ID UMKM dalam registri."),
    )
    enterprise_detail = EnterpriseBriefSerializer(source="enterprise", read_only=True)
    kind = inline_choice(PROGRAMME_KIND_CHOICES)
    status = inline_choice(SupportStatus.choices, read_only=True)
    start_class = inline_choice(SizeClass.choices, read_only=True, allow_null=True)
    graduated_class = inline_choice(SizeClass.choices, read_only=True, allow_null=True)
    overlap_since = serializers.DateField(
        read_only=True, allow_null=True, required=False,
        help_text=_("Bila UMKM juga didukung program perusahaan lain dengan jenis yang sama: sejak kapan "
                    "(perusahaannya tidak disebut). Hanya pada jawaban pembuatan."),
    )

    class Meta:
        model = Support
        fields = [
            "id", "programme", "enterprise", "enterprise_detail", "kind", "started_on", "ended_on", "amount",
            "status", "start_class", "start_tier", "graduated_at", "graduated_class", "graduated_tier",
            "reassigned_from", "overlap_since",
        ]
        read_only_fields = [
            "ended_on", "status", "start_class", "start_tier", "graduated_at", "graduated_class", "graduated_tier",
            "reassigned_from",
        ]
        extra_kwargs = {"started_on": {"required": False}}

    def validate_programme(self, programme):
        if not Programme.objects.for_user(self.context["request"].user).filter(pk=programme.pk).exists():
            raise serializers.ValidationError(_("Program tidak ditemukan."))
        return programme

    def validate_enterprise(self, enterprise):
        return enterprise_in_scope(self.context["request"].user, enterprise)


def enterprise_in_scope(user, enterprise: Enterprise) -> Enterprise:
    """Staff name only enterprises they may see (a regency office: its regency); a company officer picks any
    active enterprise of the registry (they see it only through their own supports)."""
    if user.is_staff and not Enterprise.objects.for_user(user).filter(pk=enterprise.pk).exists():
        raise serializers.ValidationError(_("UMKM tidak ditemukan."))
    return enterprise


class CandidateSerializer(serializers.Serializer):
    enterprise_id = serializers.IntegerField()
    name = serializers.CharField()
    nib = serializers.CharField(allow_null=True)
    regency = serializers.CharField(source="regency_id")
    regency_name = serializers.CharField()
    district = serializers.CharField(source="district_id", allow_null=True)
    district_name = serializers.CharField()
    size_class = serializers.CharField(allow_null=True)
    tier = serializers.IntegerField()
    supports = serializers.IntegerField(help_text=_("Jumlah pembinaan yang pernah diterima (semua sumber)."))
    weight = serializers.FloatField(help_text=_("Bobot pembinaan: tahun berjalan 1, setahun lalu 1/2, dst."))
    closeness = serializers.IntegerField(help_text=_("0 = satu kecamatan, 1 = satu kabupaten/kota, 2 = lainnya."))
    reason = serializers.CharField()


class ReassignSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.active(), help_text=_("ID UMKM penerima baru."),
    )
    amount = serializers.IntegerField(required=False, allow_null=True, min_value=0)

    def validate_enterprise(self, enterprise):
        return enterprise_in_scope(self.context["request"].user, enterprise)
