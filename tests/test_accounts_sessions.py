"""Accounts and sessions: Argon2 passwords, idle and absolute expiry, logout, disabling, rate limits."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from parkbrain.accounts.models import LoginAttempt, LoginSession, User
from parkbrain.accounts.roles import Role
from parkbrain.accounts.service import (
    AccountError,
    NewUser,
    create_user,
    reset_password,
    set_active,
)
from parkbrain.accounts.sessions import (
    LoginRefused,
    SessionPolicy,
    login,
    logout,
    resolve,
    token_key,
)
from parkbrain.audit import Actor
from parkbrain.audit.models import AuditEntry
from parkbrain.opdb import OperationalDB

T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
ADMIN = Actor("root", "admin", "127.0.0.1")
POLICY = SessionPolicy(idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=12), max_failures_account=3,
                       max_failures_ip=5, window=dt.timedelta(minutes=15))


@pytest.fixture
def users(ops):
    park = ops
    with park.db.write() as session:
        for name, role, extra in (("alice", Role.OFFICER, {"department": "finance"}),
                                  ("bob", Role.ANALYST, {})):
            create_user(session, new=NewUser(name, f"{name}-password-1", role, **extra), hasher=park.hasher,
                        actor=ADMIN)
    return park


def attempt(park, name, password, *, ip="10.0.0.1", at=T0):
    return login(park.db, username=name, password=password, ip=ip, user_agent="pytest", policy=POLICY,
                 hasher=park.hasher, now=at)


def audit_actions(park) -> list[str]:
    with park.db.read() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_passwords_are_stored_as_argon2id(users):
    with users.db.read() as session:
        stored = session.scalar(select(User.password_hash).where(User.username == "alice"))
    assert stored.startswith("$argon2id$") and "alice-password-1" not in stored


def test_login_opens_a_session_whose_token_is_stored_hashed(users):
    token, principal = attempt(users, "alice", "alice-password-1")
    assert principal.role is Role.OFFICER and principal.department == "finance"
    with users.db.read() as session:
        row = session.get(LoginSession, token_key(token))
        assert row is not None and row.expires_at == T0 + POLICY.absolute
        assert session.scalar(select(func.count()).where(LoginSession.token_hash == token)) == 0
    assert resolve(users.db, token, policy=POLICY, now=T0 + dt.timedelta(minutes=5)).username == "alice"
    assert audit_actions(users)[-1] == "login.success"


@pytest.mark.parametrize(("name", "password"), [("alice", "wrong-password"), ("nobody", "whatever-1234")])
def test_a_failed_login_says_nothing_about_which_part_was_wrong(users, name, password):
    with pytest.raises(LoginRefused) as refused:
        attempt(users, name, password)
    assert refused.value.reason == "invalid"
    assert audit_actions(users)[-1] == "login.failure"


def test_idle_expiry(users):
    token, _ = attempt(users, "alice", "alice-password-1")
    # each request within the idle time keeps the session alive (written at most once a minute)
    assert resolve(users.db, token, policy=POLICY, now=T0 + dt.timedelta(minutes=29))
    assert resolve(users.db, token, policy=POLICY, now=T0 + dt.timedelta(minutes=58))
    assert resolve(users.db, token, policy=POLICY, now=T0 + dt.timedelta(minutes=88, seconds=1)) is None
    with users.db.read() as session:  # an expired session is deleted
        assert session.get(LoginSession, token_key(token)) is None


def test_absolute_expiry_holds_however_busy_the_session(users):
    token, _ = attempt(users, "alice", "alice-password-1")
    for k in range(1, 36):  # a request every 20 minutes up to 11:40 after login
        assert resolve(users.db, token, policy=POLICY, now=T0 + dt.timedelta(minutes=20 * k)) is not None
    assert resolve(users.db, token, policy=POLICY, now=T0 + dt.timedelta(hours=12)) is None


def test_logout_ends_the_session(users):
    token, principal = attempt(users, "alice", "alice-password-1")
    logout(users.db, principal, ip="10.0.0.1")
    assert resolve(users.db, token, policy=POLICY, now=T0) is None
    assert audit_actions(users)[-1] == "logout"


def test_disabling_an_account_ends_its_sessions_and_refuses_login(users):
    token, _ = attempt(users, "alice", "alice-password-1")
    other, _ = attempt(users, "alice", "alice-password-1", ip="10.0.0.2")
    with users.db.write() as session:
        assert set_active(session, username="alice", active=False, actor=ADMIN) == 2
    assert resolve(users.db, token, policy=POLICY, now=T0) is None
    assert resolve(users.db, other, policy=POLICY, now=T0) is None
    with pytest.raises(LoginRefused):
        attempt(users, "alice", "alice-password-1")
    with users.db.write() as session:
        set_active(session, username="alice", active=True, actor=ADMIN)
    assert attempt(users, "alice", "alice-password-1")[1].username == "alice"


def test_a_reset_password_ends_sessions_and_the_old_password(users):
    token, _ = attempt(users, "alice", "alice-password-1")
    with users.db.write() as session:
        assert reset_password(session, username="alice", password="new-password-22", hasher=users.hasher,
                              actor=ADMIN) == 1
    assert resolve(users.db, token, policy=POLICY, now=T0) is None
    with pytest.raises(LoginRefused):
        attempt(users, "alice", "alice-password-1")
    assert attempt(users, "alice", "new-password-22")


def test_failures_per_account_are_limited_and_the_limit_survives_a_restart(users):
    for i in range(POLICY.max_failures_account):
        with pytest.raises(LoginRefused, match="invalid"):
            attempt(users, "alice", "wrong", ip=f"10.0.1.{i}", at=T0 + dt.timedelta(seconds=i))
    restarted = OperationalDB(users.db.engine.url, upgrade=False)  # a restart (or another worker) sees the count
    try:
        with pytest.raises(LoginRefused, match="throttled"):  # even the right password is refused now
            login(restarted, username="alice", password="alice-password-1", ip="10.9.9.9", user_agent="",
                  policy=POLICY, hasher=users.hasher, now=T0 + dt.timedelta(minutes=1))
    finally:
        restarted.close()
    # another account is not affected; after the window the account may try again
    assert attempt(users, "bob", "bob-password-1", at=T0 + dt.timedelta(minutes=1))
    assert attempt(users, "alice", "alice-password-1", at=T0 + dt.timedelta(minutes=16))
    assert "login.throttled" in audit_actions(users)


def test_failures_per_address_are_limited(users):
    for i in range(POLICY.max_failures_ip):
        with pytest.raises(LoginRefused, match="invalid"):
            attempt(users, f"user{i}", "wrong", ip="10.6.6.6", at=T0 + dt.timedelta(seconds=i))
    with pytest.raises(LoginRefused, match="throttled"):
        attempt(users, "bob", "bob-password-1", ip="10.6.6.6", at=T0 + dt.timedelta(minutes=1))
    assert attempt(users, "bob", "bob-password-1", ip="10.7.7.7", at=T0 + dt.timedelta(minutes=1))


def test_a_success_clears_the_account_count(users):
    for i in range(POLICY.max_failures_account - 1):
        with pytest.raises(LoginRefused):
            attempt(users, "alice", "wrong", at=T0 + dt.timedelta(seconds=i))
    attempt(users, "alice", "alice-password-1", at=T0 + dt.timedelta(seconds=10))
    for i in range(POLICY.max_failures_account - 1):
        with pytest.raises(LoginRefused, match="invalid"):
            attempt(users, "alice", "wrong", at=T0 + dt.timedelta(seconds=20 + i))
    with users.db.read() as session:
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 2 * POLICY.max_failures_account - 1


@pytest.mark.parametrize(("new", "key"), [
    (NewUser("ab", "long-enough-1", Role.ADMIN), "invalid_username"),
    (NewUser("x y z", "long-enough-1", Role.ADMIN), "invalid_username"),
    (NewUser("carol", "short", Role.ADMIN), "password_too_short"),
    (NewUser("carol", "aaaaaaaaaaaa", Role.ADMIN), "password_too_simple"),
    (NewUser("carol", "long-enough-1", Role.OFFICER), "binding_required"),
    (NewUser("carol", "long-enough-1", Role.OFFICER, department="nowhere"), "unknown_department"),
    (NewUser("carol", "long-enough-1", Role.ENTERPRISE, uscc="914403001922038217"), "invalid_uscc"),
    (NewUser("carol", "long-enough-1", Role.EXPERT), "binding_required"),
    (NewUser("carol", "long-enough-1", Role.ANALYST, uscc="914403001922038216"), "binding_not_allowed"),
    (NewUser("alice", "long-enough-1", Role.ANALYST), "username_taken"),
])
def test_accounts_are_checked_before_they_are_created(users, new, key):
    with pytest.raises(AccountError) as refused, users.db.write() as session:
        create_user(session, new=new, hasher=users.hasher, actor=ADMIN)
    assert refused.value.key == key
    assert refused.value.message("zh") != refused.value.message("en")
    with users.db.read() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 2
