"""The API's request and response shapes (marshmallow); flask-smorest turns them into the OpenAPI document."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class ErrorSchema(Schema):
    code = fields.String(required=True, metadata={"description": "稳定的错误代码,如 not_found、form_invalid、conflict"})
    message = fields.String(required=True, metadata={"description": "错误说明(默认中文;Accept-Language: en 时为英文)"})
    errors = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "逐字段的错误:字段名 → 说明"})


class StaffTokenRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 64), metadata={"description": "员工账号"})
    password = fields.String(required=True, validate=validate.Length(1, 200), metadata={"description": "密码"})
    name = fields.String(load_default="", validate=validate.Length(0, 100), metadata={"description": "令牌用途备注"})
    days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 365),
                          metadata={"description": "有效天数(默认按系统设置)"})


class TokenSchema(Schema):
    id = fields.Integer(required=True)
    scope = fields.String(required=True, metadata={"description": "staff(员工)或 resident(业户)"})
    owner = fields.String(required=True, metadata={"description": "员工账号或业户手机号"})
    name = fields.String(required=True)
    prefix = fields.String(required=True, metadata={"description": "令牌前几位,便于辨认"})
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(required=True, metadata={"description": "令牌本身,只在此时返回一次;请求时放在 "
                                                                   "Authorization: Bearer 之后"})


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenSchema), required=True)
