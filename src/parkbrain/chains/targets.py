"""Targets as data: the 招商 pipeline's yearly targets, the diagnosis thresholds, a target structure.

The package ships ``data/chains/targets/binjiang-2023.yaml`` (seeds 000: 引进亿元以上项目25个,
新落点不少于20个, 新开工不少于18个); a file in ``<home>/chains/targets`` replaces it.

>>> t = load_targets()
>>> [(p.id, p.target) for p in t.pipeline]
[('attracted_100m', 25), ('landed', 20), ('started', 18)]
>>> t.diagnosis.min_enterprises
3
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from parkbrain.chains.catalogue import Names, package_dir
from parkbrain.chains.datafile import DataFileError, load_model

DATE_FIELDS = ("negotiated_on", "signed_on", "landed_on", "started_on", "operating_on")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PipelineTarget(_Strict):
    """Projects whose `date` falls in the year (and invest at least `min_investment` 万元) should reach `target`."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Names
    date: Literal[DATE_FIELDS]  # type: ignore[valid-type]
    min_investment: float | None = Field(default=None, ge=0, description="万元")
    target: int = Field(ge=0)


class Thresholds(_Strict):
    """When a link counts as strong or weak (lq: the link's share of its chain here / the benchmark's)."""

    lq_basis: Literal["enterprises", "revenue"] = "enterprises"
    strong_lq: float = Field(default=1.25, gt=0)
    weak_lq: float = Field(default=0.6, gt=0)
    min_enterprises: int = Field(default=3, ge=1)
    concentration_hhi: float = Field(default=5000, gt=0, le=10000)


class Targets(_Strict):
    """One targets file."""

    id: str
    name: Names
    version: str
    sources: list[str] = Field(min_length=1)
    pipeline: list[PipelineTarget] = []
    diagnosis: Thresholds = Thresholds()
    structure: dict[str, dict[str, float]] = Field(
        default={}, description="chain id -> link id -> target share of the chain's revenue (0–1)")


def target_files(extra_dirs: Iterable[Path] = ()) -> list[Path]:
    """The targets files, the package's first; a later file replaces an earlier one."""
    dirs = [package_dir() / "targets", *(Path(d) / "targets" for d in extra_dirs)]
    return [p for d in dirs if d.is_dir() for p in sorted(d.glob("*.yaml"))]


def load_targets(extra_dirs: Iterable[Path] = (), path: Path | None = None) -> Targets:
    """The targets in force: `path` if given, else the last targets file found."""
    files = [Path(path)] if path else target_files(extra_dirs)
    if not files:
        raise DataFileError([f"{package_dir() / 'targets'}: no targets file; add one (see binjiang-2023.yaml)"])
    return load_model(Targets, files[-1])
