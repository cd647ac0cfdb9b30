"""Who is calling: the bearer token (never a cookie), its scope, and the staff member or resident it stands for.

``authenticate()`` runs before every API request: it reads ``Authorization: Bearer pf_…``,
verifies it (``engine.api_tokens.verify``) and puts the token row in ``g.api_token``;
``staff()`` and ``resident()`` give the caller or answer 401/403. The access log line
(``pflow.api``) names the token's id and owner, never the token.
"""
from __future__ import annotations

import logging
import time

from flask import abort, g, request

from engine import User, api_tokens
from engine import resident_access as access

from ..db import get_session

log = logging.getLogger("pflow.api")


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def authenticate() -> None:
    g.api_started = time.perf_counter()
    secret = bearer()
    writing = request.method not in ("GET", "HEAD")  # a read request's session must not write (SQLite)
    g.api_token = api_tokens.verify(get_session(), secret, touch=writing) if secret else None


def rate_key() -> str:
    """Rate limits count per token; calls without one per address (the limiter asks before the app's hooks run)."""
    if "api_token" not in g:
        authenticate()
    token = g.get("api_token")
    return f"token:{token.token_hash[:24]}" if token is not None else f"addr:{request.remote_addr or 'unknown'}"


def staff() -> User:
    """The staff member the token stands for; 401 without a token, 403 for a resident's token."""
    token = g.get("api_token")
    if token is None:
        abort(401)
    if token.scope != "staff":
        abort(403)
    user = token.user  # loaded with the token (and its roles) by ``verify``
    if user is None or not user.active:
        abort(401)
    return user


def resident() -> access.Resident:
    """The resident the token stands for (looked up in the household register again); 401/403 otherwise."""
    token = g.get("api_token")
    if token is None:
        abort(401)
    if token.scope != "resident":
        abort(403)
    person = access.resident_for(get_session(), token.owner)
    if person is None:  # the number is no longer in any household
        abort(401)
    return person


def log_request(response):
    token = g.get("api_token")
    owner = f"{token.scope}:{token.owner}" if token is not None else "-"
    took = (time.perf_counter() - g.get("api_started", time.perf_counter())) * 1000
    log.info("api %s %s %s owner=%s token=%s %.0fms", request.method, request.path, response.status_code, owner,
             token.id if token is not None else "-", took)
    return response
