"""The ledgers that can be imported and exported: each app registers its kinds in its ``columns.py``.

A kind ties together a name for scripts (``taizhang ledger import units FILE``), the column spec, the adapter
onto the records, and the list page whose filters and scope an export shares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import autodiscover_modules, import_string

if TYPE_CHECKING:
    from taizhang.ledgers.adapters import ModelAdapter
    from taizhang.ledgers.columns import Sheet


@dataclass(frozen=True)
class LedgerKind:
    name: str
    label: Any
    sheet: Sheet
    adapter: type[ModelAdapter]
    list_view: str = ""  # dotted path of the core ListPage that lists this ledger (filters, scope, export)
    # What the command line exports when the list page is not there (yet): the same selector and filters.
    selector: Callable[[Any], Any] | None = None
    filterset: str = ""  # dotted path
    default_sort: str = ""
    model: Any = None  # the model the selector lists, when not the adapter's

    def list_view_class(self) -> Any:
        if self.list_view:
            try:
                return import_string(self.list_view)
            except ImportError:
                if self.selector is None:
                    raise
        if self.selector is None:
            return None
        from taizhang.core.views import ListPage

        return type(
            f"{self.name.title()}Export",
            (ListPage,),
            {
                "model": self.adapter.model if self.model is None else self.model,
                "selector": staticmethod(self.selector),
                "filterset_class": import_string(self.filterset) if self.filterset else None,
                "default_sort": self.default_sort,
                "spreadsheet": self.sheet,
            },
        )

    def can_import(self, user: Any) -> bool:
        return self.adapter.can_import(user)


_kinds: dict[str, LedgerKind] = {}


def register(kind: LedgerKind) -> LedgerKind:
    _kinds[kind.name] = kind
    return kind


def kinds() -> list[LedgerKind]:
    return list(_kinds.values())


def get(name: str) -> LedgerKind:
    """The kind named ``name``; KeyError when no app registered it."""
    return _kinds[name]


def importable_by(user: Any) -> list[LedgerKind]:
    return [k for k in _kinds.values() if k.can_import(user)]


def autodiscover() -> None:
    autodiscover_modules("columns")
