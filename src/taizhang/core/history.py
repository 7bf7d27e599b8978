"""Field-by-field history of a record, from django-simple-history rows."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import models

from taizhang.core.tables import format_value

_TYPE_LABELS = {"+": "created", "~": "changed", "-": "deleted"}


def history_entries(obj: Any, limit: int = 200) -> list[dict[str, Any]]:
    """Newest first: who, when, source, reason, and each changed field with its old and new value."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    model = type(obj)
    entries = []
    fk_ids: dict[type[models.Model], set[Any]] = defaultdict(set)
    raw: list[tuple[Any, list[tuple[models.Field, Any, Any]]]] = []
    for i, record in enumerate(records[:limit]):
        previous = records[i + 1] if i + 1 < len(records) else None
        changes: list[tuple[models.Field, Any, Any]] = []
        if previous is not None and record.history_type != "+":
            delta = record.diff_against(previous)
            for change in delta.changes:
                field = model._meta.get_field(change.field)
                changes.append((field, change.old, change.new))
        elif record.history_type == "+":
            for field in model._meta.concrete_fields:
                if field.name in ("id", "created_at", "updated_at", "version", "search_text"):
                    continue
                if not hasattr(record, field.attname):
                    continue
                value = getattr(record, field.attname)
                if value in (None, "", [], {}):
                    continue
                changes.append((field, None, value))
        for field, old, new in changes:
            if isinstance(field, models.ForeignKey):
                fk_ids[field.related_model].update(v for v in (old, new) if v is not None)
        raw.append((record, changes))
    names = {
        related: {o.pk: str(o) for o in related._default_manager.filter(pk__in=ids)} for related, ids in fk_ids.items()
    }
    for record, changes in raw:
        rows = []
        for field, old, new in changes:
            rows.append(
                {
                    "field": field.verbose_name,
                    "old": _display(field, old, names),
                    "new": _display(field, new, names),
                }
            )
        entries.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "source": getattr(record, "history_source", ""),
                "reason": record.history_change_reason or "",
                "type": _TYPE_LABELS.get(record.history_type, record.history_type),
                "changes": rows,
            }
        )
    return entries


def _display(field: models.Field, value: Any, names: dict[Any, dict[Any, str]]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(field, models.ForeignKey):
        return names.get(field.related_model, {}).get(value, f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.JSONField):
        text = str(value)
        return text if len(text) <= 120 else text[:117] + "…"
    if isinstance(field, models.BooleanField):
        return format_value(value, "bool")
    return format_value(value)
