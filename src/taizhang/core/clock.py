"""The time the ledgers act at.

Services and lights ask :func:`now` rather than ``timezone.now()``, so that the demo can build a realistic
past (issues registered weeks ago, some now overdue) through the very same services, and tests can stand on
a known day of the statutory calendar.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_fixed: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("taizhang_now", default=None)


def now() -> dt.datetime:
    fixed = _fixed.get()
    return fixed if fixed is not None else timezone.now()


@contextlib.contextmanager
def travel(moment: dt.datetime) -> Iterator[dt.datetime]:
    """Act as if it were ``moment`` (aware) until the block ends."""
    if timezone.is_naive(moment):
        raise ValueError("travel() needs an aware datetime")
    token = _fixed.set(moment)
    try:
        yield moment
    finally:
        _fixed.reset(token)
