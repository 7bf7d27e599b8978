"""Reads of core records that a user sees."""

from __future__ import annotations

from typing import Any

from taizhang.core.models import ViewPreference


def chosen_columns(user: Any, key: str) -> list[str] | None:
    if not user.is_authenticated:
        return None
    return ViewPreference.objects.filter(user=user, key=key).values_list("columns", flat=True).first()


def instruction_list(user: Any) -> Any:
    from taizhang.core.models import Instruction
    from taizhang.core.scoping import scope_for

    qs = Instruction.objects.live().select_related("unit", "target_type", "in_reply_to")
    return scope_for(user).filter(qs, *Instruction.scope_fields)


def instructions_on(user: Any, target: Any) -> list[Any]:
    """The instructions and replies on a record the caller may see, oldest first, replies under each."""
    from django.contrib.contenttypes.models import ContentType

    rows = list(
        instruction_list(user)
        .filter(target_type=ContentType.objects.get_for_model(type(target)), target_id=target.pk)
        .order_by("created_at", "pk")
    )
    threads = [row for row in rows if row.in_reply_to_id is None]
    for thread in threads:
        thread.thread_replies = [row for row in rows if row.in_reply_to_id == thread.pk]
    return threads
