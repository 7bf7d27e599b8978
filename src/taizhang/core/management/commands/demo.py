"""Build the demo district: units, people, areas, users for every role, and each ledger's demo data."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management import CommandError, call_command
from django.db import transaction

from taizhang.core.commands import AuditedCommand
from taizhang.core.demo import DEMO_PASSWORD, DemoContext, steps
from taizhang.core.models import DemoStepRun


class Command(AuditedCommand):
    help = "Load the demo district (idempotent). --reset empties the database first and rebuilds it."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--reset", action="store_true", help="delete ALL data, then build the demo again")
        parser.add_argument("--quiet-logins", action="store_true", help="do not print the demo logins")
        parser.add_argument(
            "--steps",
            help="comma-separated step names to build (default: all, in order); e.g. org,projects",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            self.stdout.write("Emptying the database…")
            call_command("flush", interactive=False, verbosity=0)
        context = DemoContext(write=lambda msg: self.stdout.write(f"  {msg}"))
        done = set(DemoStepRun.objects.values_list("name", flat=True))
        known = [step.name for step in steps()]
        wanted = set(known)
        if options["steps"]:
            wanted = {name.strip() for name in options["steps"].split(",") if name.strip()}
            unknown = sorted(wanted - set(known))
            if unknown:
                raise CommandError(f"Unknown demo step(s): {', '.join(unknown)}. Steps: {', '.join(known)}.")
        for step in steps():
            if step.name in done or step.name not in wanted:
                continue
            self.stdout.write(f"Building {step.name}…")
            with transaction.atomic():
                step.build(context)
                DemoStepRun.objects.create(name=step.name)
        if not options["quiet_logins"]:
            self.print_logins()

    def print_logins(self) -> None:
        from taizhang.org.demo import demo_logins

        logins = demo_logins()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        width = max((len(u) for u, _r, _unit in logins), default=10)
        for username, role, unit in logins:
            self.stdout.write(f"  {username.ljust(width)}  {role}  {unit}")
