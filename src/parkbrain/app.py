"""The application object: settings, the warehouse and (later) the operational database.

The CLI, the web app and the tests all build it the same way:

>>> from parkbrain.settings import Settings
>>> with ParkBrain(Settings(home=Path(getfixture("tmp_path")))) as park:
...     park.warehouse.count("enterprises")
0
"""

from __future__ import annotations

from pathlib import Path

from parkbrain.importing.service import ImportReport, import_file
from parkbrain.settings import Settings, load_settings
from parkbrain.warehouse import Warehouse, open_warehouse


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

    def import_file(self, path: Path, *, kind: str | None = None, skip_bad_rows: bool = False) -> ImportReport:
        """Import one template file (see parkbrain.importing.service.import_file)."""
        return import_file(self.warehouse, Path(path), kind=kind, skip_bad_rows=skip_bad_rows)

    def close(self) -> None:
        self.warehouse.close()

    def __enter__(self) -> ParkBrain:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
