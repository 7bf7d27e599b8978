"""Send every due message of the outbox (for cron: retries do not depend on the job worker)."""

from __future__ import annotations

from typing import Any

from taizhang.core.audit import Source
from taizhang.core.commands import AuditedCommand
from taizhang.notifications.services import send_due


class Command(AuditedCommand):
    help = "Send pending and retrying notifications (e-mail, group robots). Safe to run every minute."
    audit_source = Source.JOB

    def handle(self, *args: Any, **options: Any) -> None:
        counts = send_due()
        self.stdout.write(" ".join(f"{key}={value}" for key, value in counts.items()))
