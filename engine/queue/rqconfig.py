"""Settings module for the RQ command line: ``rq worker -c engine.queue.rqconfig`` and ``rq cron -c …``.

RQ reads this module's upper-case names when the command starts: the Redis URL
and logging come from the environment (``REDIS_URL``, ``LOG_FORMAT``, ``LOG_LEVEL``),
the queues are the engine's. It is read only by those commands.
"""
from engine.logs import dict_config
from engine.queue import QUEUES, jobs  # noqa: F401  (imported before workers fork: the jobs' modules preloaded)
from engine.settings import Settings

_settings = Settings.from_env()
if not _settings.redis_url:
    raise SystemExit("REDIS_URL is not set: RQ workers need Redis (the embedded default uses `pflow timers run`)")

REDIS_URL = _settings.redis_url
QUEUES = list(QUEUES)
DICT_CONFIG = dict_config(_settings)
