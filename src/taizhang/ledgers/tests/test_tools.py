"""A test needing LibreOffice or poppler skips on a developer's machine without them and fails in CI."""

import pytest

from taizhang.ledgers.tests.tools import in_ci, require_programs


@pytest.mark.parametrize(("value", "ci"), [("", False), ("false", False), ("0", False), ("true", True), ("1", True)])
def test_ci_is_read_from_the_environment(monkeypatch, value, ci):
    monkeypatch.setenv("CI", value)
    assert in_ci() is ci


def test_a_missing_program_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-program-zz"):
        require_programs("no-such-program-zz", install="nothing")


def test_a_missing_program_fails_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must have them"):
        require_programs("no-such-program-zz", install="nothing")


def test_programs_that_are_there_let_the_test_run(monkeypatch):
    monkeypatch.setenv("CI", "true")
    require_programs("sh", install="nothing")  # returns: nothing skipped, nothing failed
