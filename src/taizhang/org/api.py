"""API for units, people, memberships, areas, and routing a point to its area."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from taizhang.core.api import AuditedAPIMixin, ScopedViewSet, VoidSerializer
from taizhang.org import filtersets, selectors, services
from taizhang.org.models import Area, Membership, Person, Unit


class ScopedUnitField(serializers.PrimaryKeyRelatedField):
    """A unit reference that only accepts units the caller may see (others read as 'does not exist')."""

    def get_queryset(self) -> Any:
        return selectors.unit_choices(self.context["request"].user)


class ScopedUnitReferenceField(serializers.PrimaryKeyRelatedField):
    """A unit in scope, inactive and voided ones included: the service says why such a unit cannot be used."""

    def get_queryset(self) -> Any:
        return selectors.unit_references(self.context["request"].user)


class ScopedPersonField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return selectors.person_list(self.context["request"].user)


class UnitSerializer(serializers.ModelSerializer):
    parent = ScopedUnitField(allow_null=True, required=False)  # type: ignore[assignment]

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "kind",
            "parent",
            "division_code",
            "sort_order",
            "is_active",
            "version",
        ]
        read_only_fields = ["id", "version"]
        # Uniqueness and the rest are checked by the service, with the same messages as the forms.
        validators: list[Any] = []
        extra_kwargs: dict[str, Any] = {"code": {"validators": []}, "name": {"validators": []}}


class PersonSerializer(serializers.ModelSerializer):
    unit = ScopedUnitField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "title", "unit", "unit_name", "phone", "is_leader", "sort_order", "version"]
        read_only_fields = ["id", "version"]


class MembershipSerializer(serializers.ModelSerializer):
    unit = ScopedUnitReferenceField()
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "user", "username", "unit", "role", "is_active", "version"]
        read_only_fields = ["id", "version"]
        validators: list[Any] = []


class ScopedAreaField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> Any:
        return selectors.area_list(self.context["request"].user)


class AreaSerializer(serializers.ModelSerializer):
    responsible_unit = ScopedUnitField()
    chief = ScopedPersonField(allow_null=True, required=False)
    parent = ScopedAreaField(allow_null=True, required=False)  # type: ignore[assignment]
    geometry = serializers.JSONField()

    class Meta:
        model = Area
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "geometry",
            "responsible_unit",
            "chief",
            "parent",
            "is_active",
            "version",
        ]
        read_only_fields = ["id", "version"]
        extra_kwargs: dict[str, Any] = {"code": {"validators": []}}


class VoidActionMixin:
    void_service: ClassVar[Any]
    void_arg: ClassVar[str]

    @extend_schema(request=VoidSerializer, summary="Void with a reason")
    @action(detail=True, methods=["post"])
    def void(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()  # type: ignore[attr-defined]
        serializer = VoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        type(self).void_service(
            actor=request.user, **{self.void_arg: instance}, reason=serializer.validated_data["reason"]
        )
        return Response(status=204)


class UnitViewSet(VoidActionMixin, ScopedViewSet):
    model = Unit
    serializer_class = UnitSerializer
    filterset_class = filtersets.UnitFilterSet
    list_selector = selectors.unit_list
    create_service = services.unit_create
    update_service = services.unit_update
    void_service = services.unit_void
    update_arg = void_arg = "unit"


class PersonViewSet(VoidActionMixin, ScopedViewSet):
    model = Person
    serializer_class = PersonSerializer
    filterset_class = filtersets.PersonFilterSet
    list_selector = selectors.person_list
    create_service = services.person_create
    update_service = services.person_update
    void_service = services.person_void
    update_arg = void_arg = "person"


class MembershipViewSet(VoidActionMixin, ScopedViewSet):
    model = Membership
    serializer_class = MembershipSerializer
    filterset_class = filtersets.MembershipFilterSet
    list_selector = selectors.membership_list
    create_service = services.membership_create
    update_service = services.membership_update
    void_service = services.membership_void
    update_arg = void_arg = "membership"


class AreaViewSet(VoidActionMixin, ScopedViewSet):
    model = Area
    serializer_class = AreaSerializer
    filterset_class = filtersets.AreaFilterSet
    list_selector = selectors.area_list
    create_service = services.area_create
    update_service = services.area_update
    void_service = services.area_void
    update_arg = void_arg = "area"


class RouteQuerySerializer(serializers.Serializer):
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    tolerance_m = serializers.FloatField(min_value=0, max_value=1000, required=False)


class RoutePointView(AuditedAPIMixin, APIView):
    """Which of the areas you can see own this point, and which unit is responsible.

    District-wide users route over every area (and learn the default unit for a point outside all of them);
    anyone else is answered from their own scope's areas only, as the map page shows them.
    """

    # The scoping walk asks for a point inside the square its area factory draws for every unit
    # (org/tests/world.py), so the answer before and after unit B's areas exist must not differ for reporter_a.
    walk_query: ClassVar[dict[str, str]] = {"longitude": "113.605", "latitude": "34.705"}

    @extend_schema(
        parameters=[RouteQuerySerializer],
        responses=inline_serializer(
            "Route",
            {
                "longitude": serializers.FloatField(),
                "latitude": serializers.FloatField(),
                "fallback": serializers.BooleanField(help_text="Outside every area: routed to the default unit."),
                "district_wide": serializers.BooleanField(
                    help_text="The answer covers every area; otherwise only the areas of your own units."
                ),
                "message": serializers.CharField(),
                "unit": serializers.DictField(allow_null=True),
                "chief_id": serializers.IntegerField(allow_null=True),
                "areas": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        query = RouteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        route = selectors.point_route(
            request.user,
            query.validated_data["longitude"],
            query.validated_data["latitude"],
            tolerance_m=query.validated_data.get("tolerance_m"),
        )
        return Response(
            {
                "longitude": route.longitude,
                "latitude": route.latitude,
                "fallback": route.fallback,
                "district_wide": route.district_wide,
                "message": route.message,
                "unit": route.unit,
                "chief_id": route.chief_id,
                "areas": [
                    {
                        "id": h.area_id,
                        "code": h.code,
                        "name": h.name,
                        "kind": h.kind,
                        "unit_id": h.unit_id,
                        "distance_m": h.distance_m,
                    }
                    for h in route.hits
                ],
            }
        )
