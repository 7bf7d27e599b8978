"""The tests read copies of the shared sample ledgers (``tests/data/``); these must not drift from the originals.

The originals live in ``../shared/samples`` beside the repository (CI lays a copy of ``shared/`` beside its
clone). When they are there, every sample file must have a byte-identical copy here, and each expected result
must read the same.
"""

import json
from pathlib import Path

import pytest

from taizhang.ledgers.tests.files import DATA

ROOT = Path(__file__).resolve().parents[4]  # src/taizhang/ledgers/tests/ → the repository
SHARED = ROOT.parent / "shared" / "samples"
SAMPLES = ("key-projects-2022-05", "issues-checklist-2021-09")  # the two sample ledgers


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: no shared samples beside this clone to compare the copies with")
    return SHARED


def test_the_repository_root_is_found():
    assert (ROOT / "pyproject.toml").is_file() and (ROOT / "src" / "taizhang").is_dir()


def test_every_shared_sample_has_an_identical_copy(shared):
    originals = sorted(p for p in shared.iterdir() if p.is_file() and p.suffix in (".xlsx", ".xls", ".csv", ".json"))
    names = {p.name for p in originals}
    for sample in SAMPLES:
        assert {f"{sample}.xlsx", f"{sample}.expected.json"} <= names, f"{sample} is missing from {shared}"
    for original in originals:
        copy = DATA / original.name
        assert copy.is_file(), f"{original.name} has no copy in {DATA}"
        assert copy.read_bytes() == original.read_bytes(), f"{copy} differs from {original}: copy it again"


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_expected_results_read_the_same(shared, sample):
    name = f"{sample}.expected.json"
    assert json.loads((DATA / name).read_text(encoding="utf-8")) == json.loads(
        (shared / name).read_text(encoding="utf-8")
    )
