"""The life of an import batch, as a transition table that the services, pages, API and docs read.

An upload waits to be checked, is checked (every row parsed and validated, nothing written), and then either
stays as a preview (with or without errors) or is refused when the file cannot be read at all. Only a preview
without errors can be imported; importing either writes every row (in one transaction) or, when the ledger
changed since the preview or a row no longer passes, nothing, and the batch goes back to a fresh preview.
Until it is imported, a batch can be cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from taizhang.core.errors import TransitionNotAllowed
from taizhang.ledgers.models import ImportStatus as S


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    by: str  # "user" (needs the batch's act permission) or "system" (the checking and importing jobs)
    label: Any = ""


TRANSITIONS: tuple[Transition, ...] = (
    Transition("analyse", (S.QUEUED,), S.ANALYSING, "system"),
    Transition("checked", (S.ANALYSING,), S.READY, "system"),
    Transition("refuse", (S.QUEUED, S.ANALYSING), S.FAILED, "system"),
    Transition("commit", (S.READY,), S.COMMITTING, "user", _("Import")),
    Transition("committed", (S.COMMITTING,), S.COMMITTED, "system"),
    Transition("recheck", (S.COMMITTING,), S.QUEUED, "system"),
    Transition("cancel", (S.QUEUED, S.ANALYSING, S.READY, S.COMMITTING), S.CANCELLED, "user", _("Cancel")),
)
_BY_ACTION = {t.action: t for t in TRANSITIONS}


def can(status: str, action: str) -> bool:
    return status in _BY_ACTION[action].sources


def target(status: str, action: str) -> str:
    """The status after ``action``; refuses an action the table does not allow from ``status``."""
    if not can(status, action):
        raise TransitionNotAllowed(
            _("This import is “%(status)s”; it cannot be %(action)s now.")
            % {"status": S(status).label, "action": _ACTION_WORDS.get(action, action)}
        )
    return _BY_ACTION[action].target


_ACTION_WORDS: dict[str, Any] = {"commit": _("imported"), "cancel": _("cancelled")}


def user_actions(status: str) -> list[Transition]:
    """The actions a person may take on a batch in ``status`` (buttons on the page, @actions in the API)."""
    return [t for t in TRANSITIONS if t.by == "user" and status in t.sources]
