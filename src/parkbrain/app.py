"""The application object: settings, the warehouse and (later) the operational database.

The CLI, the web app and the tests all build it the same way:

>>> from parkbrain.settings import Settings
>>> with ParkBrain(Settings(home=Path(getfixture("tmp_path")))) as park:
...     park.warehouse.count("enterprises")
0
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from parkbrain.importing.service import ImportReport, import_file, write_batch
from parkbrain.importing.templates import load_templates
from parkbrain.settings import Settings, load_settings
from parkbrain.warehouse import Warehouse, open_warehouse

DEMO_YEARS = (2021, 2022, 2023, 2024, 2025)
DEMO_TABLES = ("enterprises", "enterprise_years", "parks", "spaces", "talents", "experts",
               "tech_needs", "projects", "meta")


def _quiet(_: str) -> None:
    return None


class ParkBrain:
    """One park's brain: owns its settings and the warehouse that holds its data."""

    def __init__(self, settings: Settings, *, read_only: bool = False) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.warehouse: Warehouse = open_warehouse(settings, read_only=read_only)
        # The operational database (accounts, service requests, audit) is opened here too
        # once the service desk needs it; see settings.operational_url.

    @classmethod
    def from_env(cls, *, read_only: bool = False, **overrides: object) -> ParkBrain:
        """Build from PARKBRAIN_* variables plus explicit overrides (the CLI's options)."""
        return cls(load_settings(**overrides), read_only=read_only)

    @property
    def lang(self) -> str:
        return self.settings.language

    def import_file(self, path: Path, *, kind: str | None = None, skip_bad_rows: bool = False,
                    today: dt.date | None = None) -> ImportReport:
        """Import one template file (see parkbrain.importing.service.import_file)."""
        return import_file(self.warehouse, Path(path), kind=kind, skip_bad_rows=skip_bad_rows, today=today)

    @property
    def is_demo(self) -> bool:
        """True when the warehouse holds the synthetic demo park (shown as such on every page)."""
        return self.warehouse.meta().get("demo") == "true"

    def build_demo(self, *, enterprises: int = 20_000, seed: int | None = None,
                   years: tuple[int, ...] = DEMO_YEARS, step: Callable[[str], None] | None = None) -> bool:
        """Replace the home's template data with the synthetic demo park; False when it is already built."""
        from parkbrain.demo import generate_park

        seed = self.settings.demo_seed if seed is None else seed
        wanted = {"demo": "true", "demo_seed": str(seed), "demo_enterprises": str(enterprises),
                  "demo_years": ",".join(map(str, years))}
        meta = self.warehouse.meta()
        if all(meta.get(k) == v for k, v in wanted.items()):
            return False
        if meta.get("demo") != "true" and self.warehouse.count("enterprises"):
            raise ValueError(f"{self.settings.home} holds imported data; build the demo in another --home")
        (step or _quiet)("generate")
        demo = generate_park(enterprises=enterprises, seed=seed, years=years)
        templates = load_templates()
        with self.warehouse.transaction():
            for name in DEMO_TABLES:
                self.warehouse.truncate(name)
            for template_id, table in demo.tables.items():
                (step or _quiet)(template_id)
                write_batch(self.warehouse, templates[template_id], table)
            self.warehouse.set_meta(wanted)
        return True

    def close(self) -> None:
        self.warehouse.close()

    def __enter__(self) -> ParkBrain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
