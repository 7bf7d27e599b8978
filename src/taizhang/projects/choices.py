"""The fixed vocabularies of the key-project ledger (configurable lists such as categories are models)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Importance(models.TextChoices):
    PROVINCE = "province", _("Province key project")
    CITY = "city", _("City key project")
    DISTRICT = "district", _("District key project")
    RESERVE = "reserve", _("Reserve project")


class Nature(models.TextChoices):
    """What kind of construction the project is this year (建设性质)."""

    NEW = "new", _("New start")
    CONTINUING = "continuing", _("Continuing")
    PREPARATORY = "preparatory", _("Preparatory")
    COMPLETED = "completed", _("Completion")


class Stage(models.TextChoices):
    """The pipeline a project moves along, in order."""

    NEGOTIATING = "negotiating", _("Under negotiation")
    SIGNED = "signed", _("Signed")
    PREPARATORY = "preparatory", _("Preparation")
    STARTED = "started", _("Started")
    UNDER_CONSTRUCTION = "under_construction", _("Under construction")
    COMPLETED = "completed", _("Completed")
    IN_OPERATION = "in_operation", _("In operation")


# Stages at which a project counts as started (for the start rate 开工率).
STARTED_STAGES = frozenset({Stage.STARTED, Stage.UNDER_CONSTRUCTION, Stage.COMPLETED, Stage.IN_OPERATION})


class ProcedureStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    OBTAINED = "obtained", _("Obtained")
    NOT_NEEDED = "not_needed", _("Not needed")


class CampaignKind(models.TextChoices):
    SIGNING = "signing", _("Collective signing")
    STARTING = "starting", _("Collective start")
    COMPLETION = "completion", _("Collective completion")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


class Light(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")
    NONE = "none", _("No light")


class MilestoneStatus(models.TextChoices):
    DONE = "done", _("Done")
    PLANNED = "planned", _("Planned")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
