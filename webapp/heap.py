"""Give the heap's freed pages back to the system now and then (glibc's ``malloc_trim``).

A request frees nearly all it allocated, but glibc keeps what was freed in its arenas, and with
waitress's threads (each its own arena) and the workflow cache's states of every size coming and
going, the freed pieces scatter: the web process's resident memory crept up by 17 % over 20,000
completions (``bench/bench_http.py --memory 20000``) while Python's live objects stayed level.
``malloc_trim(0)`` hands the free pages inside the arenas back; every ``EVERY`` requests it costs
the request that triggers it a few milliseconds. Where the C library has no ``malloc_trim`` (musl,
macOS) this does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import itertools
from collections.abc import Callable, Iterable

EVERY = 1000  # requests between trims


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


class Trimmer:
    """Counts finished requests and trims the heap at every ``every``-th (safe from several threads)."""

    def __init__(self, every: int = EVERY, trim: Callable[[int], int] | None = None):
        self.every = every
        self._trim = trim if trim is not None else _malloc_trim()
        self._count = itertools.count(1)  # next() on it is atomic under the GIL
        self.trims = 0

    def request_done(self) -> None:
        if self._trim is not None and next(self._count) % self.every == 0:
            self._trim(0)
            self.trims += 1


def trimming(app: Callable, trimmer: Trimmer | None = None) -> Callable:
    """``app`` (WSGI) that counts each request it answers (``pflow-web``; gunicorn counts in its
    ``post_request`` hook). The body is passed on as it is (a file wrapper stays one)."""
    trimmer = trimmer or Trimmer()

    def wsgi(environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            return app(environ, start_response)
        finally:
            trimmer.request_done()

    return wsgi
