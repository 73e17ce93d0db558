"""Settings, validated at start-up from the environment (PARKBRAIN_*) and the CLI."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """A setting has a wrong value; the message names the setting and what to do."""


class Settings(BaseSettings):
    """Everything ParkBrain reads from its environment. See docs/configuration in the README."""

    model_config = SettingsConfigDict(env_prefix="PARKBRAIN_", extra="forbid", populate_by_name=True)

    home: Path = Field(
        default=Path("parkbrain-data"),
        description="Data directory holding the warehouse file and the operational database.",
    )
    host: str = Field(default="127.0.0.1", description="Address the web app listens on.")
    port: int = Field(
        default=8000,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("port", "PARKBRAIN_PORT", "PORT"),
        description="Port the web app listens on (PARKBRAIN_PORT or PORT).",
    )
    lang: Literal["zh", "en"] | None = Field(
        default=None,
        description="Language of messages: zh or en; by default from LANG/LC_ALL, else zh.",
    )
    warehouse_backend: Literal["duckdb"] = Field(
        default="duckdb", description="Analytical warehouse backend (duckdb; spark comes as an extra)."
    )
    warehouse_threads: int | None = Field(
        default=None, ge=1, le=256, description="Threads the warehouse may use (default: all cores)."
    )
    warehouse_memory_limit: str | None = Field(
        default=None,
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="Memory cap of the warehouse, e.g. '4GB' (default: DuckDB's, 80% of RAM).",
    )
    database_url: str | None = Field(
        default=None,
        description="Operational database URL (SQLAlchemy); default: SQLite file in the home.",
    )
    demo_seed: int = Field(default=20231, description="Seed of the demo park generator.")

    @field_validator("home")
    @classmethod
    def _home_is_not_a_file(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} exists and is not a directory; choose another path")
        return value

    @property
    def language(self) -> str:
        """The language in force: the setting, else the locale, else Chinese."""
        if self.lang:
            return self.lang
        locale = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
        return "en" if locale.lower().startswith("en") else "zh"

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def operational_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'parkbrain.sqlite3').as_posix()}"


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment plus overrides, or raise a SettingsError naming the bad one."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    known = {f"PARKBRAIN_{name.upper()}" for name in Settings.model_fields}
    unknown = sorted(k for k in os.environ if k.startswith("PARKBRAIN_") and k not in known)
    if unknown:
        raise SettingsError(
            f"unknown setting {', '.join(unknown)}: known settings are {', '.join(sorted(known))}"
        )
    try:
        return Settings(**clean)
    except ValidationError as exc:
        raise SettingsError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line per bad setting: its environment name, the value given and why it is refused."""
    lines = []
    for err in exc.errors():
        field = ".".join(str(part) for part in err["loc"]) or "?"
        name = "PORT / PARKBRAIN_PORT" if field == "port" else f"PARKBRAIN_{field.upper()}"
        lines.append(f"setting {name} (={err.get('input')!r}) is invalid: {err['msg']}")
    return "\n".join(lines)
