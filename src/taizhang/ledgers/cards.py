from __future__ import annotations

from typing import Any

from taizhang.dashboard.cards import Card, register
from taizhang.ledgers import selectors


def imports_card(user: Any) -> dict[str, Any] | None:
    """Recent imports in the user's scope, for those who import or whose unit has imports."""
    can_import = user.has_perm("ledgers.add_importbatch")
    batches = selectors.recent_import_batches(user)
    if not can_import and not batches:
        return None
    return {"batches": batches, "can_import": can_import}


register(Card(key="ledgers.imports", template="ledgers/card_imports.html", context=imports_card, order=80, width=6))
