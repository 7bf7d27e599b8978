"""Base class for taizhang's management commands: every command runs inside an audit context."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from taizhang.core.audit import Source, audit_context


class AuditedCommand(BaseCommand):
    """Runs ``handle`` in ``audit_context(user, "command")``; ``--as USERNAME`` names the acting user."""

    audit_source: str = Source.COMMAND

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--as",
            dest="acting_username",
            default=None,
            help="username recorded in history as the author of the changes",
        )

    def acting_user(self, username: str | None) -> Any:
        if not username:
            return None
        from taizhang.org.models import User

        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"--as: no active user named {username!r}") from exc

    def execute(self, *args: Any, **options: Any) -> Any:
        user = self.acting_user(options.get("acting_username"))
        with audit_context(user, self.audit_source):
            return super().execute(*args, **options)
