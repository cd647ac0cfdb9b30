"""Property-service workflow engine: the public API its callers use.

The web app (``webapp``), the RQ worker side (``worker``) and the CLI (``cli``)
import from here only; nothing in ``engine`` imports them, and nothing in the
engine imports Flask. The sub-packages, lowest first: ``storage`` (database,
models, schema), ``org`` (properties, parameters, calendar, staff, roles),
``library`` (process packages and versions), ``scripting`` (the sandbox),
``messages`` (outbox, mail), ``cases`` (the step routine and the case
services), ``tasks`` (inbox, claims), ``timers`` (firing, schedules, reminders).
``ARCHITECTURE.md`` says where a change of each kind goes.

Contracts, for every service below:

- **The caller owns the session and the transaction.** Services take a SQLAlchemy
  ``Session`` (from ``make_session_factory``), flush, and never commit — except the
  sweeps (``fire_due_timers``, ``start_due_schedules``, ``notice_due_soon``,
  ``deliver_due_messages``, ``migrate_cases``), which commit once per case or chunk
  and say so. After a refusal (an ``EngineError``) the caller rolls back: nothing of
  the step is stored.
- **One step at a time per case.** A step takes the case's row lock; of two users
  completing one task exactly one wins, the other gets ``Conflict``.
- **After commit, hand the follow-ups on.** What a committed transaction left for the
  job queue (new due times, messages) is taken with ``take_followups(session)``
  (``worker.enqueue.after_commit`` does it for RQ).
- **Settings are handed in, never read here.** The caller reads ``Settings.from_env()``
  once at its start and passes it to ``make_session_factory`` (and the mail transport).
- **Refusals are domain exceptions** (``engine.exceptions``) with an English message,
  and, for those people meet, a ``code`` and parameters the caller translates.
"""
from engine.cases.brief import brief
from engine.cases.files import FileStore, add_comment, attach, attachments_of
from engine.cases.history import events_of
from engine.cases.incidents import deliver_due_messages, deliver_message, open_incidents
from engine.cases.lifecycle import cancel_instance, complete_task, get_task_row, lock_task, retry_incident
from engine.cases.moving import check_cases, migrate_case, migrate_cases
from engine.cases.progress import case_progress
from engine.cases.step import Opened, opened_by_step, start_instance
from engine.cases.taskdata import decision_outputs, task_data
from engine.exceptions import (
    Conflict,
    EngineError,
    FieldError,
    FormInvalid,
    LinkedCaseFailed,
    NotAllowed,
    NotFound,
    PackageInvalid,
    Problem,
    ScriptError,
)
from engine.figures import kpis as figures_kpis
from engine.figures import mapping as figures_mapping
from engine.figures import queries as figures_queries
from engine.figures import register_sheet, survey_analysis, survey_invites, survey_rounds
from engine.figures import report as figures_report
from engine.figures import rollup as figures_rollup
from engine.figures import sheets as record_sheets
from engine.figures.rollup import rebuild_month as rebuild_figures_month
from engine.figures.rollup import sync as sync_figures
from engine.library.diff import diff_files
from engine.library.editing import editable_files, save_edit
from engine.library.package import load_folder
from engine.library.rollout import deploy, deployed_version, process_rollout, roll_back, versions_by_property
from engine.library.specs import VersionInfo, version_info
from engine.library.validation import validate_package
from engine.library.versions import get_process, latest_version, store_version
from engine.logs import configure as configure_logging
from engine.logs import dict_config as logging_config
from engine.messages.mail import MailError, transport_for
from engine.messages.outbox import RETRY_INTERVALS as MESSAGE_RETRY_INTERVALS
from engine.messages.outbox import due_ids as due_message_ids
from engine.messages.sms import policy as sms_policy
from engine.messages.sms.transports import LogSms, SmsError, TencentSms, sms_transport_for
from engine.org import household_import, households
from engine.org import tokens as api_tokens
from engine.org.households import HouseholdData, HouseholdInvalid
from engine.org.parameters import parameters_for, set_parameter, unset_parameter
from engine.org.properties import create_property, get_property, set_calendar
from engine.org.roles import ROLES, SUPERVISORS
from engine.org.staff import USERNAME as USERNAME_PATTERN
from engine.org.staff import (
    authenticate,
    create_user,
    get_user,
    grant,
    holders,
    lanes_by_property,
    property_ids,
    reactivate,
    rename,
    revoke,
    set_password,
)
from engine.residents import access as resident_access
from engine.residents import portal as resident_portal
from engine.residents import signin as resident_signin
from engine.settings import Settings
from engine.storage.database import database_went_away, make_engine, make_session_factory
from engine.storage.followups import Followups
from engine.storage.followups import take as take_followups
from engine.storage.models import (
    ApiToken,
    Attachment,
    AuditEvent,
    AuditKind,
    Deployment,
    FigureMonth,
    Household,
    HouseholdCase,
    HouseholdMember,
    HumanTask,
    Incident,
    IncidentStatus,
    Instance,
    InstanceStatus,
    NoticeDismissal,
    OutboxMessage,
    OutboxStatus,
    Process,
    ProcessVersion,
    Property,
    PropertyParameter,
    RoleAssignment,
    RoleNotice,
    ScheduledRun,
    SurveyInvitation,
    SurveyRound,
    Timer,
    TimerFiring,
    User,
)
from engine.storage.models._types import utcnow
from engine.storage.schema import create_schema, upgrade
from engine.tasks.assignments import claim, deactivate_user, excluded_from, reassign, release
from engine.tasks.case_search import STATUSES as CASE_STATUSES
from engine.tasks.case_search import CaseQuery, decode_key, encode_key, search_cases
from engine.tasks.inbox import (
    DUE_SOON,
    InboxQuery,
    can_work,
    escalated_steps,
    facets,
    inbox,
    is_supervisor,
    page_key,
    read_page_key,
)
from engine.tasks.next_task import next_task_for
from engine.tasks.notices import dismiss as dismiss_notice
from engine.tasks.notices import open_notices
from engine.tasks.startable import find_startable, startable
from engine.timers.firing import SweepReport, fire_due_timers, fire_instance_timers, quarantine
from engine.timers.reminders import notice_due_soon
from engine.timers.schedules import start_due_schedules

