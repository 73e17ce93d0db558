"""Login, server-side sessions (idle and absolute expiry) and the login rate limits, kept in the database.

The browser holds a random token; the database keeps only its SHA-256, so a copy of the
database opens no session. Failed logins are counted per account and per address over a
window (in the database, so the limits hold across restarts and workers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from parkbrain.accounts.models import LoginAttempt, LoginSession, User
from parkbrain.accounts.passwords import burn_verification, verify_password
from parkbrain.accounts.roles import Permission, Role, permissions_of
from parkbrain.audit import Actor, record
from parkbrain.opdb import OperationalDB
from parkbrain.opdb.base import utcnow

TOUCH_EVERY = dt.timedelta(seconds=60)   # last_seen_at is written at most once a minute per session
KEEP_ATTEMPTS = dt.timedelta(days=1)


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions last and how many failed logins are allowed."""

    idle: dt.timedelta = dt.timedelta(minutes=30)
    absolute: dt.timedelta = dt.timedelta(hours=12)
    max_failures_account: int = 5
    max_failures_ip: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings) -> SessionPolicy:
        """The policy the settings ask for."""
        return cls(dt.timedelta(minutes=settings.session_idle_minutes),
                   dt.timedelta(hours=settings.session_absolute_hours),
                   settings.login_max_failures_per_account, settings.login_max_failures_per_ip,
                   dt.timedelta(minutes=settings.login_lockout_minutes))


@dataclass(frozen=True)
class Principal:
    """The logged-in user of a request: identity, role, binding, and the session's CSRF token."""

    user_id: int
    username: str
    display_name: str
    role: Role
    department: str | None
    uscc: str | None
    expert_id: str | None
    csrf_token: str
    session_key: str

    @property
    def permissions(self) -> frozenset[Permission]:
        """What this user may do."""
        return permissions_of(self.role)

    def can(self, permission: Permission) -> bool:
        """Whether the role grants `permission`."""
        return permission in self.permissions

    def actor(self, ip: str) -> Actor:
        """This user as the author of an audited change made from `ip`."""
        return Actor(self.username, self.role.value, ip, self.user_id)


class LoginRefused(Exception):
    """A login failed: ``invalid`` (name or password wrong, or account disabled) or ``throttled``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def token_key(token: str) -> str:
    """The database key of a session token (its SHA-256)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _principal(user: User, row: LoginSession) -> Principal:
    return Principal(user.id, user.username, user.display_name, Role(user.role), user.department, user.uscc,
                     user.expert_id, row.csrf_token, row.token_hash)


def _throttled(session: Session, username: str, ip: str, policy: SessionPolicy, now: dt.datetime) -> bool:
    """Whether recent failures for the account (since its last success) or the address reach a limit."""
    since = now - policy.window
    last_ok = session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(True), LoginAttempt.at >= since))
    after = LoginAttempt.at > last_ok if last_ok else LoginAttempt.at >= since
    account = session.scalar(select(func.count()).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since, after))
    address = session.scalar(select(func.count()).where(
        LoginAttempt.ip == ip, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since))
    return account >= policy.max_failures_account or address >= policy.max_failures_ip


def login(db: OperationalDB, *, username: str, password: str, ip: str, user_agent: str, policy: SessionPolicy,
          hasher: PasswordHasher, now: dt.datetime | None = None) -> tuple[str, Principal]:
    """Check the password (outside any transaction: it is slow) and open a session; return its token."""
    now = now or utcnow()
    username = username.strip()[:64]
    with db.read() as session:
        throttled = _throttled(session, username, ip, policy, now)
        user = session.scalar(select(User).where(User.username == username))
    anonymous = Actor(username or "-", "-", ip)
    if throttled:
        with db.write() as session:
            record(session, actor=anonymous, action="login.throttled", at=now)
        raise LoginRefused("throttled")
    if user is None or not user.is_active:
        burn_verification(hasher)
        ok = False
    else:
        ok = verify_password(hasher, user.password_hash, password)
    with db.write() as session:
        if _throttled(session, username, ip, policy, now):  # attempts made in parallel count too
            record(session, actor=anonymous, action="login.throttled", at=now)
            raise_after = LoginRefused("throttled")
        else:
            raise_after = None
            session.add(LoginAttempt(username=username, ip=ip, at=now, succeeded=ok))
            session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP_ATTEMPTS))
            if not ok:
                reason = "unknown" if user is None else ("disabled" if not user.is_active else "password")
                record(session, actor=anonymous, action="login.failure", detail={"reason": reason}, at=now)
                raise_after = LoginRefused("invalid")
    if raise_after:
        raise raise_after
    return _open_session(db, user.id, ip=ip, user_agent=user_agent, policy=policy, hasher=hasher,
                         password=password, now=now)


def _open_session(db: OperationalDB, user_id: int, *, ip: str, user_agent: str, policy: SessionPolicy,
                  hasher: PasswordHasher, password: str, now: dt.datetime) -> tuple[str, Principal]:
    token = secrets.token_urlsafe(32)
    with db.write() as session:
        user = session.get(User, user_id)
        if hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hasher.hash(password)
        session.execute(delete(LoginSession).where(LoginSession.user_id == user_id,
                                                   LoginSession.expires_at < now))
        row = LoginSession(token_hash=token_key(token), user_id=user_id, csrf_token=secrets.token_urlsafe(32),
                           created_at=now, last_seen_at=now, expires_at=now + policy.absolute, ip=ip[:64],
                           user_agent=user_agent[:200])
        session.add(row)
        record(session, actor=Actor(user.username, user.role, ip, user.id), action="login.success", at=now)
        return token, _principal(user, row)


# What a request needs of its session and account: one indexed row, read without the ORM (every request pays it).
_RESOLVE = select(LoginSession.csrf_token, LoginSession.last_seen_at, LoginSession.expires_at, User.id, User.username,
                  User.display_name, User.role, User.department, User.uscc, User.expert_id, User.is_active
                  ).join(User, User.id == LoginSession.user_id).where(LoginSession.token_hash == bindparam("key"))


def resolve(db: OperationalDB, token: str | None, *, policy: SessionPolicy,
            now: dt.datetime | None = None) -> Principal | None:
    """The principal of a session token, or None when absent, expired (idle or absolute) or disabled.

    One read per request; last_seen_at is written at most once a minute (TOUCH_EVERY), not on every request.
    """
    if not token or len(token) > 100:
        return None
    now, key = now or utcnow(), token_key(token)
    with db.query() as connection:
        row = connection.execute(_RESOLVE, {"key": key}).first()
    if row is None:
        return None
    if not row.is_active or now >= row.expires_at or now - row.last_seen_at >= policy.idle:
        with db.write() as session:
            session.execute(delete(LoginSession).where(LoginSession.token_hash == key))
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        with db.write() as session:
            session.execute(update(LoginSession).where(LoginSession.token_hash == key, LoginSession.last_seen_at < now)
                            .values(last_seen_at=now))
    return Principal(row.id, row.username, row.display_name, Role(row.role), row.department, row.uscc,
                     row.expert_id, row.csrf_token, key)


def logout(db: OperationalDB, principal: Principal, *, ip: str) -> None:
    """End the principal's session."""
    with db.write() as session:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == principal.session_key))
        record(session, actor=principal.actor(ip), action="logout")
