"""Flag issues whose light turned yellow or red (and shelved issues due for review) and remind their units and the
supervision office. ``taizhang serve`` runs this every 15 minutes through its scheduler; without it, from cron:

    */15 * * * *  taizhang issues_remind

By default the check is queued for the job worker (``taizhang db_worker``, started by ``taizhang serve``);
``--now`` runs it in this process instead.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from taizhang.core.audit import Source
from taizhang.core.commands import AuditedCommand


class Command(AuditedCommand):
    help = "Flag yellow and overdue issues and remind their units (queued for the job worker, or --now)."
    audit_source = Source.JOB

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--now", action="store_true", help="run in this process instead of queueing")

    def handle(self, *args: Any, **options: Any) -> None:
        from taizhang.issues.services import issues_remind
        from taizhang.issues.tasks import remind_deadlines

        if options["now"]:
            counts = issues_remind(actor=None)
            self.stdout.write(f"yellow={counts['yellow']} overdue={counts['overdue']} review={counts['review']}")
            return
        result = remind_deadlines.enqueue()
        self.stdout.write(f"queued {result.id}")
