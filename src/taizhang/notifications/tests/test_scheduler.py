"""The periodic jobs run in the running app: ``taizhang scheduler`` (started by ``taizhang serve``) enqueues them
when due, once per run however many schedulers there are, and picks up where it left off after a restart."""

from __future__ import annotations

import datetime as dt
import signal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from taizhang.core import clock
from taizhang.issues.tests.conftest import at
from taizhang.notifications import scheduler
from taizhang.notifications.models import Delivery, DeliveryStatus, PeriodicJob

JOBS = ["issues.remind", "notifications.send", "tasks.prune"]


def test_the_apps_register_the_reminders_the_outbox_sweep_and_pruning():
    jobs = {job.name: job for job in scheduler.registered()}
    assert sorted(jobs) == JOBS
    assert jobs["issues.remind"].every == dt.timedelta(minutes=15)
    assert jobs["notifications.send"].every == dt.timedelta(minutes=5)
    assert jobs["issues.remind"].task().name == "remind_deadlines"


def test_each_job_runs_once_per_interval(db):
    now = at(2026, 10, 8, 9)
    assert scheduler.run_due(now=now) == JOBS
    assert scheduler.run_due(now=now + dt.timedelta(minutes=4)) == []
    assert scheduler.run_due(now=now + dt.timedelta(minutes=5)) == ["notifications.send"]
    assert scheduler.run_due(now=now + dt.timedelta(minutes=15)) == ["issues.remind", "notifications.send"]
    remind = PeriodicJob.objects.get(name="issues.remind")
    assert remind.runs == 2 and remind.last_run_at == now + dt.timedelta(minutes=15)
    assert remind.next_run_at == now + dt.timedelta(minutes=30) and remind.last_task_id and not remind.last_error


