"""REST API of the CSR app (/api/v1/). A company officer's token sees and changes only its own company's
records (for_user; another company's id is a 404); provincial staff see everything, a regency office's staff
their regency's supports and the programmes serving it (csr.models)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from registry.models import staff_regency
from sumut_umkm.permissions import ModelPermissions, require_perms

from .. import candidates, services
from ..models import Company, Programme, Support
from . import serializers

ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description=gettext_lazy("ID rekaman."))


class CsrViewSetMixin:
    permission_classes = [IsAuthenticated, ModelPermissions]


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Daftar perusahaan (petugas perusahaan: perusahaannya sendiri)")),
    retrieve=extend_schema(summary=gettext_lazy("Satu perusahaan"), parameters=[ID]),
)
class CompanyViewSet(CsrViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Company.objects.all()
    serializer_class = serializers.CompanySerializer
    filterset_fields = ["kind"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return Company.objects.for_user(self.request.user)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Daftar program CSR")),
    retrieve=extend_schema(summary=gettext_lazy("Satu program CSR"), parameters=[ID]),
    create=extend_schema(summary=gettext_lazy("Daftarkan program CSR")),
    update=extend_schema(summary=gettext_lazy("Ubah program CSR"), parameters=[ID]),
    partial_update=extend_schema(summary=gettext_lazy("Ubah sebagian program CSR"), parameters=[ID]),
)
class ProgrammeViewSet(
    CsrViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, viewsets.GenericViewSet,
):
    queryset = Programme.objects.all()
    serializer_class = serializers.ProgrammeSerializer
    filterset_fields = ["company", "status"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return Programme.objects.for_user(self.request.user).prefetch_related("target_regencies", "target_sectors")

    @extend_schema(
        summary=gettext_lazy("Usulan UMKM pengganti, berperingkat dan beralasan"),
        parameters=[
            ID,
            OpenApiParameter("support", int, description=gettext_lazy(
                "Dukungan yang lulus dan akan dialihkan: kedekatan dihitung dari UMKM-nya."
            )),
            OpenApiParameter("limit", int, description=gettext_lazy("Jumlah usulan (1–50, bawaan 10).")),
        ],
        responses=serializers.CandidateSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="reassignment-candidates", pagination_class=None,
            filter_backends=[])
    def reassignment_candidates(self, request, pk=None):
        programme = self.get_object()
        near = None
        support_id = request.query_params.get("support", "")
        if support_id:
            near = get_object_or_404(
                programme.supports.for_user(request.user).select_related("enterprise"),
                pk=int(support_id) if support_id.isdigit() else 0,
            )
        limit = request.query_params.get("limit", "")
        limit = min(max(int(limit), 1), 50) if limit.isdigit() else candidates.DEFAULT_LIMIT
        found = candidates.reassignment_candidates(
            programme, near=near, limit=limit, regency=staff_regency(request.user),
        )
        return Response(serializers.CandidateSerializer(found, many=True).data)


@extend_schema_view(
    list=extend_schema(summary=gettext_lazy("Daftar dukungan CSR (penerima program)")),
    retrieve=extend_schema(summary=gettext_lazy("Satu dukungan CSR"), parameters=[ID]),
    create=extend_schema(summary=gettext_lazy("Tambah penerima ke program (dicatat juga di buku pembinaan)")),
)
class SupportViewSet(
    CsrViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Support.objects.all()
    serializer_class = serializers.SupportSerializer
    filterset_fields = ["programme", "status", "kind"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return Support.objects.for_user(self.request.user).select_related("enterprise")

    def perform_create(self, serializer):
        data = serializer.validated_data
        started = services.support_start(
            programme=data["programme"], enterprise=data["enterprise"], kind=data["kind"],
            started_on=data.get("started_on"), amount=data.get("amount"),
        )
        serializer.instance = started.support
        started.support.overlap_since = started.overlap_since

    @extend_schema(
        summary=gettext_lazy("Alihkan dukungan yang lulus ke UMKM lain (satu transaksi)"),
        parameters=[ID], request=serializers.ReassignSerializer, responses={201: serializers.SupportSerializer},
    )
    @action(
        detail=True, methods=["post"], url_path="reassign",
        permission_classes=[IsAuthenticated, require_perms("csr.add_support", "csr.change_support")],
    )
    def reassign(self, request, pk=None):
        support = self.get_object()
        payload = serializers.ReassignSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        new = services.support_reassign(
            support=support, enterprise=payload.validated_data["enterprise"],
            amount=payload.validated_data.get("amount"),
        )
        return Response(serializers.SupportSerializer(new, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)
