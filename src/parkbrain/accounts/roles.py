"""Roles and permissions: who may do what (plain data; the web checks it on every route).

>>> Permission.DESK_HANDLE in ROLE_PERMISSIONS[Role.OFFICER]
True
>>> Permission.PARK_READ in ROLE_PERMISSIONS[Role.ENTERPRISE]
False
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """An account's role: what kind of user it is."""

    ADMIN = "admin"            # manages accounts; reads everything, handles nothing
    OFFICER = "officer"        # 管委会 staff of one department: handles the desk
    LEADER = "leader"          # 领导: read-only across the park
    ANALYST = "analyst"        # 分析人员: read-only across the park
    ENTERPRISE = "enterprise"  # 企业用户, bound to one 统一社会信用代码
    EXPERT = "expert"          # 专家, bound to one expert_id


class Permission(StrEnum):
    """What a route needs. Every route names exactly one set of these (default deny)."""

    PUBLIC = "public"                  # no login: /login, /healthz, /static, /openapi.json
    AUTHENTICATED = "authenticated"    # any account: /, /me, /logout
    PARK_READ = "park.read"            # park-wide figures and analyses
    PARK_EDIT = "park.edit"            # change the park's analytical data (e.g. chain overrides)
    ENTERPRISES_READ = "enterprises.read"  # the register and enterprise files (own only for enterprises)
    DESK_READ = "desk.read"            # service requests (own only for enterprises)
    DESK_FILE = "desk.file"            # file, supplement, confirm and rate one's own requests
    DESK_HANDLE = "desk.handle"        # accept, reply, reassign, escalate, classify, resolve
    DESK_STATS = "desk.stats"          # desk statistics and the overdue list
    EXPERT_SELF = "expert.self"        # one's own expert profile and matches
    ACCOUNTS_MANAGE = "accounts.manage"
    AUDIT_READ = "audit.read"


_PARK_STAFF = {Permission.AUTHENTICATED, Permission.PARK_READ, Permission.ENTERPRISES_READ,
               Permission.DESK_READ, Permission.DESK_STATS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(_PARK_STAFF | {Permission.ACCOUNTS_MANAGE, Permission.AUDIT_READ}),
    Role.OFFICER: frozenset(_PARK_STAFF | {Permission.DESK_HANDLE, Permission.PARK_EDIT}),
    Role.LEADER: frozenset(_PARK_STAFF),
    Role.ANALYST: frozenset(_PARK_STAFF),
    Role.ENTERPRISE: frozenset({Permission.AUTHENTICATED, Permission.ENTERPRISES_READ,
                                Permission.DESK_READ, Permission.DESK_FILE}),
    Role.EXPERT: frozenset({Permission.AUTHENTICATED, Permission.EXPERT_SELF}),
}

# Roles whose reads are bounded to one tenant (their own enterprise, their own expert profile).
TENANT_ROLES = frozenset({Role.ENTERPRISE, Role.EXPERT})


def permissions_of(role: Role | str) -> frozenset[Permission]:
    """The permissions of a role (none for an unknown one)."""
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()
