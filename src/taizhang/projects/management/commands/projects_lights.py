"""Recompute the key projects' lights. For cron, once a day after midnight:

    5 0 * * *  taizhang projects_lights

By default the job is queued for the job worker (``taizhang db_worker``, started by ``taizhang serve``);
``--now`` runs it in this process instead.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from taizhang.core.audit import Source
from taizhang.core.commands import AuditedCommand


class Command(AuditedCommand):
    help = "Recompute this year's project lights (queued for the job worker, or --now)."
    audit_source = Source.JOB

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--now", action="store_true", help="run in this process instead of queueing")
        parser.add_argument("--year", type=int, help="the year whose lights to recompute (default: this year)")

    def handle(self, *args: Any, **options: Any) -> None:
        from taizhang.projects.services import lights_refresh
        from taizhang.projects.tasks import refresh_lights

        if options["now"] or options["year"]:
            changed = lights_refresh(actor=None, year=options["year"])
            self.stdout.write(f"changed={changed}")
            return
        result = refresh_lights.enqueue()
        self.stdout.write(f"queued {result.id}")
