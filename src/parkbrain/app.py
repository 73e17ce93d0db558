"""The application object: settings, the warehouse and the operational database.

The CLI, the web app and the tests all build it the same way:

>>> from parkbrain.settings import Settings
>>> with ParkBrain(Settings(home=Path(getfixture("tmp_path")))) as park:
...     park.warehouse.count("enterprises"), park.db.backend
(0, 'sqlite')
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

from argon2 import PasswordHasher

from parkbrain.importing.service import ImportReport, import_file, write_batch
from parkbrain.importing.templates import load_templates
from parkbrain.opdb import OperationalDB
from parkbrain.settings import Settings
from parkbrain.warehouse import Warehouse, open_warehouse

DEMO_YEARS = (2021, 2022, 2023, 2024, 2025)
DEMO_TABLES = ("enterprises", "enterprise_years", "parks", "spaces", "talents", "experts",
               "tech_needs", "projects", "meta")


def _quiet(_: str) -> None:
    return None


class ParkBrain:
    """One park's brain: its settings, the warehouse of its data and the operational database."""

    def __init__(self, settings: Settings, *, read_only: bool = False) -> None:
        self.settings = settings
        self.read_only = read_only  # the warehouse (the operational database is always writable)
        settings.home.mkdir(parents=True, exist_ok=True)
        self._warehouse: Warehouse | None = None
        self._opening = threading.Lock()
        # Accounts, service requests and audit; upgraded to the latest migration here.
        self.db = OperationalDB(settings.operational_url, pool_size=settings.database_pool_size,
                                busy_timeout_ms=int(settings.database_busy_timeout_seconds * 1000))

    @property
    def warehouse(self) -> Warehouse:
        """The warehouse, opened at first use: work that never reads it (accounts, the desk, the audit
        log, their commands) leaves it free, so it runs beside a web app that holds the DuckDB file."""
        if self._warehouse is None:
            with self._opening:
                if self._warehouse is None:
                    self._warehouse = open_warehouse(self.settings, read_only=self.read_only)
        return self._warehouse

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
        from parkbrain.demo.monthly import write_series

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
            (step or _quiet)("series")
            write_series(self.warehouse, demo.series)
            self.warehouse.set_meta(wanted)
        self._derive_demo(seed, step or _quiet)
        return True

    def _derive_demo(self, seed: int, step: Callable[[str], None]) -> None:
        """What the capabilities compute from the demo's register: chain placements and the
        collaborations board at the seeds' scale (so every page has something to show)."""
        from parkbrain.chains import reports, store
        from parkbrain.matching import service
        from parkbrain.matching.demo import seed_demo_collaborations

        step("chains")
        store.place_register(self.warehouse, reports.ChainContext.of(self.warehouse, self.settings.home).catalogue)
        step("collaborations")
        seed_demo_collaborations(self.warehouse, seed=seed, today=dt.date.today(),
                                 cache_dir=service.cache_folder(self.settings.home))

    @cached_property
    def hasher(self) -> PasswordHasher:
        """The password hasher the settings ask for."""
        from parkbrain.accounts.passwords import hasher_from_settings

        return hasher_from_settings(self.settings)

    def close(self) -> None:
        try:
            if self._warehouse is not None:
                self._warehouse.close()
        finally:
            self.db.close()

    def __enter__(self) -> ParkBrain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
