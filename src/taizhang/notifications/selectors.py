"""Reads of notifications: a user only ever sees their own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from taizhang.core.scoping import get_in_scope
from taizhang.notifications.models import Notification, Robot


def notification_list(user: Any) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def notification_get(user: Any, pk: int) -> Notification:
    return get_in_scope(notification_list(user), pk=pk)


def unread_count(user: Any) -> int:
    return notification_list(user).filter(read_at__isnull=True).count()


def robot_list(user: Any) -> QuerySet[Robot]:
    from taizhang.core.scoping import scope_for

    return scope_for(user).filter(Robot.objects.live().select_related("unit"), *Robot.scope_fields)
