"""The key-project filters, shared by the ledger list, the battle map, the review pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from taizhang.core.filtersets import LedgerFilterSet, scoped_units
from taizhang.core.search import normalise_query
from taizhang.issues.widgets import FastSelect
from taizhang.projects.choices import CampaignKind, Importance, Light, Nature, ReportStatus, Stage
from taizhang.projects.models import Campaign, MonthlyReport, Project, YearPlan
from taizhang.projects.widgets import LeaderSelect, NamedSelect


def _categories(request: Any) -> QuerySet[Any]:
    from taizhang.projects.selectors import category_choices

    return category_choices(request.user) if request is not None else Project.objects.none()


def _programmes(request: Any) -> QuerySet[Any]:
    from taizhang.projects.selectors import programme_choices

    return programme_choices(request.user) if request is not None else Project.objects.none()


def _leaders(request: Any) -> QuerySet[Any]:
    from taizhang.org.models import Person

    if request is None or not request.user.is_authenticated:
        return Person.objects.none()
    return Person.objects.live().filter(is_leader=True).order_by("sort_order", "name")


def _subtree(unit: Any) -> list[int]:
    from taizhang.org.models import Unit

    return list(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


class _ProjectFilters(LedgerFilterSet):
    """Filters on a project's own fields; ``project_path`` is how the filtered model reaches the project."""

    project_path = ""

    category = django_filters.ModelChoiceFilter(
        queryset=_categories, label=_("project category"), method="filter_project", widget=NamedSelect
    )
    importance = django_filters.ChoiceFilter(
        choices=Importance.choices, label=_("importance"), method="filter_project", widget=FastSelect
    )
    programme = django_filters.ModelChoiceFilter(
        queryset=_programmes, label=_("programme"), method="filter_programme", widget=NamedSelect
    )
    stage = django_filters.ChoiceFilter(
        choices=Stage.choices, label=_("stage"), method="filter_project", widget=FastSelect
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=scoped_units, label=_("responsible unit"), method="filter_unit", widget=NamedSelect
    )
    leader = django_filters.ModelChoiceFilter(
        queryset=_leaders, label=_("responsible leader"), method="filter_project", widget=LeaderSelect
    )

    def _path(self, name: str) -> str:
        return f"{self.project_path}{name}"

    def filter_search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        query = normalise_query(value)
        return queryset.filter(**{self._path("search_text__contains"): query}) if query else queryset

    def filter_project(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value in (None, ""):
            return queryset
        return queryset.filter(**{self._path(name): value})

    def filter_programme(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return queryset
        from taizhang.projects.models import ProjectProgramme

        linked = ProjectProgramme.objects.filter(programme=value).values("project_id")
        return queryset.filter(**{f"{self._path('pk')}__in": linked})

    def filter_unit(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        """The unit and its sub-units."""
        if value is None:
            return queryset
        return queryset.filter(**{self._path("responsible_unit__in"): _subtree(value)})


class ProjectFilterSet(_ProjectFilters):
    class Meta:
        model = Project
        fields = ["q", "category", "importance", "programme", "stage", "unit", "leader"]


class PlanFilterSet(_ProjectFilters):
    """Rows of a year's ledger (year plans)."""

    project_path = "project__"

    year = django_filters.NumberFilter(field_name="year", label=_("year"))
    nature = django_filters.ChoiceFilter(choices=Nature.choices, label=_("nature this year"), widget=FastSelect)
    light = django_filters.ChoiceFilter(choices=Light.choices, label=_("light"), widget=FastSelect)

    class Meta:
        model = YearPlan
        fields = ["q", "year", "category", "importance", "programme", "nature", "stage", "unit", "leader", "light"]


class ReportFilterSet(_ProjectFilters):
    project_path = "project__"

    year = django_filters.NumberFilter(field_name="year", label=_("year"))
    month = django_filters.NumberFilter(field_name="month", label=_("month"))
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("status"))
    light = django_filters.ChoiceFilter(choices=Light.choices, label=_("light"))

    class Meta:
        model = MonthlyReport
        fields = ["q", "year", "month", "status", "light", "category", "unit"]


class CampaignFilterSet(LedgerFilterSet):
    kind = django_filters.ChoiceFilter(choices=CampaignKind.choices, label=_("kind"))
    year = django_filters.NumberFilter(field_name="date__year", label=_("year"))

    class Meta:
        model = Campaign
        fields = ["q", "kind", "year"]
