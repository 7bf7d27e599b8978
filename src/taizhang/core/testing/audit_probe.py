"""Record the history rows that services write, to prove every write path is audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from simple_history.signals import post_create_historical_record

from taizhang.core.services import running_service


@dataclass(frozen=True)
class HistoryRow:
    service: str | None
    model: str
    user_id: int | None
    source: str


@contextmanager
def history_probe() -> Iterator[list[HistoryRow]]:
    rows: list[HistoryRow] = []

    def receiver(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
        rows.append(
            HistoryRow(
                running_service.get(),
                type(instance)._meta.label,
                history_instance.history_user_id,
                history_instance.history_source,
            )
        )

    post_create_historical_record.connect(receiver, dispatch_uid="taizhang_history_probe")
    try:
        yield rows
    finally:
        post_create_historical_record.disconnect(dispatch_uid="taizhang_history_probe")


def services_of(module: ModuleType) -> dict[str, Any]:
    """The audited services a module defines (``@service``, not ``audited=False``)."""
    return {
        value.service_name: value
        for value in vars(module).values()
        if callable(value)
        and getattr(value, "service_name", "").startswith(module.__name__ + ".")
        and getattr(value, "audited", False)
    }
