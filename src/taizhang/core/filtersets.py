"""Filterset base shared by list pages and the API: search by name, pinyin or initials."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from taizhang.core.search import normalise_query


class LedgerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("Search"))

    @property
    def form(self) -> Any:
        form = super().form
        if not getattr(form, "_styled", False):
            for field in form.fields.values():
                widget = field.widget
                if isinstance(widget, forms.NullBooleanSelect):
                    # "Unknown" reads as a value; in a filter the empty choice means "any", like other selects.
                    widget.choices = [("unknown", "---------"), *list(widget.choices)[1:]]
                css = "form-select" if widget.input_type == "select" or hasattr(widget, "choices") else "form-control"
                widget.attrs.setdefault("class", css)
            form._styled = True
        return form

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        query = normalise_query(value)
        return queryset.filter(search_text__contains=query) if query else queryset


def scoped_units(request: Any) -> QuerySet[Any]:
    """Unit choices in a filter: only units the user may see."""
    from taizhang.org.selectors import unit_choices

    if request is None:
        from taizhang.org.models import Unit

        return Unit.objects.none()
    return unit_choices(request.user)
