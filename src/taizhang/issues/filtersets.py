"""The issue filters, shared by the ledger list, its map and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from taizhang.core.filtersets import LedgerFilterSet, scoped_units
from taizhang.issues.choices import Light, Status
from taizhang.issues.models import Issue


def _categories(request: Any) -> QuerySet[Any]:
    from taizhang.issues.selectors import category_choices

    return category_choices(request.user) if request is not None else Issue.objects.none()


def _sources(request: Any) -> QuerySet[Any]:
    from taizhang.issues.selectors import source_choices

    return source_choices(request.user) if request is not None else Issue.objects.none()


def _areas(request: Any) -> QuerySet[Any]:
    from taizhang.org.selectors import area_list

    if request is None:
        return Issue.objects.none()
    return area_list(request.user).select_related(None).only("id", "name", "code")


class DateInput(forms.DateInput):
    input_type = "date"


class IssueFilterSet(LedgerFilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("status"))
    light = django_filters.ChoiceFilter(choices=Light.choices, label=_("light"), method="filter_light")
    unit = django_filters.ModelChoiceFilter(queryset=scoped_units, label=_("responsible unit"), method="filter_unit")
    category = django_filters.ModelChoiceFilter(queryset=_categories, label=_("category"), method="filter_category")
    source = django_filters.ModelChoiceFilter(queryset=_sources, label=_("source"))
    area = django_filters.ModelChoiceFilter(queryset=_areas, label=_("area"), method="filter_area")
    registered_from = django_filters.DateFilter(
        field_name="registered_at", lookup_expr="date__gte", label=_("registered from"), widget=DateInput
    )
    registered_to = django_filters.DateFilter(
        field_name="registered_at", lookup_expr="date__lte", label=_("registered to"), widget=DateInput
    )
    due_from = django_filters.DateFilter(
        field_name="deadline", lookup_expr="date__gte", label=_("due from"), widget=DateInput
    )
    due_to = django_filters.DateFilter(
        field_name="deadline", lookup_expr="date__lte", label=_("due to"), widget=DateInput
    )
    fallback = django_filters.BooleanFilter(field_name="routing_fallback", label=_("outside every area"))

    class Meta:
        model = Issue
        fields = [
            "q",
            "status",
            "light",
            "unit",
            "category",
            "source",
            "area",
            "registered_from",
            "registered_to",
            "due_from",
            "due_to",
            "fallback",
        ]

    def filter_light(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        return queryset.light(value) if value else queryset  # type: ignore[attr-defined]

    def filter_unit(self, queryset: QuerySet[Issue], name: str, value: Any) -> QuerySet[Issue]:
        """The unit and its sub-units (a sub-district's filter includes its communities)."""
        if value is None:
            return queryset
        return queryset.filter(responsible_unit__path__startswith=value.path)

    def filter_category(self, queryset: QuerySet[Issue], name: str, value: Any) -> QuerySet[Issue]:
        """The category and the categories below it."""
        if value is None:
            return queryset
        return queryset.filter(Q(category=value) | Q(category__parent=value) | Q(category__parent__parent=value))

    def filter_area(self, queryset: QuerySet[Issue], name: str, value: Any) -> QuerySet[Issue]:
        """The area and the areas within it (a community's filter includes its grid cells)."""
        if value is None:
            return queryset
        return queryset.filter(Q(area=value) | Q(area__parent=value))
