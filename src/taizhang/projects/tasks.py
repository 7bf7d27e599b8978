"""Background jobs of the key-project ledger."""

from __future__ import annotations

from django_tasks import task

from taizhang.core.audit import Source, audit_context


@task()
def refresh_lights() -> int:
    """Recompute this year's lights: milestones fall due and thresholds take effect as days pass."""
    from taizhang.projects.services import lights_refresh

    with audit_context(None, Source.JOB):
        return lights_refresh(actor=None)
