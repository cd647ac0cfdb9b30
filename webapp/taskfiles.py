"""Photos and files sent with a task form (the phone camera on site): attached in the completion's transaction.

``attach_uploads`` stores the request's ``file`` uploads on the case and flushes; if the
completion then fails, ``discard`` rolls the transaction back and deletes the bytes, so
nothing is half-saved.
"""
from __future__ import annotations

from flask import current_app, request

from engine import Attachment, FileStore, attach

from .access import me


def _store() -> FileStore:
    return FileStore(current_app.config["ATTACHMENT_DIR"])


def attach_uploads(session, case_id: int) -> list[Attachment]:
    """Attach every uploaded ``file`` of the request to the case; ``NotAllowed`` (engine) names a bad one,
    and then nothing of this request stays stored."""
    stored: list[Attachment] = []
    try:
        for upload in request.files.getlist("file"):
            if upload and upload.filename:
                stored.append(attach(session, _store(), case_id, upload.filename, upload.read(), user=me().username,
                                     allowed_types=current_app.config["ATTACHMENT_TYPES"],
                                     max_bytes=current_app.config["ATTACHMENT_MAX_BYTES"]))
    except Exception:
        discard(session, stored)
        raise
    return stored


def discard(session, stored: list[Attachment]) -> None:
    """Roll the transaction back and delete the bytes of ``stored``."""
    keys = [row.storage_key for row in stored]
    session.rollback()
    files = _store()
    for key in keys:
        files.delete(key)
