"""REST shapes of the registry.

Reads name regions and sectors by code and name. Writes take codes (Kemendagri for regions, KBLI 2020
main group for the sector) and go through registry.services in one transaction.

Personal data: the owner's NIK leaves the API masked only (`1271********0001`), for every user,
including holders of registry.view_owner_nik — the full NIK is shown on the staff pages to those
who need it, never to another system through a token. Neither its hash nor its ciphertext is ever
serialised. An NPWP of 16 digits that does not start with 0 *is* the holder's NIK, so it is masked too.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry import identity, services
from registry.models import (
    ClassStatus,
    Enterprise,
    GraduationEvent,
    JobRun,
    Owner,
    Permit,
    Region,
    ReportSource,
    Sector,
    SectorLevel,
    Sex,
    SizeClass,
    YearlyReport,
    staff_regency,
)
from sumut_umkm.api import CleanModelSerializer, as_drf_validation_error

KBLI_VERSION = "2020"
BOOLEAN_MESSAGES = {"invalid": _("Isi dengan true atau false.")}

# --- reference data -------------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class SectorSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Sector
        fields = ["id", "version", "code", "name", "level", "parent"]


class RegionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name"]
        read_only_fields = fields


class SectorBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["version", "code", "name"]
        read_only_fields = fields


# --- enterprise reads -----------------------------------------------------------------------------


class OwnerBriefSerializer(serializers.ModelSerializer):
    # The owner as the API shows it: masked NIK only (see the module docstring). Sex and email may be blank
    # (""): declared here so that the schema says so (a read-only model field loses allow_blank).
    sex = serializers.ChoiceField(choices=Sex.choices, allow_blank=True, read_only=True)
    email = serializers.CharField(read_only=True, help_text=_("Alamat email, atau kosong."))

    class Meta:
        model = Owner
        fields = ["id", "name", "sex", "phone", "email", "nik_masked"]
        read_only_fields = fields


class YearlyReportSerializer(serializers.ModelSerializer):
    verified = serializers.BooleanField(source="is_verified", read_only=True)

    class Meta:
        model = YearlyReport
        fields = ["year", "omzet", "capital", "employees", "source", "verified", "verified_at"]
        read_only_fields = fields


class PermitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Permit
        fields = ["kind", "number", "issued_on", "expires_on"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.STR)
class NpwpField(serializers.ReadOnlyField):
    def to_representation(self, value):
        if value and len(value) == 16 and not value.startswith("0"):
            return identity.nik_mask(value)
        return value


# Computed by the graduation engine (registry/graduation.py); read-only everywhere.
GRADUATION_FIELDS = ("tier", "formal_step", "class_status", "class_reason", "class_since", "criteria_disagree")


class EnterpriseSerializer(serializers.ModelSerializer):
    # One row of the list; EnterpriseDetailSerializer adds the yearly figures and permits.

    url = serializers.HyperlinkedIdentityField(view_name="registry-api:enterprise-detail")
    npwp = NpwpField()
    regency = RegionBriefSerializer(read_only=True)
    district = RegionBriefSerializer(read_only=True, allow_null=True)
    sector = SectorBriefSerializer(read_only=True, allow_null=True)
    owner = OwnerBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Enterprise
        fields = [
            "id", "url", "name", "nib", "npwp", "is_formal", "size_class", *GRADUATION_FIELDS, "is_active",
            "legal_form", "regency", "district", "address", "sector", "kbli_code", "founded_year", "owner",
            "created_at", "updated_at",
        ]
        read_only_fields = fields

    # Columns one list page loads: never the owner's NIK hash or ciphertext.
    LIST_COLUMNS = [
        "id", "name", "nib", "npwp", "is_formal", "size_class", *GRADUATION_FIELDS, "is_active", "legal_form",
        "address", "kbli_code", "founded_year", "created_at", "updated_at",
        "regency__code", "regency__name", "district__code", "district__name",
        "sector__version", "sector__code", "sector__name",
        *(f"owner__{name}" for name in OwnerBriefSerializer.Meta.fields),
    ]


class EnterpriseDetailSerializer(EnterpriseSerializer):
    yearly_reports = YearlyReportSerializer(many=True, read_only=True)
    permits = PermitSerializer(many=True, read_only=True)

    class Meta(EnterpriseSerializer.Meta):
        fields = [*EnterpriseSerializer.Meta.fields, "yearly_reports", "permits"]
        read_only_fields = fields


# --- naik kelas (graduation) ----------------------------------------------------------------------


class ClassBeforeSerializer(serializers.Serializer):
    # Named like the enterprise's own fields, so both share one size-class enum in the OpenAPI schema.
    size_class = serializers.ChoiceField(source="from_class", choices=SizeClass.choices, allow_null=True)
    tier = serializers.IntegerField(source="from_tier", allow_null=True)


class ClassAfterSerializer(serializers.Serializer):
    size_class = serializers.ChoiceField(source="to_class", choices=SizeClass.choices, allow_null=True)
    tier = serializers.IntegerField(source="to_tier", allow_null=True)


class GraduationEventSerializer(serializers.ModelSerializer):
    # One change of class, tier or status, with the inputs and the rule-set version it was computed from.
    before = ClassBeforeSerializer(source="*", read_only=True)
    after = ClassAfterSerializer(source="*", read_only=True)
    class_status = serializers.ChoiceField(source="status", choices=ClassStatus.choices, read_only=True)
    rule_set_version = serializers.IntegerField(source="rule_set.version", read_only=True)
    job_run = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = GraduationEvent
        fields = [
            "id", "created_at", "direction", "before", "after", "class_status", "basis", "year", "omzet",
            "capital", "reason", "rule_set_version", "job_run",
        ]
        read_only_fields = fields


class JobRunSerializer(serializers.ModelSerializer):
    # A recompute job and its progress; `percent` is 100 once every chunk is done.
    url = serializers.HyperlinkedIdentityField(view_name="registry-api:jobrun-detail")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text=_("Kemajuan 0-100."))
    rule_set_version = serializers.IntegerField(source="rule_set.version", read_only=True, allow_null=True)

    class Meta:
        model = JobRun
        fields = [
            "id", "url", "kind", "status", "status_label", "scope", "rule_set_version", "total", "done", "changed",
            "percent", "chunks_total", "chunks_done", "created_at", "started_at", "finished_at", "error",
        ]
        read_only_fields = fields


# --- enterprise writes ----------------------------------------------------------------------------

# Inline enum: a second named enum for the same L/P set would be a schema warning.
@extend_schema_field({"type": "string", "enum": [*Sex.values, ""], "description": "L: laki-laki, P: perempuan"})
class SexField(serializers.ChoiceField):
    pass


OWNER_INPUTS = {
    "owner_name": "name", "owner_nik": "nik", "owner_sex": "sex", "owner_phone": "phone", "owner_email": "email",
}


class EnterpriseWriteSerializer(CleanModelSerializer):
    # Create/update input. Owner fields are write-only and go through services.owner_upsert.
    # (Comments, not docstrings: a docstring here becomes the English description in the API docs.)

    regency = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.regencies(),
        help_text=_("Kode Kemendagri kabupaten/kota, misalnya 12.71."),
        error_messages={
            "does_not_exist": _("Kode kabupaten/kota “{value}” tidak dikenal; pakai kode Kemendagri, misalnya 12.71."),
            "invalid": _("Isi dengan kode Kemendagri kabupaten/kota, misalnya 12.71."),
        },
    )
    district = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.districts(),
        required=False,
        allow_null=True,
        help_text=_("Kode Kemendagri kecamatan di kabupaten/kota itu, misalnya 12.71.01."),
        error_messages={
            "does_not_exist": _("Kode kecamatan “{value}” tidak dikenal; pakai kode Kemendagri, misalnya 12.71.01."),
            "invalid": _("Isi dengan kode Kemendagri kecamatan, misalnya 12.71.01."),
        },
    )
    sector = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Sector.objects.filter(version=KBLI_VERSION, level=SectorLevel.DIVISION),
        required=False,
        allow_null=True,
        help_text=_("Kode golongan pokok KBLI 2020 (2 digit), misalnya 47."),
        error_messages={
            "does_not_exist": _("Kode KBLI 2020 “{value}” tidak dikenal; isi 2 digit golongan pokok, misalnya 47."),
            "invalid": _("Isi dengan 2 digit golongan pokok KBLI 2020, misalnya 47."),
        },
    )
    # Wider than the columns: separators ("9120.0012.3456.7") are accepted and removed by validation.
    nib = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=40,
        help_text=_("Nomor Induk Berusaha dari OSS, 13 digit."),
    )
    npwp = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text=_("NPWP, 15 atau 16 digit."),
    )
    kbli_code = serializers.CharField(
        required=False, allow_blank=True, max_length=10, help_text=_("Kode KBLI 5 digit, misalnya 47111."),
    )
    owner_name = serializers.CharField(write_only=True, required=False, max_length=150)
    owner_nik = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=40)

    def validate_regency(self, regency):
        request = self.context.get("request")
        code = staff_regency(request.user) if request is not None else None
        if code is not None and regency.code != code:
            raise serializers.ValidationError(
                _("Anda hanya dapat mencatat UMKM di wilayah kerja Anda (%(code)s).") % {"code": code}
            )
        return regency
    owner_sex = SexField(write_only=True, required=False, allow_blank=True, choices=Sex.choices)
    owner_phone = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=20)
    owner_email = serializers.EmailField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = Enterprise
        fields = [
            "name", "nib", "npwp", "regency", "district", "address", "sector", "kbli_code", "founded_year",
            "legal_form", "is_active", *OWNER_INPUTS,
        ]
        extra_kwargs = {"is_active": {"error_messages": BOOLEAN_MESSAGES}}

    def validate_nib(self, value):
        if not value:
            return None
        digits = identity.validate_nib(value)
        # The unique constraint has a condition, so Django reports it without a field; name the field here.
        taken = Enterprise.objects.filter(nib=digits)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(_("NIB ini sudah dipakai oleh UMKM lain."))
        return digits

    def validate_npwp(self, value):
        return identity.validate_npwp(value) if value else ""

    def validate_owner_nik(self, value):
        return identity.validate_nik(value) if value else ""

    def validate(self, attrs):
        errors = {}
        try:
            attrs = super().validate(attrs)  # the model's full_clean(), on a copy
        except serializers.ValidationError as exc:
            errors.update(exc.detail)
        kbli = attrs.get("kbli_code")
        if kbli:
            sector = attrs["sector"] if "sector" in attrs else getattr(self.instance, "sector", None)
            if not (len(kbli) == 5 and kbli.isdigit()):
                errors["kbli_code"] = [_("Kode KBLI harus 5 digit angka, misalnya 47111.")]
            elif sector is None:
                errors["kbli_code"] = [_("Isi juga sektor (2 digit golongan pokok KBLI) untuk kode KBLI ini.")]
            elif not kbli.startswith(sector.code):
                errors["kbli_code"] = [
                    _("Kode KBLI %(kbli)s tidak termasuk golongan pokok %(sector)s.")
                    % {"kbli": kbli, "sector": sector.code}
                ]
        owner = self._owner_input(attrs)
        if owner:
            current = getattr(self.instance, "owner", None)
            if not owner.get("nik") and current is not None and not current.nik_hash:
                # owner_upsert finds people by NIK; without one it would create a second person.
                errors["owner_nik"] = [_("Pemilik usaha ini belum ber-NIK; isi NIK pemilik untuk mengubah datanya.")]
            elif not owner.get("name") and not owner.get("nik") and current is None:
                errors["owner_name"] = [_("Nama pemilik wajib diisi.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    @staticmethod
    def _owner_input(attrs) -> dict:
        return {OWNER_INPUTS[key]: attrs[key] for key in OWNER_INPUTS if key in attrs}

    def _owner_save(self, owner: dict, current: Owner | None) -> Owner:
        """Owner fields sent → the same person (by NIK) updated, or a new one created."""
        if current is not None and not owner.get("nik"):
            owner["nik"] = current.nik
        owner.setdefault("name", "")  # owner_upsert keeps a known person's name when none is sent
        try:
            return services.owner_upsert(**owner)
        except DjangoValidationError as exc:
            error = as_drf_validation_error(exc)
            raise serializers.ValidationError(
                {f"owner_{key}" if key in OWNER_INPUTS.values() else key: value for key, value in error.detail.items()}
            ) from exc

    def _split(self, validated_data) -> tuple[dict, dict]:
        owner = self._owner_input(validated_data)
        fields = {key: value for key, value in validated_data.items() if key not in OWNER_INPUTS}
        return owner, fields

    def create(self, validated_data):
        owner, fields = self._split(validated_data)
        # One transaction: an enterprise refused by the service leaves no new owner behind.
        with transaction.atomic():
            if owner:
                fields["owner"] = self._owner_save(owner, None)
            return services.enterprise_register(**fields)

    def update(self, instance, validated_data):
        owner, fields = self._split(validated_data)
        with transaction.atomic():
            if owner:
                fields["owner"] = self._owner_save(owner, instance.owner)
            return services.enterprise_update(enterprise=instance, **fields)


class YearlyReportWriteSerializer(serializers.Serializer):
    # One year's figures for POST /enterprises/{id}/reports/ (added, or replacing that year's).

    year = serializers.IntegerField(min_value=1990, max_value=2100)
    omzet = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text=_("Omzet tahunan dalam rupiah."),
        error_messages={"min_value": _("Omzet tidak boleh negatif.")},
    )
    capital = serializers.IntegerField(
        required=False, allow_null=True, min_value=0,
        help_text=_("Modal usaha dalam rupiah, tidak termasuk tanah dan bangunan."),
        error_messages={"min_value": _("Modal usaha tidak boleh negatif.")},
    )
    employees = serializers.IntegerField(
        required=False, allow_null=True, min_value=0,
        error_messages={"min_value": _("Jumlah tenaga kerja tidak boleh negatif.")},
    )
    source = serializers.ChoiceField(choices=ReportSource.choices, default=ReportSource.STAFF)
    verified = serializers.BooleanField(
        default=False, help_text=_("true: dicatat sebagai diverifikasi oleh pengguna ini."),
        error_messages=BOOLEAN_MESSAGES,
    )

    def save_for(self, enterprise: Enterprise, user) -> YearlyReport:
        data = dict(self.validated_data)
        verified = data.pop("verified")
        data.setdefault("omzet", None)
        return services.yearly_report_save(enterprise=enterprise, verified_by=user if verified else None, **data)
