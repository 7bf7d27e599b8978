"""Select widgets of the key-project pages that stay cheap with a city's 2,000 units."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from taizhang.issues.widgets import FastSelect


class NamedSelect(FastSelect):
    """A select whose options are written as plain strings, a few microseconds each. Over a model choice
    field the options are read as ``(pk, name)`` pairs (``label_fields``), not as model instances, in one
    ordinary query: a model choice field otherwise builds every record and reads them through a server-side
    cursor. The labels are the records' ``str``, which for units, categories and programmes is their name."""

    label_fields: tuple[str, ...] = ("name",)

    @staticmethod
    def label(name: str, *_rest: Any) -> str:
        return name

    def pairs(self) -> Iterator[tuple[Any, Any]]:
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            yield from choices
            return
        if choices.field.empty_label is not None:
            yield "", choices.field.empty_label
        for pk, *values in choices.queryset.prefetch_related(None).values_list("pk", *self.label_fields):
            yield pk, self.label(*values)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(v) for v in self.format_value(value)}
        parts: list[str] = [format_html("<select{}>", flatatt(final))]
        for option, label in self.pairs():
            key = "" if option is None else str(option)
            selected = " selected" if key in chosen else ""
            parts.append(f'<option value="{_escape(key)}"{selected}>{_escape(label)}</option>')
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308  (keys and labels escaped)


def _escape(text: Any) -> str:
    """Django's ``conditional_escape``, with plain strings (names read from the database) escaped directly."""
    return html.escape(text) if type(text) is str else conditional_escape(text)


class LeaderSelect(NamedSelect):
    """Leaders as their ``str`` names them: "name（title）"."""

    label_fields = ("name", "title")

    @staticmethod
    def label(name: str, *rest: Any) -> str:
        title = rest[0] if rest else ""
        return f"{name}（{title}）" if title else name
