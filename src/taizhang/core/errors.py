"""Application errors. One type family, turned into one API shape ``{"code", "message", "fields"}``
and into form errors in the UI."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of all errors a user can cause and be told about."""

    code = "error"
    status = 400
    default_message: Any = _("The request could not be processed.")

    def __init__(self, message: Any = None, *, fields: dict[str, list[str]] | None = None) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.fields = {k: [str(m) for m in v] for k, v in (fields or {}).items()}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class ValidationFailed(DomainError):
    code = "invalid"
    default_message = _("Some fields are not valid.")

    @classmethod
    def from_django(cls, exc: DjangoValidationError) -> ValidationFailed:
        if hasattr(exc, "error_dict"):
            fields = {
                field: [str(m) for err in errors for m in err.messages] for field, errors in exc.error_dict.items()
            }
            non_field = fields.pop("__all__", [])
            message = "; ".join(non_field) if non_field else _summarise(fields)
            if non_field:
                fields["__all__"] = non_field
            return cls(message, fields=fields)
        return cls("; ".join(exc.messages))


def _summarise(fields: dict[str, list[str]]) -> str:
    parts = [f"{field}: {' '.join(msgs)}" for field, msgs in fields.items()]
    return "; ".join(parts) or str(ValidationFailed.default_message)


class NotFound(DomainError):
    """Missing and out-of-scope look the same, so nothing leaks about objects a user may not see."""

    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    """The object is visible to the user, but the action is not theirs to take."""

    code = "permission_denied"
    status = 403
    default_message = _("You may not do this.")


class Conflict(DomainError):
    """Someone else changed the record since it was read: reload and try again; nothing was lost."""

    code = "conflict"
    status = 409
    default_message = _("This record was changed by someone else since you opened it. Reload and try again.")


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"
    status = 409
    default_message = _("This action is not allowed now.")
