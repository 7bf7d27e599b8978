"""Per-process memos of the ledger's configuration (routing rules, Open311 clients, categories).

Configuration changes rarely and is read on every registration: each worker keeps it in memory and re-reads it
when a service bumps its generation in the shared cache (every worker sees the bump on its next read) or after
``ttl`` seconds at the latest, for changes made elsewhere (a unit deactivated, a user disabled).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache

T = TypeVar("T")


class Memo(Generic[T]):
    def __init__(self, name: str, load: Callable[[], T], ttl: float = 60.0) -> None:
        self.key = f"taizhang:memo:{name}"
        self.load = load
        self.ttl = ttl
        self.lock = threading.Lock()
        self.value: T | None = None
        self.generation: int | None = None
        self.expires = 0.0

    def get(self) -> T:
        generation = cache.get(self.key, 0)
        value = self.value
        if value is not None and generation == self.generation and time.monotonic() < self.expires:
            return value
        with self.lock:
            loaded = self.load()
            self.value, self.generation, self.expires = loaded, generation, time.monotonic() + self.ttl
            return loaded

    def invalidate(self) -> None:
        """Forget the memo here and, through the shared cache, in every other process."""
        self.value = None
        try:
            cache.incr(self.key)
        except ValueError:
            cache.set(self.key, 1, timeout=None)
