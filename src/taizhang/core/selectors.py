"""Reads of core records that a user sees."""

from __future__ import annotations

from typing import Any

from taizhang.core.models import ViewPreference


def chosen_columns(user: Any, key: str) -> list[str] | None:
    if not user.is_authenticated:
        return None
    return ViewPreference.objects.filter(user=user, key=key).values_list("columns", flat=True).first()
