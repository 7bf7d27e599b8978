"""The ``taizhang`` command: every Django management command, plus ``demo`` and ``serve``."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "taizhang"
    execute_from_command_line(args)


if __name__ == "__main__":  # pragma: no cover
    main()
