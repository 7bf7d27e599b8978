from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    DISPATCHED = "dispatched", _("Dispatched")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RECTIFYING = "rectifying", _("Rectifying")
    CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
    CLOSED = "closed", _("Closed")
    SHELVED = "shelved", _("Shelved")


# States in which the deadline clock runs: the issue waits for the responsible unit (or for dispatch).
CLOCK_RUNNING = frozenset({Status.REGISTERED, Status.DISPATCHED, Status.ACKNOWLEDGED, Status.RECTIFYING})
# States in which an issue is still open (not closed, not shelved).
OPEN = CLOCK_RUNNING | {Status.CLOSURE_REQUESTED}


class TimeUnit(models.TextChoices):
    WORKDAYS = "workdays", _("workdays")
    HOURS = "hours", _("working hours")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")
    URGENT = "urgent", _("Urgent")


class Light(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class CoordinateSystem(models.TextChoices):
    WGS84 = "wgs84", _("WGS-84 (GPS, browser geolocation)")
    GCJ02 = "gcj02", _("GCJ-02 (Amap, Tencent Maps, WeChat)")


class EvidenceKind(models.TextChoices):
    BEFORE = "before", _("Before photo")
    AFTER = "after", _("After photo")
    ATTACHMENT = "attachment", _("Attachment")


class PendingRequest(models.TextChoices):
    NONE = "", _("None")
    EXTENSION = "extension", _("Extension")
    SHELVE = "shelve", _("Shelving")


class VoidKind(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate")
    INVALID = "invalid", _("Not a valid issue")
    OTHER = "other", _("Other")
