"""The short pieces (one and two characters) of a case's summary that a short search finds it by.

A trigram index cannot serve a search of one or two characters (a surname 王, a name 王伟, a
building 3栋); ``case_grams`` rows can: one per distinct piece of each summary value, lower-cased.
Pieces of digits and punctuation only are left out (a search for "12" matches nearly every case
and is served by reading the newest cases until a page is full).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from sqlalchemy import ARRAY, String, Table, bindparam, insert, text
from sqlalchemy.orm import Session

from engine.storage.models import CaseGram, Instance


def wordy(piece: str) -> bool:
    """Whether a piece says something a person would search by: a letter or a Chinese character in it."""
    return any(ch.isalpha() for ch in piece)


def grams_of(values: Iterable[object]) -> set[str]:
    """Every distinct one- and two-character piece of ``values`` (lower-cased) with a letter in it."""
    found: set[str] = set()
    for value in values:
        for word in str(value).lower().split():
            pieces = (word[i:i + size] for size in (1, 2) for i in range(len(word) - size + 1))
            found.update(piece for piece in pieces if wordy(piece))
    return found


def short_search(text: str) -> str | None:
    """The gram a search text of one or two characters is looked up by, or None where it is not one."""
    text = text.strip().lower()
    return text if 1 <= len(text) <= 2 and not any(ch.isspace() for ch in text) and wordy(text) else None


# PostgreSQL: one statement, one round trip, the same SQL every time (compiled once)
_UNNEST = text("INSERT INTO case_grams (gram, property_id, created_at, instance_id) "
               "SELECT g, :property_id, :created_at, :instance_id FROM unnest(:grams) AS g").bindparams(
    bindparam("grams", type_=ARRAY(String)), bindparam("created_at", type_=CaseGram.created_at.type))


_INSERT = insert(cast(Table, CaseGram.__table__))  # Core: the ORM's bulk insert costs more than the rows


def add_for(session: Session, instance: Instance) -> None:
    """Write the gram rows of a newly started case (its id, property, creation time and summary set)."""
    grams = sorted(grams_of(instance.summary.values()))
    if not grams:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(_UNNEST, {"grams": grams, "property_id": instance.property_id,
                                  "created_at": instance.created_at, "instance_id": instance.id})
        return
    session.connection().execute(_INSERT, [{"gram": g, "property_id": instance.property_id,  # SQLite: executemany
                                           "created_at": instance.created_at, "instance_id": instance.id}
                                          for g in grams])
