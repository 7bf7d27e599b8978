"""API base: scoped viewsets that read through selectors and write through services, one error shape,
pagination, and the audit context for token-authenticated calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.db.models import Model, QuerySet
from rest_framework import exceptions as drf_exceptions
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from taizhang.core import audit
from taizhang.core.audit import Source
from taizhang.core.errors import NotFound


class AuditedAPIMixin:
    """Token authentication happens inside DRF, after the middleware: re-open the audit context here."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        outer = audit.current()
        source = outer.source if outer is not None else Source.API
        cm = audit.audit_context(request.user, source)  # type: ignore[arg-type]
        cm.__enter__()
        self._audit_cm: Any = cm

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        cm = getattr(self, "_audit_cm", None)
        if cm is not None:
            cm.__exit__(None, None, None)
            self._audit_cm = None
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


class ScopedViewSet(AuditedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Read through the app's selectors; write (where offered) through its services.

    Subclasses set ``model``, ``list_selector`` (user -> queryset) and the serializers. Writes are offered by
    setting ``create_service`` / ``update_service`` / ``void_service``; each receives ``actor=`` and the
    validated data, so the API obeys the same rules as the forms.
    """

    model: ClassVar[type[Model]]
    list_selector: ClassVar[Callable[..., QuerySet[Any]]]
    write_serializer_class: ClassVar[type[serializers.Serializer] | None] = None
    create_service: ClassVar[Callable[..., Any] | None] = None
    update_service: ClassVar[Callable[..., Any] | None] = None
    void_service: ClassVar[Callable[..., Any] | None] = None
    update_arg: ClassVar[str] = ""

    def get_queryset(self) -> QuerySet[Any]:
        return type(self).list_selector(self.request.user)

    def get_object(self) -> Any:
        queryset = self.filter_queryset(self.get_queryset())
        try:
            return queryset.get(pk=self.kwargs["pk"])
        except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
            raise NotFound from exc

    def _write_serializer(self, data: Any, partial: bool = False, instance: Any = None) -> serializers.BaseSerializer:
        serializer_class = self.write_serializer_class or self.get_serializer_class()
        serializer = serializer_class(instance, data=data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer

    def _read(self, instance: Any, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if type(self).create_service is None:
            raise drf_exceptions.MethodNotAllowed(request.method or "POST")
        data = self._write_serializer(request.data).validated_data
        instance = type(self).create_service(actor=request.user, **data)  # type: ignore[misc]
        return self._read(instance, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if type(self).update_service is None:
            raise drf_exceptions.MethodNotAllowed(request.method or "PATCH")
        instance = self.get_object()
        payload = dict(request.data)
        expected_version = payload.pop("version", None)
        data = self._write_serializer(payload, partial=True, instance=instance).validated_data
        type(self).update_service(  # type: ignore[misc]
            actor=request.user,
            **{self.update_arg: instance},
            values=dict(data),
            expected_version=int(expected_version) if expected_version is not None else None,
        )
        return self._read(instance)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]
