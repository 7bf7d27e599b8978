"""Messages to people: an in-app list per user, e-mail, and group robots (enterprise WeChat, DingTalk) per unit.

Every outgoing message is a :class:`Delivery` row first and is sent after that row is committed; a failed send
is retried with growing pauses and, when it finally gives up, is marked dead, logged and reported to the
administrators in-app. Nothing is dropped silently.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from taizhang.core.audit import history_records
from taizhang.core.models import LedgerModel


class Notification(models.Model):
    """One message in a user's in-app list."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"], name="notif_recipient_unread")]

    def __str__(self) -> str:
        return self.title


class RobotKind(models.TextChoices):
    WECOM = "wecom", _("Enterprise WeChat group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class Robot(LedgerModel):
    """A group chat robot (webhook) that receives a unit's messages."""

    unit = models.ForeignKey("org.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="robots")
    kind = models.CharField(_("kind"), max_length=16, choices=RobotKind.choices)
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        blank=True,
        help_text=_("DingTalk robots with 'sign' security: the secret starting with SEC."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = history_records(excluded_fields=["search_text", "secret"])
    search_fields = ("name",)
    scope_fields = ("unit",)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["unit__sort_order", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("Enterprise WeChat")
    DINGTALK = "dingtalk", _("DingTalk")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Failed, will retry")
    DEAD = "dead", _("Gave up")


class Delivery(models.Model):
    """One message on one channel, and every attempt to send it: the delivery log."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    robot = models.ForeignKey(
        Robot, verbose_name=_("robot"), null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    address = models.CharField(_("address"), max_length=500, help_text=_("E-mail address or webhook URL."))
    title = models.CharField(_("title"), max_length=200)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notif_delivery_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}: {self.title}"


class PeriodicJob(models.Model):
    """When a periodic job (reminders, the outbox sweep) last ran and is next due, shared by every scheduler.

    ``taizhang scheduler`` claims a due job with one conditional UPDATE of its row (``next_run_at`` still in the
    past) before it enqueues the job's task, in the same transaction: of several schedulers (one per app server)
    exactly one enqueues each run, and a restarted scheduler picks up where the row says.
    """

    name = models.CharField(_("name"), max_length=64, primary_key=True)
    every = models.DurationField(_("interval"))
    next_run_at = models.DateTimeField(_("next run"))
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_task_id = models.CharField(_("last task"), max_length=64, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
