"""The periodic jobs (deadline reminders, the outbox sweep, pruning old job results) and the loop that starts them.

Apps register a job with :func:`register` (a django-tasks task and an interval); ``taizhang scheduler`` (started
by ``taizhang serve``) calls :func:`run_due` every ``tick`` seconds, which enqueues each job whose time has come
for the job worker (``taizhang db_worker``). Each job's :class:`~taizhang.notifications.models.PeriodicJob` row
says when it is next due; a run is claimed by one conditional UPDATE of that row, committed together with the
enqueued task, so:

* several schedulers (one per app server) never enqueue the same run twice: the first UPDATE wins, the others
  update nothing;
* a restarted scheduler continues from the row: a job overdue while nothing ran is enqueued once, not once per
  missed interval;
* a failed enqueue rolls the claim back and the next tick tries again.

The jobs themselves are idempotent too (an issue is flagged once per light; a delivery is claimed before it is
sent), so even a run enqueued by hand (``taizhang issues_remind``) beside the scheduler sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F

from taizhang.core import clock
from taizhang.notifications.models import PeriodicJob

logger = logging.getLogger("taizhang.scheduler")


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Callable[[], Any]  # returns the django-tasks Task (imported late: tasks import services)
    every: dt.timedelta


_JOBS: dict[str, Periodic] = {}


def minutes_from_env(name: str, default: float) -> dt.timedelta:
    """An interval in minutes from the environment variable ``name`` (a bad or non-positive value: the default)."""
    raw = os.environ.get(name, "")
    try:
        minutes = float(raw) if raw.strip() else default
    except ValueError:
        logger.warning("%s=%r is not a number of minutes; using %s", name, raw, default)
        minutes = default
    if minutes <= 0:
        logger.warning("%s=%r must be positive; using %s", name, raw, default)
        minutes = default
    return dt.timedelta(minutes=minutes)


def register(name: str, task: Callable[[], Any], every: dt.timedelta) -> None:
    """Run ``task()`` (a function returning a django-tasks task) every ``every``, under the job's ``name``."""
    _JOBS[name] = Periodic(name, task, every)


def registered() -> list[Periodic]:
    return [_JOBS[name] for name in sorted(_JOBS)]


def run_due(*, now: dt.datetime | None = None) -> list[str]:
    """Enqueue every registered job that is due; returns the names of those this call enqueued."""
    now = now or clock.now()
    started = []
    for job in registered():
        try:
            if _claim_and_enqueue(job, now):
                started.append(job.name)
        except Exception as exc:  # one job's trouble (a queue down) must not stop the others; the claim rolled back
            logger.exception("could not enqueue %s; the next tick tries again", job.name)
            _record_error(job.name, f"{type(exc).__name__}: {exc}")
    return started


def _claim_and_enqueue(job: Periodic, now: dt.datetime) -> bool:
    row, created = PeriodicJob.objects.get_or_create(name=job.name, defaults={"every": job.every, "next_run_at": now})
    if not created and row.every != job.every:
        # The interval was changed in the configuration: the next run comes no later than the new interval after
        # the last one.
        PeriodicJob.objects.filter(name=job.name).update(
            every=job.every, next_run_at=min(row.next_run_at, (row.last_run_at or now) + job.every)
        )
    with transaction.atomic():
        claimed = PeriodicJob.objects.filter(name=job.name, next_run_at__lte=now).update(
            next_run_at=now + job.every, last_run_at=now, runs=F("runs") + 1
        )
        if not claimed:
            return False
        result = job.task().enqueue()
        PeriodicJob.objects.filter(name=job.name).update(last_task_id=str(result.id)[:64], last_error="")
    logger.info("enqueued %s (task %s)", job.name, result.id)
    return True


def _record_error(name: str, error: str) -> None:
    try:
        PeriodicJob.objects.filter(name=name).update(last_error=error[:2000])
    except Exception:  # the database itself is down: the log has it
        logger.exception("could not record the error of %s", name)
