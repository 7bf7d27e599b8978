from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _

from taizhang.core.filtersets import LedgerFilterSet, scoped_units
from taizhang.ledgers import registry
from taizhang.ledgers.models import ImportBatch, ImportStatus


def kind_choices() -> list[tuple[str, Any]]:
    return [(k.name, k.label) for k in registry.kinds()]


class ImportBatchFilterSet(LedgerFilterSet):
    kind = django_filters.ChoiceFilter(choices=kind_choices, label=_("ledger"))
    status = django_filters.ChoiceFilter(choices=ImportStatus.choices, label=_("status"))
    unit = django_filters.ModelChoiceFilter(queryset=scoped_units, label=_("unit"))

    class Meta:
        model = ImportBatch
        fields = ["q", "kind", "status", "unit"]
