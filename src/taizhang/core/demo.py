"""The demo district, built by steps that the apps register (``<app>/demo.py``).

``taizhang demo`` runs each step that has not run yet, so adding a ledger adds its demo data to an
existing demo database; ``--reset`` empties the database and builds everything again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEMO_PASSWORD = "taizhang-demo-2026"  # noqa: S105  (printed to every demo user on purpose)


@dataclass(frozen=True)
class DemoStep:
    name: str
    order: int
    build: Callable[[Any], None]  # receives a DemoContext


class DemoContext:
    """Shared between steps: what earlier steps built, and where to report progress."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self.write = write
        self.data: dict[str, Any] = {}
        self.logins: list[tuple[str, str, str]] = []  # (username, role description, unit)


_steps: dict[str, DemoStep] = {}


def register(step: DemoStep) -> None:
    _steps[step.name] = step


def steps() -> list[DemoStep]:
    return sorted(_steps.values(), key=lambda s: (s.order, s.name))
