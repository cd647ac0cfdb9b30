"""The KPIs of the promise board: their targets (the seeds' values, per-property parameters) and how a value is formed.

A KPI's value comes from the sums of its facts (and of the survey rounds: their rated
items join ``satisfaction``, their forms make ``survey_return``) (``counted``, ``hit``; see ``mapping``):
a rate is ``hit ÷ counted × 100``; ``complaint_rate`` is valid complaints per 1,000
households a year; a ``count`` is the number of items; ``callbacks_by_supervisor`` /
``_manager`` are the fewest callbacks any holder of the role made in the month.
Targets are read from the property parameters ``target_<kpi>`` (process key
``figures``), falling back to ``DEFAULT_TARGETS``; households from the household register
(``engine.org.households``), else the parameter ``households`` (any process key '').
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Better(str, Enum):
    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class Kpi:
    key: str
    unit: str            # "%", "‰", "count"
    target: float | None
    better: Better = Better.HIGHER
    facts: str = ""      # the fact kpi it is formed from ('' = its own key)

    @property
    def fact_kpi(self) -> str:
        return self.facts or self.key


KPIS: tuple[Kpi, ...] = (
    Kpi("complaint_handling", "%", 100.0),
    Kpi("complaint_rate", "‰", 0.5, Better.LOWER, facts="complaint_handling"),
    Kpi("satisfaction", "%", 90.0),
    Kpi("repair_timeliness", "%", 95.0),
    Kpi("repair_quality", "%", 90.0),
    Kpi("complaint_confirm", "%", 100.0),
    Kpi("complaint_reply", "%", 100.0),
    Kpi("complaint_initial", "%", 100.0),
    Kpi("complaint_solve", "%", 100.0),
    Kpi("complaint_extensions", "count", None, Better.LOWER),
    Kpi("escalations", "count", None, Better.LOWER),
    Kpi("callback_rate", "%", 100.0),
    Kpi("callbacks_by_supervisor", "count", 15.0, facts="callbacks_by"),
    Kpi("callbacks_by_manager", "count", 5.0, facts="callbacks_by"),
    Kpi("callback_list", "%", 100.0),
    Kpi("archive", "%", 100.0),
    Kpi("survey_return", "%", 90.0),  # survey forms returned ÷ handed out (engine.figures.survey_rounds)
    Kpi("reporting", "%", 100.0),           # reports to HQ in by their due time [001] 信息反馈的及时性
    Kpi("reporting_complete", "%", 100.0),  # reports HQ graded complete (A) [001] 信息反馈的完整性
)
BY_KEY = {k.key: k for k in KPIS}
DEFAULT_TARGETS = {k.key: k.target for k in KPIS if k.target is not None}
BREAKDOWNS = ("complaint_cause", "complaint_department")   # counts by dim, the seeds' monthly analysis
TARGET_PROCESS_KEY = "figures"
QUOTA_ROLES = {"callbacks_by_supervisor": "cs_supervisor", "callbacks_by_manager": "manager"}
AMBER_MARGIN = 5.0   # a rate within 5 points short of its target is amber
AMBER_SHARE = 0.8    # a count or ‰ within 20 % of its target is amber


def rate(hit: int, counted: int) -> float | None:
    return round(100.0 * hit / counted, 1) if counted else None


def per_thousand_a_year(count: int, households: int | None, days: int) -> float | None:
    if not households or days <= 0:
        return None
    return round(count * 1000.0 / households * 365.0 / days, 2)


def status(kpi: Kpi, value: float | None, target: float | None) -> str:
    """'green' at or beyond the target, 'amber' just short of it, 'red' further off, 'none' without value or target."""
    if value is None or target is None:
        return "none"
    if kpi.better == Better.HIGHER:
        near = target - AMBER_MARGIN if kpi.unit == "%" else target * AMBER_SHARE
        return "green" if value >= target else ("amber" if value >= near else "red")
    return "green" if value <= target else ("amber" if value <= target / AMBER_SHARE else "red")
