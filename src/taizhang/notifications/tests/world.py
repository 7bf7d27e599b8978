"""World factories for the scoping walk: a notification is its recipient's alone."""

from __future__ import annotations

from typing import Any

from taizhang.core.testing.personas import World
from taizhang.core.testing.world import register
from taizhang.notifications import services
from taizhang.notifications.models import Notification
from taizhang.org.models import Membership


@register(Notification)
def make_notification(world: World, unit: Any, marker: str) -> Notification:
    member = Membership.objects.live().filter(unit=unit).select_related("user").first()
    recipient = member.user if member is not None else world.admin
    return services.notify(actor=world.admin, recipients=[recipient], title=f"{marker}通知", body=marker, url="/")[0]
