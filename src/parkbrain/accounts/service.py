"""Accounts: create, list, disable, enable, reset a password; every change audited in its transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from parkbrain.accounts.models import LoginSession, User
from parkbrain.accounts.passwords import password_problem
from parkbrain.accounts.roles import Role
from parkbrain.audit import Actor, record
from parkbrain.desk.routing import load_routing
from parkbrain.i18n import translate
from parkbrain.opdb.base import utcnow
from parkbrain.uscc import uscc_problem

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{2,63}$")
EXPERT_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class AccountError(ValueError):
    """An account operation is refused; `key` names the message in the accounts catalogue."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        """The reason in `lang`."""
        return translate(f"accounts.error.{self.key}", lang, **self.params)


@dataclass(frozen=True)
class NewUser:
    """What creating an account needs (the binding that fits the role, and no other)."""

    username: str
    password: str
    role: Role
    display_name: str = ""
    department: str | None = None
    uscc: str | None = None
    expert_id: str | None = None


def _check_binding(new: NewUser) -> None:
    """An officer has a department, an enterprise user a valid USCC, an expert an expert_id; others none."""
    needs = {Role.OFFICER: "department", Role.ENTERPRISE: "uscc", Role.EXPERT: "expert_id"}.get(new.role)
    for name in ("department", "uscc", "expert_id"):
        given = getattr(new, name)
        if name == needs and not given:
            raise AccountError("binding_required", role=new.role.value, field=name)
        if name != needs and given:
            raise AccountError("binding_not_allowed", role=new.role.value, field=name)
    if new.role is Role.OFFICER and new.department not in load_routing().departments:
        raise AccountError("unknown_department", department=new.department,
                           known=", ".join(load_routing().departments))
    if new.role is Role.ENTERPRISE and uscc_problem(new.uscc or "") is not None:
        raise AccountError("invalid_uscc", uscc=new.uscc)
    if new.role is Role.EXPERT and not EXPERT_ID.match(new.expert_id or ""):
        raise AccountError("invalid_expert_id", expert_id=new.expert_id)


def create_user(session: Session, *, new: NewUser, hasher: PasswordHasher, actor: Actor) -> User:
    """Add an account; refuse a taken or malformed name, a weak password, a binding that does not fit."""
    if not USERNAME.match(new.username):
        raise AccountError("invalid_username", username=new.username)
    _check_binding(new)
    problem = password_problem(new.password)
    if problem:
        raise AccountError(problem)
    if session.scalar(select(User.id).where(User.username == new.username)) is not None:
        raise AccountError("username_taken", username=new.username)
    user = User(username=new.username, display_name=new.display_name or new.username,
                password_hash=hasher.hash(new.password), role=new.role.value, department=new.department,
                uscc=new.uscc, expert_id=new.expert_id)
    session.add(user)
    session.flush()
    record(session, actor=actor, action="account.create", target=f"user:{new.username}",
           detail={"role": new.role.value, "department": new.department, "uscc": new.uscc,
                   "expert_id": new.expert_id})
    return user


def find_user(session: Session, username: str) -> User:
    """The account named `username`, or an AccountError."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError("no_such_user", username=username)
    return user


def list_users(session: Session) -> list[User]:
    """Every account, by name."""
    return list(session.scalars(select(User).order_by(User.username)))


def end_sessions(session: Session, user_id: int) -> int:
    """End every session of one account; how many there were."""
    result = session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
    return result.rowcount or 0


def set_active(session: Session, *, username: str, active: bool, actor: Actor) -> int:
    """Enable or disable an account; disabling ends its sessions at once (how many is returned)."""
    user = find_user(session, username)
    user.is_active = active
    ended = 0 if active else end_sessions(session, user.id)
    record(session, actor=actor, action="account.enable" if active else "account.disable",
           target=f"user:{username}", detail={"sessions_ended": ended})
    return ended


def reset_password(session: Session, *, username: str, password: str, hasher: PasswordHasher,
                   actor: Actor) -> int:
    """Set a new password; the account's sessions end (how many is returned)."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    user = find_user(session, username)
    user.password_hash = hasher.hash(password)
    user.password_changed_at = utcnow()
    ended = end_sessions(session, user.id)
    record(session, actor=actor, action="account.reset_password", target=f"user:{username}",
           detail={"sessions_ended": ended})
    return ended
