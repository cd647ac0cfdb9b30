"""Structured logs: one JSON object a line for workers and production, plain text for a terminal.

``configure(settings)`` sets up the root logger from the settings' log format and level;
``dict_config()`` is the same as a ``logging.config`` dictionary, for RQ's
worker's start (``worker.main``). Fields given
with ``extra=`` (``instance_id``, ``job_id``, ``message_id`` …) become keys of
the JSON object.
"""
from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime

from engine.settings import Settings

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: time, level, logger, message, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def dict_config(settings: Settings) -> dict:
    """A ``logging.config.dictConfig`` dictionary: one stderr handler on the root logger."""
    formatter = ({"()": f"{__name__}.JsonFormatter"} if settings.log_format == "json"
                 else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "default"}},
        "root": {"handlers": ["stderr"], "level": settings.log_level},
    }


def configure(settings: Settings) -> None:
    """Configure the process's logging from the settings (call once, at process start)."""
    logging.config.dictConfig(dict_config(settings))
