"""Property-service workflow engine: BPMN process versions, instances, timers.

Nothing in this package imports Flask. The web app, the RQ worker and the CLI
are thin callers of the services defined here; each receives a SQLAlchemy
session owned by its caller.
"""
