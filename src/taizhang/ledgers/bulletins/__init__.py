"""Bulletins (通报): official notices computed from the ledgers, registered by kind.

A kind builds a :class:`~taizhang.ledgers.notice.Notice` for a user and a period from the same selectors the
pages use, so every figure in the notice is one a reader can find on a page. Apps register kinds in a
``bulletins.py`` module (found at start-up); the organisation's roster notice lives in ``areas.py`` here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules

from taizhang.ledgers.notice import Notice


@dataclass(frozen=True)
class BulletinKind:
    name: str
    label: Any
    description: Any
    build: Callable[[Any, int, int], Notice]  # (user, year, month) -> notice
    may_build: Callable[[Any], bool]

    def filename(self, year: int, month: int) -> str:
        return f"{self.label}-{year:04d}-{month:02d}.docx"


_kinds: dict[str, BulletinKind] = {}


def register(kind: BulletinKind) -> BulletinKind:
    _kinds[kind.name] = kind
    return kind


def get(name: str) -> BulletinKind:
    return _kinds[name]


def kinds() -> list[BulletinKind]:
    return list(_kinds.values())


def available_to(user: Any) -> list[BulletinKind]:
    return [k for k in _kinds.values() if k.may_build(user)]


def autodiscover() -> None:
    from taizhang.ledgers.bulletins import areas  # noqa: F401  (the organisation's notice)

    autodiscover_modules("bulletins")
