"""Settings, validated at start-up from the environment (PARKBRAIN_*) and the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
    workers: int = Field(
        default=1, ge=1, le=64, description="Web server processes `parkbrain serve` starts (uvicorn workers).",
    )
    lang: Literal["zh", "en"] | None = Field(
        default=None,
        description="Language of messages: zh or en; by default from LANG/LC_ALL, else zh.",
    )
    warehouse_backend: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Analytical warehouse backend: duckdb, or spark (the `spark` extra; docs/spark.md).",
    )
    warehouse_threads: int | None = Field(
        default=None, ge=1, le=256, description="Threads the warehouse may use (default: all cores)."
    )
    warehouse_memory_limit: str | None = Field(
        default=None,
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="Memory cap of the warehouse, e.g. '4GB' (default: DuckDB's, 80% of RAM).",
    )
    spark_master: str = Field(
        default="local[2]",
        description="Spark master URL of the spark backend: local[N] in this process, or a cluster's "
                    "(spark://, yarn).",
    )
    spark_dir: str | None = Field(
        default=None,
        description="Where the spark backend keeps its parquet tables: a path or URI (hdfs://...) that the driver "
                    "and every executor can reach; default <home>/spark.",
    )
    spark_driver_memory: str = Field(
        default="4g", pattern=r"^\d+[kmgt]$",
        description="Memory of the Spark driver JVM (in local mode it also runs the tasks), e.g. 4g.",
    )
    spark_conf: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description='Further Spark settings as a JSON object, e.g. {"spark.executor.memory": "8g"}.',
    )
    database_url: str | None = Field(
        default=None,
        description="Operational database URL (SQLAlchemy); default: SQLite file in the home.",
    )
    database_pool_size: int = Field(
        default=40, ge=1, le=1000,
        description="Database connections each process keeps open: as many as it runs database work at once "
                    "(the web app's 40 threads), so none is opened and closed per request. On PostgreSQL, "
                    "workers × (this + 5) must stay below the server's max_connections − 3.",
    )
    database_busy_timeout_seconds: float = Field(
        default=15.0, gt=0, le=600,
        description="How long a SQLite writer waits for another one before giving up (seconds).",
    )
    demo_seed: int = Field(default=20231, description="Seed of the demo park generator.")
    session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="A session ends after this many minutes without a request.",
    )
    session_absolute_hours: float = Field(
        default=12, gt=0, le=24 * 30, description="A session ends this many hours after login, whatever happens.",
    )
    cookie_secure: bool = Field(
        default=False, description="Send the session cookie over HTTPS only (set it when served behind TLS).",
    )
    login_max_failures_per_account: int = Field(
        default=5, ge=1, le=1000,
        description="Failed logins to one account within the lockout window before it is refused.",
    )
    login_max_failures_per_ip: int = Field(
        default=20, ge=1, le=100_000,
        description="Failed logins from one address within the lockout window before it is refused.",
    )
    login_lockout_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="The window (minutes) over which failed logins are counted.",
    )
    password_hash_time_cost: int = Field(
        default=3, ge=1, le=20, description="Argon2id passes over memory when hashing a password.",
    )
    password_hash_memory_kib: int = Field(
        default=65536, ge=8, le=4 * 1024 * 1024, description="Argon2id memory per password hash (KiB).",
    )
    password_hash_parallelism: int = Field(
        default=4, ge=1, le=64, description="Argon2id lanes per password hash.",
    )
    desk_attachment_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, le=200 * 1024 * 1024,
        description="Largest attachment the service desk accepts (bytes; default 10 MiB).",
    )
    desk_attachment_max_files: int = Field(
        default=5, ge=0, le=50, description="Most attachments one upload may carry.",
    )
    desk_reminder_days: Annotated[tuple[int, ...], NoDecode] = Field(
        default=(7, 14, 21, 30),
        description="Days after filing at which an open request's department is reminded, e.g. 7,14,21,30.",
    )
    desk_due_days: int = Field(
        default=30, ge=1, le=365, description="Days after filing by which a request should be resolved (overdue after).",
    )

    @field_validator("home")
    @classmethod
    def _home_is_not_a_file(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(f"{value} exists and is not a directory; choose another path")
        return value

    @field_validator("spark_conf", mode="before")
    @classmethod
    def _json_object(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                value = json.loads(value or "{}")
            except ValueError:
                value = None
            if not isinstance(value, dict):
                raise ValueError('give a JSON object of Spark settings, e.g. {"spark.executor.memory": "8g"}')
            value = {str(k): str(v) for k, v in value.items()}
        return value

    @field_validator("desk_reminder_days", mode="before")
    @classmethod
    def _comma_separated_days(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                value = [int(part) for part in value.replace("，", ",").split(",") if part.strip()]
            except ValueError:
                raise ValueError("give whole days separated by commas, e.g. 7,14,21,30") from None
        return value

    @field_validator("desk_reminder_days")
    @classmethod
    def _days_ascending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(d < 1 or d > 3650 for d in value) or list(value) != sorted(set(value)):
            raise ValueError("give distinct whole days from 1 upwards in ascending order, e.g. 7,14,21,30")
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
    def spark_root(self) -> str:
        """Where the spark backend's tables live: the setting, else <home>/spark (absolute)."""
        if self.spark_dir and "://" in self.spark_dir:
            return self.spark_dir
        return str(Path(self.spark_dir or self.home / "spark").absolute())

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
