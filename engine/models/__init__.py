"""Typed SQLAlchemy models of the engine, one module per concept."""
from ..db import Base
from .casefile import Attachment
from .figures import FigureFact, FigureMonth, FigureSync
from .audit import AuditEvent, AuditKind, Incident, IncidentStatus
from .instance import HumanTask, Instance, InstanceStatus, Timer, TimerFiring
from .outbox import OutboxMessage, OutboxStatus
from .process import Deployment, Process, ProcessVersion
from .property import Property, PropertyParameter
from .schedule import ScheduledRun
from .survey import SurveyInvitation, SurveyRound
from .user import RoleAssignment, User

__all__ = [
    "Attachment", "AuditEvent", "AuditKind", "Base", "Deployment", "FigureFact", "FigureMonth", "FigureSync", "HumanTask", "Incident", "IncidentStatus",
    "Instance", "InstanceStatus", "OutboxMessage", "OutboxStatus", "Process", "ProcessVersion", "Property",
    "PropertyParameter", "RoleAssignment", "ScheduledRun", "SurveyInvitation", "SurveyRound", "Timer", "TimerFiring", "User",
]
