"""`parkbrain admin ...` (accounts) and `parkbrain audit verify`: thin shells over parkbrain.accounts and .audit."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated

import typer
from rich.table import Table

from parkbrain.accounts.roles import Role
from parkbrain.accounts.service import (
    AccountError,
    NewUser,
    create_user,
    list_users,
    reset_password,
    set_active,
)
from parkbrain.audit import Actor, verify
from parkbrain.cli.common import console, err, open_park
from parkbrain.i18n import translate

app = typer.Typer(help="Accounts: create (the first admin too), list, disable, enable, reset a password.",
                  no_args_is_help=True)
audit_app = typer.Typer(help="The audit log (append-only, hash-chained).", no_args_is_help=True)
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")]


def _actor() -> Actor:
    """The person at the terminal, as the audit log names them."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Actor(f"cli:{name}"[:64], "admin", "cli")


def _password(lang: str, from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            err.print(translate("accounts.cli.no_password", lang), style="red")
            raise typer.Exit(2)
        return line
    return typer.prompt(translate("accounts.cli.password_prompt", lang), hide_input=True, confirmation_prompt=True)


def _refuse(exc: AccountError, lang: str) -> None:
    err.print(exc.message(lang), style="red", markup=False)
    raise typer.Exit(1)


@app.command()
def create(
    username: Annotated[str, typer.Argument(help="Account name (3-64 letters, digits, _ . @ -).")],
    role: Annotated[Role, typer.Option(help="Role of the account.")] = Role.ADMIN,
    display_name: Annotated[str | None, typer.Option(help="Name shown on pages.")] = None,
    department: Annotated[str | None, typer.Option(help="Officers: department id (see data/desk_routing.yaml).")] = None,
    uscc: Annotated[str | None, typer.Option(help="Enterprise users: the enterprise's 统一社会信用代码.")] = None,
    expert_id: Annotated[str | None, typer.Option(help="Experts: the expert's id in the expert template.")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an account (by default an admin: how the first one is made); prompts for the password."""
    with open_park() as park:
        lang = park.lang
        new = NewUser(username, _password(lang, password_stdin), role, display_name or "", department, uscc,
                      expert_id)
        try:
            with park.db.write() as session:
                create_user(session, new=new, hasher=park.hasher, actor=_actor())
        except AccountError as exc:
            _refuse(exc, lang)
    console.print(translate("accounts.cli.created", lang, username=username, role=role.value))


@app.command()
def users() -> None:
    """List the accounts."""
    with open_park() as park, park.db.read() as session:
        table = Table(title="accounts")
        for column in ("username", "role", "binding", "active", "created (UTC)"):
            table.add_column(column)
        for user in list_users(session):
            binding = user.department or user.uscc or user.expert_id or ""
            table.add_row(user.username, user.role, binding, "yes" if user.is_active else "no",
                          user.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


def _set_active(username: str, active: bool) -> None:
    with open_park() as park:
        lang = park.lang
        try:
            with park.db.write() as session:
                ended = set_active(session, username=username, active=active, actor=_actor())
        except AccountError as exc:
            _refuse(exc, lang)
    key = "enabled" if active else "disabled"
    console.print(translate(f"accounts.cli.{key}", lang, username=username, sessions=ended))


@app.command()
def disable(username: Annotated[str, typer.Argument(help="Account name.")]) -> None:
    """Disable an account; its sessions end at once."""
    _set_active(username, False)


@app.command()
def enable(username: Annotated[str, typer.Argument(help="Account name.")]) -> None:
    """Enable a disabled account."""
    _set_active(username, True)


@app.command("reset-password")
def reset_password_(username: Annotated[str, typer.Argument(help="Account name.")],
                    password_stdin: PasswordStdin = False) -> None:
    """Set a new password for an account (its sessions end); prompts for it."""
    with open_park() as park:
        lang = park.lang
        password = _password(lang, password_stdin)
        try:
            with park.db.write() as session:
                ended = reset_password(session, username=username, password=password, hasher=park.hasher,
                                       actor=_actor())
        except AccountError as exc:
            _refuse(exc, lang)
    console.print(translate("accounts.cli.reset", lang, username=username, sessions=ended))


@audit_app.command("verify")
def verify_() -> None:
    """Recompute the audit log's hash chain; exit 1 naming each modified, deleted or inserted entry."""
    with open_park() as park, park.db.read() as session:
        lang, report = park.lang, verify(session)
    if report.ok:
        console.print(translate("accounts.cli.audit_ok", lang, entries=report.entries, head=report.head_hash))
        return
    err.print(translate("accounts.cli.audit_broken", lang, count=len(report.found)), style="red")
    for problem in report.messages(lang):
        err.print(f"  {problem}", markup=False)
    raise typer.Exit(1)
