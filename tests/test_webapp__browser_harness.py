"""The browser tests' own harness (tests/browser.py): two suites on one machine at the same time never collide on
a port."""
import re
import urllib.request
from pathlib import Path

from browser import served

TESTS = Path(__file__).resolve().parent
FIXED_PORT = re.compile(r"^\s*PORT\s*=\s*\d|http://127\.0\.0\.1:\d|\"BIND\": \"127|create_server\(\(\"127\.0\.0\.1\", [1-9]")


def test_two_apps_served_at_once_each_get_a_port_of_their_own():
    from flask import Flask

    app = Flask("probe")
    app.add_url_rule("/", view_func=lambda: "ok")
    with served(app) as one, served(app) as two:
        assert one != two
        for base in (one, two):
            with urllib.request.urlopen(base + "/", timeout=30) as response:
                assert response.read() == b"ok"


def test_no_test_serves_on_a_port_fixed_in_advance():
    found = [f"{path.name}:{n}: {line.strip()}" for path in sorted(TESTS.glob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if FIXED_PORT.search(line)]
    assert not found, "\n".join(found)
