"""The core commands: demo, serve, import, export, status."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from typer.core import TyperGroup

from parkbrain.app import ParkBrain
from parkbrain.cli.common import State, console, err, language, open_park, progress_bar
from parkbrain.i18n import translate
from parkbrain.importing.errors import ImportFileError
from parkbrain.importing.service import ImportRefused
from parkbrain.importing.templates import load_templates
from parkbrain.warehouse import WarehouseBusy


class _Commands(TyperGroup):
    """The command group: a warehouse held by another process ends any command with what to do, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except WarehouseBusy as exc:
            err.print(exc.message(language()), style="red", markup=False)
            raise typer.Exit(3) from None


app = typer.Typer(help="ParkBrain 园区产业大脑: the industry brain of a high-tech park.", cls=_Commands,
                  no_args_is_help=True, pretty_exceptions_enable=False)
HomeOption = Annotated[Path | None, typer.Option("--home", help="Data directory (PARKBRAIN_HOME; default ./parkbrain-data).")]


@app.callback()
def main(home: HomeOption = None,
         lang: Annotated[str | None, typer.Option(help="Message language: zh or en (PARKBRAIN_LANG).")] = None) -> None:
    """Global options shared by every command."""
    State.home, State.lang = home, lang


@app.command()
def demo(
    enterprises: Annotated[int, typer.Option(min=100, max=1_000_000, help="Enterprises in the demo park.")] = 20_000,
    seed: Annotated[int | None, typer.Option(help="Generator seed (PARKBRAIN_DEMO_SEED).")] = None,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the park once built.")] = True,
    port: Annotated[int | None, typer.Option(help="Port (PORT / PARKBRAIN_PORT; default 8000).")] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
) -> None:
    """Build the synthetic demo park (deterministic for a seed), then serve it."""
    park = open_park(port=port, host=host)
    steps = ["generate", *load_templates(), "series", "chains", "collaborations"]
    with progress_bar() as progress:
        task = progress.add_task("演示园区 demo park", total=len(steps))

        def step(name: str) -> None:
            progress.update(task, description=f"演示园区 demo park: {name}", completed=steps.index(name))

        try:
            built = park.build_demo(enterprises=enterprises, seed=seed, step=step)
        except ValueError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        progress.update(task, completed=len(steps), description="演示园区 demo park: ready")
    console.print(_counts_table(park, "demo park (synthetic 演示数据)" if built else "demo park already built"))
    console.print(_demo_accounts_table(park))
    if serve_after:
        _serve(park)
    park.close()


@app.command()
def serve(port: Annotated[int | None, typer.Option(help="Port (PORT / PARKBRAIN_PORT).")] = None,
          host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
          workers: Annotated[int | None, typer.Option(
              min=1, max=64, help="Web server processes (PARKBRAIN_WORKERS; default 1). With more than one, "
                                  "each opens the warehouse read-only.")] = None) -> None:
    """Serve the web app and its JSON API over the data in --home."""
    park = open_park(port=port, host=host, workers=workers)
    settings = park.settings
    if settings.workers == 1:
        _serve(park)
        return
    import os

    import uvicorn

    park.warehouse  # noqa: B018 - created when new (its tables), and not held by anyone else
    park.close()  # the home is ready (tables, migrations); each worker opens it again, the warehouse read-only
    # uvicorn's workers build the app from the environment: the global options go there too.
    os.environ |= {"PARKBRAIN_HOME": str(settings.home.resolve()), "PARKBRAIN_WORKERS": str(settings.workers)}
    if State.lang:
        os.environ["PARKBRAIN_LANG"] = State.lang
    console.print(f"ParkBrain: http://{settings.host}:{settings.port}, {settings.workers} workers  (Ctrl+C to stop)")
    uvicorn.run("parkbrain.web.app:app_from_env", factory=True, workers=settings.workers, host=settings.host,
                port=settings.port, log_level="warning")


