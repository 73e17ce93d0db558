"""`parkbrain chains …`: list the chains, place the register on them, diagnose, record overrides."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table

from parkbrain.app import ParkBrain
from parkbrain.audit import Actor, record
from parkbrain.chains import reports, store
from parkbrain.chains.datafile import DataFileError
from parkbrain.chains.explain import t as chain_t
from parkbrain.chains.explain import with_texts
from parkbrain.chains.tables import ChainTablesMissing
from parkbrain.cli.common import console, err, open_park

app = typer.Typer(help="产业链: the chains, placing enterprises on them, diagnosis (强链 / 补链 / 延链).",
                  no_args_is_help=True)


@contextmanager
def _context() -> Iterator[tuple[reports.ChainContext, str, ParkBrain]]:
    """The chain context of the home, the message language and the park; a bad chain file or a
    missing table stops with its message."""
    park = open_park()
    try:
        yield reports.ChainContext.of(park.warehouse, park.settings.home), park.lang, park
    except (DataFileError, ChainTablesMissing, KeyError, ValueError) as exc:
        err.print(str(exc.args[0] if isinstance(exc, KeyError) and exc.args else exc), style="red", markup=False)
        raise typer.Exit(1) from None
    finally:
        park.close()


@app.command("list")
def list_chains() -> None:
    """The chains and their links: position, industry codes, keywords and supply edges."""
    with _context() as (ctx, lang, _):
        for chain in ctx.catalogue.chains:
            table = Table(title=f"{chain.name(lang)} ({chain.id}, {chain.version})")
            for column in ("link", "name", "position", "codes", "words", "edges in/out"):
                table.add_column(column, no_wrap=column == "link")
            for lk in chain.links:
                table.add_row(lk.key, lk.name(lang), chain_t(f"position.{lk.position}", lang), str(len(lk.codes)),
                              str(len(lk.keywords) + len(lk.generic)),
                              f"{len(ctx.catalogue.suppliers(lk.key))}/{len(ctx.catalogue.customers(lk.key))}")
            console.print(table)


@app.command()
def place() -> None:
    """Place every enterprise of the register on the chains (officers' overrides applied on top)."""
    with _context() as (ctx, lang, _):
        summary = store.place_register(ctx.warehouse, ctx.catalogue)
        for o in summary["stale_overrides"]:
            err.print(chain_t("cli.stale_override", lang, **o), style="yellow", markup=False)
        table = Table(title=chain_t("cli.placed", lang, **summary))
        table.add_column("chain")
        table.add_column("enterprises", justify="right")
        for chain in ctx.catalogue.chains:
            table.add_row(chain.name(lang), f"{summary['by_chain'].get(chain.id, 0):,}")
        console.print(table)


COLUMNS = ("link", "position", "status", "action", "enterprises", "share", "benchmark_share", "lq", "growth", "hhi")
NUMERIC = ("enterprises", "share", "benchmark_share", "lq", "growth", "hhi")


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def _diagnosis_table(chain: dict, lang: str) -> Table:
    """One chain's links: figures against the benchmark, status and action."""
    table = Table(title=chain["en"] if lang == "en" else chain["zh"])
    for column in COLUMNS:
        table.add_column(chain_t(f"common.{column}", lang), justify="right" if column in NUMERIC else "left")
    for lk in chain["links"]:
        table.add_row(lk["en"] if lang == "en" else lk["zh"], chain_t(f"position.{lk['position']}", lang),
                      chain_t(f"status.{lk['status']}", lang),
                      chain_t(f"action.{lk['action']}", lang) if lk["action"] else "",
                      str(lk["enterprises"]), _pct(lk["share"]), _pct(lk["benchmark_share"]),
                      "—" if lk["lq"] is None else f"{lk['lq']:.2f}",
                      "—" if lk["growth"] is None else f"{lk['growth']:.1f}%",
                      "—" if lk["hhi"] is None else f"{lk['hhi']:.0f}")
    return table


@app.command()
def diagnose(
    district: Annotated[str | None, typer.Option(help="District (default: the one with most enterprises).")] = None,
    year: Annotated[int | None, typer.Option(help="Year (default: the latest).")] = None,
    benchmark: Annotated[str, typer.Option(help="peers (the other districts) or target (the targets file).")] = "peers",
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Diagnose every chain: per link figures against the benchmark, and 强链 / 补链 / 延链 with reasons."""
    if fmt not in ("table", "json") or benchmark not in ("peers", "target"):
        err.print("--format must be table or json, --benchmark peers or target", style="red")
        raise typer.Exit(2)
    with _context() as (ctx, lang, _):
        data = reports.diagnosis_report(ctx, district=district, year=year, benchmark=benchmark)
        for c in data["chains"]:
            c["links"] = [lk | {"reasons": with_texts(lk["reasons"], lang)} for lk in c["links"]]
        data["findings"] = {a: [f | {"reasons": with_texts(f["reasons"], lang)} for f in fs]
                            for a, fs in data["findings"].items()}
        if fmt == "json":
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
            return
        for chain in data["chains"]:
            if chain["status"] == "absent":
                name = chain["en"] if lang == "en" else chain["zh"]
                console.print(f"{name}: {chain_t('map.absent', lang)}", markup=False)
                continue
            console.print(_diagnosis_table(chain, lang))
        for action, found in data["findings"].items():
            console.print(f"[bold]{chain_t(f'action.{action}', lang)}[/bold] ({len(found)})")
            for f in found:
                why = "；".join(r["text"] for r in f["reasons"])
                console.print(f"  {f['chain_zh'] if lang == 'zh' else f['chain_en']} / "
                              f"{f['zh'] if lang == 'zh' else f['en']}: {why}", markup=False)


@app.command()
def override(
    uscc: Annotated[str, typer.Argument(help="统一社会信用代码 of the enterprise.")],
    link: Annotated[str | None, typer.Argument(help="Link: chain/link, its id or its name, e.g. smart_iot/chip_design.")] = None,
    confirm: Annotated[bool, typer.Option(help="Confirm the link (rather than move the enterprise to it).")] = False,
    exclude: Annotated[bool, typer.Option(help="Take the enterprise off every chain.")] = False,
    remove: Annotated[bool, typer.Option(help="Drop the officer's decision; place automatically again.")] = False,
    officer: Annotated[str | None, typer.Option(help="Who decides.")] = None,
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Place an enterprise on a link by hand (kept across re-runs and re-imports; audited)."""
    with _context() as (ctx, lang, park):
        if remove:
            done = store.remove_override(ctx.warehouse, ctx.catalogue, uscc)
            if done:
                _audit(park, "chains.remove", uscc, {})
            console.print(chain_t("cli.override_removed" if done else "cli.no_override", lang, uscc=uscc))
            return
        action = "exclude" if exclude else "confirm" if confirm else "override"
        row = store.record_override(ctx.warehouse, ctx.catalogue, uscc=uscc, link=link, action=action,
                                    officer=officer or _terminal_user(), note=note)
        _audit(park, f"chains.{action}", uscc, {"chain": row["chain"], "link": row["link"], "note": note})
        shown = f"{row['chain']}/{row['link']}" if row["link"] else "—"
        console.print(chain_t("cli.override_done", lang, uscc=uscc, action=action, link=shown), markup=False)


def _terminal_user() -> str:
    """The person at the terminal, as the audit log names them."""
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli:unknown"


def _audit(park: ParkBrain, action: str, uscc: str, detail: dict) -> None:
    """Write the decision to the audit log."""
    with park.db.write() as session:
        record(session, actor=Actor(_terminal_user(), "officer", "cli"), action=action,
               target=f"enterprise:{uscc}", detail=detail)
