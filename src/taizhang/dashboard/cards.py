"""Home-page cards, registered by the apps; each card computes its figures for the acting user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_cards: dict[str, Card] = {}


@dataclass(frozen=True)
class Card:
    key: str
    template: str
    context: Callable[[Any], dict[str, Any] | None]  # None hides the card for this user
    order: int = 50
    width: int = 6  # of 12 columns


def register(card: Card) -> None:
    _cards[card.key] = card


def cards_for(user: Any) -> list[dict[str, Any]]:
    result = []
    for card in sorted(_cards.values(), key=lambda c: c.order):
        context = card.context(user)
        if context is not None:
            result.append({"template": card.template, "width": card.width, "context": context})
    return result
