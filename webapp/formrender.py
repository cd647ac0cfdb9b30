"""JSON Schema forms rendered on the server, and submitted values read back into typed data.

Covers what the process library's forms use: strings (with date, date-time,
email formats, patterns, long text), numbers and integers, booleans, enums and
``oneOf`` const/title choices, arrays of choices and arrays of short strings.
Validation itself is the engine's: this module only shapes fields and values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from engine import FormInvalid

LONG_TEXT = 200


@dataclass
class Field:
    name: str
    title: str
    # text | textarea | date | datetime | email | number | integer | select | checkbox | multi | lines | table
    kind: str
    required: bool
    description: str = ""
    options: list[tuple[Any, str]] = field(default_factory=list)
    value: Any = None
    error: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    columns: list[Field] = field(default_factory=list)  # a table's columns (an array of objects)
    rows: list[list[Field]] = field(default_factory=list)  # a table's rows of cells, with values and errors


MAX_ROWS = 200  # a table row count a browser may ask for


def _choices(prop: dict) -> list[tuple[Any, str]]:
    if "oneOf" in prop and all("const" in o for o in prop["oneOf"]):
        return [(o["const"], o.get("title", str(o["const"]))) for o in prop["oneOf"]]
    if "enum" in prop:
        labels = prop.get("enumNames") or prop.get("x-enumNames") or []
        return [(v, str(labels[i]) if i < len(labels) else str(v)) for i, v in enumerate(prop["enum"])]
    return []


def _kind(prop: dict) -> str:
    typ = prop.get("type")
    if isinstance(typ, list):
        typ = next((t for t in typ if t != "null"), "string")
    if _choices(prop):
        return "select"
    if typ == "boolean":
        return "checkbox"
    if typ in ("number", "integer"):
        return typ
    if typ == "array":
        items = prop.get("items", {})
        if items.get("type") == "object":
            return "table"
        return "multi" if _choices(items) else "lines"
    fmt = prop.get("format")
    if fmt == "date":
        return "date"
    if fmt == "date-time":
        return "datetime"
    if fmt == "email":
        return "email"
    if prop.get("maxLength", 0) > LONG_TEXT or fmt == "textarea" or prop.get("x-widget") == "textarea":
        return "textarea"
    return "text"


def fields(schema: dict | None, values: dict | None = None, errors: dict[str, str] | None = None,
           add_row: str | None = None, prefill: dict[str, Any] | None = None,
           pickers: dict[str, list[str]] | None = None) -> list[Field]:
    """The fields of a form, in schema order, with current values and field errors.

    ``errors`` are keyed by dotted path ('items.0.work' for a table cell); ``add_row``
    names a table that gets one more empty row. ``prefill`` (a new form only) gives the
    values a field's ``"x-prefill"`` asks for: ``me`` (the signed-in person's name),
    ``now``, ``today`` — editable like any value. ``pickers`` turns a field into a select of
    people's display names (the holders of the role its ``"x-staff"`` names, see ``staff_role``).
    """
    schema, values, errors = schema or {}, values or {}, errors or {}
    required = set(schema.get("required", []))
    result = []
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("readOnly") and name not in values:
            continue
        kind = _kind(prop)
        value = values.get(name, prop.get("default"))
        if value is None and prefill and prop.get("x-prefill") in prefill:
            value = prefill[prop["x-prefill"]]
        f = Field(name=name, title=prop.get("title", name), kind=kind, required=name in required,
                  description=prop.get("description", ""), value=value, error=errors.get(name))
        f.options = _choices(prop.get("items", {}) if kind == "multi" else prop)
        if (pickers or {}).get(name):
            names = list(pickers[name])
            if value not in (None, "") and value not in names:
                names.append(value)  # what was typed before stays choosable
            f.kind, f.options = "select", [(n, n) for n in names]
        for key, attr in (("minimum", "min"), ("maximum", "max"), ("maxLength", "maxlength"),
                          ("pattern", "pattern")):
            if key in prop:
                f.attrs[attr] = prop[key]
        if prop.get("readOnly"):
            f.attrs["readonly"] = True
        if kind == "table":
            _table(f, prop.get("items", {}), errors, extra=1 if add_row == name else 0)
        result.append(f)
    return result


def _table(f: Field, items: dict, errors: dict[str, str], extra: int) -> None:
    """A table field's columns and rows: the values given, at least one row, ``extra`` empty rows more."""
    f.columns = fields(items)
    given = f.value if isinstance(f.value, list) else []
    count = min(max(len(given), 1) + extra, MAX_ROWS)
    for i in range(count):
        row = given[i] if i < len(given) and isinstance(given[i], dict) else {}
        cells = fields(items, row, {sub: message for path, message in errors.items()
                                    for sub in [path.split(".", 2)[2] if path.startswith(f"{f.name}.{i}.") else ""]
                                    if sub})
        f.rows.append(cells)
    if f.error is None and any(cell.error for cells in f.rows for cell in cells):
        f.error = _("Some rows need correcting.")


