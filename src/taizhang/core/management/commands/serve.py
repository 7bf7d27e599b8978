"""Serve taizhang with gunicorn, a background-job worker and the periodic-job scheduler on TAIZHANG_BIND
(default 127.0.0.1:8000).

The scheduler (``taizhang scheduler``) enqueues the deadline reminders and the outbox sweep when they are due; it
is safe to run beside the schedulers of other app servers (each run is claimed once in the database).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server (gunicorn), a background-job worker and the periodic-job scheduler until interrupted."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("TAIZHANG_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("TAIZHANG_WORKERS", "2")))
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("TAIZHANG_THREADS", "4")),
            help="threads per worker (gthread): one thread's request uses the CPU while another waits for the database",
        )
        parser.add_argument(
            "--no-jobs", action="store_true", help="start neither the background-job worker nor the scheduler"
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="do not start the scheduler (periodic jobs come from cron or another server)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "taizhang.settings")}
        children: list[subprocess.Popen[bytes]] = []
        if not options["no_jobs"]:
            children.append(subprocess.Popen([sys.executable, "-m", "taizhang", "db_worker"], env=env))
            if not options["no_scheduler"]:
                children.append(subprocess.Popen([sys.executable, "-m", "taizhang", "scheduler"], env=env))
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "taizhang.wsgi:application",
                "--bind",
                options["bind"],
                "--workers",
                str(options["workers"]),
                "--worker-class",
                "gthread",
                "--threads",
                str(max(1, options["threads"])),
                "--access-logfile",
                "-",
                "--timeout",
                "120",
            ],
            env=env,
        )
        children.append(web)
        self.stdout.write(self.style.SUCCESS(f"taizhang is serving on http://{options['bind']}/  (Ctrl-C stops)"))

        def stop(signum: int, frame: Any) -> None:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        try:
            web.wait()
        except KeyboardInterrupt:
            pass
        finally:
            stop(signal.SIGTERM, None)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
