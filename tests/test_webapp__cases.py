"""Starting cases from the deployed start forms; the case page: diagram, timeline, comments, attachments."""
import io
import re

from sqlalchemy import select

from engine import HumanTask, Instance, start_instance

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_startable_processes_come_from_the_deployments(as_user):
    page = as_user("fd1").get("/cases/new").get_data(as_text=True)
    assert "服务请求(测试)" in page and "/cases/new/P001/service_request" in page
    assert "/cases/new/P002/" not in page                      # not at fd1's property
    assert "回访(测试)" not in page                             # no start form
    assert "不能在此发起" in as_user("eng1").get("/cases/new").get_data(as_text=True)
    assert as_user("eng1").get("/cases/new/P001/service_request").status_code == 404
    assert as_user("fd1").get("/cases/new/P002/service_request").status_code == 404


def test_front_desk_registers_a_case_and_goes_on_to_its_first_task(session, as_user):
    fd = as_user("fd1")
    bad = fd.post("/cases/new/P001/service_request", data={"resident": "张三", "room": "", "phone": "bad!"})
    assert bad.status_code == 400 and "此项必填" in bad.get_data(as_text=True) and "格式不正确" in bad.get_data(as_text=True)
    assert session.scalars(select(Instance)).all() == []
    session.commit()
    ok = fd.post("/cases/new/P001/service_request", data={"resident": "张三", "room": "3-1201", "phone": "13800000000"})
    case = session.scalars(select(Instance)).one()
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == case.id)).one()
    session.commit()
    assert case.started_by == "fd1" and case.summary == {"resident": "张三", "room": "3-1201"}
    assert ok.headers["Location"] == f"/tasks/{task.id}"        # the front desk registers it at once


def _case(as_user):
    fd = as_user("fd1")
    fd.post("/cases/new/P001/service_request", data={"resident": "张三", "room": "3-1201"})
    return fd


def test_case_page_shows_diagram_states_and_timeline(session, as_user):
    fd = _case(as_user)
    case = session.scalars(select(Instance)).one()
    session.commit()
    page = fd.get(f"/cases/{case.id}").get_data(as_text=True)
    assert case.case_no in page and "前台小王 登记了工单" in page
    url = re.search(r'data-xml-url="([^"]+)"', page).group(1)
    assert url == f"/cases/{case.id}/diagram/service_request.bpmn"
    states = re.search(r'data-states="([^"]+)"', page).group(1).replace("&#34;", '"')
    assert '"active": ["register"]' in states and '"completed": ["start"]' in states
    assert '<script src="/static/build/case-diagram.js" defer></script>' in page  # no inline script
    xml = fd.get(url)
    assert xml.status_code == 200 and xml.mimetype == "application/xml" and b'id="service_request"' in xml.data
    assert fd.get(f"/cases/{case.id}/diagram/sr_start.json").status_code == 404
    assert fd.get("/static/build/case-diagram.js").status_code == 200


def test_comments_and_attachments(session, as_user, app):
    fd = _case(as_user)
    case = session.scalars(select(Instance)).one()
    session.commit()
    fd.post(f"/cases/{case.id}/comments", data={"text": "业主<b>下午</b>在家"})
    page = fd.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "业主&lt;b&gt;下午&lt;/b&gt;在家" in page
    fd.post(f"/cases/{case.id}/attachments", data={"file": [(io.BytesIO(PNG), "现场.png")]},
            content_type="multipart/form-data")
    page = fd.get(f"/cases/{case.id}").get_data(as_text=True)
    link = re.search(r'href="(/cases/\d+/attachments/\d+)\?download=1">现场.png</a>', page).group(1)
    image = fd.get(link)
    assert image.data == PNG and image.mimetype == "image/png" and "sandbox" in image.headers["Content-Security-Policy"]
    assert fd.get(link + "?download=1").headers["Content-Disposition"].startswith("attachment")
    refused = fd.post(f"/cases/{case.id}/attachments", follow_redirects=True, content_type="multipart/form-data",
                      data={"file": [(io.BytesIO(b"MZ\x90\0 not an image"), "photo.jpg")]})
    assert "未上传任何文件" in refused.get_data(as_text=True)
    assert "“photo.jpg”不是允许的照片或 PDF 类型" in refused.get_data(as_text=True)  # the engine's refusal, in Chinese
    app.config["ATTACHMENT_MAX_BYTES"] = 10
    refused = fd.post(f"/cases/{case.id}/attachments", follow_redirects=True, content_type="multipart/form-data",
                      data={"file": [(io.BytesIO(PNG), "big.png")]})
    assert "“big.png”大小为" in refused.get_data(as_text=True) and "每个文件不得超过" in refused.get_data(as_text=True)
    english = fd.post(f"/cases/{case.id}/attachments?lang=en", follow_redirects=True, content_type="multipart/form-data",
                      data={"file": [(io.BytesIO(PNG), "big.png")]})
    assert "a file may be at most" in english.get_data(as_text=True)
    assert as_user("eng1").get(link).status_code == 200    # same property
    page = fd.get(f"/cases/{case.id}").get_data(as_text=True)
    assert page.count("?download=1\">") == 1


def test_a_case_number_in_a_mail_link_leads_to_the_case_page_for_those_who_may_see_it(session, as_user):
    case = start_instance(session, "P001", "service_request", {"resident": "张三", "room": "1-101"}, user="fd1")
    session.commit()
    response = as_user("fd1").get(f"/cases/{case.case_no}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}")
    assert as_user("fd1").get("/cases/TS20990101-999999").status_code == 404
    assert as_user("fd2").get(f"/cases/{case.case_no}", follow_redirects=True).status_code == 404  # P002 staff
