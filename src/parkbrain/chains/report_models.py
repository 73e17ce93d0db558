"""Response models of the tier and 招商 pipeline pages' JSON twins (money in 万元)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from parkbrain.chains.models import Money, Project, TierCounts


class Flow(BaseModel):
    """Enterprises that moved from one tier to another (absent: no row that year)."""

    from_tier: str
    to_tier: str
    kind: Literal["promoted", "dropped", "same", "new", "left"]
    enterprises: int


class Movement(BaseModel):
    """Flows between tiers from the year before to the year."""

    year: int
    previous_year: int
    flows: list[Flow]
    summary: dict[str, int]


class TierPage(BaseModel):
    """The tier pyramid with its year-on-year movement; twin of /chains/tiers."""

    year: int
    district: str | None
    chain: str | None
    link: str | None
    pyramid: TierCounts
    previous: TierCounts
    movement: Movement
    demo: bool


class MovedEnterprise(BaseModel):
    """One enterprise behind an arrow."""

    uscc: str
    name: str | None
    from_tier: str
    to_tier: str


class MovementPage(BaseModel):
    """The enterprises behind one arrow of the movement; twin of /chains/tiers/movement."""

    year: int
    from_tier: str
    to_tier: str
    kind: str
    total: int
    items: list[MovedEnterprise]
    demo: bool


class StageCount(BaseModel):
    """Projects at a stage now, their investment, and how many reached it or a later stage."""

    stage: str
    projects: int
    investment: Money
    reached: int


class TargetProgress(BaseModel):
    """A yearly target against the year's projects."""

    id: str
    zh: str
    en: str
    date: str
    target: int
    min_investment: float | None
    actual: int
    investment: Money
    progress: float | None = Field(description="percent of the target")
    met: bool


class LinkProjects(BaseModel):
    """Projects and investment on one link (key null when the link is not in the catalogue)."""

    ecosystem: str | None
    chain_link: str | None
    projects: int
    investment: Money
    key: str | None
    gap: bool


class PipelinePage(BaseModel):
    """The 招商 pipeline against its targets; twin of /chains/pipeline."""

    year: int
    district: str | None
    targets_id: str
    targets_name: dict[str, str]
    targets_sources: list[str]
    stages: list[StageCount]
    targets: list[TargetProgress]
    by_link: list[LinkProjects]
    projects: list[Project]
    demo: bool
