"""Every user-facing string has a zh-Hans translation, and the committed catalogues are up to date."""

from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command

APPS = [a for a in apps.get_app_configs() if a.name.startswith("taizhang.")]


def catalogue(app) -> Path:
    return Path(app.path) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def msgids(po: Path) -> set[str]:
    out = subprocess.run(
        ["msgcat", "--no-wrap", "--sort-output", str(po)], capture_output=True, text=True, check=True
    ).stdout
    ids: set[str] = set()
    current: list[str] | None = None
    for line in out.splitlines():
        if line.startswith("msgid "):
            current = [line[6:].strip('"')]
        elif current is not None and line.startswith('"'):
            current.append(line.strip('"'))
        else:
            if current is not None and "".join(current):
                ids.add("".join(current))
            current = None
    return ids


@pytest.mark.parametrize("app", APPS, ids=lambda a: a.label)
def test_the_catalogue_covers_every_string_and_translates_all_of_them(app, tmp_path):
    source = Path(app.path)
    copy = tmp_path / app.label
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "tests", "migrations"))
    (copy / "locale").mkdir(exist_ok=True)
    import os

    cwd = os.getcwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=["zh_Hans"], verbosity=0, no_location=True, no_obsolete=True)
    finally:
        os.chdir(cwd)
    fresh = copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    wanted = msgids(fresh) if fresh.exists() else set()
    if not wanted:
        return
    po = catalogue(app)
    assert po.exists(), f"{app.label} has user-facing strings but no zh_Hans catalogue: run make messages"
    have = msgids(po)
    assert not wanted - have, f"strings missing from {po}: {sorted(wanted - have)[:20]}"
    stats = subprocess.run(["msgfmt", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True)
    assert "untranslated" not in stats.stderr and "fuzzy" not in stats.stderr, stats.stderr


@pytest.mark.parametrize("app", [a for a in APPS if catalogue(a).exists()], ids=lambda a: a.label)
def test_the_compiled_catalogue_matches_its_source(app, tmp_path):
    po = catalogue(app)
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(compiled), str(po)], check=True)
    with open(compiled, "rb") as fresh, open(po.with_suffix(".mo"), "rb") as committed:
        assert gettext.GNUTranslations(fresh)._catalog == gettext.GNUTranslations(committed)._catalog, (
            f"{po.with_suffix('.mo')} is stale: run make messages"
        )
