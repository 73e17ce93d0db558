"""`parkbrain desk ...`: SLA reminders, the overdue list and statistics, over parkbrain.desk."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.table import Table

from parkbrain.cli.common import console, err, open_park
from parkbrain.desk import service, sla, stats
from parkbrain.desk.routing import load_routing
from parkbrain.i18n import translate
from parkbrain.opdb.base import utcnow

app = typer.Typer(help="The enterprise service desk: reminders, overdue requests, statistics.", no_args_is_help=True)


def _moment(value: str | None) -> dt.datetime:
    """--at as an aware time (UTC when no zone is given), else now."""
    if not value:
        return utcnow()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        err.print(f"--at {value!r} is not an ISO date or time, e.g. 2024-03-01T09:00+08:00", style="red")
        raise typer.Exit(2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@app.command()
def remind(at: Annotated[str | None, typer.Option(help="Pretend it is this time (ISO 8601; default now).")] = None,
           dry_run: Annotated[bool, typer.Option(help="List the reminders due without recording them.")] = False) -> None:
    """Send (record) the SLA reminders due now; each request is reminded once per step."""
    now = _moment(at)
    with open_park() as park:
        lang, policy = park.lang, service.DeskPolicy.from_settings(park.settings)
        with park.db.read() if dry_run else park.db.write() as session:
            due = (sla.due_reminders if dry_run else sla.send_reminders)(session, now=now, policy=policy)
    rules = load_routing()
    for reminder in due:
        console.print(translate("desk.cli.reminder_line", lang, request_id=reminder.request_id,
                                step_days=reminder.step_days,
                                department=rules.department_label(reminder.department, lang)), markup=False)
    console.print(translate("desk.cli.reminders", lang, count=len(due)))


@app.command()
def overdue(at: Annotated[str | None, typer.Option(help="Pretend it is this time (ISO 8601).")] = None) -> None:
    """List the open requests past their due day, oldest first."""
    now, rules = _moment(at), load_routing()
    with open_park() as park, park.db.read() as session:
        lang, policy = park.lang, service.DeskPolicy.from_settings(park.settings)
        rows = service.overdue_requests(session, now=now, policy=policy)
        lines = [translate("desk.cli.overdue_line", lang, id=r.id, enterprise=r.enterprise_name,
                           department=rules.department_label(r.department, lang),
                           days=(now - r.filed_at).days) for r in rows]
    for line in lines:
        console.print(line, markup=False)


@app.command("stats")
def stats_(since: Annotated[str | None, typer.Option(help="From this filing date (YYYY-MM-DD).")] = None,
           until: Annotated[str | None, typer.Option(help="To this filing date, inclusive.")] = None,
           as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the API's shape).")] = False) -> None:
    """The desk's statistics: resolved rate and median days to resolve, by department and category."""
    try:
        first = dt.date.fromisoformat(since) if since else None
        last = dt.date.fromisoformat(until) if until else None
    except ValueError:
        err.print("--since and --until take dates as YYYY-MM-DD", style="red")
        raise typer.Exit(2) from None
    with open_park() as park, park.db.read() as session:
        policy = service.DeskPolicy.from_settings(park.settings)
        figures = stats.desk_statistics(session, rules=load_routing(), policy=policy, lang=park.lang,
                                        since=first, until=last)
    if as_json:
        console.print_json(json.dumps(figures.model_dump(mode="json"), ensure_ascii=False))
        return
    table = Table(title=f"desk: {figures.total} requests, resolved {figures.resolved}")
    for column in ("department / category", "requests", "resolved", "rate %", "median days"):
        table.add_column(column)
    for group in [*figures.by_department, *figures.by_category]:
        table.add_row(group.label, str(group.total), str(group.resolved),
                      f"{group.resolved_rate:.1f}" if group.resolved_rate is not None else "—",
                      f"{group.median_days_to_resolve:.1f}" if group.median_days_to_resolve is not None else "—")
    console.print(table)
