"""The language of the text the issue ledger keeps.

Text the ledger stores — routing notes, the notes on timeline events, the messages it sends and keeps — is
read later by other people, in other languages, and is part of the record: it is written in the site's language
(``settings.LANGUAGE_CODE``, 中文), whatever language the request that caused it used (an API client asking for
English, a test). What is said back to the caller (validation errors, an Open311 notice) stays in the caller's
language: wrap only the composing of stored text, never a whole service.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import translation


@contextmanager
def stored_text() -> Iterator[None]:
    """Compose what is inside in the site's language (also a decorator: ``@stored_text()``)."""
    with translation.override(settings.LANGUAGE_CODE):
        yield
