"""Who did what, from where, and why.

Every write runs inside an :func:`audit_context`. Web requests, API calls, commands, jobs and imports each open
one; the history row that django-simple-history writes for a change takes its user, source and reason from
the innermost context. A service refuses to write outside a context, so a change can never be silent.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from taizhang.org.models import User


class Source(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    ADMIN = "admin", _("Admin")
    COMMAND = "command", _("Command")
    JOB = "job", _("Job")
    IMPORT = "import", _("Import")
    OPEN311 = "open311", _("Open311")
    SYSTEM = "system", _("System")


@dataclass(frozen=True)
class AuditContext:
    user: User | None
    source: str
    reason: str = ""


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("taizhang_audit", default=None)


class AuditContextMissing(RuntimeError):
    """A write was attempted with no audit context open: whoever called the service forgot to open one."""


@contextlib.contextmanager
def audit_context(user: User | None, source: str | Source, reason: str = "") -> Iterator[AuditContext]:
    """Open an audit context; nested contexts override the outer one until they close."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    ctx = AuditContext(user=user, source=str(source), reason=reason)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def current() -> AuditContext | None:
    return _current.get()


def require() -> AuditContext:
    ctx = _current.get()
    if ctx is None:
        raise AuditContextMissing(
            "No audit context is open. Wrap the call in audit_context(user, source) "
            "(web and API requests, commands, jobs and imports open one for you)."
        )
    return ctx


@contextlib.contextmanager
def acting(user: User | None, reason: str = "") -> Iterator[AuditContext]:
    """Within the open context, record ``user`` as the actor (the source stays that of the caller)."""
    outer = require()
    with audit_context(user, outer.source, reason or outer.reason) as ctx:
        yield ctx


class AuditedHistory(models.Model):
    """Extra columns on every history table: where the change came from."""

    history_source = models.CharField(max_length=16, default=Source.SYSTEM, db_index=True)

    class Meta:
        abstract = True


def history_user(instance: Any = None, request: Any = None, **kwargs: Any) -> User | None:
    ctx = _current.get()
    if ctx is not None:
        return ctx.user
    return None


def _fill_history_row(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    ctx = _current.get()
    if ctx is None:
        return
    history_instance.history_source = ctx.source
    if not history_instance.history_change_reason and ctx.reason:
        history_instance.history_change_reason = ctx.reason[:100]
    if history_instance.history_user_id is None and ctx.user is not None:
        history_instance.history_user_id = ctx.user.pk


def connect_signals() -> None:
    from simple_history.signals import pre_create_historical_record

    pre_create_historical_record.connect(_fill_history_row, dispatch_uid="taizhang_audit_fill")


def history_records(**kwargs: Any) -> Any:
    """``HistoricalRecords`` configured for taizhang: audited columns, user from the audit context."""
    from simple_history.models import HistoricalRecords

    kwargs.setdefault("bases", [AuditedHistory])
    kwargs.setdefault("get_user", history_user)
    kwargs.setdefault("history_change_reason_field", models.TextField(null=True))
    return HistoricalRecords(**kwargs)
