"""docker-compose.yml and the native script describe the same processes, healthy, listening on localhost only."""

import yaml
from conftest import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
NATIVE = (ROOT / "scripts" / "run-production.sh").read_text(encoding="utf-8")


def test_compose_runs_every_part_with_healthchecks_and_a_volume_for_the_database():
    services = COMPOSE["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "cron"}
    for name, service in services.items():
        if name != "migrate":
            assert service["healthcheck"]["test"], name
    assert services["postgres"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert services["web"]["volumes"] == ["attachments:/data/attachments"]
    assert services["web"]["environment"]["PFLOW_ATTACHMENT_DIR"] == "/data/attachments"
    assert "--save" in services["redis"]["command"]  # Redis keeps nothing on disk
    for name in ("web", "worker", "cron"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_nothing_listens_beyond_localhost_and_secrets_come_from_the_environment():
    for name, service in COMPOSE["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), (name, port)
    env = COMPOSE["services"]["web"]["environment"]
    assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"] and env["PFLOW_SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_the_native_script_starts_the_same_commands(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/1")
    for name in ("worker", "cron"):
        command = " ".join(COMPOSE["services"][name]["command"])
        assert command.replace("pflow-worker ", ".venv/bin/pflow-worker ", 1) in NATIVE, name
    assert "'webapp:create_app()'" in NATIVE and "webapp:create_app()" in COMPOSE["services"]["web"]["command"]
