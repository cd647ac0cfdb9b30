"""Property parameters as people name them: a manifest's ``parameter_labels``, never the key.

A manifest may carry ``"parameter_labels": {"confirm_hours": {"zh": "受理确认时限",
"en": "Receipt confirmation deadline", "unit": "小时", "unit_en": "hours"}}``. A parameter
without a label reads as a neutral text in the page's language; its key stays out of sight.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _

BUILTIN = {  # property-wide values the product's diagrams read (webapp.properties.SUGGESTED)
    "office_hours": {"zh": "接待时间", "en": "Reception hours"},
    "escalation_notify": {"zh": "超时升级通知的岗位", "en": "Roles told of missed deadlines"},
}


@dataclass(frozen=True)
class ParamLabel:
    text: str
    unit: str


def _english() -> bool:
    return str(get_locale() or "zh").startswith("en")


def label(labels: dict | None, name: str, position: int) -> ParamLabel:
    """How parameter ``name`` (the ``position``-th of its list, from 1) reads on the page."""
    entry = (labels or {}).get(name) or BUILTIN.get(name) or {}
    english = _english()
    text = entry.get("en" if english else "zh") or entry.get("zh" if english else "en")
    unit = entry.get("unit_en" if english else "unit") or ""
    if not text:
        text = _("Setting %(n)d of this process", n=position)
    return ParamLabel(str(text), str(unit))
