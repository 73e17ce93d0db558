"""What every command shares: the consoles, the global options and opening the park."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from parkbrain.app import ParkBrain
from parkbrain.settings import Settings, SettingsError, load_settings

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


class State:
    """The global options of this invocation (set by the main callback)."""

    home: Path | None = None
    lang: str | None = None


def settings_or_exit(**overrides: object) -> Settings:
    """The settings from the environment, the global options and `overrides`; a bad setting stops the
    command here with its message (exit code 2)."""
    try:
        given = {k: v for k, v in overrides.items() if v is not None}
        return load_settings(**({"home": State.home, "lang": State.lang} | given))
    except SettingsError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def open_park(*, read_only: bool = False, **overrides: object) -> ParkBrain:
    """The application object from the environment and the global options; a bad setting stops here.

    `read_only`: the command only reads the warehouse, so it runs beside web workers that read it too
    (a home without a warehouse yet gets an empty one, as a writing command would create).
    """
    settings = settings_or_exit(**overrides)
    if read_only and settings.warehouse_backend == "duckdb" and not Path(settings.warehouse_path).exists():
        read_only = False
    return ParkBrain(settings, read_only=read_only)


def language() -> str:
    """The language of this invocation's messages (Chinese when the settings cannot be read)."""
    try:
        return load_settings(home=State.home, lang=State.lang).language
    except SettingsError:
        return "zh"


def progress_bar() -> Progress:
    """A Rich progress bar on standard error, for long work."""
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                    console=err, transient=False)
