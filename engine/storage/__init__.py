"""Storage: the database engine and sessions, the typed models, the schema (Alembic), commit follow-ups.

Nothing here knows a process or a case; every other engine package builds on it.
"""
