"""API for instructions (批示): list what the caller may see; instruct on a record; reply."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from taizhang.core import selectors, services, targets
from taizhang.core.api import ScopedViewSet
from taizhang.core.models import Instruction


class InstructionSerializer(serializers.ModelSerializer):
    target = serializers.SerializerMethodField()

    class Meta:
        model = Instruction
        fields = [
            "id",
            "kind",
            "target",
            "target_id",
            "target_label",
            "unit",
            "in_reply_to",
            "author_name",
            "text",
            "created_at",
        ]
        read_only_fields = fields

    def get_target(self, obj: Instruction) -> str:
        return f"{obj.target_type.app_label}.{obj.target_type.model}"


class InstructSerializer(serializers.Serializer):
    target = serializers.CharField(help_text="app_label.model, e.g. org.unit")
    target_id = serializers.IntegerField()
    text = serializers.CharField(max_length=2000)


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class InstructionViewSet(ScopedViewSet):
    model = Instruction
    serializer_class = InstructionSerializer
    list_selector = selectors.instruction_list

    @extend_schema(request=InstructSerializer, responses={201: InstructionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = InstructSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        target = targets.get_target(request.user, payload.validated_data["target"], payload.validated_data["target_id"])
        instruction = services.instruction_add(actor=request.user, target=target, text=payload.validated_data["text"])
        return self._read(instruction, status.HTTP_201_CREATED)

    @extend_schema(request=ReplySerializer, responses={201: InstructionSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instruction = self.get_object()
        payload = ReplySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reply = services.instruction_reply(
            actor=request.user, instruction=instruction, text=payload.validated_data["text"]
        )
        return self._read(reply, status.HTTP_201_CREATED)
