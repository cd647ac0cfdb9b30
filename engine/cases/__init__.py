"""Running cases: the one step routine and everything built on it.

``step`` (lock → load → run → save → audit; starting a case), ``lifecycle``
(complete a task, cancel, retry), ``workflows`` (row locks, state, cache),
``state`` (serialization), ``projection`` (what lists read), ``history``
(the audit trail), ``incidents``, ``linked`` (cases opened by cases),
``impartiality``, ``files`` (comments and attachments), ``progress`` (where a
case stands on its diagram), ``moving`` (to another version).
"""
