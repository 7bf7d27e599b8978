"""Background jobs: send the outbox."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from taizhang.core.audit import Source, audit_context


@task()
def send_deliveries(ids: list[int] | None = None) -> dict[str, Any]:
    """Send the given deliveries (or every due one)."""
    from taizhang.notifications.services import send_due

    with audit_context(None, Source.JOB):
        return send_due(ids=ids)
