"""``taizhang bulletin KIND --period YYYY-MM --out FILE.docx [--as USER]``: a notice as a Word document.

The acting user is chosen as for ``taizhang ledger`` (``--as``, ``$TAIZHANG_AS``, the only active superuser)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from taizhang.ledgers import bulletins
from taizhang.ledgers.management.commands._common import LedgerCommand, parse_period, usage_error


class Command(LedgerCommand):
    help = "Write a bulletin (通报) for a period as a .docx official notice."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        kinds = ", ".join(k.name for k in bulletins.kinds())
        parser.add_argument("kind", help=f"the bulletin: {kinds}")
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--out", required=True, help="the .docx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            kind = bulletins.get(options["kind"])
        except KeyError as exc:
            known = ", ".join(k.name for k in bulletins.kinds())
            raise usage_error(f"unknown bulletin {options['kind']!r}; known: {known}") from exc
        out = Path(options["out"])
        if out.suffix.lower() != ".docx":
            raise usage_error("--out must end in .docx")
        period = parse_period(options["period"])
        assert period is not None
        user = self.user(options)
        if not kind.may_build(user):
            raise usage_error(f"{user} may not generate this bulletin")
        kind.build(user, *period).save(str(out))
        self.stdout.write(f"written to {out}")
