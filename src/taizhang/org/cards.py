from __future__ import annotations

from typing import Any

from taizhang.core.scoping import scope_for
from taizhang.dashboard.cards import Card, register
from taizhang.org import selectors


def scope_card(user: Any) -> dict[str, Any] | None:
    scope = scope_for(user)
    if scope.is_empty:
        return None
    memberships = selectors.membership_list(user).filter(user=user)
    return {
        "memberships": memberships,
        "district_wide": scope.district_read,
        "unit_count": selectors.unit_list(user).count(),
        "person_count": selectors.person_list(user).count(),
        "area_count": selectors.area_list(user).count(),
    }


register(Card(key="org.scope", template="org/card_scope.html", context=scope_card, order=90, width=12))
