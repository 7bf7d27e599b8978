"""Building blocks of every service: the ``@service`` decorator and audited create / change / void.

A service is keyword-only, takes the acting user as ``actor``, runs in one transaction inside the caller's
audit context, validates with ``full_clean()`` before it saves, and saves only the fields that changed.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taizhang.core import audit
from taizhang.core.errors import Conflict, ValidationFailed
from taizhang.core.models import LedgerModel

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=models.Model)


# The service currently running (innermost), so that tests can attribute history rows to services.
running_service: contextvars.ContextVar[str | None] = contextvars.ContextVar("taizhang_service", default=None)


def service(func: Callable[P, R] | None = None, *, audited: bool = True) -> Any:
    """Mark a write: keyword-only, atomic, audited as ``actor`` within the caller's audit context.

    ``audited=False`` is for writes of user preferences that are not ledger data (no history row).
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        name = f"{func.__module__}.{func.__name__}"

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if args:
                raise TypeError(f"{func.__name__}() takes keyword arguments only")
            if "actor" not in kwargs:
                raise TypeError(f"{func.__name__}() needs actor=")
            audit.require()
            reason = kwargs.get("reason") or ""
            token = running_service.set(name)
            try:
                with transaction.atomic(), audit.acting(kwargs["actor"], str(reason)):  # type: ignore[arg-type]
                    return func(*args, **kwargs)
            finally:
                running_service.reset(token)

        wrapper.service_name = name  # type: ignore[attr-defined]
        wrapper.audited = audited  # type: ignore[attr-defined]
        return wrapper

    return decorate(func) if func is not None else decorate


def validated_save(instance: M, *, update_fields: list[str] | None = None, exclude: list[str] | None = None) -> M:
    """``full_clean()`` then save; Django validation errors become one :class:`ValidationFailed`."""
    try:
        instance.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as exc:  # a race past validate_unique(): same answer as the validation would give
        raise ValidationFailed(_("This record clashes with another one: %(error)s") % {"error": exc}) from exc
    return instance


def create(model: type[M], **values: Any) -> M:
    return validated_save(model(**values))


def change(
    instance: M,
    values: Mapping[str, Any],
    *,
    expected_version: int | None = None,
) -> list[str]:
    """Apply ``values`` to ``instance`` and save the fields that really changed; return their names.

    With ``expected_version`` the row is locked and compared first: if someone saved in between, the call
    raises :class:`Conflict` and changes nothing.
    """
    if isinstance(instance, LedgerModel):
        _check_version(instance, expected_version)
    changed: list[str] = []
    for name, value in values.items():
        field = instance._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            new_id = value.pk if isinstance(value, models.Model) else value
            if getattr(instance, field.attname) != new_id:
                setattr(instance, name if isinstance(value, models.Model) else field.attname, value)
                changed.append(name)
        elif getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    if not changed:
        return []
    update_fields = [*changed]
    if isinstance(instance, LedgerModel):
        instance.version += 1
        update_fields += ["version", "updated_at"]
    validated_save(instance, update_fields=update_fields)
    return changed


def _check_version(instance: LedgerModel, expected_version: int | None) -> None:
    if expected_version is None or instance.pk is None:
        return
    # Without the model's ordering (ordering by a nullable relation joins it, and PostgreSQL cannot lock the
    # nullable side of an outer join) and locking this table's row only.
    manager = type(instance)._default_manager
    stored = manager.order_by().select_for_update(of=("self",)).filter(pk=instance.pk).values_list("version", flat=True)
    current = stored.first()
    if current is None or current != expected_version or instance.version != expected_version:
        raise Conflict


