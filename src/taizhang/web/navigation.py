"""The navigation bar, assembled from menus that apps register in their ``navigation.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse

_menus: dict[str, Menu] = {}


@dataclass(frozen=True)
class MenuItem:
    label: Any
    url_name: str
    perm: str | None = None  # shown only to users with this permission
    roles: tuple[str, ...] = ()  # shown only to users holding one of these roles


@dataclass(frozen=True)
class Menu:
    key: str
    label: Any
    icon: str
    order: int
    items: tuple[MenuItem, ...] = field(default=())


def register(menu: Menu) -> None:
    _menus[menu.key] = menu


def menus_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    from taizhang.core.scoping import scope_for

    if not user.is_authenticated:
        return []
    scope = scope_for(user)
    result = []
    for menu in sorted(_menus.values(), key=lambda m: m.order):
        items = []
        for item in menu.items:
            if item.perm and not user.has_perm(item.perm):
                continue
            if item.roles and not (scope.roles & set(item.roles)):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue
            items.append({"label": item.label, "url": url, "active": current_path.startswith(url)})
        if items:
            result.append(
                {
                    "key": menu.key,
                    "label": menu.label,
                    "icon": menu.icon,
                    "items": items,
                    "active": any(i["active"] for i in items),
                }
            )
    return result
