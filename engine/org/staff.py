"""Staff accounts: creation, password checks (Argon2id) and the roles they hold per property."""
from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from engine.exceptions import NotAllowed, NotFound
from engine.org.roles import ROLES
from engine.storage.models import Property, RoleAssignment, User

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,39}$")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_dummy: dict[PasswordHasher, str] = {}


def _dummy_hash() -> str:
    """A hash verified when the user does not exist, so a wrong name costs as long as a wrong password."""
    if _hasher not in _dummy:
        _dummy[_hasher] = _hasher.hash("not a real password")
    return _dummy[_hasher]


def create_user(session: Session, username: str, display_name: str, password: str, *,
                roles: dict[str, list[str]] | None = None, is_hq: bool = False,
                is_process_owner: bool = False, is_admin: bool = False, email: str | None = None) -> User:
    """Add a user; ``roles`` maps property codes to role ids; ``email`` receives notices. Flushes."""
    if len(password) < 8:
        raise NotAllowed("a password needs at least 8 characters")
    if email is not None and not _EMAIL.fullmatch(email):
        raise NotAllowed(f"'{email}' is not an email address")
    user = User(username=username, display_name=display_name, password_hash=_hasher.hash(password),
                is_hq=is_hq, is_process_owner=is_process_owner, is_admin=is_admin, email=email)
    session.add(user)
    session.flush()
    for code, role_ids in (roles or {}).items():
        prop = session.scalars(select(Property).where(Property.code == code)).one_or_none()
        if prop is None:
            raise NotFound(f"no property '{code}'")
        for role in role_ids:
            grant(session, user, prop, role)
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user '{username}'")
    return user


def set_password(user: User, password: str) -> None:
    """Replace ``user``'s password (Argon2id hash); ``NotAllowed`` if it is too short."""
    if len(password) < 8:
        raise NotAllowed("a password needs at least 8 characters")
    user.password_hash = _hasher.hash(password)


def grant(session: Session, user: User, prop: Property, role: str) -> None:
    """Give ``user`` the role ``role`` at ``prop`` (no-op if held already)."""
    if role not in ROLES:
        raise NotFound(f"no role '{role}' (known: {', '.join(ROLES)})")
    if not any(r.property_id == prop.id and r.role == role for r in user.roles):
        user.roles.append(RoleAssignment(property_id=prop.id, role=role))
        session.flush()


def revoke(session: Session, user: User, prop: Property, role: str) -> None:
    """Take the role ``role`` at ``prop`` away from ``user`` (no-op if not held)."""
    for assignment in [r for r in user.roles if r.property_id == prop.id and r.role == role]:
        user.roles.remove(assignment)
    session.flush()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None (same cost either way)."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def roles_by_property(user: User) -> dict[int, set[str]]:
    """Property id -> the roles (lanes) ``user`` holds there, as assigned (head office's own lane aside)."""
    result: dict[int, set[str]] = {}
    for assignment in user.roles:
        result.setdefault(assignment.property_id, set()).add(assignment.role)
    return result


def lanes_by_property(session: Session, user: User) -> dict[int, set[str]]:
    """Property id -> the roles (lanes) ``user`` holds there; HQ users get the hq lane everywhere."""
    result = roles_by_property(user)
    if user.is_hq:
        for prop_id in all_property_ids(session):
            result.setdefault(prop_id, set()).add("hq")
    return result


def all_property_ids(session: Session) -> list[int]:
    """Every property's id, read once per transaction (a head office page asks several times)."""
    transaction = session.get_transaction()
    kept = session.info.get(_PROPERTY_IDS)
    if kept is None or kept[0] is not transaction or transaction is None:
        kept = session.info[_PROPERTY_IDS] = (transaction, list(session.scalars(select(Property.id))))
    return kept[1]


_PROPERTY_IDS = "pflow.property_ids"


def holders(session: Session, property_id: int, role: str) -> list[User]:
    """The active users who hold ``role`` at a property (HQ users for the hq role), by name."""
    if role == "hq":
        query = select(User).where(User.is_hq.is_(True))
    else:
        query = select(User).join(RoleAssignment).where(RoleAssignment.property_id == property_id,
                                                        RoleAssignment.role == role)
    # callers want names, not each holder's roles: those load only if asked for (no second SELECT)
    return list(session.scalars(query.where(User.active.is_(True)).order_by(User.username)
                                .options(lazyload(User.roles))))


def property_ids(session: Session, user: User) -> set[int]:
    """The properties whose cases ``user`` may see: where they hold a role; every one for HQ."""
    if user.is_hq:
        return set(all_property_ids(session))
    return {a.property_id for a in user.roles if a.role != "resident"}  # residents: engine.residents.access



def rename(user: User, display_name: str) -> None:
    """Set the name people see; ``NotAllowed`` if it is empty or longer than 120 characters."""
    name = (display_name or "").strip()
    if not name or len(name) > 120:
        raise NotAllowed("a display name is 1 to 120 characters", code="bad_display_name")
    user.display_name = name


def reactivate(user: User) -> None:
    user.active = True
