"""Figures as the district's offices print them: 万元 with thousands separators, rates with one decimal."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format

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
    return number_format(amount, decimal_pos=places, force_grouping=True)


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
