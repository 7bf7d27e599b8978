"""API for the issue ledger: issues (scoped, filtered like the list page), one endpoint per workflow action,
evidence, the queues, statistics, and the categories and sources to choose from."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from taizhang.core.api import AuditedAPIMixin, ScopedViewSet, VoidSerializer
from taizhang.core.errors import ValidationFailed
from taizhang.issues import filtersets, selectors, services, workflow
from taizhang.issues.choices import CoordinateSystem, EvidenceKind, Severity, VoidKind
from taizhang.issues.models import (
    Evidence,
    Issue,
    IssueCategory,
    IssueEvent,
    IssueSource,
    Open311Client,
    RoutingRule,
)
from taizhang.org import selectors as org_selectors


@extend_schema_field(OpenApiTypes.INT)
class DirectoryUnitField(serializers.PrimaryKeyRelatedField):
    """Any active unit by id: issues are routed across the district, so unit names are not a secret."""

    def get_queryset(self) -> Any:
        return org_selectors.unit_directory(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class VisiblePersonField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return org_selectors.person_list(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class CategoryField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return selectors.category_choices(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class SourceField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return selectors.source_choices(self.context["request"].user)


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LightSerializer(serializers.Serializer):
    colour = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    explanation = serializers.CharField()


class IssueSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    light = serializers.SerializerMethodField()
    category = NamedSerializer(read_only=True)
    category_code = serializers.CharField(source="category.code", read_only=True)
    source = NamedSerializer(read_only=True)  # type: ignore[assignment]
    responsible_unit = NamedSerializer(read_only=True)
    chief = NamedSerializer(read_only=True, allow_null=True)
    area = NamedSerializer(read_only=True, allow_null=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Issue
        fields = [
            "id",
            "number",
            "title",
            "description",
            "status",
            "status_label",
            "light",
            "category",
            "category_code",
            "source",
            "severity",
            "responsible_unit",
            "chief",
            "area",
            "routing_fallback",
            "routing_note",
            "address",
            "longitude",
            "latitude",
            "reported_longitude",
            "reported_latitude",
            "reported_crs",
            "found_at",
            "registered_at",
            "deadline",
            "deadline_explicit",
            "yellow_at",
            "dispatched_at",
            "acknowledged_at",
            "closure_requested_at",
            "closed_at",
            "closed_on_time",
            "shelve_review_date",
            "pending_request",
            "requested_deadline",
            "requested_review_date",
            "measures",
            "rework_count",
            "extension_count",
            "reassignment_count",
            "recurrence_count",
            "version",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(LightSerializer)
    def get_light(self, issue: Issue) -> dict[str, str]:
        light = issue.light
        return {"colour": light.colour, "label": str(light.label), "explanation": light.explanation}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, issue: Issue) -> list[str]:
        request = self.context.get("request")
        if request is None or not self.context.get("with_actions", False):
            return []
        return [t.action for t in workflow.allowed(issue, request.user)]


class IssueCreateSerializer(serializers.Serializer):
    category = CategoryField()
    source = SourceField()  # type: ignore[assignment]
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    longitude = serializers.DecimalField(max_digits=10, decimal_places=6, required=False, allow_null=True)
    latitude = serializers.DecimalField(max_digits=10, decimal_places=6, required=False, allow_null=True)
    coordinate_system = serializers.ChoiceField(choices=CoordinateSystem.choices, required=False)
    found_at = serializers.DateTimeField(required=False, allow_null=True)
    deadline = serializers.DateField(required=False, allow_null=True, help_text="Only the supervision office.")
    responsible_unit = DirectoryUnitField(required=False, allow_null=True, help_text="Overrides the routing.")
    chief = VisiblePersonField(required=False, allow_null=True)
    override_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    cooperating_units = DirectoryUnitField(many=True, required=False)


class IssueUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = CategoryField(required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    found_at = serializers.DateTimeField(required=False, allow_null=True)
    cooperating_units = DirectoryUnitField(many=True, required=False)


class EventSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = IssueEvent
        fields = ["id", "action", "label", "from_status", "to_status", "actor", "at", "source", "reason", "data"]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    flags = serializers.ListField(child=serializers.CharField(), read_only=True)
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Evidence
        fields = [
            "id",
            "issue",
            "kind",
            "original_name",
            "content_type",
            "size",
            "is_photo",
            "width",
            "height",
            "taken_at",
            "longitude",
            "latitude",
            "distance_m",
            "no_exif",
            "far_from_issue",
            "taken_before_registration",
            "flags",
            "note",
            "uploaded_by",
            "uploaded_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, evidence: Evidence) -> str:
        from django.urls import reverse

        return reverse("issues:evidence_file", args=[evidence.pk])


class EvidenceUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    file = serializers.FileField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


_PARAM_FIELDS: dict[str, Any] = {
    "reason": lambda required: serializers.CharField(max_length=500, required=required),
    "note": lambda required: serializers.CharField(max_length=500, required=required, allow_blank=True),
    "measures": lambda required: serializers.CharField(max_length=2000, required=required),
    "deadline": lambda required: serializers.DateField(required=required),
    "review_date": lambda required: serializers.DateField(required=required),
    "unit": lambda required: serializers.IntegerField(required=required),
    "chief": lambda required: serializers.IntegerField(required=required, allow_null=True),
    "void_kind": lambda required: serializers.ChoiceField(choices=VoidKind.choices, required=required),
}


def transition_serializer(transition: workflow.Transition) -> type[serializers.Serializer]:
    """The request body of one workflow action, from the table's ``params`` (``version`` guards conflicts)."""
    fields: dict[str, Any] = {
        "version": serializers.IntegerField(
            required=False, help_text="The version you saw; a stale one answers 409 conflict."
        )
    }
    for name in transition.params:
        fields[name] = _PARAM_FIELDS[name](name in transition.required)
    name = "".join(part.title() for part in transition.action.split("_")) + "Action"
    return type(name, (serializers.Serializer,), fields)