def _serve(park: ParkBrain) -> None:
    import uvicorn

    from parkbrain.web import create_app

    park.warehouse  # noqa: B018 - held by another process, it stops here with what to do (not in uvicorn's start-up)
    console.print(f"ParkBrain: http://{park.settings.host}:{park.settings.port}  (Ctrl+C to stop)")
    uvicorn.run(create_app(park), host=park.settings.host, port=park.settings.port, log_level="warning")


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="CSV (UTF-8/GBK) or .xlsx files in a ParkBrain template.")],
    kind: Annotated[str | None, typer.Option(help=f"Template: {', '.join(load_templates())} (default: from the headers).")] = None,
    skip_bad_rows: Annotated[bool, typer.Option(help="Import the valid rows; write the invalid ones to FILE.rejects.csv.")] = False,
) -> None:
    """Import template files; a file with an invalid row changes nothing and the exit code is 1."""
    park = open_park()
    lang = park.lang
    failed = False
    for path in files:
        started = time.perf_counter()
        try:
            with err.status(f"{path.name} …"):
                report = park.import_file(path, kind=kind, skip_bad_rows=skip_bad_rows)
        except ImportRefused as exc:
            failed = True
            for error in exc.report.errors:
                err.print(error.message(lang), markup=False, highlight=False)
            err.print(translate("import.refused", lang, file=path, count=len({e.row for e in exc.report.errors})), style="red")
            continue
        except ImportFileError as exc:
            failed = True
            err.print(exc.message(lang), style="red", markup=False)
            continue
        for column in report.unknown_columns:
            err.print(f"{path}: " + translate("import.unknown_column", lang, column=column), style="yellow")
        if report.rejects_path:
            failed = True
            err.print(translate("import.skipped", lang, count=len({e.row for e in report.errors}),
                                path=report.rejects_path), style="yellow")
        c = report.counts
        console.print(translate("import.done", lang, file=path, kind=kind or report.kind, rows=report.rows,
                                inserted=c.inserted, updated=c.updated, unchanged=c.unchanged)
                      + f" ({time.perf_counter() - started:.1f}s)")
    park.close()
    if failed:
        raise typer.Exit(1)


@app.command()
def export(
    out: Annotated[Path, typer.Option(help="Directory to write into.")] = Path("export"),
    kind: Annotated[list[str] | None, typer.Option(help="Template(s) to export (default: all).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or xlsx.")] = "csv",
) -> None:
    """Write the warehouse's data in the import templates' layout (re-importable as is)."""
    from parkbrain.importing.export import export_template

    if fmt not in ("csv", "xlsx"):
        err.print(f"--format must be csv or xlsx, not {fmt!r}", style="red")
        raise typer.Exit(2)
    kinds = kind or list(load_templates())
    unknown = [k for k in kinds if k not in load_templates()]
    if unknown:
        err.print(f"unknown template {', '.join(unknown)}; choose from {', '.join(load_templates())}", style="red")
        raise typer.Exit(2)
    park = open_park(read_only=True)
    with progress_bar() as progress:
        task = progress.add_task("export", total=len(kinds))
        for name in kinds:
            target = out / f"{name}.{fmt}"
            try:
                rows = export_template(park.warehouse, name, target)
            except ValueError as exc:
                err.print(str(exc), style="red")
                raise typer.Exit(1) from None
            progress.advance(task)
            console.print(f"{target}: {rows} rows")
    park.close()


@app.command()
def status() -> None:
    """Show what the home holds: rows per table and the latest imports."""
    park = open_park(read_only=True)
    console.print(_counts_table(park, str(park.settings.home)))
    park.close()


def _demo_accounts_table(park: ParkBrain) -> Table:
    """One account per role, created once; their passwords are derived from the demo seed."""
    from parkbrain.accounts.demo import create_demo_accounts

    table = Table(title="demo accounts 演示账号 (log in at /login)")
    for column in ("role", "username", "password"):
        table.add_column(column)
    for role, username, password in create_demo_accounts(park):
        table.add_row(role, username, password)
    return table


def _counts_table(park: ParkBrain, title: str) -> Table:
    table = Table(title=title)
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name in ("enterprises", "enterprise_years", "parks", "spaces", "talents", "experts",
                 "tech_needs", "projects", "facts", "imports"):
        table.add_row(name, f"{park.warehouse.count(name):,}")
    return table


def _register_capabilities() -> None:
    """Each capability's commands live in its own module; they are added here."""
    from parkbrain.cli import admin, chains, desk
    from parkbrain.cli.backup import backup, restore
    from parkbrain.cli.bulletins import bulletins_app, extract
    from parkbrain.cli.cockpit import cockpit_app, report
    from parkbrain.cli.matching import experts_app, spaces_app
    from parkbrain.cli.policies import policies_app
    from parkbrain.cli.warehouse import copy_to_duckdb

    app.command("extract")(extract)
    app.add_typer(bulletins_app, name="bulletins")
    app.add_typer(chains.app, name="chains")
    app.add_typer(policies_app, name="policies")
    app.add_typer(admin.app, name="admin")
    app.add_typer(admin.audit_app, name="audit")
    app.add_typer(desk.app, name="desk")
    app.add_typer(spaces_app, name="spaces")
    app.add_typer(experts_app, name="experts")
    app.command("report")(report)
    app.add_typer(cockpit_app, name="cockpit")
    app.command("backup")(backup)
    app.command("restore")(restore)
    app.command("copy-to-duckdb")(copy_to_duckdb)


_register_capabilities()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
