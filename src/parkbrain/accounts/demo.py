"""Demo accounts: one per role, passwords derived from the demo seed (printed once by `parkbrain demo`)."""

from __future__ import annotations

from sqlalchemy import select

from parkbrain.accounts.models import User
from parkbrain.accounts.passwords import deterministic_password
from parkbrain.accounts.roles import Role
from parkbrain.accounts.service import NewUser, create_user
from parkbrain.audit import Actor
from parkbrain.desk.routing import load_routing

DEMO_ACTOR = Actor("demo", "system", "local")


def _first(warehouse, table: str, key: str, name: str) -> tuple[str, str] | None:
    """The (key, name) of the table's first row by key, or None when it is empty."""
    rows = warehouse.to_pylist(warehouse.table(table).select(key, name).order_by(key).limit(1))
    return (rows[0][key], rows[0][name]) if rows else None


def demo_users(park) -> list[NewUser]:
    """The demo's accounts: the enterprise and expert ones bound to the warehouse's first enterprise and expert."""
    seed = park.settings.demo_seed
    pw = lambda role: deterministic_password(role.value, seed)  # noqa: E731
    users = [NewUser("admin", pw(Role.ADMIN), Role.ADMIN, "系统管理员"),
             NewUser("officer", pw(Role.OFFICER), Role.OFFICER, "企业服务中心 专员",
                     department=load_routing().default_department),
             NewUser("leader", pw(Role.LEADER), Role.LEADER, "管委会领导"),
             NewUser("analyst", pw(Role.ANALYST), Role.ANALYST, "数据分析员")]
    firm = _first(park.warehouse, "enterprises", "uscc", "name")
    if firm:
        users.append(NewUser("enterprise", pw(Role.ENTERPRISE), Role.ENTERPRISE, firm[1], uscc=firm[0]))
    expert = _first(park.warehouse, "experts", "expert_id", "name")
    if expert:
        users.append(NewUser("expert", pw(Role.EXPERT), Role.EXPERT, expert[1], expert_id=expert[0]))
    return users


def create_demo_accounts(park) -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet; (role, username, password) of each demo account."""
    users = demo_users(park)
    with park.db.write() as session:
        taken = set(session.scalars(select(User.username).where(User.username.in_([u.username for u in users]))))
        for user in users:
            if user.username not in taken:
                create_user(session, new=user, hasher=park.hasher, actor=DEMO_ACTOR)
    return [(u.role.value, u.username, u.password) for u in users]
