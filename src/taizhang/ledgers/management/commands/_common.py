"""What the ledger and bulletin commands share: the acting user, usage errors, the period option."""

from __future__ import annotations

import argparse
import os
from typing import Any

from django.core.management.base import CommandError

from taizhang.core.commands import AuditedCommand
from taizhang.ledgers import values as v

USAGE = 2  # exit code of a usage error (argparse uses it too)
ACTING_USER_ENV = "TAIZHANG_AS"  # the acting user when --as is not given


def usage_error(message: str) -> CommandError:
    return CommandError(message, returncode=USAGE)


def parse_period(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        return v.parse_period(text)
    except v.ValueProblem as problem:
        raise usage_error(f"--period: {problem.message}") from problem


def add_acting_user(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="acting_username",
        default=argparse.SUPPRESS,
        metavar="USERNAME",
        help=(
            "the user the command acts as: what they may see and do, and whom history names "
            f"(default: ${ACTING_USER_ENV}, else the only active superuser)"
        ),
    )


class LedgerCommand(AuditedCommand):
    """Reads and writes go through selectors and services that take a user: ``--as`` names one; without it
    ``$TAIZHANG_AS`` does, else the only active superuser (a single-office installation's administrator)."""

    def acting_user(self, username: str | None) -> Any:
        from taizhang.org.models import User

        given = "--as"
        if not username:
            username, given = os.environ.get(ACTING_USER_ENV, "").strip(), ACTING_USER_ENV
        if not username:
            return self.only_superuser()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise usage_error(f"{given}: no active user named {username!r}")
        return user

    def only_superuser(self) -> Any:
        from taizhang.org.models import User

        found = list(User.objects.filter(is_active=True, is_superuser=True).order_by("pk")[:2])
        if len(found) == 1:
            return found[0]
        why = "there is no active superuser" if not found else "there is more than one active superuser"
        raise usage_error(
            f"pass --as USERNAME (or set {ACTING_USER_ENV}): the command reads and writes as that user, and {why} "
            "to act as by default"
        )

    def user(self, options: dict[str, Any]) -> Any:
        return self.acting_user(options.get("acting_username"))
