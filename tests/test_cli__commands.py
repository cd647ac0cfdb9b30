"""The pflow CLI: each command does its job and says what it did."""
import json
import re
import shutil
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from click.testing import CliRunner

from cli import main


@pytest.fixture
def pflow(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()

    def run(*args, code=0):
        result = runner.invoke(main, ["--database-url", url, *args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output
    run("init-db")
    return run


def test_validate_reports_each_problem(pflow, packages_dir, tmp_path):
    assert "✓" in pflow("validate", str(packages_dir / "service_request"))
    broken = tmp_path / "service_request"
    shutil.copytree(packages_dir / "service_request", broken)
    shutil.copytree(packages_dir / "followup", tmp_path / "followup")
    text = (broken / "service_request.bpmn").read_text(encoding="utf-8")
    (broken / "service_request.bpmn").write_text(
        text.replace('"PT%dH" % deadline_hours', "PT24H").replace('targetRef="handle" />', 'targetRef="nowhere" />'),
        encoding="utf-8")
    out = pflow("validate", str(broken), code=1)
    assert "handle_deadline" in out and '"PT24H"' in out
    assert "nowhere" in out


def test_load_deploy_start_complete_fire(pflow, packages_dir):
    pflow("property", "add", "P001", "翠湖花园")
    pflow("property", "add", "P002", "滨江苑")
    out = pflow("load", str(packages_dir / "service_request"), "--deploy", "all", "--author", "hq")
    assert "service_request v1" in out and "new" in out and "P001, P002" in out
    assert "unchanged" in pflow("load", str(packages_dir / "service_request"))
    assert "reply_hours = 12" in pflow("property", "set", "P001", "reply_hours", "12")

    t0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with time_machine.travel(t0, tick=False) as clock:
        out = pflow("start", "P001", "service_request", "--data", json.dumps({"resident": "张三", "room": "1-1"}))
        assert re.search(r"started SR20261123-\d+", out) and "登记请求" in out
        out = pflow("tasks", "--property", "P001")
        task_id = out.split()[0]
        assert "front_desk" in out and "1 open task(s)" in out
        bad = pflow("complete", task_id, "--data", '{"urgency": "soon"}', code=2)
        assert "urgency" in bad and "content" in bad
        out = pflow("complete", task_id, "--data",
                    json.dumps({"urgency": "emergency", "content": "漏水", "items": []}), "--user", "fd1")
        assert "running, now at 上门处理" in out
        clock.move_to(t0 + timedelta(hours=2))
        assert "fired 1 timer(s) on 1 case(s)" in pflow("timers", "fire")
        assert "超时跟进" in pflow("instances", "--status", "running")
        assert "cs_supervisor" in pflow("tasks", "--lane", "cs_supervisor")
        case_no = re.search(r"SR20261123-\d+", out).group(0) if (out := pflow("instances")) else ""
        assert f"{case_no}: cancelled (住户撤回)" in pflow("cancel", case_no, "--reason", "住户撤回")
        assert "0 open task(s)" in pflow("tasks", "--property", "P001")
        assert "already cancelled" in pflow("cancel", case_no, "--reason", "again", code=1)
        assert "no case XX-1" in pflow("cancel", "XX-1", "--reason", "x", code=1)


def test_migrate_dry_run_then_move_with_a_summary(pflow, packages_dir, tmp_path):
    pflow("property", "add", "P001", "翠湖花园")
    pflow("load", str(packages_dir / "service_request"), "--deploy", "all")
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=False):
        for _ in range(3):
            pflow("start", "P001", "service_request", "--data", json.dumps({"resident": "张三", "room": "1-1"}))
        v2 = tmp_path / "service_request"
        shutil.copytree(packages_dir / "service_request", v2)
        shutil.copytree(packages_dir / "followup", tmp_path / "followup")
        bpmn = v2 / "service_request.bpmn"
        bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('name="登记请求"', 'name="登记报修"'),
                        encoding="utf-8")
        assert "service_request v2" in pflow("load", str(v2))
        out = pflow("migrate", "service_request", "--dry-run")
        assert "dry run: 3 of 3 case(s) can move to service_request v2" in out
        out = pflow("migrate", "service_request", "--to-version", "2", "--by", "owner")
        assert "moved 3 case(s) to service_request v2" in out and "0 could not move" in out
        assert out.count("登记") == 0  # the summary, not a listing
        assert "登记报修" in pflow("tasks", "--property", "P001")  # the open tasks took the new name
        out = pflow("migrate", "service_request", "--dry-run")
        assert "dry run: 0 of 0 case(s)" in out
        out = pflow("rollback", "service_request", "--property", "P001", code=1)
        assert "no earlier version" in out


def test_staff_accounts_from_the_command_line(pflow, monkeypatch):
    pflow("property", "add", "P001", "翠湖花园")
    monkeypatch.setenv("PFLOW_PASSWORD", "a-long-secret")
    out = pflow("user", "add", "fd9", "前台小九", "--role", "P001:front_desk", "--email", "fd9@example.com")
    assert out.strip() == "user fd9 (前台小九) added: P001:front_desk"
    assert "admin" in pflow("user", "add", "ops", "运维", "--admin")
    assert "now cs_supervisor@P001, front_desk@P001" in pflow("user", "grant", "fd9", "P001:cs_supervisor")
    assert "now cs_supervisor@P001" in pflow("user", "revoke", "fd9", "P001:front_desk")
    assert "no role 'janitor'" in pflow("user", "grant", "fd9", "P001:janitor", code=1)
    assert "write PROPERTY:ROLE" in pflow("user", "grant", "fd9", "front_desk", code=2)
    monkeypatch.setenv("PFLOW_PASSWORD", "short")
    assert "at least 8 characters" in pflow("user", "password", "fd9", code=1)
    assert "no user 'nobody'" in pflow("user", "password", "nobody", code=1)