def test_the_outbox_sweep_sends_what_a_stopped_queue_left_pending(world, audit, monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr("taizhang.notifications.channels.send_email", lambda address, payload: sent.append(address))
    Delivery.objects.create(channel="email", address="a@example.gov.cn", title="待发", payload={"subject": "待发"})
    assert "notifications.send" in scheduler.run_due()
    assert sent == ["a@example.gov.cn"] and Delivery.objects.get().status == DeliveryStatus.SENT


def test_two_schedulers_do_not_enqueue_the_same_run_twice(db, monkeypatch):
    """A second scheduler (another app server) that read the row before the first claimed it updates nothing."""
    now = at(2026, 10, 8, 9)
    scheduler.run_due(now=now)
    enqueued: list[str] = []
    later = now + dt.timedelta(minutes=15)
    original = scheduler._claim_and_enqueue

    def claim(job: Any, when: dt.datetime) -> bool:
        won = original(job, when)
        if won:
            enqueued.append(job.name)
            # the other server, at the same moment, after this one committed:
            assert original(job, when) is False
        return won

    monkeypatch.setattr(scheduler, "_claim_and_enqueue", claim)
    scheduler.run_due(now=later)
    assert enqueued == ["issues.remind", "notifications.send"]
    assert PeriodicJob.objects.get(name="issues.remind").runs == 2


def test_a_restarted_scheduler_runs_an_overdue_job_once_not_once_per_missed_interval(db):
    now = at(2026, 10, 8, 9)
    scheduler.run_due(now=now)
    after_a_day_down = now + dt.timedelta(days=1)
    assert scheduler.run_due(now=after_a_day_down) == JOBS
    assert scheduler.run_due(now=after_a_day_down + dt.timedelta(seconds=30)) == []
    assert PeriodicJob.objects.get(name="notifications.send").runs == 2


def test_a_failed_enqueue_is_recorded_and_retried_and_does_not_stop_the_other_jobs(db, monkeypatch):
    now = at(2026, 10, 8, 9)

    class Broken:
        def enqueue(self) -> Any:
            raise RuntimeError("queue down")

    jobs = dict(scheduler._JOBS)
    monkeypatch.setitem(
        scheduler._JOBS, "issues.remind", scheduler.Periodic("issues.remind", Broken, jobs["issues.remind"].every)
    )
    assert scheduler.run_due(now=now) == ["notifications.send", "tasks.prune"]
    row = PeriodicJob.objects.get(name="issues.remind")
    assert row.runs == 0 and row.next_run_at == now and row.last_error == "RuntimeError: queue down"
    monkeypatch.setitem(scheduler._JOBS, "issues.remind", jobs["issues.remind"])
    assert scheduler.run_due(now=now + dt.timedelta(seconds=30)) == ["issues.remind"]
    assert PeriodicJob.objects.get(name="issues.remind").last_error == ""


def test_an_error_that_cannot_even_be_recorded_is_logged(db, monkeypatch, caplog):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(scheduler, "_claim_and_enqueue", broken)
    monkeypatch.setattr(PeriodicJob.objects, "filter", broken)
    assert scheduler.run_due(now=at(2026, 10, 8, 9)) == []
    assert "could not record the error of issues.remind" in caplog.text


def test_a_shorter_interval_in_the_configuration_brings_the_next_run_forward(db, monkeypatch):
    now = at(2026, 10, 8, 9)
    scheduler.run_due(now=now)
    job = scheduler._JOBS["issues.remind"]
    monkeypatch.setitem(
        scheduler._JOBS, "issues.remind", scheduler.Periodic(job.name, job.task, dt.timedelta(minutes=5))
    )
    assert scheduler.run_due(now=now + dt.timedelta(minutes=5)) == ["issues.remind", "notifications.send"]
    assert PeriodicJob.objects.get(name="issues.remind").every == dt.timedelta(minutes=5)


@pytest.mark.parametrize(
    ("raw", "minutes"),
    [("", 15), ("2", 2), ("0.5", 0.5), ("soon", 15), ("0", 15), ("-3", 15)],
)
def test_intervals_come_from_the_environment(monkeypatch, raw, minutes):
    monkeypatch.setenv("TAIZHANG_REMIND_EVERY_MINUTES", raw)
    assert scheduler.minutes_from_env("TAIZHANG_REMIND_EVERY_MINUTES", 15) == dt.timedelta(minutes=minutes)


def test_old_job_results_are_pruned(db):
    from taizhang.notifications.tasks import prune_task_results

    old, recent = timezone.now() - dt.timedelta(days=20), timezone.now() - dt.timedelta(days=1)
    for finished in (old, recent, None):
        DBTaskResult.objects.create(
            task_path="taizhang.issues.tasks.remind_deadlines",
            args_kwargs={"args": [], "kwargs": {}},
            status="SUCCESSFUL" if finished else "READY",
            finished_at=finished,
            backend_name="default",
        )
    assert prune_task_results.call() == {"deleted": 1}
    assert DBTaskResult.objects.count() == 2


def test_the_command_runs_one_pass_for_cron(db, capsys):
    call_command("scheduler", "--once")
    assert capsys.readouterr().out.strip() == "enqueued: issues.remind, notifications.send, tasks.prune"
    call_command("scheduler", "--once")
    assert capsys.readouterr().out == ""


def test_the_command_loops_until_it_is_stopped(transactional_db, capsys, monkeypatch):
    # Outside a test transaction: the loop closes stale connections between ticks, as a long-lived process must
    # (inside one, PostgreSQL's connection would be marked closed under the test).
    handlers: dict[int, Any] = {}
    monkeypatch.setattr(signal, "signal", handlers.__setitem__)
    passes: list[list[str]] = []
    original = scheduler.run_due

    def run_due() -> list[str]:
        passes.append(original())
        if len(passes) == 2:
            handlers[signal.SIGTERM](signal.SIGTERM, None)  # `taizhang serve` stops its children with SIGTERM
        return passes[-1]

    monkeypatch.setattr(scheduler, "run_due", run_due)
    call_command("scheduler", "--tick", "0.01")
    out = capsys.readouterr().out
    assert "issues.remind every 0:15:00" in out and "enqueued: issues.remind" in out
    assert passes == [JOBS, []] and signal.SIGINT in handlers


def test_the_admin_lists_the_jobs_and_brings_one_forward(db, admin_client, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    now = at(2026, 10, 8, 9)
    scheduler.run_due(now=now)
    page = admin_client.get("/admin/notifications/periodicjob/")
    assert page.status_code == 200 and "issues.remind" in page.content.decode()
    assert admin_client.get("/admin/notifications/periodicjob/add/").status_code == 403
    with clock.travel(now + dt.timedelta(minutes=1)):
        response = admin_client.post(
            "/admin/notifications/periodicjob/",
            {"action": "run_soon", "_selected_action": ["issues.remind"]},
            follow=True,
        )
        assert "1 jobs will run within a minute." in response.content.decode()
        assert scheduler.run_due() == ["issues.remind"]
