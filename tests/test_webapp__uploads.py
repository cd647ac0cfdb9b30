"""Uploads as promised: what the help names is exactly what is accepted, by content; sizes and strangers refused."""
import io

import pytest
from sqlalchemy import select

from engine import Attachment, start_instance

KINDS = {  # file name -> (bytes, content type): a sample of every kind the help promises
    "现场.jpg": (b"\xff\xd8\xff\xe0" + b"\0" * 64, "image/jpeg"),
    "现场.png": (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png"),
    "动图.gif": (b"GIF89a" + b"\0" * 64, "image/gif"),
    "旧图.gif": (b"GIF87a" + b"\0" * 64, "image/gif"),
    "手机.webp": (b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 64, "image/webp"),
    "报告.pdf": (b"%PDF-1.7\n" + b"\0" * 64, "application/pdf"),
}
STRANGERS = {  # named like a photo, but they are not
    "photo.jpg": b"MZ\x90\0 a program",
    "photo.png": b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    "photo.gif": b"<html><body>hi</body></html>",
    "photo.pdf": b"PK\x03\x04 a zip",
}


@pytest.fixture
def case_id(session, app):
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"}, user="fd1")
    session.commit()
    return case.id


def _upload(client, case_id, name, data, lang=""):
    return client.post(f"/cases/{case_id}/attachments{lang}", follow_redirects=True,
                       content_type="multipart/form-data", data={"file": [(io.BytesIO(data), name)]})


def test_the_help_names_exactly_the_accepted_kinds(as_user, case_id, app):
    fd = as_user("fd1")
    page = fd.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "可上传:JPEG、PNG、GIF、WebP、PDF,每个不超过 10.0 MB。" in page
    assert 'accept="image/jpeg,image/png,image/gif,image/webp,application/pdf"' in page
    english = fd.get(f"/cases/{case_id}?lang=en").get_data(as_text=True)
    assert "Accepted: JPEG, PNG, GIF, WebP, PDF, at most 10.0 MB each." in english


@pytest.mark.parametrize("name", KINDS)
def test_every_promised_kind_is_accepted_by_its_content(session, as_user, case_id, name):
    data, content_type = KINDS[name]
    page = _upload(as_user("fd1"), case_id, name, data).get_data(as_text=True)
    assert "已上传 1 个文件。" in page
    row = session.scalars(select(Attachment).where(Attachment.instance_id == case_id)).one()
    assert (row.filename, row.content_type, row.size) == (name, content_type, len(data))


@pytest.mark.parametrize("name", STRANGERS)
def test_a_file_named_like_a_photo_but_not_one_is_refused(session, as_user, case_id, name):
    page = _upload(as_user("fd1"), case_id, name, STRANGERS[name]).get_data(as_text=True)
    assert f"“{name}”不是允许的照片或 PDF 类型" in page
    assert session.scalars(select(Attachment).where(Attachment.instance_id == case_id)).all() == []


def test_size_limits_per_file_and_per_request(session, as_user, case_id, app):
    fd = as_user("fd1")
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    page = _upload(fd, case_id, "大.png", KINDS["现场.png"][0] + b"\0" * 1000).get_data(as_text=True)
    assert "“大.png”大小为" in page and "每个文件不得超过" in page
    app.config["MAX_CONTENT_LENGTH"] = 2000
    response = fd.post(f"/cases/{case_id}/attachments", content_type="multipart/form-data",
                       data={"file": [(io.BytesIO(b"\0" * 5000), "巨大.png")]})
    assert response.status_code == 413 and "上传的文件过大" in response.get_data(as_text=True)
    assert session.scalars(select(Attachment).where(Attachment.instance_id == case_id)).all() == []