class IssueViewSet(ScopedViewSet):
    """Issues you may see; ``POST`` registers one (routed by area and category); each workflow action is a
    ``POST /api/issues/{id}/<action>/`` that answers 409 with what is allowed when it is not."""

    model = Issue
    serializer_class = IssueSerializer
    write_serializer_class = IssueCreateSerializer
    filterset_class = filtersets.IssueFilterSet
    list_selector = selectors.issue_list
    create_service = services.issue_register
    update_service = services.issue_update
    update_arg = "issue"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "with_actions": self.action != "list"}

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-registered_at", "-id")

    @extend_schema(request=IssueCreateSerializer, responses={201: IssueSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @extend_schema(request=IssueUpdateSerializer, responses=IssueSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        payload = dict(request.data)
        expected_version = payload.pop("version", None)
        data = IssueUpdateSerializer(data=payload, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.issue_update(
            actor=request.user,
            issue=instance,
            values=dict(data.validated_data),
            expected_version=_version(expected_version),
        )
        return self._read(instance)

    @extend_schema(request=IssueUpdateSerializer, responses=IssueSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def act(self, request: Request, transition: workflow.Transition) -> Response:
        issue = self.get_object()
        body = transition_serializer(transition)(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        version = values.pop("version", None)
        user = request.user
        if "unit" in values:
            values["unit"] = _pick(org_selectors.unit_directory(user), values["unit"], "unit")
        if values.get("chief") is not None:
            values["chief"] = _pick(org_selectors.person_list(user), values["chief"], "chief")
        services.issue_transition(actor=user, issue=issue, action=transition.action, expected_version=version, **values)
        return self._read(issue)

    @extend_schema(responses=EventSerializer(many=True), summary="The issue's timeline")
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str | None = None) -> Response:
        issue = self.get_object()
        return Response(EventSerializer(selectors.issue_timeline(request.user, issue), many=True).data)

    @extend_schema(
        methods=["GET"], responses=EvidenceSerializer(many=True), summary="The issue's photos and attachments"
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceSerializer},
        summary="Upload a photo or attachment",
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def evidence(self, request: Request, pk: str | None = None) -> Response:
        issue = self.get_object()
        if request.method == "GET":
            return Response(EvidenceSerializer(selectors.evidence_of(request.user, issue), many=True).data)
        upload = EvidenceUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        evidence = services.evidence_add(actor=request.user, issue=issue, **upload.validated_data)
        return Response(EvidenceSerializer(evidence).data, status=201)

    @extend_schema(responses=IssueSerializer(many=True), summary="Your units' work queue, overdue first")
    @action(detail=False, methods=["get"])
    def queue(self, request: Request) -> Response:
        return self._page(selectors.work_queue(request.user))

    @extend_schema(responses=IssueSerializer(many=True), summary="Issues waiting for your verification")
    @action(detail=False, methods=["get"], url_path="verification-queue")
    def verification_queue(self, request: Request) -> Response:
        return self._page(selectors.verification_queue(request.user))

    @extend_schema(
        responses=inline_serializer(
            "WorkflowStep",
            {
                "action": serializers.CharField(),
                "label": serializers.CharField(),
                "from": serializers.ListField(child=serializers.CharField()),
                "to": serializers.CharField(allow_null=True),
                "roles": serializers.ListField(child=serializers.CharField()),
                "params": serializers.ListField(child=serializers.CharField()),
                "required": serializers.ListField(child=serializers.CharField()),
            },
            many=True,
        ),
        summary="The workflow's transition table",
    )
    @action(detail=False, methods=["get"])
    def workflow(self, request: Request) -> Response:
        return Response(
            [
                {
                    "action": t.action,
                    "label": str(t.label),
                    "from": sorted(t.sources),
                    "to": t.target,
                    "roles": sorted(t.unit_roles | t.anywhere_roles),
                    "params": list(t.params),
                    "required": list(t.required),
                }
                for t in workflow.TRANSITIONS
            ]
        )

    def _page(self, qs: Any) -> Response:
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _version(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(fields={"version": ["A whole number."]}) from exc


def _pick(queryset: Any, pk: int, field: str) -> Any:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(fields={field: [f"No such {field}: {pk}."]})
    return found


def _make_action(transition: workflow.Transition) -> Any:
    def handler(self: IssueViewSet, request: Request, pk: str | None = None) -> Response:
        return self.act(request, transition)

    # Named do_<action>: a method called "dispatch" would replace the view's own dispatch().
    handler.__name__ = f"do_{transition.action}"
    handler.__doc__ = str(transition.description)
    decorated = extend_schema(
        request=transition_serializer(transition), responses=IssueSerializer, summary=str(transition.label)
    )(handler)
    slug = transition.action.replace("_", "-")
    return action(detail=True, methods=["post"], url_path=slug, url_name=slug)(decorated)


for _transition in workflow.TRANSITIONS:
    setattr(IssueViewSet, f"do_{_transition.action}", _make_action(_transition))


class EvidenceViewSet(AuditedAPIMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One photo or attachment (its file at ``url``), visible with its issue; ``void`` withdraws it."""

    serializer_class = EvidenceSerializer
    walk_model = Evidence

    def get_queryset(self) -> Any:
        return Evidence.objects.none()

    def get_object(self) -> Evidence:
        return selectors.evidence_get(self.request.user, self.kwargs["pk"])

    @extend_schema(request=VoidSerializer, responses={204: None}, summary="Withdraw with a reason")
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        evidence = self.get_object()
        body = VoidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.evidence_void(actor=request.user, evidence=evidence, reason=body.validated_data["reason"])
        return Response(status=204)


class CategorySerializer(serializers.ModelSerializer):
    time_unit_label = serializers.CharField(source="get_time_unit_display", read_only=True)

    class Meta:
        model = IssueCategory
        fields = [
            "id",
            "code",
            "name",
            "parent",
            "description",
            "time_limit",
            "time_unit",
            "time_unit_label",
            "yellow_lead",
            "severity",
            "open311",
        ]
        read_only_fields = fields


class CategoryViewSet(AuditedAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The active categories with their time limits (configuration, the same for everyone)."""

    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.category_choices(self.request.user)


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = IssueSource
        fields = ["id", "code", "name", "auto_dispatch"]
        read_only_fields = fields


class SourceViewSet(AuditedAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SourceSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.source_choices(self.request.user)


class StatisticsQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["unit", "category", "area", "source", "week"], default="unit")
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": "The end is before the start."})
        if (attrs["end"] - attrs["start"]).days > 3 * 366:
            raise serializers.ValidationError({"end": "Choose at most three years."})
        return attrs


class StatisticsView(AuditedAPIMixin, APIView):
    """Received, closed, due, closed on time, shelved, on-time rate, overdue now, reworks and recurrences."""

    @extend_schema(
        parameters=[
            OpenApiParameter("by", str, enum=["unit", "category", "area", "source", "week"]),
            OpenApiParameter("start", str, required=True, description="YYYY-MM-DD"),
            OpenApiParameter("end", str, required=True, description="YYYY-MM-DD"),
        ],
        responses=inline_serializer(
            "IssueStatistics",
            {
                "rows": serializers.ListField(child=serializers.DictField()),
                "total": serializers.DictField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        query = StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        period = selectors.Period.of_dates(data["start"], data["end"])
        rows = selectors.statistics(request.user, period, data["by"])

        def clean(row: dict[str, Any]) -> dict[str, Any]:
            out = {k: v for k, v in row.items() if not k.endswith("_id") and "__" not in k and k != "week"}
            out["key"] = str(row["key"]) if row.get("key") is not None else None
            out["rate"] = str(row["rate"]) if row["rate"] is not None else None
            return out

        return Response({"rows": [clean(r) for r in rows], "total": clean({**selectors.totals(rows), "key": None})})


# --- configuration: routing rules and Open311 clients ----------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class AreaField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return org_selectors.area_list(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class AccountField(serializers.PrimaryKeyRelatedField):
    """The account an Open311 client registers as (the service checks that it may register issues)."""

    def get_queryset(self) -> Any:
        from taizhang.org.models import User

        return User.objects.filter(is_active=True)


class ConfigVoidMixin:
    """``POST …/{id}/void/`` with a reason, through the model's void service."""

    void_service: ClassVar[Any]
    void_arg: ClassVar[str]

    @extend_schema(request=VoidSerializer, responses={204: None}, summary="Void with a reason")
    @action(detail=True, methods=["post"])
    def void(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()  # type: ignore[attr-defined]
        body = VoidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        type(self).void_service(actor=request.user, **{self.void_arg: instance}, reason=body.validated_data["reason"])
        return Response(status=204)


class RoutingRuleSerializer(serializers.ModelSerializer):
    area = AreaField(allow_null=True, required=False)
    category = CategoryField(allow_null=True, required=False)
    unit = DirectoryUnitField()
    chief = VisiblePersonField(allow_null=True, required=False)
    area_name = serializers.CharField(source="area.name", read_only=True, default=None)
    category_name = serializers.CharField(source="category.full_name", read_only=True, default=None)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = RoutingRule
        fields = [
            "id",
            "area",
            "area_name",
            "category",
            "category_name",
            "unit",
            "unit_name",
            "chief",
            "note",
            "is_active",
            "version",
        ]
        read_only_fields = ["id", "version"]


class RoutingRuleViewSet(ConfigVoidMixin, ScopedViewSet):
    """Routing rules (area × category → unit). Everyone reads the rules that send issues to units they see; the
    supervision office adds, changes and voids them (through the services: checked, audited)."""

    model = RoutingRule
    serializer_class = RoutingRuleSerializer
    list_selector = selectors.routing_rule_list
    create_service = services.routing_rule_create
    update_service = services.routing_rule_update
    void_service = services.routing_rule_void
    update_arg = void_arg = "rule"


class Open311ClientSerializer(serializers.ModelSerializer):
    user = AccountField()
    source = SourceField()  # type: ignore[assignment]
    coordinate_system = serializers.ChoiceField(choices=CoordinateSystem.choices, required=False)
    user_name = serializers.CharField(source="user.username", read_only=True)
    source_name = serializers.CharField(source="source.name", read_only=True)

    class Meta:
        model = Open311Client
        fields = [
            "id",
            "name",
            "key_prefix",
            "user",
            "user_name",
            "source",
            "source_name",
            "coordinate_system",
            "is_active",
            "version",
        ]
        read_only_fields = ["id", "key_prefix", "version"]


class Open311ClientCreatedSerializer(Open311ClientSerializer):
    api_key = serializers.CharField(read_only=True, help_text="Shown this once; only its hash is stored.")

    class Meta(Open311ClientSerializer.Meta):
        fields = [*Open311ClientSerializer.Meta.fields, "api_key"]


class Open311ClientViewSet(ConfigVoidMixin, ScopedViewSet):
    """Open311 clients (citizen apps, the 12345 hotline) and their API keys. Administrators add, change, void them
    and issue new keys; a key is shown once, in the answer that created it."""

    model = Open311Client
    serializer_class = Open311ClientSerializer
    list_selector = selectors.open311_client_list
    update_service = services.open311_client_update
    void_service = services.open311_client_void
    update_arg = void_arg = "client"

    @extend_schema(request=Open311ClientSerializer, responses={201: Open311ClientCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._write_serializer(request.data).validated_data
        client, key = services.open311_client_create(actor=request.user, **data)
        body = Open311ClientSerializer(self.get_queryset().get(pk=client.pk), context=self.get_serializer_context())
        return Response({**body.data, "api_key": key}, status=201)

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "Open311NewKey", {"api_key": serializers.CharField(), "key_prefix": serializers.CharField()}
        ),
        summary="Replace the API key (the old one stops working at once)",
    )
    @action(detail=True, methods=["post"], url_path="new-key")
    def new_key(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        client = self.get_object()
        key = services.open311_client_new_key(actor=request.user, client=client)
        return Response({"api_key": key, "key_prefix": key[:8]})
