from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("Department")
    SUBDISTRICT = "subdistrict", _("Sub-district office")
    TOWN = "town", _("Town")
    TOWNSHIP = "township", _("Township")
    MANAGEMENT_COMMITTEE = "committee", _("Management committee")
    ENTERPRISE = "enterprise", _("Enterprise")
    OTHER = "other", _("Other")


class AreaKind(models.TextChoices):
    GRID = "grid", _("Grid cell")
    ROAD = "road", _("Road segment")
    COMMUNITY = "community", _("Community")


# Township-level segment (digits 7-9) of a statistical division code, by unit kind (GB/T 10114 rules).
DIVISION_TOWNSHIP_RANGES: dict[str, tuple[int, int]] = {
    UnitKind.SUBDISTRICT: (1, 99),
    UnitKind.TOWN: (100, 199),
    UnitKind.TOWNSHIP: (200, 399),
    UnitKind.MANAGEMENT_COMMITTEE: (400, 599),
}
