from __future__ import annotations

from typing import Any

from taizhang.core import selectors
from taizhang.core.targets import url_for
from taizhang.dashboard.cards import Card, register


def instructions_card(user: Any) -> dict[str, Any] | None:
    latest = list(selectors.instruction_list(user).filter(kind="instruction").order_by("-created_at")[:6])
    if not latest:
        return None
    rows = []
    for item in latest:
        model = item.target_type.model_class()
        rows.append({"item": item, "url": url_for(model(pk=item.target_id)) if model else None})
    return {"rows": rows}


register(
    Card(key="core.instructions", template="core/card_instructions.html", context=instructions_card, order=20, width=12)
)
