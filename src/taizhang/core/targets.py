"""Ledger records that can be addressed generically (instructions, attachments): model label -> scoped getter.

Every ``DetailPage`` registers its model and getter here, so whatever has a detail page can be the target of
an instruction, found only by users who may see it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model
from django.urls import NoReverseMatch, reverse

from taizhang.core.errors import NotFound

_getters: dict[str, tuple[type[Model], Callable[..., Any]]] = {}


def register(model: type[Model], getter: Callable[..., Any]) -> None:
    _getters[model._meta.label_lower] = (model, getter)


def label_of(obj: Model) -> str:
    return obj._meta.label_lower


def get_target(user: Any, label: str, pk: Any) -> Any:
    """The record ``label``/``pk`` if ``user`` may see it; NotFound otherwise (unknown kinds included)."""
    entry = _getters.get(str(label).lower())
    if entry is None:
        raise NotFound
    try:
        return entry[1](user, int(pk))
    except (TypeError, ValueError) as exc:
        raise NotFound from exc


def url_for(obj: Any) -> str | None:
    try:
        return reverse(f"{obj._meta.app_label}:{obj._meta.model_name}_detail", args=[obj.pk])
    except NoReverseMatch:
        return None
