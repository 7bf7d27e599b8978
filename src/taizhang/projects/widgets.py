"""Filter widgets of the key-project pages that stay cheap with a city's 2,000 units."""

from __future__ import annotations

from typing import Any

from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from taizhang.issues.widgets import FastSelect


class NamedSelect(FastSelect):
    """A select over a model choice field whose options are labelled by the records' ``name`` (their ``str``):
    the options are read as ``(pk, name)`` pairs, not as model instances, in one ordinary query (a model
    choice field otherwise builds every record and reads them through a server-side cursor)."""

    label_fields: tuple[str, ...] = ("name",)

    @staticmethod
    def label(name: str, *_rest: Any) -> str:
        return name

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            return super().render(name, value, attrs, renderer)
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = {str(v) for v in self.format_value(value)}
        parts: list[str] = [format_html("<select{}>", flatatt(final))]
        empty = choices.field.empty_label
        if empty is not None:
            parts.append(format_html('<option value=""{}>{}</option>', " selected" if "" in chosen else "", empty))
        for pk, *values in choices.queryset.prefetch_related(None).values_list("pk", *self.label_fields):
            key = str(pk)
            selected = " selected" if key in chosen else ""
            parts.append(f'<option value="{key}"{selected}>{conditional_escape(self.label(*values))}</option>')
        parts.append("</select>")
        return mark_safe("".join(str(p) for p in parts))  # noqa: S308  (labels escaped, keys are integers)


class LeaderSelect(NamedSelect):
    """Leaders as their ``str`` names them: "name（title）"."""

    label_fields = ("name", "title")

    @staticmethod
    def label(name: str, *rest: Any) -> str:
        title = rest[0] if rest else ""
        return f"{name}（{title}）" if title else name
