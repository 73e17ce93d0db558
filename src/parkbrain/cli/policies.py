"""`parkbrain policies`: list and check policy files, evaluate them over the data in --home."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.table import Table

from parkbrain.cli.common import console, err, open_park, progress_bar
from parkbrain.policies import (
    Catalogue,
    iter_policy_results,
    load_catalogue,
    policy_summary,
    resolve_period,
)

policies_app = typer.Typer(help="政策计算器: policies as code, evaluated for every enterprise and talent.",
                           no_args_is_help=True)
PoliciesOption = Annotated[list[Path] | None, typer.Option(
    "--policies", help="More policy files or folders (besides the shipped catalogue).")]
NoBuiltinOption = Annotated[bool, typer.Option("--no-builtin", help="Leave out the shipped catalogue.")]


def _catalogue(paths: list[Path] | None, no_builtin: bool) -> Catalogue:
    cat = load_catalogue(paths or [], builtin=not no_builtin)
    for error in cat.errors:
        err.print(str(error), style="yellow", markup=False, highlight=False)
    return cat


@policies_app.command("list")
def list_(policies: PoliciesOption = None, no_builtin: NoBuiltinOption = False,
          on: Annotated[str | None, typer.Option(help="Show the version in force on this date (YYYY-MM-DD).")] = None) -> None:
    """List the policies: id, name, subject, mode, benefit, version in force and source."""
    cat = _catalogue(policies, no_builtin)
    day = dt.date.fromisoformat(on) if on else dt.date.today()
    table = Table(title=f"policies in force on {day}")
    table.add_column("id", no_wrap=True)
    for column in ("name", "subject", "mode", "benefit", "version", "source"):
        table.add_column(column, overflow="fold")
    for policy in cat:
        version = policy.version_at(day)
        table.add_row(policy.id, policy.name + (" (示例)" if policy.example else ""), policy.subject, policy.mode,
                      version.benefit.kind if version else "", version.key if version else "not in force",
                      f"{version.source.document} {version.source.article or ''}" if version else "")
    console.print(table)


@policies_app.command()
def check(files: Annotated[list[Path], typer.Argument(help="Policy files (YAML) or folders to check.")]) -> None:
    """Check policy files (with the shipped catalogue, so requires() may name it): every error as file:line."""
    given = {str(p) for p in _expand(files)}
    cat = load_catalogue(files)
    errors = [e for e in cat.errors if e.file in given]
    for error in errors:
        err.print(str(error), style="red", markup=False, highlight=False)
    for policy in cat:
        if policy.file in given:
            console.print(f"{policy.file}: {policy.id} ok ({len(policy.versions)} version(s))", highlight=False)
    if errors:
        raise typer.Exit(1)


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        out += sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
    return out


def _conditions(conditions: list[dict]) -> list[dict]:
    out = []
    for c in conditions:
        item = {"id": c["id"], "passed": c["passed"], "value": c["value"], "threshold": c["threshold"]}
        if c["gap"] is not None:
            item["gap"] = c["gap"]
        if c["missing"]:
            item["missing"] = c["missing"]
        out.append(item)
    return out


def _write_jsonl(table: pa.Table) -> None:
    for batch in table.to_batches(max_chunksize=20_000):
        lines = [json.dumps({"subject_id": r["subject_id"], "policy": r["policy"], "status": r["status"],
                             "amount": r["amount"], "conditions": _conditions(r["conditions"])},
                            ensure_ascii=False) for r in batch.to_pylist()]
        sys.stdout.write("\n".join(lines) + "\n")


@policies_app.command()
def evaluate(
    policy: Annotated[list[str] | None, typer.Option("--policy", help="Policy id(s) to report (default: all).")] = None,
    year: Annotated[int | None, typer.Option(help="Data year (default: the latest in the panel).")] = None,
    subject: Annotated[list[str] | None, typer.Option("--subject", help="Only these 统一社会信用代码 / talent ids.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl (one line per subject and policy) or table.")] = "jsonl",
    limit: Annotated[int, typer.Option(help="Rows shown with --format table.")] = 30,
    policies: PoliciesOption = None, no_builtin: NoBuiltinOption = False,
) -> None:
    """Evaluate the policies for every subject in --home: status, amount and each condition."""
    if fmt not in ("jsonl", "table"):
        err.print(f"--format must be jsonl or table, not {fmt!r}", style="red")
        raise typer.Exit(2)
    cat = _catalogue(policies, no_builtin)
    park = open_park(read_only=True)
    period = resolve_period(park.warehouse, year, None)
    try:
        results = iter_policy_results(park.warehouse, cat, year=period.year, select=policy, subject_ids=subject)
        if fmt == "jsonl":
            for table in results:
                _write_jsonl(table)
        else:
            _show(results, limit, policy or [p.id for p in cat])
    except KeyError as exc:
        err.print(str(exc.args[0]), style="red", markup=False)
        raise typer.Exit(2) from None
    finally:
        park.close()


def _show(results, limit: int, wanted: list[str]) -> None:
    shown, parts = [], []
    with progress_bar() as progress:
        task = progress.add_task("policies", total=len(wanted))
        for table in results:
            progress.update(task, advance=1, description=f"policies: {table['policy'][0]}")
            parts.append(policy_summary(table))
            if len(shown) < limit:
                shown += table.slice(0, limit - len(shown)).to_pylist()
    summary = Table(title="summary")
    for column in ("policy", "subjects", "eligible", "ineligible", "unknown", "total amount (万元)"):
        summary.add_column(column, justify="left" if column == "policy" else "right", no_wrap=column == "policy")
    for part in parts:
        for r in part.to_pylist():
            summary.add_row(r["policy"], f"{r['subjects']:,}", f"{r['eligible']:,}", f"{r['ineligible']:,}",
                            f"{r['unknown']:,}", f"{r['total_amount']:,.1f}")
    rows = Table(title=f"first {len(shown)} results")
    for column in ("subject_id", "policy", "status", "amount", "conditions"):
        rows.add_column(column, no_wrap=column in ("subject_id", "policy"), overflow="fold")
    for r in shown:
        marks = " ".join(f"{c['id']}{'✓' if c['passed'] else '✗' if c['passed'] is False else '?'}"
                         for c in r["conditions"])
        rows.add_row(r["subject_id"], r["policy"], r["status"], "" if r["amount"] is None else f"{r['amount']:,.2f}", marks)
    console.print(summary)
    console.print(rows)


def _park_catalogue(home: Path, paths: list[Path] | None, no_builtin: bool) -> Catalogue:
    """What the web app evaluates (the shipped catalogue and <home>/policies), plus --policies."""
    folder = home / "policies"
    return _catalogue([*([folder] if folder.is_dir() else []), *(paths or [])], no_builtin)


def _terminal_actor():
    from parkbrain.audit import Actor
    from parkbrain.cli.chains import _terminal_user

    return Actor(_terminal_user(), "officer", "cli")


@policies_app.command()
def push(
    policy: Annotated[str, typer.Option("--policy", help="The policy to push to the enterprises it fits.")],
    policies: PoliciesOption = None, no_builtin: NoBuiltinOption = False,
) -> None:
    """Notify every enterprise the policy fits (a talent policy: the talent's employer), once per policy
    version: pushing again notifies only those not told before. Audited."""
    from parkbrain.notify import push_policy
    from parkbrain.policies import evaluate_policies
    from parkbrain.policies.results import subject_directory

    park = open_park(read_only=True)
    try:
        cat = _park_catalogue(park.settings.home, policies, no_builtin)
        period = resolve_period(park.warehouse, None, None)
        try:
            chosen = cat[policy]
            if chosen.version_at(period.as_of) is None:
                raise KeyError(f"policy {policy!r} has no version in force on {period.as_of}")
        except KeyError as exc:
            err.print(str(exc.args[0]), style="red", markup=False)
            raise typer.Exit(2) from None
        results = evaluate_policies(park.warehouse, cat, year=period.year, as_of=period.as_of, select=[policy])
        done = push_policy(park.db, results, chosen, actor=_terminal_actor(),
                           subjects=subject_directory(park.warehouse))
    finally:
        park.close()
    console.print(f"{done.policy} (version {done.version or '—'}): {done.eligible} eligible, "
                  f"{done.notified_new} newly notified, {done.already_notified} notified before, "
                  f"{done.without_recipient} without an enterprise to notify", highlight=False)


@policies_app.command()
def export(
    out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
    policy: Annotated[list[str] | None, typer.Option("--policy", help="Policy id(s) to export (default: all in force).")] = None,
    policies: PoliciesOption = None, no_builtin: NoBuiltinOption = False,
) -> None:
    """Write an Excel workbook: a summary sheet (汇总) and, per policy, its eligible and unknown
    enterprises or talents with amounts (万元) and what each lacks. Audited."""
    from parkbrain.audit import record
    from parkbrain.policies.export import export_workbook
    from parkbrain.policies.results import Evaluated

    if out.suffix.lower() != ".xlsx":
        err.print(f"--out must name an .xlsx file, not {out}", style="red", markup=False)
        raise typer.Exit(2)
    park = open_park(read_only=True)
    try:
        ev = Evaluated(park.warehouse, _park_catalogue(park.settings.home, policies, no_builtin))
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            counts = export_workbook(ev, out, policy)
        except KeyError as exc:
            err.print(str(exc.args[0]), style="red", markup=False)
            raise typer.Exit(2) from None
        with park.db.write() as session:
            record(session, actor=_terminal_actor(), action="policies.export", target="policies",
                   detail={"policies": sorted(counts), "rows": sum(counts.values()), "file": out.name})
    finally:
        park.close()
    console.print(f"{out}: {len(counts)} policies, {sum(counts.values())} rows", highlight=False)
