"""Tokens: a staff member gets one with their password; owners list and revoke theirs; admins every token."""
from __future__ import annotations

from flask import abort, current_app
from flask_smorest import Blueprint

from engine import NotFound, api_tokens, authenticate

from ..db import get_session
from ..security import limiter
from . import auth
from .schemas import NewTokenSchema, StaffTokenRequest, TokenListSchema, TokenSchema

blp = Blueprint("令牌", __name__, url_prefix="/api/v1", description="令牌:员工凭账号密码获取;本人和管理员可查看、吊销")
BEARER = [{"bearerAuth": []}]
EXAMPLE = {"id": 7, "scope": "staff", "owner": "eng1", "name": "工程部手机", "prefix": "pf_AbCdEfG",
           "created_at": "2026-11-25T08:00:00+00:00", "expires_at": "2026-12-25T08:00:00+00:00",
           "last_used_at": None, "revoked_at": None}


def _login_rate():
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.post("/tokens")
@limiter.limit(_login_rate)
@blp.arguments(StaffTokenRequest, example={"username": "eng1", "password": "…", "name": "工程部手机", "days": 30})
@blp.response(201, NewTokenSchema, example={**EXAMPLE, "token": "pf_AbCdEfGh…"},
              description="新令牌(令牌本身只返回这一次)")
def create_token(body):
    """员工获取令牌

    用员工账号和密码换取一个 staff 令牌;密码错误返回 401。每个地址每分钟有次数限制。
    """
    session = get_session()
    user = authenticate(session, body["username"].strip(), body["password"])
    if user is None:
        abort(401)
    days = body.get("days") or current_app.config["SETTINGS"].api_token_days
    row, secret = api_tokens.issue(session, "staff", user.username, days=days, name=body["name"], user_id=user.id)
    session.commit()
    return _dump(row, token=secret)


@blp.get("/tokens")
@blp.doc(security=BEARER)
@blp.response(200, TokenListSchema, example={"items": [EXAMPLE]})
def my_tokens():
    """我的令牌

    列出当前令牌所属本人(员工或业户)的全部令牌,含已过期和已吊销的;不含令牌本身。
    """
    token = _caller()
    return {"items": [_dump(t) for t in api_tokens.tokens_of(get_session(), token.scope, token.owner)]}


@blp.delete("/tokens/<int(max=2147483647):token_id>")
@blp.doc(security=BEARER)
@blp.response(200, TokenSchema, example={**EXAMPLE, "revoked_at": "2026-11-25T09:00:00+00:00"})
def revoke_token(token_id: int):
    """吊销我的一个令牌

    只能吊销本人的令牌;别人的令牌返回 404。吊销后该令牌立即失效。
    """
    token = _caller()
    return _revoke(token_id, token.scope, token.owner, by_admin=False)


@blp.get("/admin/tokens")
@blp.doc(security=BEARER)
@blp.response(200, TokenListSchema, example={"items": [EXAMPLE]})
def all_tokens():
    """全部令牌(管理员)

    系统管理员查看所有员工和业户的令牌;其他人返回 404。
    """
    _admin()
    return {"items": [_dump(t) for t in api_tokens.all_tokens(get_session())]}


@blp.delete("/admin/tokens/<int(max=2147483647):token_id>")
@blp.doc(security=BEARER)
@blp.response(200, TokenSchema, example={**EXAMPLE, "revoked_at": "2026-11-25T09:00:00+00:00"})
def admin_revoke(token_id: int):
    """吊销任一令牌(管理员)

    系统管理员可吊销任何人的令牌(例如员工手机丢失)。
    """
    _admin()
    return _revoke(token_id, "", "", by_admin=True)


def _caller():
    from flask import g

    token = g.get("api_token")
    if token is None:
        abort(401)
    return token


def _admin():
    if not auth.staff().is_admin:
        abort(404)


def _revoke(token_id: int, scope: str, owner: str, *, by_admin: bool):
    session = get_session()
    try:
        row = api_tokens.revoke(session, token_id, scope=scope, owner=owner, by_admin=by_admin)
    except NotFound:
        abort(404)
    session.commit()
    return _dump(row)


def _dump(row, token: str | None = None) -> dict:
    data = {"id": row.id, "scope": row.scope, "owner": row.owner, "name": row.name, "prefix": row.prefix,
            "created_at": row.created_at, "expires_at": row.expires_at, "last_used_at": row.last_used_at,
            "revoked_at": row.revoked_at}
    if token:
        data["token"] = token
    return data
