"""The one API error shape: ``{"code", "message", "fields"}``, whatever raised the error."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from taizhang.core.errors import DomainError, NotFound, ValidationFailed


def error_response(code: str, message: str, fields: dict[str, Any] | None, status_code: int) -> Response:
    return Response({"code": code, "message": message, "fields": fields or {}}, status=status_code)


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            elif isinstance(value, list):
                out[str(key)] = [str(v) if not isinstance(v, dict) else str(_flatten(v)) for v in value]
            else:
                out[str(key)] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"__all__": [str(v) for v in detail]}
    return {"__all__": [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error, whatever raised it, is ``{"code", "message", "fields"}``."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationFailed.from_django(exc)
    if isinstance(exc, DomainError):
        return error_response(exc.code, exc.message, exc.fields, exc.status)
    if isinstance(exc, Http404):
        nf = NotFound()
        return error_response(nf.code, nf.message, {}, 404)
    if isinstance(exc, DjangoPermissionDenied):
        return error_response("permission_denied", _("You may not do this."), {}, 403)
    if isinstance(exc, drf_exceptions.ValidationError):
        fields = _flatten(exc.detail)
        non_field = fields.get("non_field_errors") or fields.get("__all__")
        message = "; ".join(non_field) if non_field else _("Some fields are not valid.")
        return error_response("invalid", message, fields, 400)
    if isinstance(exc, drf_exceptions.APIException):
        code = exc.get_codes()
        code_str = code if isinstance(code, str) else exc.default_code
        response = error_response(
            str(code_str),
            str(exc.detail) if not isinstance(exc.detail, dict | list) else str(exc.default_detail),
            {},
            exc.status_code,
        )
        if getattr(exc, "wait", None):
            response["Retry-After"] = f"{int(exc.wait)}"  # type: ignore[attr-defined]
        if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
            response["WWW-Authenticate"] = 'Token realm="api"'
        return response
    return None
