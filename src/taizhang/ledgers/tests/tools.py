"""Outside programs some tests need (LibreOffice, poppler): skipped on a developer's machine without them, a
failure in CI (``CI`` set, as ``.ci/run`` runs), where ``make test`` installs them, so CI cannot skip silently."""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_programs(*names: str, install: str) -> None:
    """Skip the calling test when a program is missing, or fail it when running in CI."""
    missing = [name for name in names if shutil.which(name) is None]
    if not missing:
        return
    message = f"needs {', '.join(missing)} on PATH (install: {install})"
    if in_ci():
        pytest.fail(f"{message}; CI must have them, `make test` installs them", pytrace=False)
    pytest.skip(message)
