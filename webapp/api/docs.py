"""The API's docs page (``/api/docs``): Swagger UI from ``static/swagger-ui/`` (no CDN), reading ``/api/openapi.json``."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("api_docs", __name__)

DESCRIPTION = """物业服务流程的 JSON 接口,供小程序、App 和其他系统(呼叫中心、门禁、财务)使用。

**令牌**:员工用 `POST /api/v1/tokens`(账号密码)获取 staff 令牌;业户用短信验证码
(`POST /api/v1/resident/code`,再 `POST /api/v1/resident/token`)获取 resident 令牌。
之后每个请求带 `Authorization: Bearer pf_…`。不使用 Cookie,因此无需 CSRF 令牌。

**错误**:一律为 JSON `{"code": "…", "message": "…", "errors": {"字段": "说明"}}`,
说明默认中文,请求头 `Accept-Language: en` 时为英文。他人物业的工单、他户的事项一律 404;
有人抢先办理或工单已变(If-Match 版本过期)为 409;每个令牌每分钟有请求次数限制(429)。
"""


@bp.route("/api/docs")
def page():
    return render_template("api/docs.html")
