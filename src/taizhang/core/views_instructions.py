"""The instructions list: every instruction and reply the user may see, linking to its record."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from taizhang.core import selectors, targets
from taizhang.core.filtersets import LedgerFilterSet, scoped_units
from taizhang.core.models import Instruction
from taizhang.core.tables import Column
from taizhang.core.views import ListPage


class InstructionFilterSet(LedgerFilterSet):
    kind = django_filters.ChoiceFilter(choices=Instruction.Kind.choices, label=_("kind"))
    unit = django_filters.ModelChoiceFilter(queryset=scoped_units, label=_("unit"))

    class Meta:
        model = Instruction
        fields = ["q", "kind", "unit"]


class InstructionList(ListPage):
    model = Instruction
    selector = selectors.instruction_list
    filterset_class = InstructionFilterSet
    default_sort = "-created_at"
    title = _("Instructions")
    columns = (
        Column("created_at", _("time"), kind="datetime"),
        Column("author_name", _("author")),
        Column("kind", _("kind")),
        Column("target_label", _("record"), link=True),
        Column("unit.name", _("unit"), sort="unit__name"),
        Column("text", _("text"), sort=None),
    )

    def row_url(self, obj: Any) -> str | None:
        model = obj.target_type.model_class()
        if model is None:
            return None
        stub = model(pk=obj.target_id)
        url = targets.url_for(stub)
        return f"{url}#instructions" if url else None
