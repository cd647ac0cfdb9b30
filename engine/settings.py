"""The settings every process of the product reads once, at its start, from its environment.

The callers read them (``Settings.from_env(os.environ)`` in the web app factory, the
worker's start and the CLI's group) and hand them in; no engine module reads the
environment, and nothing reads configuration at import time.

The whole list (the README's Production section explains each):

``DATABASE_URL``   the database (default: the embedded SQLite file; see ``engine.storage.database``)
``REDIS_URL``      Redis for the RQ queues; unset means the embedded default (in-process timer loop)
``SMTP_URL``       ``smtp://user:password@host:587`` (STARTTLS when offered) or ``smtps://…:465``;
                   unset means development: mail stays in the outbox and goes to the log
``MAIL_FROM``      sender address of notices (default ``pflow@localhost``)
``PUBLIC_URL``     base URL of the web app, for links in notices (optional)
``SWEEP_INTERVAL`` seconds between periodic sweeps (default 30)
``LOG_FORMAT``     ``json`` (one JSON object a line) or ``text`` (default)
``LOG_LEVEL``      default ``INFO``
``SMS_PROVIDER``   ``tencent`` (Tencent Cloud SMS), or unset: SMS are logged and kept in the outbox;
                   with ``SMS_SECRET_ID``, ``SMS_SECRET_KEY``, ``SMS_APP_ID``, ``SMS_SIGN_NAME``,
                   ``SMS_TEMPLATES`` (``key=template id,…``), ``SMS_REGION``, ``SMS_ENDPOINT`` (optional)
``SMS_DAILY_LIMIT`` notice SMS one number may get a day (default 10)
``SCRIPT_CPU_SECONDS`` CPU seconds one diagram script or expression may use (default 2)
``SCRIPT_MEMORY_MB``   memory one script may add to its process, in MB (default 256)
``API_TOKEN_DAYS`` days a new API bearer token stays valid (default 30)

Secrets (the database and SMTP passwords inside the URLs) come only from here.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    redis_url: str | None = None
    smtp_url: str | None = None
    mail_from: str = "pflow@localhost"
    public_url: str | None = None
    sweep_interval: int = 30
    log_format: str = "text"
    log_level: str = "INFO"
    sms_provider: str | None = None  # "tencent", or None: SMS are logged and kept in the outbox
    sms_secret_id: str | None = None
    sms_secret_key: str | None = None
    sms_app_id: str | None = None
    sms_sign_name: str | None = None
    sms_templates: tuple[tuple[str, str], ...] = ()  # (our template key, the provider's template id)
    sms_region: str = "ap-guangzhou"
    sms_endpoint: str | None = None
    sms_daily_limit: int = 10
    script_cpu_seconds: float = 2.0
    script_memory_mb: int = 256
    api_token_days: int = 30

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """The settings ``env`` (the process's ``os.environ``) gives; ``ValueError`` names a bad value."""

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        interval = get("SWEEP_INTERVAL") or "30"
        if not interval.isdigit() or int(interval) < 1:
            raise ValueError(f"SWEEP_INTERVAL must be a whole number of seconds, not {interval!r}")
        log_format = (get("LOG_FORMAT") or "text").lower()
        if log_format not in ("json", "text"):
            raise ValueError(f"LOG_FORMAT must be 'json' or 'text', not {log_format!r}")
        cpu = get("SCRIPT_CPU_SECONDS") or "2"
        try:
            script_cpu = float(cpu)
        except ValueError:
            script_cpu = 0.0
        if not 0 < script_cpu <= 600:
            raise ValueError(f"SCRIPT_CPU_SECONDS must be a number of seconds between 0 and 600, not {cpu!r}")
        memory = get("SCRIPT_MEMORY_MB") or "256"
        if not memory.isdigit() or int(memory) < 16:
            raise ValueError(f"SCRIPT_MEMORY_MB must be a whole number of megabytes, at least 16, not {memory!r}")
        limit = get("SMS_DAILY_LIMIT") or "10"
        if not limit.isdigit():
            raise ValueError(f"SMS_DAILY_LIMIT must be a whole number, not {limit!r}")
        token_days = get("API_TOKEN_DAYS") or "30"
        if not token_days.isdigit() or int(token_days) < 1:
            raise ValueError(f"API_TOKEN_DAYS must be a whole number of days, not {token_days!r}")
        templates = tuple((k.strip(), v.strip()) for k, _, v in (pair.partition("=") for pair in
                          (get("SMS_TEMPLATES") or "").split(",")) if k.strip() and v.strip())
        sms: dict[str, Any] = dict(sms_provider=(get("SMS_PROVIDER") or "").lower() or None,
                                   sms_secret_id=get("SMS_SECRET_ID"),
                   sms_secret_key=get("SMS_SECRET_KEY"), sms_app_id=get("SMS_APP_ID"),
                   sms_sign_name=get("SMS_SIGN_NAME"), sms_templates=templates,
                   sms_region=get("SMS_REGION") or cls.sms_region, sms_endpoint=get("SMS_ENDPOINT"),
                   sms_daily_limit=int(limit))
        return cls(**sms, database_url=get("DATABASE_URL"), redis_url=get("REDIS_URL"), smtp_url=get("SMTP_URL"),
                   mail_from=get("MAIL_FROM") or cls.mail_from,
                   public_url=(get("PUBLIC_URL") or "").rstrip("/") or None,
                   api_token_days=int(token_days),
                   sweep_interval=int(interval), log_format=log_format, log_level=(get("LOG_LEVEL") or "INFO").upper(),
                   script_cpu_seconds=script_cpu, script_memory_mb=int(memory))
