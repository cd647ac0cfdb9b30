"""How values read on a page: local times, time left until a due time, sizes, role names."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import DUE_SOON

DEFAULT_TZ = "Asia/Shanghai"
ROLE_LABELS = {
    "front_desk": _l("Front desk"),
    "cs_supervisor": _l("Customer-service supervisor"),
    "manager": _l("Service-centre manager"),
    "engineering": _l("Engineering"),
    "eng_supervisor": _l("Engineering supervisor"),
    "security": _l("Security"),
    "cleaning": _l("Cleaning and landscaping"),
    "quality": _l("Quality"),
    "hq": _l("Head office"),
    "resident": _l("Resident"),
}

STATUS_LABELS = {
    "running": _l("In progress"),
    "completed": _l("Closed"),
    "cancelled": _l("Cancelled"),
    "error": _l("Needs attention"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def local(value: datetime | None, tz: str | None = None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC datetime shown in the property's timezone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz or DEFAULT_TZ)).strftime(fmt)


def span(seconds: float) -> str:
    """A duration as days, hours and minutes (the two largest units)."""
    minutes = int(abs(seconds) // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(d)d d %(h)d h", d=days, h=hours)
    if hours:
        return _("%(h)d h %(m)d min", h=hours, m=minutes)
    return _("%(m)d min", m=max(minutes, 1))


def due_state(due: datetime | None, now: datetime | None = None) -> tuple[str, str]:
    """(css class, text) for a due time: overdue, due soon, or plenty of time left."""
    if due is None:
        return "none", _("No deadline")
    now = now or datetime.now(UTC)
    left = (due - now).total_seconds()
    if left < 0:
        return "overdue", _("%(time)s overdue", time=span(left))
    cls = "soon" if left < DUE_SOON.total_seconds() else "ok"
    return cls, _("%(time)s left", time=span(left))


def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_phone(key: str, value) -> bool:
    """A value to offer as a tap-to-call link: a phone-like field, or a value that is plainly a phone number
    (a date such as 2026-11-25 is not)."""
    if not isinstance(value, str) or not _PHONE.match(value.strip()) or _DATE.match(value.strip()):
        return False
    return "phone" in key or "tel" in key or sum(c.isdigit() for c in value) >= 7


FILE_KINDS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP",
              "application/pdf": "PDF"}


def file_kinds(types) -> str:
    """Content types as people name the kinds of file ('image/jpeg, application/pdf' -> 'JPEG、PDF')."""
    items = types.split(",") if isinstance(types, str) else types
    separator = ", " if str(get_locale() or "zh").startswith("en") else "、"
    return separator.join(FILE_KINDS.get(t.strip(), t.strip().split("/")[-1].upper()) for t in items if t.strip())


def role_label(role: str | None) -> str:
    return str(ROLE_LABELS.get(role or "", role or ""))


def init_app(app: Flask) -> None:
    app.add_template_filter(local, "local")
    app.add_template_filter(filesize, "filesize")
    app.add_template_filter(file_kinds, "file_kinds")
    app.add_template_filter(role_label, "role")
    app.add_template_global(due_state)
    app.add_template_global(is_phone)
    app.add_template_global(status_label)
    from .access import may_own_processes

    app.add_template_global(may_own_processes)
