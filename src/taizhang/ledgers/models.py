"""Import batches: one uploaded spreadsheet, what checking it found, and what importing it did, row by row."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from taizhang.core.audit import history_records
from taizhang.core.models import LedgerModel


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be checked")
    ANALYSING = "analysing", _("Being checked")
    READY = "ready", _("Checked")
    FAILED = "failed", _("Refused")
    COMMITTING = "committing", _("Being imported")
    COMMITTED = "committed", _("Imported")
    CANCELLED = "cancelled", _("Cancelled")


RUNNING_STATUSES = frozenset({ImportStatus.QUEUED, ImportStatus.ANALYSING, ImportStatus.COMMITTING})


class Outcome(models.TextChoices):
    CREATE = "create", _("New")
    UPDATE = "update", _("Changed")
    UNCHANGED = "unchanged", _("Unchanged")
    SKIP = "skip", _("Skipped")


def upload_path(instance: ImportBatch, filename: str) -> str:
    # The original name is kept on the batch; on disk a neutral name avoids any path trickery.
    from django.utils import timezone

    suffix = "".join(ch for ch in filename.rsplit(".", 1)[-1][:5] if ch.isalnum()) if "." in filename else "bin"
    return f"imports/{timezone.localdate():%Y/%m}/{instance.kind}-{timezone.now():%Y%m%d%H%M%S%f}.{suffix}"


class ImportBatch(LedgerModel):
    """One spreadsheet uploaded for import into a ledger: checked first, imported only when asked."""

    kind = models.CharField(_("ledger"), max_length=32)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="import_batches"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), upload_to=upload_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True, help_text=_("Leave empty to find it."))
    period = models.CharField(_("period"), max_length=7, blank=True, help_text=_("YYYY-MM; empty: from the sheet."))
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED, db_index=True
    )
    layout = models.JSONField(_("layout"), default=dict, blank=True)
    problems = models.JSONField(_("problems with the file"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    created = models.PositiveIntegerField(_("new"), default=0)
    updated = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    errors = models.PositiveIntegerField(_("errors"), default=0)
    warnings = models.PositiveIntegerField(_("warnings"), default=0)
    progress_done = models.PositiveIntegerField(default=0, editable=False)
    progress_total = models.PositiveIntegerField(default=0, editable=False)
    plan_digest = models.CharField(max_length=64, blank=True, editable=False)
    cancel_requested = models.BooleanField(default=False, editable=False)
    analysed_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = history_records(excluded_fields=["search_text", "progress_done", "progress_total"])
    search_fields = ("filename",)
    scope_fields = ("unit",)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename}（#{self.pk}）"

    @property
    def kind_label(self) -> Any:
        from taizhang.ledgers import registry

        try:
            return registry.get(self.kind).label
        except KeyError:
            return self.kind

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


class ImportRow(models.Model):
    """What one row of the sheet is and what importing it does (or did): the per-row outcome of a batch."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(_("row"))
    kind = models.CharField(max_length=16)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    label = models.CharField(_("record"), max_length=200, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    changes = models.JSONField(default=list, blank=True)  # [[header, old, new], ...]
    problems = models.JSONField(default=list, blank=True)  # [{row, column, value, message, severity}, ...]
    has_error = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["batch", "number"]
        constraints = [models.UniqueConstraint(fields=["batch", "number"], name="ledgers_importrow_unique")]
        indexes = [models.Index(fields=["batch", "outcome"]), models.Index(fields=["batch", "has_error"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.number}"

    def problem_list(self) -> list[dict[str, Any]]:
        return list(self.problems or [])
