"""Reads of import batches that a user sees: the batches of the units in their scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from taizhang.core.scoping import get_in_scope, scope_for
from taizhang.ledgers.models import ImportBatch, ImportRow


def import_batch_list(user: Any) -> QuerySet[ImportBatch]:
    qs = ImportBatch.objects.live().select_related("unit", "created_by", "committed_by")
    return scope_for(user).filter(qs, *ImportBatch.scope_fields)


def import_batch_get(user: Any, pk: int) -> ImportBatch:
    return get_in_scope(import_batch_list(user), pk=pk)


def import_rows(
    user: Any, batch: ImportBatch, *, outcome: str = "", problems_only: bool = False
) -> QuerySet[ImportRow]:
    """The rows of a batch the user may see (the batch itself was fetched through :func:`import_batch_get`)."""
    visible = import_batch_list(user).filter(pk=batch.pk)
    qs = ImportRow.objects.filter(batch__in=visible).order_by("number")
    if outcome:
        qs = qs.filter(outcome=outcome)
    if problems_only:
        qs = qs.exclude(problems=[])
    return qs


def recent_import_batches(user: Any, limit: int = 5) -> list[ImportBatch]:
    return list(import_batch_list(user).order_by("-created_at", "-id")[:limit])
