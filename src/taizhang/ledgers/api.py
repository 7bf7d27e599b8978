"""API for imports: upload a spreadsheet, read the check (counts, problems, per-row plan), import, cancel."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from taizhang.core.api import ScopedViewSet
from taizhang.ledgers import importing, registry, selectors, services
from taizhang.ledgers.filtersets import ImportBatchFilterSet
from taizhang.ledgers.models import ImportBatch, ImportRow, Outcome
from taizhang.org.selectors import unit_choices


@extend_schema_field(OpenApiTypes.INT)
class ScopedUnitField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return unit_choices(self.context["request"].user)


class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField()
    value = serializers.CharField()
    message = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])


class ImportBatchSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    problems = ProblemSerializer(many=True, read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "kind",
            "unit",
            "unit_name",
            "filename",
            "size",
            "sheet",
            "period",
            "status",
            "message",
            "rows_read",
            "created",
            "updated",
            "unchanged",
            "skipped",
            "errors",
            "warnings",
            "progress_done",
            "progress_total",
            "layout",
            "problems",
            "created_by",
            "created_at",
            "analysed_at",
            "committed_at",
            "version",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.CharField()
    file = serializers.FileField()
    sheet = serializers.CharField(required=False, allow_blank=True, default="")
    period = serializers.CharField(required=False, allow_blank=True, default="")
    unit = ScopedUnitField(required=False, allow_null=True, default=None)

    def validate_kind(self, value: str) -> str:
        try:
            registry.get(value)
        except KeyError as exc:
            known = ", ".join(k.name for k in registry.kinds())
            raise serializers.ValidationError(f"unknown ledger {value!r}; known: {known}") from exc
        return value


class ImportRowSerializer(serializers.ModelSerializer):
    problems = ProblemSerializer(many=True, read_only=True)

    class Meta:
        model = ImportRow
        fields = ["number", "kind", "outcome", "label", "object_id", "changes", "problems", "has_error"]
        read_only_fields = fields


class ImportBatchViewSet(ScopedViewSet):
    """Imports in the caller's scope. POST a file (multipart) to check it; ``commit`` imports a clean check."""

    model = ImportBatch
    serializer_class = ImportBatchSerializer
    filterset_class = ImportBatchFilterSet
    list_selector = selectors.import_batch_list
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=ImportUploadSerializer, responses={201: ImportBatchSerializer}, summary="Upload a spreadsheet"
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = ImportUploadSerializer(data=request.data, context=self.get_serializer_context())
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        batch = services.import_batch_create(
            actor=request.user,
            kind=data["kind"],
            upload=data["file"],
            sheet=data["sheet"],
            period=data["period"],
            unit=data["unit"],
        )
        return self._read(batch, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: ImportBatchSerializer}, summary="Import a checked file")
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = self.get_object()
        services.import_batch_commit(actor=request.user, batch=batch)
        return self._read(batch, status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: ImportBatchSerializer}, summary="Cancel before it is imported")
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = self.get_object()
        importing.request_cancel(batch.pk)
        services.import_batch_cancel(actor=request.user, batch=batch)
        return self._read(batch)

    @extend_schema(responses={200: ImportRowSerializer(many=True)}, summary="The per-row plan or outcome")
    @action(detail=True, methods=["get"])
    def rows(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = self.get_object()
        outcome = request.query_params.get("outcome", "")
        rows = selectors.import_rows(request.user, batch, outcome=outcome if outcome in Outcome.values else "")
        page = Paginator(rows, 200).get_page(request.query_params.get("page"))
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "pages": page.paginator.num_pages,
                "results": ImportRowSerializer(page.object_list, many=True).data,
            }
        )
