"""Background jobs of the issue ledger."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from taizhang.core.audit import Source, audit_context


@task()
def remind_deadlines() -> dict[str, Any]:
    """Flag issues that turned yellow or red and tell their units (``taizhang issues_remind`` enqueues it)."""
    from taizhang.issues.services import issues_remind

    with audit_context(None, Source.JOB):
        return issues_remind(actor=None)
