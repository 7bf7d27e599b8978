"""Enqueue the periodic jobs when they are due, until stopped (``taizhang serve`` starts it beside the job worker).

    taizhang scheduler            # loop: check every 30 seconds
    taizhang scheduler --once     # one pass, e.g. from cron every minute instead of the loop

Safe to run on every app server at once: each run of a job is claimed by one conditional update of its row in
``notifications_periodicjob`` before it is enqueued (see ``taizhang.notifications.scheduler``).
"""

from __future__ import annotations

import signal
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections

from taizhang.notifications import scheduler


class Command(BaseCommand):
    help = "Enqueue the periodic jobs (reminders, the outbox sweep) when due; loops until stopped, or --once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit (for cron)")
        parser.add_argument("--tick", type=float, default=30.0, help="seconds between passes (default 30)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.report(scheduler.run_due())
            return
        stop = threading.Event()

        def request_stop(signum: int, frame: Any) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        jobs = ", ".join(f"{job.name} every {job.every}" for job in scheduler.registered())
        self.stdout.write(f"scheduler: {jobs}; checking every {options['tick']:g} s")
        while not stop.is_set():
            close_old_connections()  # a long-lived loop: drop connections that broke or outlived CONN_MAX_AGE
            self.report(scheduler.run_due())
            stop.wait(options["tick"])
        connections.close_all()

    def report(self, started: list[str]) -> None:
        if started:
            self.stdout.write(f"enqueued: {', '.join(started)}")
