"""Who may configure a unit's group robots (django-rules). Reading one's own notifications needs no rule."""

import rules

from taizhang.core.permissions import is_district_writer

rules.add_perm("notifications.add_robot", is_district_writer)
rules.add_perm("notifications.change_robot", is_district_writer)
rules.add_perm("notifications.void_robot", is_district_writer)
