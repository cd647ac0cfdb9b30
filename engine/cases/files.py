"""A case's comments and attached files (photos, documents), kept out of the workflow's task data.

The bytes of an attachment live in a ``FileStore`` (a directory; in production a
volume every web process shares), its metadata in ``attachments``. Types are
decided by the file's content, not by the name or the browser's word for it.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import history
from engine.exceptions import NotAllowed, NotFound
from engine.storage.models import Attachment, AuditKind
from engine.storage.models._types import utcnow

COMMENT_MAX = 2000
# What a case may carry, recognised by the first bytes of the file.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}


def sniff(data: bytes) -> str | None:
    """The content type of ``data`` by its signature, or None if it is none of the known ones."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for content_type, prefixes in SIGNATURES.items():
        if data.startswith(prefixes):
            return content_type
    return None


class FileStore:
    """Attachment bytes in a directory, one file per key; writes are atomic (temp file, then rename)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if not key.isalnum():
            raise NotFound(f"no stored file {key!r}")
        return self.root / key[:2] / key

    def put(self, data: bytes) -> str:
        key = uuid.uuid4().hex
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return key

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def add_comment(session: Session, instance_id: int, text: str, *, user: str, now: datetime | None = None) -> str:
    """Record a comment on the case's timeline (the caller commits); returns the stored text."""
    text = (text or "").strip()
    if not text:
        raise NotAllowed("a comment cannot be empty", code="comment_empty")
    if len(text) > COMMENT_MAX:
        raise NotAllowed(f"a comment holds at most {COMMENT_MAX} characters (this one has {len(text)})",
                         code="comment_long", limit=COMMENT_MAX, length=len(text))
    history.record(session, instance_id, AuditKind.COMMENTED, actor=user, at=now or utcnow(), data={"text": text})
    return text


def attach(session: Session, files: FileStore, instance_id: int, filename: str, data: bytes, *, user: str,
           allowed_types: list[str] | tuple[str, ...], max_bytes: int, now: datetime | None = None) -> Attachment:
    """Store a file on a case: checks its size and (sniffed) type, writes the bytes, adds the row; flushes.

    ``NotAllowed`` names the file and what is wrong; nothing is stored then. If the
    caller's transaction rolls back afterwards, call ``files.delete(row.storage_key)``.
    """
    name = os.path.basename((filename or "").replace("\\", "/")).strip()[:255] or "file"
    if not data:
        raise NotAllowed(f"'{name}' is empty", code="file_empty", name=name)
    if len(data) > max_bytes:
        raise NotAllowed(f"'{name}' is {_mb(len(data))}; a file may be at most {_mb(max_bytes)}", code="file_large",
                         name=name, size=_mb(len(data)), limit=_mb(max_bytes))
    content_type = sniff(data)
    if content_type not in allowed_types:
        raise NotAllowed(f"'{name}' is not an allowed type (allowed: {', '.join(allowed_types)})", code="file_type",
                         name=name, allowed=", ".join(allowed_types))
    now = now or utcnow()
    key = files.put(data)
    row = Attachment(instance_id=instance_id, filename=name, content_type=content_type, size=len(data),
                     storage_key=key, uploaded_by=user, created_at=now)
    session.add(row)
    try:
        session.flush()
        history.record(session, instance_id, AuditKind.ATTACHED, actor=user, at=now,
                     data={"attachment": row.id, "filename": name, "size": len(data)})
    except Exception:
        files.delete(key)
        raise
    return row


def attachments_of(session: Session, instance_id: int) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.instance_id == instance_id)
                                .order_by(Attachment.created_at, Attachment.id)))


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"
