"""Typed SQLAlchemy models of the engine, one module per concept."""
from ..db import Base
from .casefile import Attachment
from .audit import AuditEvent, AuditKind, Incident, IncidentStatus
from .instance import HumanTask, Instance, InstanceStatus, Timer, TimerFiring
from .outbox import OutboxMessage, OutboxStatus
from .process import Deployment, Process, ProcessVersion
from .property import Property, PropertyParameter
from .residents import Household, HouseholdCase, HouseholdMember, ResidentCode
from .schedule import ScheduledRun
from .sms import SmsOptOut
from .user import RoleAssignment, User

__all__ = [
    "Attachment", "AuditEvent", "AuditKind", "Base", "Deployment", "HumanTask", "Incident", "IncidentStatus",
    "Instance", "InstanceStatus", "OutboxMessage", "OutboxStatus", "Process", "ProcessVersion", "Property",
    "PropertyParameter", "RoleAssignment", "ScheduledRun", "Household", "HouseholdCase", "HouseholdMember", "ResidentCode",
    "SmsOptOut", "Timer", "TimerFiring", "User",
]
