"""Comments and attachments of a case: on the timeline, files checked by content and size."""
from datetime import UTC, datetime

import pytest

from engine import AuditKind, FileStore, NotAllowed, add_comment, attach, attachments_of, events_of, start_instance

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
TYPES = ["image/jpeg", "image/png", "application/pdf"]
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
def case(session, deployed):
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"}, now=NOW)
    session.commit()
    return case


def test_attachment_stored_outside_task_data(session, case, tmp_path):
    files = FileStore(tmp_path)
    row = attach(session, files, case.id, "../../etc/现场照片.png", PNG, user="fd1", allowed_types=TYPES,
                 max_bytes=1000, now=NOW)
    session.commit()
    assert (row.filename, row.content_type, row.size) == ("现场照片.png", "image/png", len(PNG))
    assert files.read(row.storage_key) == PNG
    assert PNG.decode("latin-1") not in case.state
    assert [a.id for a in attachments_of(session, case.id)] == [row.id]
    assert events_of(session, case.id)[-1].kind == AuditKind.ATTACHED


@pytest.mark.parametrize("name, data, problem", [
    ("big.png", PNG + b"\0" * 1000, "at most"),
    ("script.png", b"<script>alert(1)</script>", "not an allowed type"),
    ("empty.pdf", b"", "empty"),
])
def test_wrong_files_are_refused_and_nothing_stored(session, case, tmp_path, name, data, problem):
    with pytest.raises(NotAllowed, match=problem) as err:
        attach(session, FileStore(tmp_path), case.id, name, data, user="fd1", allowed_types=TYPES, max_bytes=1000)
    assert name in str(err.value)
    assert attachments_of(session, case.id) == [] and list(tmp_path.iterdir()) == []


def test_comments_on_the_timeline(session, case):
    add_comment(session, case.id, "  已电话联系业主  ", user="fd1", now=NOW)
    session.commit()
    event = events_of(session, case.id)[-1]
    assert (event.kind, event.actor, event.data) == (AuditKind.COMMENTED, "fd1", {"text": "已电话联系业主"})
    with pytest.raises(NotAllowed):
        add_comment(session, case.id, "   ", user="fd1")