def read(schema: dict | None, form: MultiDict) -> dict[str, Any]:
    """Submitted form values as the typed data the schema describes (empty optional fields left out)."""
    data: dict[str, Any] = {}
    for name, prop in ((schema or {}).get("properties") or {}).items():
        kind = _kind(prop)
        if kind == "checkbox":
            data[name] = form.get(name) in ("on", "true", "1", "yes")
            continue
        if kind == "multi":
            data[name] = [_typed(prop.get("items", {}), v) for v in form.getlist(name)]
            continue
        if kind == "lines":
            lines = [line.strip() for line in form.get(name, "").splitlines() if line.strip()]
            data[name] = [_typed(prop.get("items", {}), v) for v in lines]
            continue
        if kind == "table":
            data[name] = _read_rows(name, prop.get("items", {}), form)
            continue
        raw = form.get(name)
        if raw is None or raw.strip() == "":
            continue
        if kind == "datetime" and len(raw) == 16:
            raw = raw + ":00+08:00"  # datetime-local input, read in China Standard Time
        data[name] = _typed(prop, raw.strip() if kind != "textarea" else raw)
    return data


def _read_rows(name: str, items: dict, form: MultiDict) -> list[dict]:
    """A table's rows (inputs ``name-<row>-<column>``); rows left wholly empty are not rows."""
    try:
        count = min(int(form.get(f"{name}-rows", "0")), MAX_ROWS)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        cells = MultiDict({sub: v for sub in (items.get("properties") or {})
                           for v in form.getlist(f"{name}-{i}-{sub}")})
        row = read(items, cells)
        if any(v not in (None, "", [], False) for v in row.values()):
            rows.append(row)
    return rows


def _typed(prop: dict, raw: str):
    typ = prop.get("type")
    if isinstance(typ, list):
        typ = next((t for t in typ if t != "null"), "string")
    choices = _choices(prop)
    if choices:
        for value, _label in choices:
            if str(value) == raw:
                return value
        return raw
    try:
        if typ == "integer":
            return int(raw)
        if typ == "number":
            number = float(raw)
            return int(number) if number.is_integer() and "." not in raw else number
    except ValueError:
        return raw  # the schema check reports it as a wrong type, in place
    if typ == "boolean":
        return raw in ("on", "true", "1", "yes")
    return raw


# jsonschema's messages, said for the person filling in the form (the field is named by its place).
_MESSAGES = [
    ("is a required property", _l("This field is required.")),
    ("does not match", _l("The format is not right.")),
    ("is not one of", _l("Choose one of the options.")),
    ("should be non-empty", _l("This field is required.")),
    ("is too short", _l("Too short.")),
    ("is too long", _l("Too long.")),
    ("is not of type 'number'", _l("Enter a number.")),
    ("is not of type 'integer'", _l("Enter a whole number.")),
    ("is less than the minimum", _l("The value is too small.")),
    ("is less than or equal to the minimum", _l("The value is too small.")),
    ("is greater than the maximum", _l("The value is too large.")),
    ("is not a 'date'", _l("Enter a date.")),
    ("is not a 'date-time'", _l("Enter a date and time.")),
    ("is in the future", _l("This time may not be later than now.")),
    ("is earlier than", _l("This date may not be earlier than the start date.")),
    ("is not a 'email'", _l("Enter an e-mail address.")),
]


