"""Declared columns of a list page: what to show, how to sort, what to total, how to format."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    sort: str | None = ""  # "" = sort by the key itself; None = not sortable
    total: str | None = None  # ORM expression summed over the filtered rows for the totals row
    kind: str = "text"  # text, money, number, percent (a ratio), date, datetime, bool, choice, light
    link: bool = False  # the cell links to the row's detail page
    default: bool = True  # shown until the user chooses columns
    align_end: bool = False

    @property
    def sort_expression(self) -> str | None:
        if self.sort is None:
            return None
        return self.sort or self.key.replace(".", "__")

    @property
    def numeric(self) -> bool:
        return self.align_end or self.kind in {"money", "number", "percent"}


def resolve(obj: Any, key: str) -> Any:
    """Follow a dotted path; a choice field gives its label."""
    value: Any = obj
    parts = key.split(".")
    for i, part in enumerate(parts):
        if value is None:
            return None
        if i == len(parts) - 1 and isinstance(value, Model):
            display = getattr(value, f"get_{part}_display", None)
            if callable(display):
                return display()
        value = getattr(value, part, None)
        if callable(value) and not isinstance(value, Model):
            value = value()
    return value


def format_value(value: Any, kind: str = "text") -> str | SafeString:
    if value is None or value == "":
        return "—"
    if kind == "money":
        return number_format(Decimal(value).quantize(Decimal("0.01")), decimal_pos=2, force_grouping=True)
    if kind == "number":
        return number_format(value, force_grouping=True)
    if kind == "percent":
        return f"{Decimal(str(value)) * 100:.1f}%"  # a ratio: 0.757 -> 75.7%
    if kind == "datetime" and isinstance(value, dt.datetime):
        # Called from Python, the date filter does not localise: show the district's time, not UTC.
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return date_filter(local, "SHORT_DATETIME_FORMAT")
    if kind in {"date", "datetime"} and isinstance(value, dt.date):
        return date_filter(value, "SHORT_DATE_FORMAT")
    if kind == "bool" or isinstance(value, bool):
        return _("Yes") if value else _("No")
    if kind == "light":
        return format_html(
            '<span class="status-dot status-{}" aria-hidden="true"></span> {}',
            getattr(value, "colour", value),
            getattr(value, "label", value),
        )
    return str(value)
