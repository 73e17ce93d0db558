"""`parkbrain admin …`, `parkbrain audit verify`, `parkbrain desk …` and the demo accounts."""

from __future__ import annotations

import datetime as dt

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from parkbrain.accounts.demo import create_demo_accounts
from parkbrain.accounts.sessions import SessionPolicy, login
from parkbrain.app import ParkBrain
from parkbrain.cli import admin, desk
from parkbrain.cli.main import main as main_options
from parkbrain.settings import Settings

root = typer.Typer()
root.callback()(main_options)
root.add_typer(admin.app, name="admin")
root.add_typer(admin.audit_app, name="audit")
root.add_typer(desk.app, name="desk")


@pytest.fixture
def run(tmp_path, opdb_url, fast_hash, monkeypatch):
    monkeypatch.setenv("PARKBRAIN_DATABASE_URL", opdb_url)
    for name, value in fast_hash.items():
        monkeypatch.setenv(f"PARKBRAIN_{name.upper()}", str(value))
    home = tmp_path / "home"

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(root, ["--home", str(home), "--lang", "zh", *args], input=input)

    invoke.park = lambda: ParkBrain(Settings(home=home, database_url=opdb_url, **fast_hash))
    return invoke


def can_log_in(park, name: str, password: str) -> bool:
    try:
        login(park.db, username=name, password=password, ip="-", user_agent="", policy=SessionPolicy(),
              hasher=park.hasher)
        return True
    except Exception:  # noqa: BLE001
        return False


def test_the_first_admin_and_the_account_commands(run):
    made = run("admin", "create", "root", "--password-stdin", input="first-admin-pass\n")
    assert made.exit_code == 0, made.output
    assert "已创建账号 root（admin）" in made.output
    assert run("admin", "create", "ops1", "--role", "officer", "--department", "finance",
               input="officer-pass-123\nofficer-pass-123\n").exit_code == 0  # typed twice at the prompt
    listed = run("admin", "users").output
    assert "root" in listed and "ops1" in listed and "finance" in listed
    assert "已停用账号 ops1" in run("admin", "disable", "ops1").output
    with run.park() as park:
        assert not can_log_in(park, "ops1", "officer-pass-123")
    assert run("admin", "enable", "ops1").exit_code == 0
    assert run("admin", "reset-password", "ops1", "--password-stdin", input="brand-new-pass-9\n").exit_code == 0
    with run.park() as park:
        assert can_log_in(park, "ops1", "brand-new-pass-9") and not can_log_in(park, "ops1", "officer-pass-123")
        assert can_log_in(park, "root", "first-admin-pass")


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("admin", "create", "weak", "--password-stdin"), "short\n", "密码太短"),
    (("admin", "create", "ops", "--role", "officer", "--password-stdin"), "long-enough-123\n", "必须填写department"),
    (("admin", "create", "x", "--password-stdin"), "long-enough-123\n", "用户名“x”无效"),
    (("admin", "create", "root2", "--password-stdin"), "\n", "没有密码"),
    (("admin", "disable", "ghost"), None, "没有用户名为“ghost”的账号"),
])
def test_refusals_name_the_problem_and_exit_non_zero(run, args, stdin, message):
    result = run(*args, input=stdin)
    assert result.exit_code != 0 and message in result.output, result.output


def test_audit_verify_finds_tampering(run):
    run("admin", "create", "root", "--password-stdin", input="first-admin-pass\n")
    run("admin", "disable", "root")
    ok = run("audit", "verify")
    assert ok.exit_code == 0 and "审计日志完整：共 2 条" in ok.output
    with run.park() as park, park.db.engine.begin() as conn:
        if park.db.backend == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1"))
    broken = run("audit", "verify")
    assert broken.exit_code == 1 and "entry 1 was modified" in broken.output


def test_desk_remind_overdue_and_stats(run, make_accounts, principal_of):
    from parkbrain.desk import service
    from parkbrain.desk.routing import load_routing
    from parkbrain.desk.schemas import RequestCreate

    filed = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    with run.park() as park:
        make_accounts(park)
        with park.db.write() as session:
            service.file_request(session, viewer=principal_of(park, "firm_a"), enterprise_name="杭州甲公司",
                                 data=RequestCreate(category="approval", title="施工许可", description="施工许可办理慢"),
                                 policy=service.DeskPolicy(), rules=load_routing(), ip="-", now=filed)
    first = run("desk", "remind", "--at", "2024-03-15T12:00:00+08:00")
    assert first.exit_code == 0 and "已满7天" in first.output and "已满14天" in first.output and "已发送提醒 2 条" in first.output
    assert "已发送提醒 0 条" in run("desk", "remind", "--at", "2024-03-16").output
    assert "已满21天" in run("desk", "remind", "--at", "2024-03-22", "--dry-run").output
    assert "已发送提醒 1 条" in run("desk", "remind", "--at", "2024-03-22").output
    assert "杭州甲公司" in run("desk", "overdue", "--at", "2024-04-05").output
    assert run("desk", "overdue", "--at", "2024-03-05").output.strip() == ""
    stats = run("desk", "stats", "--json")
    assert stats.exit_code == 0 and '"total": 1' in stats.output and '"open": 1' in stats.output
    assert run("desk", "remind", "--at", "yesterday").exit_code == 2


def test_demo_accounts_one_per_role_deterministic_and_bound(small_park):
    park = small_park.park
    accounts = create_demo_accounts(park)
    assert [role for role, _, _ in accounts] == ["admin", "officer", "leader", "analyst", "enterprise", "expert"]
    assert create_demo_accounts(park) == accounts  # a second demo run: same accounts, same passwords
    for _, username, password in accounts:
        assert can_log_in(park, username, password)
    firms = {r["uscc"] for r in small_park.tables["enterprises"].to_pylist()}
    experts = {r["expert_id"] for r in small_park.tables["experts"].to_pylist()}
    from parkbrain.accounts.service import find_user

    with park.db.read() as session:
        assert find_user(session, "enterprise").uscc in firms
        assert find_user(session, "expert").expert_id in experts
        assert find_user(session, "officer").department == "enterprise_service"
