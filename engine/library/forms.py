"""Validation of submitted task data against the task's JSON Schema form."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from engine.exceptions import FieldError, FormInvalid

NOT_IN_FUTURE_SLACK = timedelta(minutes=1)  # a browser clock a little ahead of the server's


def _not_in_future(validator, wanted, instance, schema):
    """``"notInFuture": true`` on a date-time field: the time may not lie ahead of now (a complaint's receipt)."""
    if not wanted or not isinstance(instance, str):
        return
    try:
        when = datetime.fromisoformat(instance)
    except ValueError:
        return  # the field's pattern reports a malformed time
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when > datetime.now(UTC) + NOT_IN_FUTURE_SLACK:
        yield ValidationError(f"{instance!r} is in the future")


def _dates_in_order(validator, pairs, instance, schema):
    """``"datesInOrder": [["start_date", "end_date"]]`` on an object: the second date may not lie before the
    first (a period's end before its start); the error names the second field."""
    if not isinstance(instance, dict) or not isinstance(pairs, list):
        return
    for first, second in pairs:
        try:
            start, end = date.fromisoformat(str(instance[first])[:10]), date.fromisoformat(str(instance[second])[:10])
        except (KeyError, ValueError):
            continue  # missing or malformed: ``required`` and ``format`` report it
        if end < start:
            yield ValidationError(f"{instance[second]!r} is earlier than {first}", path=[second])


_FormValidator = validators.extend(Draft202012Validator, {"notInFuture": _not_in_future,
                                                          "datesInOrder": _dates_in_order})


@lru_cache(maxsize=512)
def _validator(schema_text: str) -> Draft202012Validator:
    return _FormValidator(json.loads(schema_text), format_checker=FormatChecker())


def validate_form(schema_text: str | None, data: dict) -> None:
    """Raise ``FormInvalid`` listing every field error of ``data``; return None when it is valid."""
    if not isinstance(data, dict):
        raise FormInvalid([FieldError("", "form data must be an object")])
    if not schema_text:
        return
    errors = []
    for err in sorted(_validator(schema_text).iter_errors(data), key=lambda e: list(e.path)):
        path = ".".join(str(p) for p in err.path)
        if err.validator == "required":
            # name the missing field itself, not the form (or the table row) it is missing from
            missing = err.message.split("'")[1] if "'" in err.message else ""
            path = f"{path}.{missing}" if path and missing else path or missing
        errors.append(FieldError(path, err.message))
    if errors:
        raise FormInvalid(errors)
