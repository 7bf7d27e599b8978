"""Select widgets for long lists (a city's 2,000 units): options rendered in Python, not one template each.

Django renders every ``<option>`` through the template engine; for thousands of units that is most of a
page's time. These widgets produce the same HTML directly (the shell's tom-select makes them searchable).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class FastSelect(forms.Select):
    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        if self.allow_multiple_selected:
            final["multiple"] = True
        chosen = {str(v) for v in self.format_value(value)}
        parts: list[str] = [format_html("<select{}>", flatatt(final))]
        for option_value, label in self.choices:
            key = "" if option_value is None else str(option_value)
            selected = mark_safe(" selected") if key in chosen else ""
            parts.append(format_html('<option value="{}"{}>{}</option>', key, selected, label))
        parts.append("</select>")
        return mark_safe("".join(str(p) for p in parts))  # noqa: S308  (every part escaped by format_html)


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    allow_multiple_selected = True