__all__ = [
    # cases
    "start_instance", "complete_task", "lock_task", "Opened", "opened_by_step",
    "cancel_instance", "retry_incident", "get_task_row", "events_of",
    "case_progress", "FileStore", "add_comment", "attach", "attachments_of", "open_incidents",
    "check_cases", "migrate_case", "migrate_cases", "brief", "task_data", "decision_outputs",
    # tasks
    "InboxQuery", "inbox", "page_key", "read_page_key", "next_task_for",
    "facets", "escalated_steps", "can_work", "is_supervisor", "DUE_SOON",
    "claim", "release", "reassign", "excluded_from", "startable", "find_startable", "deactivate_user",
    "CaseQuery", "search_cases", "CASE_STATUSES", "encode_key", "decode_key", "open_notices", "dismiss_notice",
    # timers and messages
    "fire_due_timers", "fire_instance_timers", "quarantine", "SweepReport", "database_went_away", "start_due_schedules",
    "notice_due_soon", "deliver_message", "deliver_due_messages", "due_message_ids", "MESSAGE_RETRY_INTERVALS",
    "transport_for", "MailError", "sms_transport_for", "LogSms", "TencentSms", "SmsError",
    # the process library
    "load_folder", "validate_package", "store_version", "get_process", "latest_version", "version_info",
    "VersionInfo", "editable_files", "save_edit", "diff_files", "deploy", "deployed_version", "roll_back",
    "process_rollout", "versions_by_property",
    # properties and staff
    "create_property", "get_property", "set_calendar", "set_parameter", "unset_parameter", "parameters_for",
    "create_user", "get_user", "authenticate", "set_password", "grant", "revoke", "holders",
    "lanes_by_property", "property_ids", "ROLES", "SUPERVISORS", "rename", "reactivate", "USERNAME_PATTERN",
    # residents: the household register (modules), their sign-in, access rules and portal services
    "households", "household_import", "HouseholdData", "HouseholdInvalid", "resident_access", "resident_portal",
    "resident_signin", "sms_policy",
    # service figures
    "sync_figures", "rebuild_figures_month", "figures_kpis", "figures_mapping", "figures_queries", "figures_report",
    "figures_rollup", "record_sheets", "register_sheet", "survey_analysis", "survey_invites", "survey_rounds",
    # the JSON API's bearer tokens (module: issue, verify, tokens_of, all_tokens, revoke)
    "api_tokens",
    # storage, settings, logs
    "Settings", "make_engine", "make_session_factory", "create_schema", "upgrade", "take_followups",
    "Followups", "configure_logging", "logging_config", "utcnow",
    # models (callers read them; only the services above write them)
    "ApiToken", "Attachment", "AuditEvent", "AuditKind", "Deployment", "HumanTask", "Incident", "IncidentStatus",
    "Instance", "InstanceStatus", "Household", "HouseholdCase", "HouseholdMember", "NoticeDismissal", "OutboxMessage",
    "OutboxStatus", "Process", "ProcessVersion", "Property",
    "PropertyParameter", "RoleAssignment", "RoleNotice", "ScheduledRun", "Timer", "TimerFiring", "User", "FigureMonth",
    "SurveyInvitation", "SurveyRound",
    # exceptions
    "EngineError", "Conflict", "NotFound", "NotAllowed", "FormInvalid", "FieldError", "PackageInvalid",
    "Problem", "LinkedCaseFailed", "ScriptError",
]
