"""API: the caller's notifications, and marking them read."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from taizhang.core.api import AuditedAPIMixin
from taizhang.core.errors import NotFound
from taizhang.notifications import selectors, services
from taizhang.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class NotificationViewSet(AuditedAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your own notifications, newest first (``?unread=1`` for unread ones)."""

    serializer_class = NotificationSerializer
    walk_model = Notification

    def get_queryset(self) -> Any:
        qs = selectors.notification_list(self.request.user)
        if self.request.query_params.get("unread"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(request=None, responses=NotificationSerializer, summary="Mark one notification read")
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        try:
            note = selectors.notification_get(request.user, int(pk or 0))
        except (ValueError, NotFound) as exc:
            raise NotFound from exc
        services.notification_read(actor=request.user, notification=note)
        return Response(NotificationSerializer(note).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()}),
        summary="Mark all read",
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": services.notification_read_all(actor=request.user)})
