"""The README's first command installs, seeds the demo and serves the login page on localhost."""
import os
import re
import signal
import subprocess
import urllib.request

from conftest import ROOT


def test_run_script_serves_the_login_page(tmp_path):
    # PORT=0: the server takes a port the system picks (two suites at once never collide) and names it
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", "PORT": "0", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output = []
    try:
        for line in proc.stdout:  # blocks until the server says it listens (or the script ends)
            output.append(line)
            if "listening on" in line:
                break
        listening = re.search(r"http://127\.0\.0\.1:(\d+)/", output[-1])
        assert listening and listening[1] != "0", "".join(output)
        assert any("demo users" in line and "frontdesk1" in line for line in output)
        with urllib.request.urlopen(f"{listening[0]}login", timeout=30) as response:
            page = response.read().decode()
        assert response.status == 200 and "登录" in page and 'name="password"' in page
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
