"""The one in-memory cache the engine keeps things in: a bounded LRU, safe across threads.

Parsed specs, version contents, compiled scripts, script engines, deserialized
workflows and spec comparisons are all kept in one of these, so a long-lived
worker never grows without limit.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from threading import Lock
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LockedLRU(Generic[K, V]):
    """A ``cachetools.LRUCache`` of at most ``size`` entries behind a lock."""

    def __init__(self, size: int):
        self._cache: LRUCache = LRUCache(maxsize=size)
        self._lock = Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._cache.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._cache[key] = value

    def pop(self, key: K) -> V | None:
        with self._lock:
            return self._cache.pop(key, None)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The cached value, else ``make()``'s (built outside the lock: two threads may both build it once)."""
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def discard_where(self, keep: Callable[[K], bool]) -> None:
        """Drop every entry whose key ``keep`` refuses."""
        with self._lock:
            for key in [k for k in self._cache if not keep(k)]:
                del self._cache[key]

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def __len__(self) -> int:
        return len(self._cache)
