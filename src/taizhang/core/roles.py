"""Roles a user holds in a unit through a membership."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    SUPERVISOR = "supervisor", _("Supervisor (district-wide)")
    LEADER = "leader", _("District leader")
    UNIT_HEAD = "unit_head", _("Unit head")
    REPORTER = "reporter", _("Reporter")
    INSPECTOR = "inspector", _("Inspector")


# Roles whose holders read every unit's records.
DISTRICT_READ_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.LEADER})
# Roles whose holders may change records of every unit.
DISTRICT_WRITE_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})
