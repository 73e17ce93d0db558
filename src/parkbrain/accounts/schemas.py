"""The accounts' model family: the login form, an account as shown, the session handed to a client."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from parkbrain.accounts.roles import Permission, Role


class LoginRequest(BaseModel):
    """Name and password."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"username": "enterprise", "password": "••••••••••"}]})

    username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class CsrfToken(BaseModel):
    """The token to send in the X-CSRF-Token header with the next state-changing request."""

    csrf_token: str


class EnterpriseRef(BaseModel):
    """The enterprise an account is bound to."""

    uscc: str
    name: str | None


class ExpertProfile(BaseModel):
    """An expert's own profile, from the expert template."""

    expert_id: str
    name: str | None = None
    institution: str | None = None
    title: str | None = None
    fields: str | None = None
    keywords: str | None = None
    profile: str | None = None
    city: str | None = None


class UserPublic(BaseModel):
    """An account as its holder (and an admin) sees it."""

    username: str
    display_name: str
    role: Role
    department: str | None
    uscc: str | None
    expert_id: str | None
    is_active: bool = True
    created_at: dt.datetime | None = None


class Me(BaseModel):
    """The logged-in user: account, permissions, binding, and the CSRF token for the API."""

    user: UserPublic
    permissions: list[Permission]
    csrf_token: str = Field(description="Send it as X-CSRF-Token with every POST")
    enterprise: EnterpriseRef | None = None
    expert: ExpertProfile | None = None
