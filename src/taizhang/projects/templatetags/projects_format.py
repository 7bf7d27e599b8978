"""Figures as the district's offices print them: 万元 with thousands separators, rates with one decimal."""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import get_format, number_format
from django.utils.translation import get_language

from taizhang.projects import rules

register = template.Library()

DASH = "—"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def wan(value: Any) -> str:
    """An amount in 万元: grouped, at most two decimals, none when whole (32,160,000 · 1,234.5)."""
    amount = _decimal(value)
    if amount is None:
        return DASH
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    places = 0 if amount == amount.to_integral_value() else 1 if (amount * 10) == (amount * 10).to_integral() else 2
    separators = _separators(get_language())
    if separators is None:
        return number_format(amount, decimal_pos=places, force_grouping=True)
    # Grouped by threes, as both of our languages print numbers: Python's own grouping, a fraction of the cost
    # of number_format (a reporting page formats four amounts for each of up to 342 projects).
    text = f"{amount:,.{places}f}"
    thousand, decimal = separators
    return text if separators == (",", ".") else text.translate({ord(","): thousand, ord("."): decimal})


@functools.cache
def _separators(language: str | None) -> tuple[str, str] | None:
    """The thousand and decimal separators of ``language``, or None if it does not group digits by threes."""
    if get_format("NUMBER_GROUPING", language) != 3:
        return None
    return str(get_format("THOUSAND_SEPARATOR", language)), str(get_format("DECIMAL_SEPARATOR", language))


@register.filter
def rate(value: Any) -> str:
    """A percentage (already in per cent) with one decimal: 75.7%."""
    number = _decimal(value)
    if number is None:
        return DASH
    return f"{rules.pct(number)}%"


@register.filter
def points(value: Any) -> str:
    """A gap in percentage points with its sign: +3.2, −12.4."""
    number = _decimal(value)
    if number is None:
        return DASH
    rounded = rules.pct(number)
    assert rounded is not None
    if rounded > 0:
        return f"+{rounded}"
    if rounded < 0:
        return f"−{-rounded}"
    return "0.0"


@register.filter
def gap(value: Any, summary: Any) -> str:
    """A rate's distance from the summary's time-elapsed share, in points (— before any month is approved)."""
    number = _decimal(value)
    month = getattr(summary, "month", 0)
    if number is None or not month:
        return DASH
    return points(rules.gap_points(number, month))
