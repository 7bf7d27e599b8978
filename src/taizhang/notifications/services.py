"""Every write of notifications: in-app messages, the outbox of deliveries, and the robots' configuration.

``notify*`` write the in-app notifications and one :class:`Delivery` per e-mail address and robot in the
caller's transaction; sending starts only after it commits (``transaction.on_commit``), so a rolled-back
action sends nothing and a committed one cannot lose its messages.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from taizhang.core import services as base
from taizhang.core.permissions import ensure
from taizhang.core.roles import Role
from taizhang.core.services import service
from taizhang.notifications import channels
from taizhang.notifications.models import Channel, Delivery, DeliveryStatus, Notification, Robot, RobotKind

logger = logging.getLogger("taizhang.notifications")

# Pauses after the 1st, 2nd, ... failed attempt; after the last one the delivery is given up (and reported).
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
LEASE = dt.timedelta(minutes=2)  # a claimed attempt that never reports back is retried after this
DUE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
UNIT_RECIPIENT_ROLES = (Role.UNIT_HEAD, Role.REPORTER)
ROBOT_FIELDS = ("unit", "kind", "name", "url", "secret", "is_active")


# --- notifying ---------------------------------------------------------------------------------------


@service(audited=False)
def notify(
    *,
    actor: Any,
    recipients: Iterable[Any] = (),
    robots: Iterable[Robot] = (),
    title: str,
    body: str = "",
    url: str = "",
    kind: str = "",
) -> list[Notification]:
    """Notify people in-app (and by e-mail where they have an address) and post to group robots.

    Guarantees: one in-app notification per distinct active recipient; one delivery per e-mail address and
    per active robot; nothing leaves before the caller's transaction commits.
    """
    title = title[:200]
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    notes = Notification.objects.bulk_create(
        [Notification(recipient=user, kind=kind, title=title, body=body, url=url) for user in people.values()]
    )
    deliveries = [
        Delivery(
            channel=Channel.EMAIL,
            recipient=user,
            address=user.email,
            title=title,
            payload=channels.email_payload(title, body, url),
        )
        for user in people.values()
        if user.email
    ]
    for robot in {r.pk: r for r in robots if r.is_active and not r.is_void}.values():
        if robot.kind == RobotKind.WECOM:
            payload = channels.wecom_payload(title, body, url)
        else:
            payload = channels.dingtalk_payload(title, body, url)
        deliveries.append(Delivery(channel=robot.kind, robot=robot, address=robot.url, title=title, payload=payload))
    if deliveries:
        created = Delivery.objects.bulk_create(deliveries)
        ids = [d.pk for d in created]
        transaction.on_commit(lambda: _start_sending(ids))
    return notes


def unit_recipients(unit: Any) -> list[Any]:
    """The people who act for ``unit``: unit heads and reporters of it and of the units above it."""
    from taizhang.org.models import Membership, Unit, User

    ids = [int(part) for part in (unit.path or f"/{unit.pk}/").strip("/").split("/") if part]
    units = Unit.objects.filter(pk__in=ids, voided_at__isnull=True, is_active=True)
    members = Membership.objects.live().filter(unit__in=units, role__in=UNIT_RECIPIENT_ROLES, is_active=True)
    return list(User.objects.filter(is_active=True, pk__in=members.values("user_id")).order_by("pk"))


def unit_robots(unit: Any) -> list[Robot]:
    ids = [int(part) for part in (unit.path or f"/{unit.pk}/").strip("/").split("/") if part]
    return list(Robot.objects.live().filter(unit_id__in=ids, is_active=True))


def role_recipients(*roles: str) -> list[Any]:
    """Active users holding one of ``roles`` anywhere (superusers count as system administrators)."""
    from taizhang.org.models import Membership, User

    members = Membership.objects.live().filter(role__in=roles, is_active=True)
    condition = Q(pk__in=members.values("user_id"))
    if Role.ADMIN in roles:
        condition |= Q(is_superuser=True)
    return list(User.objects.filter(condition, is_active=True).order_by("pk"))


@service(audited=False)
def notify_unit(*, actor: Any, unit: Any, title: str, body: str = "", url: str = "", kind: str = "") -> None:
    """Notify everyone who acts for ``unit`` (and the units above it) and post to their group robots."""
    notify(
        actor=actor,
        recipients=unit_recipients(unit),
        robots=unit_robots(unit),
        title=title,
        body=body,
        url=url,
        kind=kind,
    )


@service(audited=False)
def notification_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one of the actor's own notifications read (someone else's is not found)."""
    from taizhang.core.errors import NotFound

    if notification.recipient_id != actor.pk:
        raise NotFound
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@service(audited=False)
def notification_read_all(*, actor: Any) -> int:
    """Mark all the actor's notifications read; returns how many were unread."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


# --- robots ------------------------------------------------------------------------------------------


def _only(values: dict[str, Any]) -> dict[str, Any]:
    unknown = set(values) - set(ROBOT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")
    return values


@service
def robot_create(*, actor: Any, **values: Any) -> Robot:
    """Add a group robot to a unit; its URL must be http(s)."""
    ensure(actor, "notifications.add_robot")
    return base.create(Robot, **_only(values))


@service
def robot_update(*, actor: Any, robot: Robot, values: dict[str, Any], expected_version: int | None = None) -> Robot:
    ensure(actor, "notifications.change_robot", robot)
    base.change(robot, _only(values), expected_version=expected_version)
    return robot


@service
def robot_void(*, actor: Any, robot: Robot, reason: str) -> Robot:
    ensure(actor, "notifications.void_robot", robot)
    base.void(robot, actor=actor, reason=reason)
    return robot


# --- sending (the outbox relay) ----------------------------------------------------------------------


def _start_sending(ids: list[int]) -> None:
    from taizhang.notifications.tasks import send_deliveries

    try:
        send_deliveries.enqueue(ids)
    except Exception:  # the queue is down: the deliveries stay pending for `taizhang notifications_send`
        logger.exception("could not enqueue %d deliveries; they stay pending", len(ids))


def send_due(*, ids: Iterable[int] | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Attempt every due delivery (or those of ``ids`` that are due). Returns counts by outcome.

    Not a ``@service``: it talks to the network and must not hold a transaction while it does. Each attempt
    is claimed with a conditional update first, so two workers never send the same message twice, and its
    outcome is written to the delivery log.
    """
    now = now or timezone.now()
    due = Delivery.objects.filter(status__in=DUE).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    if ids is not None:
        due = due.filter(pk__in=list(ids))
    counts = {"sent": 0, "retrying": 0, "dead": 0, "skipped": 0}
    for delivery in due.select_related("robot").order_by("pk")[:500]:
        counts[attempt(delivery, now)] += 1
    return counts


