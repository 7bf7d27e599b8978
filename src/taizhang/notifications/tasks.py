"""Background jobs: send the outbox; prune old job results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from taizhang.core.audit import Source, audit_context

# Finished job results (the periodic jobs leave a few hundred a day) are kept this long for the admin to look at.
KEEP_RESULTS = dt.timedelta(days=14)


@task()
def send_deliveries(ids: list[int] | None = None) -> dict[str, Any]:
    """Send the given deliveries (or every due one)."""
    from taizhang.notifications.services import send_due

    with audit_context(None, Source.JOB):
        return send_due(ids=ids)


@task()
def prune_task_results() -> dict[str, Any]:
    """Delete finished (succeeded or failed) results of background jobs older than two weeks."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    old = DBTaskResult.objects.finished().filter(finished_at__lt=timezone.now() - KEEP_RESULTS)
    deleted, _by_model = old.delete()
    return {"deleted": deleted}
