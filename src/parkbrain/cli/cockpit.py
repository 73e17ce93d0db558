"""`parkbrain report` (成绩单) and `parkbrain cockpit …` (驾驶舱 in the terminal): thin shells over parkbrain.cockpit.

The lead registers them: `app.command("report")(report)`, `app.add_typer(cockpit_app, name="cockpit")`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from parkbrain.cli.common import console, err, open_park
from parkbrain.cockpit.board import build_board, default_period, default_subject
from parkbrain.cockpit.periods import PeriodError, parse_period
from parkbrain.cockpit.state import cockpit_state

cockpit_app = typer.Typer(help="驾驶舱: indicators, targets and warnings, ratings, in the terminal.", no_args_is_help=True)

District = Annotated[str | None, typer.Option(help="District (default: the one with the most enterprises).")]
PeriodOpt = Annotated[str | None, typer.Option(help="2023H1, 2023, 2023Q1, 2023-05, 2023-01..2023-08 (default: latest).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def _period(text: str | None):
    try:
        return parse_period(text) if text else None
    except PeriodError as exc:
        err.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from None


def _print_json(data: object) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


def report(
    period: Annotated[str | None, typer.Option(help="The period: 2023H1, 2023, 2023Q3, 2023-01..2023-08.")] = None,
    district: District = None,
    out: Annotated[Path, typer.Option(help="Directory to write the report into.")] = Path("reports"),
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also print a PDF with chromium.")] = True,
) -> None:
    """Write the briefing (成绩单) of a period in Chinese: HTML and PDF with charts, JSON, and its facts."""
    from parkbrain.cockpit.report import write_report

    park = open_park(read_only=True)
    state = cockpit_state(park.warehouse)
    subject = district or default_subject(state)
    chosen = _period(period) or (default_period(state, subject) if subject else None)
    if subject is None or chosen is None:
        err.print("no figures to report on: import statistics or build the demo (parkbrain demo)", style="red")
        raise typer.Exit(1)
    try:
        files = write_report(state, subject=subject, period=chosen, out=out, demo=park.is_demo, pdf=pdf)
    except Exception as exc:  # the printer is the usual culprit: say so and where
        err.print(f"could not write the report into {out}: {exc}", style="red", markup=False)
        raise typer.Exit(1) from None
    finally:
        park.close()
    for path in (files.html, files.pdf, files.json, files.facts):
        if path is not None:
            console.print(str(path))


@cockpit_app.command("show")
def show(district: District = None, period: PeriodOpt = None, as_json: JsonOption = False) -> None:
    """The cockpit's tiles and target warnings."""
    park = open_park(read_only=True)
    board = build_board(cockpit_state(park.warehouse), subject=district, period=_period(period), lang=park.lang,
                        chains=False)
    park.close()
    if as_json:
        _print_json(board)
        return
    if board["empty"]:
        err.print("no figures yet: import statistics or build the demo", style="yellow")
        return
    tiles = Table(title=f"{board['subject']} {board['period_label']}")
    for column in ("indicator", "period", "value", "change"):
        tiles.add_column(column)
    for x in board["tiles"]:
        tiles.add_row(x["label"], x["period_label"] or "—", x["value_text"], x["change_text"])
    console.print(tiles)
    targets = Table(title="targets")
    for column in ("level", "indicator", "target", "cause"):
        targets.add_column(column)
    for r in board["targets"]:
        targets.add_row(r["level"], r["label"], r["target_text"], r["cause"])
    console.print(targets)


@cockpit_app.command("indicators")
def indicators(as_json: JsonOption = False) -> None:
    """The indicator catalogue: ids, names, units and how each is computed."""
    from parkbrain.cockpit.catalogue import load_catalogue

    rows = [i.model_dump(exclude_none=True) for i in load_catalogue().indicators.values()]
    if as_json:
        _print_json(rows)
        return
    table = Table(title="indicators")
    for column in ("id", "zh", "unit", "kind", "formula / source"):
        table.add_column(column)
    for r in rows:
        how = json.dumps(r.get("formula") or r.get("source"), ensure_ascii=False)
        table.add_row(r["id"], r["zh"], r["unit"], r["kind"], how)
    console.print(table)


@cockpit_app.command("warnings")
def warnings(district: District = None, year: Annotated[int | None, typer.Option(help="Panel year.")] = None,
             rule: Annotated[str | None, typer.Option(help="One rule, e.g. high_tech_at_risk.")] = None,
             limit: Annotated[int, typer.Option(min=1, max=10_000)] = 20, as_json: JsonOption = False) -> None:
    """Enterprise early warnings, worst first, with their evidence."""
    from parkbrain.cockpit import enterprise_alerts as ea

    park = open_park(read_only=True)
    state = cockpit_state(park.warehouse)
    year = year or (state.years[-1] if state.years else None)
    if year is None:
        err.print("the register is empty", style="yellow")
        raise typer.Exit(1)
    rules = [rule] if rule else ea.rule_ids(state.rules)
    try:
        found = {r: ea.cases(state.flagged(year), state.rules, r, district=district, limit=limit) for r in rules}
    except ValueError as exc:
        err.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from None
    finally:
        park.close()
    if as_json:
        _print_json({r: {"total": t, "items": ea.with_texts(items, r, "zh")} for r, (t, items) in found.items()})
        return
    for r, (total, items) in found.items():
        table = Table(title=f"{r}: {total}")
        for column in ("level", "uscc", "name", "evidence"):
            table.add_column(column)
        for item in ea.with_texts(items, r, park.lang):
            table.add_row(item["level"], item["uscc"], item["name"], item["evidence_text"])
        console.print(table)


@cockpit_app.command("ratings")
def ratings(district: District = None, period: PeriodOpt = None, as_json: JsonOption = False) -> None:
    """The ratings (晾晒): index, rank and stars per district and park, with the weights' sensitivity."""
    park = open_park(read_only=True)
    board = build_board(cockpit_state(park.warehouse), subject=district, period=_period(period), lang=park.lang,
                        chains=False)
    park.close()
    if as_json:
        _print_json(board.get("ratings", []))
        return
    for r in board.get("ratings", []):
        table = Table(title=f"{r['label']} {r['year']}")
        for column in ("rank", "subject", "index", "stars"):
            table.add_column(column)
        for row in r["rows"]:
            table.add_row(str(row["rank"]), row["subject"], f"{row['index']:.1f}", row["stars_label"])
        console.print(table)
