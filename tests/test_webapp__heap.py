"""The web process hands freed heap back to the system now and then: every thousandth request
(``webapp/heap.py``), in ``pflow-web`` (a WSGI wrapper) and under gunicorn (its ``post_request`` hook)."""
from __future__ import annotations

import sys
import threading

import pytest

from webapp.heap import Trimmer, _malloc_trim, trimming


def _counting_trim(calls: list[int]):
    def trim(pad: int) -> int:
        calls.append(pad)
        return 1
    return trim


def test_the_heap_is_trimmed_at_every_thousandth_request_not_at_others():
    calls: list[int] = []
    app = trimming(lambda environ, start_response: [b"ok"], Trimmer(every=1000, trim=_counting_trim(calls)))
    for _ in range(999):
        assert app({}, None) == [b"ok"]
    assert calls == []
    app({}, None)
    assert calls == [0]
    for _ in range(1000):
        app({}, None)
    assert calls == [0, 0]


def test_a_request_that_fails_still_counts_and_the_body_passes_through_unwrapped():
    calls: list[int] = []
    trimmer = Trimmer(every=2, trim=_counting_trim(calls))
    body = object()  # e.g. a server's file wrapper: it must reach the server as it is

    def failing(environ, start_response):
        raise RuntimeError("boom")

    assert trimming(lambda environ, start_response: body, trimmer)({}, None) is body
    with pytest.raises(RuntimeError):
        trimming(failing, trimmer)({}, None)
    assert calls == [0]


def test_requests_from_many_threads_are_each_counted_once():
    calls: list[int] = []
    trimmer = Trimmer(every=100, trim=_counting_trim(calls))

    def worker():
        for _ in range(500):
            trimmer.request_done()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 8 * 500 // 100


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's (Linux)")
def test_on_linux_the_real_malloc_trim_is_found_and_runs():
    trim = _malloc_trim()
    assert trim is not None
    trimmer = Trimmer(every=1)
    trimmer.request_done()
    assert trimmer.trims == 1


def test_gunicorn_workers_count_their_requests(monkeypatch):
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(__file__).parent.parent / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    monkeypatch.setattr("gc.freeze", lambda: None)  # this test process's objects stay collectable
    conf.post_worker_init(None)
    calls: list[int] = []
    conf._trimmer._trim = _counting_trim(calls)
    for _ in range(1000):
        conf.post_request(None, None, {}, None)
    assert calls == [0]
