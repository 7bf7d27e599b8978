"""core.services: create / change / void on any model, races, and the preference service."""

import pytest
from django.core.management import call_command

from taizhang.core import services
from taizhang.core.errors import ValidationFailed
from taizhang.core.selectors import chosen_columns
from taizhang.org.models import Unit, User

pytestmark = pytest.mark.usefixtures("audit")


def test_change_works_on_models_without_a_version(world):
    user = User.objects.get(pk=world.users["outsider"].pk)
    assert services.change(user, {"first_name": "三", "last_name": "张"}) == ["first_name", "last_name"]
    assert services.change(user, {"first_name": "三"}) == []
    user.refresh_from_db()
    assert user.get_full_name() == "三 张"


def test_change_accepts_a_foreign_key_as_an_id(world):
    a1 = Unit.objects.get(pk=world.units["A1"].pk)
    assert services.change(a1, {"parent": world.unit_b.pk}) == ["parent"]
    assert Unit.objects.get(pk=a1.pk).parent_id == world.unit_b.pk


def test_a_unique_clash_that_slips_past_validation_is_still_a_validation_error(world, monkeypatch):
    clash = Unit(code="UA", name="另一个甲", kind="other")
    monkeypatch.setattr(Unit, "full_clean", lambda self, exclude=None: None)
    with pytest.raises(ValidationFailed, match="clashes"):
        services.validated_save(clash)


def test_chosen_columns_are_a_preference_not_a_ledger_write(world):
    user = world.users["reporter_a"]
    services.columns_choose(actor=user, key="org:unit_list", columns=["code"])
    assert chosen_columns(user, "org:unit_list") == ["code"]
    services.columns_choose(actor=user, key="org:unit_list", columns=[])
    assert chosen_columns(user, "org:unit_list") is None
    from django.contrib.auth.models import AnonymousUser

    assert chosen_columns(AnonymousUser(), "org:unit_list") is None


def test_cli_main_runs_django_commands(capsys):
    from taizhang import cli

    cli.main(["whatever", "help", "demo"])
    assert "Load the demo district" in capsys.readouterr().out


def test_python_dash_m_taizhang(monkeypatch, capsys):
    import runpy
    import sys

    monkeypatch.setattr(sys, "argv", ["taizhang", "help", "serve"])
    runpy.run_module("taizhang", run_name="__main__")
    assert "gunicorn" in capsys.readouterr().out


def test_serve_runs_gunicorn_the_job_worker_and_the_scheduler_and_stops_them(monkeypatch):
    import subprocess

    started: list[list[str]] = []
    signals: list[int] = []

    class FakeProcess:
        def __init__(self, argv, env):
            started.append(argv)
            self.running = True

        def poll(self):
            return None if self.running else 0

        def send_signal(self, signum):
            signals.append(signum)
            self.running = False

        def wait(self, timeout=None):
            if timeout is None and self is last[0] and "gunicorn" in started[-1]:
                raise KeyboardInterrupt
            return 0

        def kill(self):  # pragma: no cover - only when a child ignores SIGTERM
            self.running = False

    last: list[FakeProcess] = []

    def fake_popen(argv, env):
        process = FakeProcess(argv, env)
        last[:] = [process]
        return process

    monkeypatch.setattr(subprocess, "Popen", fake_popen)
    monkeypatch.setattr("signal.signal", lambda *a: None)
    call_command("serve", "--bind", "127.0.0.1:8765", "--workers", "3")
    assert [argv[-1] for argv in started[:2]] == ["db_worker", "scheduler"]
    assert started[2][2:4] == ["gunicorn", "taizhang.wsgi:application"]
    assert "127.0.0.1:8765" in started[2] and "3" in started[2]
    assert len(signals) == 3  # every child was asked to stop

    started.clear()
    signals.clear()
    call_command("serve", "--no-scheduler")
    assert [argv[-1] for argv in started[:1]] == ["db_worker"] and len(started) == 2
    started.clear()
    call_command("serve", "--no-jobs")
    assert len(started) == 1 and "gunicorn" in started[0]
