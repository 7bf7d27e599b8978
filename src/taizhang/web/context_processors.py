from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from taizhang.web.navigation import menus_for


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    from taizhang.core.scoping import scope_for

    scope = scope_for(user) if user is not None else None
    person = getattr(user, "person", None) if user is not None and user.is_authenticated else None
    return {
        "nav_menus": menus_for(user, request.path) if user is not None else [],
        "district_name": settings.TAIZHANG["DISTRICT_NAME"],
        "current_scope": scope,
        "current_person": person,
    }
