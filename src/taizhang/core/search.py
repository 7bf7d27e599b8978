"""Search text with pinyin: 区发改委 → "区发改委 qufagaiwei qfgw", so users can type names, pinyin or initials."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from pypinyin import lazy_pinyin
from pypinyin.constants import RE_HANS

_HAN = re.compile(r"[\u3400-\u9fff]")
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
# pypinyin cuts a text into runs of the characters it reads (RE_HANS, anchored) and the rest, segments each run
# on its own and drops the rest (errors="ignore"): the pinyin of a text is that of its runs, one after another.
_HAN_RUN = re.compile(RE_HANS.pattern.removeprefix("^").removesuffix("$"))


@lru_cache(maxsize=65536)
def _run_forms(run: str) -> tuple[str, str]:
    # One conversion: an initial is the first letter of its syllable (pypinyin's FIRST_LETTER style is exactly
    # that), so a second pass over the text would only repeat the segmentation and the dictionary lookups.
    syllables = lazy_pinyin(run, errors="ignore")
    return "".join(syllables).lower(), "".join(s[0] for s in syllables if s).lower()


def _pinyin_forms(text: str) -> tuple[str, str]:
    """(pinyin, initials) of ``text``, as ``lazy_pinyin(text)`` gives them, remembered per run of Han characters:
    names that differ only by their numbers ("金水管网工程000123") or share their words convert once."""
    runs = _HAN_RUN.findall(text)
    if len(runs) == 1:
        return _run_forms(runs[0])
    forms = [_run_forms(run) for run in runs]
    return "".join(f[0] for f in forms), "".join(f[1] for f in forms)


def search_text_for(values: Iterable[str]) -> str:
    parts: list[str] = []
    for value in values:
        text = value.strip()
        if not text:
            continue
        parts.append(normalise_query(text))
        if _HAN.search(text):
            full, initials = _pinyin_forms(text)
            parts.extend([full, initials])
    return " ".join(parts)


def normalise_query(query: str) -> str:
    """Lower-case, and drop spaces and punctuation so "Qu Fa" matches "qufa"."""
    return _NOT_WORD.sub("", query.lower())