def void(instance: LedgerModel, *, actor: Any, reason: str) -> LedgerModel:
    """Void a ledger record: it stays in the database and in history, out of lists and counts."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Give a reason for voiding.")]})
    if instance.is_void:
        raise ValidationFailed(_("This record is already voided."))
    instance.voided_at = timezone.now()
    instance.voided_by = actor
    instance.void_reason = reason[:200]
    instance.version += 1
    instance.save(update_fields=["voided_at", "voided_by", "void_reason", "version", "updated_at"])
    return instance


@service(audited=False)
def columns_choose(*, actor: Any, key: str, columns: list[str]) -> None:
    """Remember which columns ``actor`` wants on the list page ``key``; an empty choice restores defaults."""
    from taizhang.core.models import ViewPreference

    if not columns:
        ViewPreference.objects.filter(user=actor, key=key).delete()
        return
    ViewPreference.objects.update_or_create(user=actor, key=key, defaults={"columns": list(columns)})


# --- instructions (批示) ----------------------------------------------------------------------------------


def _author_name(user: Any) -> str:
    person = getattr(user, "person", None)
    if person is not None:
        return f"{person.name}（{person.title}）" if person.title else person.name
    return user.get_full_name() or user.get_username()


@service
def instruction_add(*, actor: Any, target: Any, text: str) -> Any:
    """A leader or supervisor instructs on a record the caller has already fetched through a selector.

    The instruction is filed under the record's owning unit, so it is seen exactly where the record is.
    """
    from django.contrib.contenttypes.models import ContentType

    from taizhang.core.models import Instruction
    from taizhang.core.permissions import ensure, unit_id_of

    ensure(actor, "core.add_instruction")
    unit_id = unit_id_of(target)
    if unit_id is None:
        raise ValidationFailed(_("This record has no responsible unit to instruct."))
    return create(
        Instruction,
        target_type=ContentType.objects.get_for_model(type(target)),
        target_id=target.pk,
        target_label=str(target)[:200],
        unit_id=unit_id,
        kind=Instruction.Kind.INSTRUCTION,
        author=actor,
        author_name=_author_name(actor),
        text=(text or "").strip(),
    )


@service
def instruction_reply(*, actor: Any, instruction: Any, text: str) -> Any:
    """The responsible unit (or the supervision office) answers an instruction: what was done, what is next."""
    from taizhang.core.models import Instruction
    from taizhang.core.permissions import ensure

    ensure(actor, "core.reply_instruction", instruction)
    if instruction.kind != Instruction.Kind.INSTRUCTION:
        raise ValidationFailed(_("Replies answer an instruction, not another reply."))
    return create(
        Instruction,
        target_type=instruction.target_type,
        target_id=instruction.target_id,
        target_label=instruction.target_label,
        unit_id=instruction.unit_id,
        kind=Instruction.Kind.REPLY,
        in_reply_to=instruction,
        author=actor,
        author_name=_author_name(actor),
        text=(text or "").strip(),
    )


# --- the workday calendar's overrides ------------------------------------------------------------------

WORKDAY_OVERRIDE_FIELDS = ("date", "is_workday", "name")


@service
def workday_override_create(*, actor: Any, date: Any, is_workday: bool, name: str = "") -> Any:
    """Record that ``date`` is (or is not) a workday; every deadline computed afterwards follows it."""
    from taizhang.core import workdays
    from taizhang.core.models import WorkdayOverride
    from taizhang.core.permissions import ensure

    ensure(actor, "core.add_workdayoverride")
    override = create(WorkdayOverride, date=date, is_workday=is_workday, name=name)
    transaction.on_commit(workdays.invalidate)
    return override


@service
def workday_override_update(
    *, actor: Any, override: Any, values: dict[str, Any], expected_version: int | None = None
) -> Any:
    """Change an override; the calendar is reloaded everywhere once the change commits."""
    from taizhang.core import workdays
    from taizhang.core.permissions import ensure

    ensure(actor, "core.change_workdayoverride", override)
    unknown = set(values) - set(WORKDAY_OVERRIDE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    if change(override, values, expected_version=expected_version):
        transaction.on_commit(workdays.invalidate)
    return override


@service
def workday_override_void(*, actor: Any, override: Any, reason: str) -> Any:
    """Withdraw an override: the day follows the statutory calendar (or weekends) again."""
    from taizhang.core import workdays
    from taizhang.core.permissions import ensure

    ensure(actor, "core.void_workdayoverride", override)
    void(override, actor=actor, reason=reason)
    transaction.on_commit(workdays.invalidate)
    return override
