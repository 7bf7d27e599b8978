"""Base models shared by every ledger.

``LedgerModel`` gives each ledger record: timestamps, an optimistic-lock ``version``, voiding with a reason
(ledger items are never deleted), and a ``search_text`` column holding the record's names with their pinyin
and initials so that "gfw" and "gaifawei" both find 区发改委.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from taizhang.core.audit import history_records
from taizhang.core.search import search_text_for


class LedgerQuerySet(models.QuerySet):
    def live(self) -> LedgerQuerySet:
        return self.filter(voided_at__isnull=True)

    def voided(self) -> LedgerQuerySet:
        return self.filter(voided_at__isnull=False)


class LedgerModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(
        _("version"), default=1, editable=False, help_text=_("Raised on every change; guards against lost updates.")
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True, editable=False)
    search_text = models.TextField(editable=False, blank=True, default="")

    objects = LedgerQuerySet.as_manager()

    # Fields whose text (and its pinyin) is searchable. Subclasses name them.
    search_fields: ClassVar[tuple[str, ...]] = ()
    # Paths from this model to the unit(s) that own a record; selectors scope by them, first one is primary.
    scope_fields: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # search_text is derived from the other fields; keep it in step on every save path.
        self.refresh_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {f.split(".")[0] for f in self.search_fields} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None

    def refresh_search_text(self) -> None:
        self.search_text = search_text_for(str(self._follow(f) or "") for f in self.search_fields)

    def _follow(self, dotted: str) -> Any:
        value: Any = self
        for part in dotted.split("."):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value


class ViewPreference(models.Model):
    """A user's choices on a list page (which columns to show), remembered across visits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="view_preferences")
    key = models.CharField(max_length=100)
    columns = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_viewpreference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class DemoStepRun(models.Model):
    """Which demo steps have been built into this database (``taizhang demo`` is idempotent)."""

    name = models.CharField(max_length=100, unique=True)
    done_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Instruction(LedgerModel):
    """A leader's or supervisor's instruction (批示) on a ledger record, and the responsible unit's replies.

    ``unit`` is the record's owning unit at the time of writing: instructions are visible exactly where the
    record is, and the responsible unit sees what it has been told to do.
    """

    class Kind(models.TextChoices):
        INSTRUCTION = "instruction", _("Instruction")
        REPLY = "reply", _("Reply")

    target_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target_label = models.CharField(_("record"), max_length=200)
    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    in_reply_to = models.ForeignKey(
        "self", verbose_name=_("in reply to"), null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    author_name = models.CharField(_("author"), max_length=100)
    text = models.TextField(_("text"), max_length=2000)

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("text", "target_label", "author_name")
    scope_fields = ("unit",)

    class Meta:
        verbose_name = _("instruction")
        verbose_name_plural = _("instructions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.author_name}：{self.text[:30]}"


class WorkdayOverride(LedgerModel):
    """One day whose status differs from what the calendar would say: the admin's record of the State
    Council's holiday notice for a year the ``chinesecalendar`` package does not cover yet, or a local
    correction (a day off for a district event). See ``core.workdays``."""

    date = models.DateField(_("date"))
    is_workday = models.BooleanField(
        _("workday"), help_text=_("Ticked: a working day (e.g. a make-up Saturday). Unticked: a day off.")
    )
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("e.g. 国庆节 or 国庆节调休"))

    history = history_records(excluded_fields=["search_text"])
    search_fields = ("name",)

    class Meta:
        verbose_name = _("workday override")
        verbose_name_plural = _("workday overrides")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(voided_at__isnull=True),
                name="core_workdayoverride_date_unique_live",
                violation_error_message=_("This date already has an override."),
            )
        ]

    def __str__(self) -> str:
        kind = _("workday") if self.is_workday else _("day off")
        return f"{self.date.isoformat()} {kind}{f' · {self.name}' if self.name else ''}"