def attempt(delivery: Delivery, now: dt.datetime) -> str:
    claimed = Delivery.objects.filter(pk=delivery.pk, status__in=DUE, attempts=delivery.attempts).update(
        attempts=F("attempts") + 1, next_attempt_at=now + LEASE
    )
    if not claimed:
        return "skipped"
    attempts = delivery.attempts + 1
    try:
        _send(delivery)
    except channels.SendFailed as exc:
        return _failed(delivery, attempts, str(exc), now)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
    )
    return "sent"


def _send(delivery: Delivery) -> None:
    if delivery.channel == Channel.EMAIL:
        channels.send_email(delivery.address, delivery.payload)
        return
    url = delivery.robot.url if delivery.robot is not None else delivery.address
    if delivery.channel == Channel.DINGTALK and delivery.robot is not None:
        url = channels.dingtalk_signed_url(url, delivery.robot.secret)
    channels.post_json(url, delivery.payload)


def _failed(delivery: Delivery, attempts: int, error: str, now: dt.datetime) -> str:
    if attempts < MAX_ATTEMPTS:
        retry_at = now + RETRY_DELAYS[attempts - 1]
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.RETRYING, next_attempt_at=retry_at, last_error=error[:2000]
        )
        logger.warning("delivery %s failed (attempt %s), retrying at %s: %s", delivery.pk, attempts, retry_at, error)
        _schedule_retry(delivery.pk, retry_at)
        return "retrying"
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.DEAD, next_attempt_at=None, last_error=error[:2000]
    )
    logger.error("delivery %s given up after %s attempts: %s", delivery.pk, attempts, error)
    admins = role_recipients(Role.ADMIN)
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind="delivery_dead",
                title=_("A message could not be delivered"),
                body=_("%(channel)s to %(address)s: %(title)s — %(error)s")
                % {
                    "channel": delivery.get_channel_display(),
                    "address": delivery.address[:80],
                    "title": delivery.title,
                    "error": error[:300],
                },
                url=f"/admin/notifications/delivery/{delivery.pk}/change/",
            )
            for user in admins
        ]
    )
    return "dead"


def _schedule_retry(pk: int, when: dt.datetime) -> None:
    from django_tasks import default_task_backend

    from taizhang.notifications.tasks import send_deliveries

    if not default_task_backend.supports_defer:
        return  # `taizhang notifications_send` (cron) picks it up
    try:
        send_deliveries.using(run_after=when).enqueue([pk])
    except Exception:
        logger.exception("could not schedule the retry of delivery %s; cron will pick it up", pk)
