from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from taizhang.core.filtersets import LedgerFilterSet, scoped_units
from taizhang.core.roles import Role
from taizhang.org.choices import AreaKind, UnitKind
from taizhang.org.models import Area, Membership, Person, Unit


class UnitFilterSet(LedgerFilterSet):
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("kind"))
    parent = django_filters.ModelChoiceFilter(queryset=scoped_units, label=_("parent unit"))
    is_active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Unit
        fields = ["q", "kind", "parent", "is_active"]


class PersonFilterSet(LedgerFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=scoped_units, label=_("unit"))
    is_leader = django_filters.BooleanFilter(label=_("district leader"))

    class Meta:
        model = Person
        fields = ["q", "unit", "is_leader"]


class MembershipFilterSet(LedgerFilterSet):
    unit = django_filters.ModelChoiceFilter(queryset=scoped_units, label=_("unit"))
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("role"))

    class Meta:
        model = Membership
        fields = ["q", "unit", "role"]


class AreaFilterSet(LedgerFilterSet):
    kind = django_filters.ChoiceFilter(choices=AreaKind.choices, label=_("kind"))
    responsible_unit = django_filters.ModelChoiceFilter(queryset=scoped_units, label=_("responsible unit"))

    class Meta:
        model = Area
        fields = ["q", "kind", "responsible_unit"]
