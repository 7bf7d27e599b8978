"""The issue filters, shared by the ledger list, its map and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from taizhang.core import clock
from taizhang.core.filtersets import LedgerFilterSet, scoped_units
from taizhang.issues.choices import Light, Status
from taizhang.issues.models import Issue
from taizhang.issues.widgets import RemoteSelect


def _categories(request: Any) -> QuerySet[Any]:
    from taizhang.issues.selectors import category_choices

    return category_choices(request.user) if request is not None else Issue.objects.none()


def _sources(request: Any) -> QuerySet[Any]:
    from taizhang.issues.selectors import source_choices

    return source_choices(request.user) if request is not None else Issue.objects.none()


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


class DateInput(forms.DateInput):
    input_type = "date"


class IssueFilterSet(LedgerFilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("status"))
    light = django_filters.ChoiceFilter(choices=Light.choices, label=_("light"), method="filter_light")
    # A district has some 2,000 units: the page renders the chosen one and loads the others as the user types.
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_units,
        label=_("responsible unit"),
        method="filter_unit",
        widget=RemoteSelect("issues:unit_options"),
    )
    category = django_filters.ModelChoiceFilter(queryset=_categories, label=_("category"), method="filter_category")
    source = django_filters.ModelChoiceFilter(queryset=_sources, label=_("source"))
    # A city has thousands of grid cells: typed, not picked from a list.
    area = django_filters.CharFilter(label=_("area"), method="filter_area")
    registered_from = django_filters.DateFilter(
        field_name="registered_at", label=_("registered from"), widget=DateInput, method="filter_from"
    )
    registered_to = django_filters.DateFilter(
        field_name="registered_at", label=_("registered to"), widget=DateInput, method="filter_to"
    )
    due_from = django_filters.DateFilter(
        field_name="deadline", label=_("due from"), widget=DateInput, method="filter_from"
    )
    due_to = django_filters.DateFilter(field_name="deadline", label=_("due to"), widget=DateInput, method="filter_to")
    fallback = django_filters.BooleanFilter(field_name="routing_fallback", label=_("outside every area"))
    review_due = django_filters.BooleanFilter(label=_("shelving review due"), method="filter_review_due")

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
            "review_due",
        ]

    def filter_from(self, queryset: QuerySet[Issue], name: str, value: dt.date) -> QuerySet[Issue]:
        """From the start of the day in the district's time: a range on the column, so its index serves."""
        return queryset.filter(**{f"{name}__gte": _start_of(value)})

    def filter_to(self, queryset: QuerySet[Issue], name: str, value: dt.date) -> QuerySet[Issue]:
        return queryset.filter(**{f"{name}__lt": _start_of(value + dt.timedelta(days=1))})

    def filter_light(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        return queryset.light(value) if value else queryset  # type: ignore[attr-defined]

    def filter_review_due(self, queryset: QuerySet[Issue], name: str, value: bool | None) -> QuerySet[Issue]:
        """Shelved issues whose review date has come (or, with "no", every other issue)."""
        if value is None:
            return queryset
        due = Q(status=Status.SHELVED, shelve_review_date__lte=timezone.localtime(clock.now()).date())
        return queryset.filter(due) if value else queryset.exclude(due)

    def filter_unit(self, queryset: QuerySet[Issue], name: str, value: Any) -> QuerySet[Issue]:
        """The unit and its sub-units (a sub-district's filter includes its communities)."""
        if value is None:
            return queryset
        from taizhang.org.models import Unit

        subtree = list(Unit.objects.filter(path__startswith=value.path).values_list("pk", flat=True))
        return queryset.filter(responsible_unit__in=subtree)

    def filter_category(self, queryset: QuerySet[Issue], name: str, value: Any) -> QuerySet[Issue]:
        """The category and the categories below it."""
        if value is None:
            return queryset
        from taizhang.issues.models import IssueCategory

        below = IssueCategory.objects.filter(Q(pk=value.pk) | Q(parent=value) | Q(parent__parent=value))
        return queryset.filter(category__in=list(below.values_list("pk", flat=True)))

    def filter_area(self, queryset: QuerySet[Issue], name: str, value: str) -> QuerySet[Issue]:
        """Areas by code or name (a part of it will do), with the areas within them (a community's grid cells)."""
        from taizhang.org.models import Area

        text = value.strip()
        if not text:
            return queryset
        found = list(
            Area.objects.live().filter(Q(code=text) | Q(name__contains=text)).values_list("pk", flat=True)[:500]
        )
        within = Area.objects.live().filter(parent__in=found).values_list("pk", flat=True)
        return queryset.filter(area__in=[*found, *within])  # a list of ids: the (area, registered_at) index serves
