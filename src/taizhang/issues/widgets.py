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


class RemoteSelect(forms.Select):
    """A select over thousands of options that renders only the chosen one; as the user types, the page asks
    ``options_url`` for matching options (``issues/remote-select.js``, tom-select). The form field still
    validates the submitted value against its whole queryset, so nothing outside it can be chosen.

    Rendering 2,000 units into every list page was most of the page's time; this renders one.
    """

    def __init__(self, options_url: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.options_url = options_url

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        from django.urls import reverse

        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        final["data-options-url"] = reverse(self.options_url)
        parts: list[str] = [format_html("<select{}>", flatatt(final)), '<option value="">---------</option>']
        for key, label in self.chosen(value):
            parts.append(format_html('<option value="{}" selected>{}</option>', key, label))
        parts.append("</select>")
        return mark_safe("".join(str(p) for p in parts))  # noqa: S308  (every part escaped by format_html)

    def chosen(self, value: Any) -> list[tuple[str, str]]:
        """(value, label) of the chosen options that exist in the field's queryset (a stale id shows nothing)."""
        keys = [str(v) for v in self.format_value(value) if str(v).isdigit()]
        if not keys:
            return []
        choices: Any = self.choices  # a ModelChoiceIterator: the field's queryset and labels
        field = choices.field
        return [(str(obj.pk), field.label_from_instance(obj)) for obj in choices.queryset.filter(pk__in=keys)]
