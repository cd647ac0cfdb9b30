"""Typed SQLAlchemy models of the engine, one module per concept."""
from engine.storage.database import Base
from engine.storage.models.audit import AuditEvent, AuditKind, Incident, IncidentStatus
from engine.storage.models.casefile import Attachment
from engine.storage.models.figures import FigureFact, FigureMonth, FigureSync
from engine.storage.models.instance import CaseGram, HumanTask, Instance, InstanceStatus, Timer, TimerFiring
from engine.storage.models.notice import NoticeDismissal, RoleNotice, message_key
from engine.storage.models.outbox import OutboxMessage, OutboxStatus
from engine.storage.models.process import Deployment, Process, ProcessVersion
from engine.storage.models.property import Property, PropertyParameter
from engine.storage.models.residents import Household, HouseholdCase, HouseholdMember, ResidentCode
from engine.storage.models.schedule import ScheduledRun
from engine.storage.models.sms import SmsOptOut
from engine.storage.models.survey import SurveyInvitation, SurveyRound
from engine.storage.models.token import ApiToken
from engine.storage.models.user import RoleAssignment, User

__all__ = [
    "ApiToken", "CaseGram",
    "Attachment", "AuditEvent", "AuditKind", "Base", "Deployment", "HumanTask", "Incident", "IncidentStatus",
    "Instance", "InstanceStatus", "NoticeDismissal", "RoleNotice", "message_key",
    "OutboxMessage", "OutboxStatus", "Process", "ProcessVersion",
    "Property",
    "PropertyParameter", "RoleAssignment", "ScheduledRun", "Household", "HouseholdCase", "HouseholdMember",
    "ResidentCode", "SmsOptOut", "FigureFact", "FigureMonth", "FigureSync", "SurveyInvitation", "SurveyRound",
    "Timer", "TimerFiring", "User",
]