def friendly(message: str) -> str:
    for fragment, text in _MESSAGES:
        if fragment in message:
            return str(text)
    return message


def field_errors(exc: FormInvalid) -> dict[str, str]:
    """Field name -> the first error on it ('' for the form as a whole), for showing in place.

    An error inside a table is also kept under its whole path ('items.0.work'), for its cell.
    """
    errors: dict[str, str] = {}
    for error in exc.errors:
        if error.field.count(".") >= 2:  # a table cell: shown in the cell (and the table says rows need work)
            errors.setdefault(error.field, friendly(error.message))
        else:
            errors.setdefault(error.field.split(".")[0] if error.field else "", friendly(error.message))
    return errors


def staff_role(prop: dict, lane: str | None, data: dict) -> str | None:
    """The role whose holders a field's ``"x-staff"`` offers: ``{"role": "engineering"}``, ``{"role": "$lane"}``
    (the task's own role) or ``{"role_from": "department"}`` (a role a decision table put in the case data)."""
    spec = prop.get("x-staff")
    if not isinstance(spec, dict):
        return None
    if spec.get("role_from"):
        value = data.get(spec["role_from"])
        return value if isinstance(value, str) else None
    return lane if spec.get("role") == "$lane" else spec.get("role")


def prefill_values(display_name: str, now, tz: str = "Asia/Shanghai") -> dict[str, str]:
    """What ``"x-prefill"`` fields start with: the person's display name, the local time and date."""
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(tz))
    return {"me": display_name, "now": local.strftime("%Y-%m-%dT%H:%M"), "today": local.strftime("%Y-%m-%d")}


class Labels:
    """How stored data reads on a page, from every JSON Schema form of a version.

    ``labels.get(field)`` is the field's title; ``labels.value(field, value)`` the value
    as people read it: a choice's title instead of its code, 是/否 for booleans,
    lists joined.
    """

    def __init__(self, files: dict[str, str]):
        import json

        self.titles: dict[str, str] = {}
        self.choices: dict[str, dict[str, str]] = {}
        schemas = []
        for name, text in sorted(files.items()):
            if not name.endswith(".json") or name.endswith("manifest.json"):
                continue
            try:
                schema = json.loads(text)
            except ValueError:
                continue
            if isinstance(schema, dict):
                schemas.append(schema)
        # a form's own fields first, then the columns of its tables (the rows of a list in the case data)
        for schema in schemas:
            self._add(schema.get("properties"))
        for schema in schemas:
            for prop in (schema.get("properties") or {}).values():
                if isinstance(prop, dict) and prop.get("type") == "array" and isinstance(prop.get("items"), dict):
                    self._add(prop["items"].get("properties"))

    def _add(self, properties) -> None:
        for field_name, prop in (properties or {}).items() if isinstance(properties, dict) else ():
            if not isinstance(prop, dict):
                continue
            if prop.get("title"):
                self.titles.setdefault(field_name, prop["title"])
            options = _choices(prop.get("items", {}) if prop.get("type") == "array" else prop)
            if options:
                self.choices.setdefault(field_name, {str(v): str(t) for v, t in options})

    def get(self, field_name: str, default=None):
        return self.titles.get(field_name, default)

    def value(self, field_name: str, value) -> str:
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, (list, tuple)):
            return "、".join(self.value(field_name, v) for v in value)
        if isinstance(value, dict):
            return "; ".join(f"{self.get(k, k)}: {self.value(k, v)}" for k, v in value.items())
        return self.choices.get(field_name, {}).get(str(value), str(value))


def titles(files: dict[str, str]) -> Labels:
    """The labels of a version's stored data (field titles and choice titles), see ``Labels``."""
    return Labels(files)
