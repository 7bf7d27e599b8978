"""What the ledger and bulletin commands share: acting as a named user, usage errors, the period option."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import CommandError

from taizhang.core.commands import AuditedCommand
from taizhang.ledgers import values as v

USAGE = 2  # exit code of a usage error (argparse uses it too)


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
        help="the user the command acts as: what they may see and do, and whom history names (required)",
    )


class LedgerCommand(AuditedCommand):
    """Reads and writes go through selectors and services that take a user: ``--as`` names one."""

    def acting_user(self, username: str | None) -> Any:
        if not username:
            raise usage_error("--as USERNAME is required: the command reads and writes as that user")
        try:
            return super().acting_user(username)
        except CommandError as exc:
            raise usage_error(str(exc)) from exc

    def user(self, options: dict[str, Any]) -> Any:
        return self.acting_user(options.get("acting_username"))
