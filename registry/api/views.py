"""REST API of the registry (/api/v1/). Thin: filtering in filtersets.py, writes in services.py.

Access: staff accounts (IsStaff) whose role grants the model permission (view_* for reads).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.response import Response

from registry.filtersets import EnterpriseFilterSet, RegionFilterSet, SectorFilterSet
from registry.models import Enterprise, GraduationEvent, JobRun, Permit, Region, Sector, YearlyReport
from sumut_umkm.api import Cursor
from sumut_umkm.permissions import IsStaff, ModelPermissions, require_perms

from . import serializers


class RegistryViewSetMixin:
    permission_classes = [IsStaff, ModelPermissions]

    def http_method_not_allowed(self, request, *args, **kwargs):
        # DRF's id locale has no text for this one.
        raise MethodNotAllowed(
            request.method, detail=_("Metode %(method)s tidak tersedia di alamat ini.") % {"method": request.method}
        )


ENTERPRISE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description=gettext_lazy("ID UMKM dalam registri."))
REGION_CODE = OpenApiParameter(
    "code", str, OpenApiParameter.PATH, description=gettext_lazy("Kode Kemendagri wilayah, misalnya 12.71.")
)
SECTOR_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description=gettext_lazy("ID sektor KBLI."))


JOB_RUN_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description=gettext_lazy("ID proses."))


class GraduationHistoryCursor(Cursor):
    # Newest first by id: events of one run share created_at; (enterprise, -id) is indexed.
    ordering = "-id"


class RegionCursor(Cursor):
    ordering = "code"  # Region's key is its Kemendagri code


class SectorCursor(Cursor):
    ordering = "id"


@extend_schema_view(
    list=extend_schema(
        summary=gettext_lazy("Daftar wilayah (provinsi, kabupaten/kota, kecamatan) dengan kode Kemendagri")
    ),
    retrieve=extend_schema(summary=gettext_lazy("Satu wilayah menurut kode Kemendagri"), parameters=[REGION_CODE]),
)
class RegionViewSet(RegistryViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Region.objects.all()
    serializer_class = serializers.RegionSerializer
    filterset_class = RegionFilterSet
    pagination_class = RegionCursor
    lookup_field = "code"
    lookup_value_regex = r"[0-9.]+"


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Daftar sektor KBLI (kategori dan golongan pokok)")),
    retrieve=extend_schema(summary=gettext_lazy("Satu sektor KBLI"), parameters=[SECTOR_ID]),
)
class SectorViewSet(RegistryViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Sector.objects.select_related("parent")
    serializer_class = serializers.SectorSerializer
    filterset_class = SectorFilterSet
    pagination_class = SectorCursor
    lookup_value_regex = r"[0-9]+"


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Daftar UMKM (halaman kursor, tanpa hitung total)")),
    retrieve=extend_schema(
        summary=gettext_lazy("Satu UMKM dengan laporan tahunan dan izinnya"), parameters=[ENTERPRISE_ID]
    ),
    create=extend_schema(
        summary=gettext_lazy("Daftarkan UMKM"),
        request=serializers.EnterpriseWriteSerializer,
        responses={201: serializers.EnterpriseDetailSerializer},
    ),
    update=extend_schema(
        summary=gettext_lazy("Ubah UMKM"),
        request=serializers.EnterpriseWriteSerializer,
        responses={200: serializers.EnterpriseDetailSerializer},
        parameters=[ENTERPRISE_ID],
    ),
    partial_update=extend_schema(
        summary=gettext_lazy("Ubah sebagian data UMKM (menutup usaha: is_active=false)"),
        request=serializers.EnterpriseWriteSerializer,
        responses={200: serializers.EnterpriseDetailSerializer},
        parameters=[ENTERPRISE_ID],
    ),
)
class EnterpriseViewSet(
    RegistryViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    # No delete: a closed enterprise stays in the registry with is_active=false.
    queryset = Enterprise.objects.select_related("regency", "district", "sector", "owner")
    filterset_class = EnterpriseFilterSet
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        queryset = super().get_queryset().for_user(self.request.user)
        if self.action == "list":
            # One query per page, and never the owner's NIK hash or ciphertext.
            return queryset.only(*serializers.EnterpriseSerializer.LIST_COLUMNS)
        if self.action == "reports":
            return queryset
        if self.action == "graduation_history":
            return queryset.select_related(None).only("id")
        return queryset.prefetch_related(
            Prefetch("yearly_reports", queryset=YearlyReport.objects.order_by("-year")),
            Prefetch("permits", queryset=Permit.objects.order_by("kind", "-issued_on")),
        )

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return serializers.EnterpriseWriteSerializer
        if self.action == "list":
            return serializers.EnterpriseSerializer
        return serializers.EnterpriseDetailSerializer

    def _detail(self, enterprise: Enterprise, status_code: int) -> Response:
        # Re-read: is_formal is computed by PostgreSQL, and the response shows the reports and permits.
        enterprise = self.get_queryset().get(pk=enterprise.pk)
        data = serializers.EnterpriseDetailSerializer(enterprise, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._detail(serializer.save(), status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        return self._detail(serializer.save(), status.HTTP_200_OK)

    @extend_schema(
        summary=gettext_lazy("Tambah atau ganti angka satu tahun (omzet, modal usaha, tenaga kerja)"),
        request=serializers.YearlyReportWriteSerializer,
        responses={200: serializers.YearlyReportSerializer, 201: serializers.YearlyReportSerializer},
        parameters=[ENTERPRISE_ID],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="reports",
        permission_classes=[IsStaff, require_perms("registry.add_yearlyreport", "registry.change_yearlyreport")],
    )
    def reports(self, request, pk=None):
        enterprise = self.get_object()
        serializer = serializers.YearlyReportWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        replacing = enterprise.yearly_reports.filter(year=serializer.validated_data["year"]).exists()
        report = serializer.save_for(enterprise, request.user)
        return Response(
            serializers.YearlyReportSerializer(report).data,
            status=status.HTTP_200_OK if replacing else status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary=gettext_lazy("Riwayat naik/turun kelas satu UMKM, terbaru lebih dulu (halaman kursor)"),
        responses=serializers.GraduationEventSerializer(many=True),
        parameters=[ENTERPRISE_ID],
    )
    @action(
        detail=True, methods=["get"], url_path="graduation-history", filter_backends=[],
        pagination_class=GraduationHistoryCursor,
    )
    def graduation_history(self, request, pk=None):
        # Reading an enterprise (view_enterprise) includes reading how its class came about.
        enterprise = self.get_object()
        events = GraduationEvent.objects.filter(enterprise=enterprise).select_related("rule_set")
        page = self.paginate_queryset(events)
        serializer = serializers.GraduationEventSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(serializer.data)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Daftar proses hitung ulang naik kelas, terbaru lebih dulu")),
    retrieve=extend_schema(
        summary=gettext_lazy("Satu proses hitung ulang dengan kemajuannya"), parameters=[JOB_RUN_ID]
    ),
)
class JobRunViewSet(RegistryViewSetMixin, viewsets.ReadOnlyModelViewSet):
    # Read-only: a run is started from the admin, the command or the nightly schedule, never through the API.
    queryset = JobRun.objects.select_related("rule_set")
    serializer_class = serializers.JobRunSerializer
    filter_backends = []
    lookup_value_regex = r"[0-9]+"
