"""Meta-tests of the audit: every model holding ledger data keeps history, and every app's audited services are
proven, by a test of that app, to leave a history row with the acting user and the source.

The per-app tests (``test_each_*_service_leaves_a_history_row_*``) call each service once inside
``history_probe()`` and assert that ``services_of(<the app's services>)`` all wrote rows with user and source.
These tests make sure that no app — and no app added later — goes without such a test, and that no model
that holds ledger data goes without history.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps

import taizhang
from taizhang.core.models import LedgerModel
from taizhang.core.testing.audit_probe import services_of

# Models without history, each with the reason it is not ledger data (or is its own record).
NOT_LEDGER_DATA = {
    "core.ViewPreference": "a user's choice of columns on a list page: a preference, written by an unaudited service",
    "core.DemoStepRun": "which demo steps the demo command has built: bookkeeping of the command",
    "ledgers.ImportRow": "one row's outcome of an import batch: part of the batch's own record, written in bulk",
    "projects.ReportEvent": "an append-only typed event of the report workflow: itself the trail of who did what",
    "issues.IssueEvent": "an append-only typed event of the issue workflow: itself the trail of who did what",
    "issues.IssueCounter": "the last issue number of a year: a sequence, not a record",
    "notifications.Notification": "a message in one user's inbox; its read mark is the user's own",
    "notifications.Delivery": "the outbox's log of sending attempts: itself a log",
    "notifications.PeriodicJob": "when a scheduled job last ran and is next due: the scheduler's bookkeeping",
}
SRC = Path(taizhang.__file__).parent


def project_models() -> Iterator[type]:
    for model in apps.get_models():
        if model.__module__.startswith("taizhang.") and not model.__name__.startswith("Historical"):
            yield model


def test_every_model_holding_ledger_data_keeps_history_with_user_and_source():
    missing, excused = [], set()
    for model in project_models():
        label = model._meta.label
        history = getattr(model, "history", None)
        if history is None:
            if issubclass(model, LedgerModel) or label not in NOT_LEDGER_DATA:
                missing.append(label)
            excused.add(label)
            continue
        fields = {f.name for f in history.model._meta.fields}
        assert {"history_user", "history_source", "history_change_reason", "history_date"} <= fields, label
    assert not missing, f"models without history (add history_records(), or say why in NOT_LEDGER_DATA): {missing}"
    assert set(NOT_LEDGER_DATA) <= excused, f"stale NOT_LEDGER_DATA entries: {set(NOT_LEDGER_DATA) - excused}"


def service_modules() -> dict[str, object]:
    """Every app's ``services`` module that defines audited services."""
    found = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("taizhang."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.services")
        except ModuleNotFoundError:
            continue
        if services_of(module):
            found[module.__name__] = module
    return found


def _imports(nodes: list[ast.stmt] | list[ast.AST]) -> dict[str, str]:
    """Local name -> dotted name for the import statements among ``nodes``."""
    names: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                names[alias.asname or top] = alias.name if alias.asname else top
    return names


def proven_service_modules() -> dict[str, list[str]]:
    """Service modules named in ``services_of(...)`` by a test that opens ``history_probe()`` and checks the rows'
    ``user_id`` and ``source``: module name -> the tests that prove it."""
    proven: dict[str, list[str]] = {}
    for path in sorted(SRC.glob("*/tests/test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_names = _imports(tree.body)
        for func in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")):
            nodes = list(ast.walk(func))
            calls = [n for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
            if not any(c.func.id == "history_probe" for c in calls):  # type: ignore[attr-defined]
                continue
            attributes = {n.attr for n in nodes if isinstance(n, ast.Attribute)}
            if not {"user_id", "source"} <= attributes:
                continue
            names = {**module_names, **_imports([n for n in nodes if isinstance(n, ast.Import | ast.ImportFrom)])}
            for call in calls:
                if call.func.id == "services_of" and call.args and isinstance(call.args[0], ast.Name):  # type: ignore[attr-defined]
                    dotted = names.get(call.args[0].id)
                    if dotted:
                        proven.setdefault(dotted, []).append(f"{path.relative_to(SRC)}::{func.name}")
    return proven


def test_every_apps_audited_services_are_proven_to_leave_history_with_user_and_source():
    modules = service_modules()
    assert {"taizhang.org.services", "taizhang.core.services", "taizhang.notifications.services"} <= set(modules)
    proven = proven_service_modules()
    unproven = sorted(set(modules) - set(proven))
    assert not unproven, (
        f"no test calls each service of {unproven} inside history_probe() and checks the rows' user and source"
    )


def test_the_scan_recognises_a_proving_test_and_ignores_one_that_checks_nothing(tmp_path, monkeypatch):
    """The scan itself: a probe test that checks user and source counts, one that only counts rows does not."""
    tests = tmp_path / "fake" / "tests"
    tests.mkdir(parents=True)
    (tests / "test_fake.py").write_text(
        "from taizhang.notifications import services as robots\n"
        "from taizhang.core import services\n"
        "def test_proves(world):\n"
        "    with history_probe() as rows:\n"
        "        pass\n"
        "    assert set(services_of(robots)) <= {r.service for r in rows}\n"
        "    assert {(r.user_id, r.source) for r in rows}\n"
        "def test_counts_only(world):\n"
        "    with history_probe() as rows:\n"
        "        pass\n"
        "    assert set(services_of(services)) <= {r.service for r in rows}\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(f"{__name__}.SRC", tmp_path)
    assert proven_service_modules() == {"taizhang.notifications.services": ["fake/tests/test_fake.py::test_proves"]}


def test_services_live_in_services_modules():
    """A ``@service`` elsewhere would escape the scan above (and the rule that writes live in services.py)."""
    stray = []
    for path in sorted(SRC.glob("**/*.py")):
        if path.name == "services.py" or "tests" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    if isinstance(target, ast.Name) and target.id == "service":
                        stray.append(f"{path.relative_to(SRC)}::{node.name}")
    assert not stray, stray
