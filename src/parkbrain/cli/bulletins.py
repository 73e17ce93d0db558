"""The bulletin commands: `parkbrain extract FILE...` and `parkbrain bulletins ingest DIR|FILE...`.

Thin shells over parkbrain.bulletins: read the files, call the reader, render or store the facts.
A file that cannot be read gets a message naming it; the others are still read; the exit code
is 1 when any file failed. Registered in parkbrain.cli.main as::

    app.command("extract")(extract)
    app.add_typer(bulletins_app, name="bulletins")
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from parkbrain.bulletins.boilerplate import LineVerdict
from parkbrain.bulletins.decode import BulletinFileError, read_bulletin
from parkbrain.bulletins.extract import explain_lines, facts_of, read_document
from parkbrain.bulletins.facts import FIELDS, Fact
from parkbrain.cli.common import console, err, open_park, progress_bar

bulletins_app = typer.Typer(help="Bulletins and news about parks: read their figures into the warehouse.",
                            no_args_is_help=True)
FORMATS = ("jsonl", "csv", "table")
DateOption = Annotated[str | None, typer.Option(
    "--date", help="Publication date YYYY-MM-DD, for texts that state no year (今年, 上半年).")]


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        err.print(f"--date must be YYYY-MM-DD (e.g. 2023-08-10), not {text!r}", style="red")
        raise typer.Exit(2) from None


def _lang() -> str:
    from parkbrain.cli.common import State

    return State.lang or "zh"


def _read(path: Path) -> tuple[str, str] | None:
    """A file's text and SHA-256, or None after saying on stderr why it cannot be read."""
    try:
        return read_bulletin(path)
    except BulletinFileError as exc:
        err.print(exc.message(_lang()), style="red", markup=False, highlight=False)
        return None


def _fact_rows(facts: list[Fact], fmt: str) -> None:
    if fmt == "jsonl":
        for fact in facts:
            typer.echo(fact.to_json())
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        for fact in facts:
            row = fact.to_dict()
            row["rank"] = json.dumps(row["rank"], ensure_ascii=False) if row["rank"] else ""
            writer.writerow(["" if row[k] is None else row[k] for k in FIELDS])


def _fact_table(facts: list[Fact]) -> Table:
    table = Table(show_lines=False)
    for name in ("doc", "subject", "metric", "period", "kind", "measure", "value_text", "value", "unit",
                 "growth_pct", "rank"):
        table.add_column(name, overflow="fold")
    for f in facts:
        rank = f"{f.rank.scope or ''} #{f.rank.position}" if f.rank else ""
        table.add_row(f.doc, f.subject or "", f.metric, f.period or "", f.kind, f.measure, f.value_text,
                      f"{f.value:,.10g}", f.unit, "" if f.growth_pct is None else f"{f.growth_pct:g}", rank)
    return table


def _explain_rows(doc: str, verdicts: list[LineVerdict], fmt: str) -> None:
    if fmt == "table":
        table = Table(title=doc)
        for name in ("line", "kept", "reason", "text"):
            table.add_column(name, overflow="fold")
        for v in verdicts:
            table.add_row(str(v.number), "kept" if v.kept else "dropped", v.reason, v.text)
        console.print(table)
        return
    writer = csv.writer(sys.stdout, lineterminator="\n") if fmt == "csv" else None
    for v in verdicts:
        row = {"doc": doc, "line": v.number, "kept": v.kept, "reason": v.reason, "text": v.text}
        if writer:
            writer.writerow(row.values())
        else:
            typer.echo(json.dumps(row, ensure_ascii=False))


def extract(
    files: Annotated[list[Path], typer.Argument(help="Bulletin text files (UTF-8, GBK/GB18030).")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl (one fact per line), csv or table.")] = "jsonl",
    date: DateOption = None,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Show each input line: kept or dropped as boilerplate, and why.")] = False,
) -> None:
    """Read bulletins and write their facts (shared/spec/facts.md); exit code 1 if a file fails."""
    if fmt not in FORMATS:
        err.print(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}", style="red")
        raise typer.Exit(2)
    when, failed, collected = _date(date), False, []
    if fmt == "csv":
        csv.writer(sys.stdout, lineterminator="\n").writerow(
            ("doc", "line", "kept", "reason", "text") if explain else FIELDS)
    with progress_bar() as progress:
        task = progress.add_task("公告 bulletins", total=len(files), visible=len(files) > 1)
        for path in files:
            progress.advance(task)
            read = _read(path)
            if read is None:
                failed = True
                continue
            if explain:
                _explain_rows(path.name, explain_lines(read[0], doc=path.name, date=when), fmt)
                continue
            facts = [item.fact for item in facts_of(read_document(read[0], doc=path.name, date=when))]
            if fmt == "table":
                collected += facts
            else:
                _fact_rows(facts, fmt)
    if collected:
        console.print(_fact_table(collected))
    if failed:
        raise typer.Exit(1)


def _bulletin_files(paths: list[Path], pattern: str) -> list[Path]:
    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob(pattern) if p.is_file() and not p.name.startswith("."))
        else:
            files.append(path)
    return files


@bulletins_app.command("ingest")
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Bulletin files, or directories to read them from.")],
    date: DateOption = None,
    pattern: Annotated[str, typer.Option(help="Which files of a directory to read.")] = "*.txt",
) -> None:
    """Store the facts of bulletins in the warehouse with their provenance; re-ingesting replaces them."""
    from parkbrain.bulletins.store import ingest_facts

    when, failed, total, read_ok = _date(date), False, 0, 0
    files = _bulletin_files(paths, pattern)
    if not files:
        err.print(f"no files matching {pattern} in {', '.join(map(str, paths))}", style="red")
        raise typer.Exit(1)
    park = open_park()
    with progress_bar() as progress:
        task = progress.add_task("公告 bulletins", total=len(files))
        for path in files:
            read = _read(path)
            if read is None:
                failed = True
            else:
                facts = facts_of(read_document(read[0], doc=path.name, date=when))
                total += ingest_facts(park.warehouse, facts, doc=path.name, doc_sha256=read[1])
                read_ok += 1
            progress.advance(task)
    park.close()
    console.print(f"{read_ok} of {len(files)} file(s) read, {total} facts stored")
    if failed:
        raise typer.Exit(1)
