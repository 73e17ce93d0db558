"""Response models of the cockpit's JSON twins (/api/cockpit…): money in 万元, percentages times 100."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Level = Literal["green", "yellow", "red"]


class Tile(BaseModel):
    """A big number: an indicator in its own latest period, with the change on the same months a year earlier."""

    id: str
    label: str
    unit: str = Field(description="万元, 人, 家, 件, %, 件/万人")
    period: str | None = Field(description="2026-01..2026-10, 2025, … (facts.md forms)")
    period_label: str | None
    value: float | None
    value_text: str
    previous: float | None
    change: float | None = Field(description="Year-on-year growth in percent, or percentage points for a %")
    change_unit: Literal["pct", "pp"]
    change_text: str
    direction: str
    stated: bool = Field(description="The change is the one a bulletin states (statistics bureau's comparable basis)")
    href: str | None = Field(description="Drill-down: the enterprises or sources behind the figure")


class TrendStep(BaseModel):
    """One month (or quarter) of the year: reported, or forecast with its interval."""

    period: str
    month: int
    actual: float | None = None
    mean: float | None = None
    lo: float | None = None
    hi: float | None = None
    last_year: float | None = None


class Trend(BaseModel):
    """An indicator month by month this year, the same months last year, and the forecast of the rest."""

    id: str
    label: str
    unit: str
    year: int
    steps: list[TrendStep]
    model: str | None = Field(description="auto_ets, seasonal_naive; null when the year is complete")
    level: int = Field(description="Interval level, percent")
    complete: bool
    expected: float | None
    expected_text: str
    lo_text: str
    hi_text: str
    href: str


class TargetRow(BaseModel):
    """A target, where the indicator stands and is heading, the warning level and its cause."""

    indicator: str
    label: str
    period: str
    period_label: str
    measure: Literal["level", "growth"]
    qualifier: str
    target: float = Field(description="In the indicator's unit, or percent growth for a growth target")
    target_text: str
    actual: float | None
    actual_text: str
    through: str | None
    complete: bool
    expected: float | None
    lo: float | None
    hi: float | None
    model: str | None
    expected_text: str
    progress_pct: float | None
    gap_pct: float | None
    level: Level
    rule: str
    cause: str
    source: str
    origin: Literal["file", "table", "fact"]
    href: str


class Case(BaseModel):
    """One enterprise a warning rule flags, with the figures that make it so."""

    uscc: str
    name: str
    district: str | None
    park: str | None
    level: Level
    href: str
    evidence: dict
    evidence_text: str


class RuleSummary(BaseModel):
    """One enterprise warning rule: counts and the worst cases."""

    id: str
    label: str
    total: int
    red: int
    yellow: int
    items: list[Case]
    href: str


class EnterpriseWarnings(BaseModel):
    """The enterprise rules of a panel year."""

    year: int
    rules: list[RuleSummary]


class RatingPart(BaseModel):
    """An indicator of a rating and its weight."""

    key: str
    id: str
    measure: Literal["value", "growth"]
    weight: float
    label: str


class RatingRow(BaseModel):
    """One subject's index, rank and stars."""

    subject: str
    index: float
    rank: int
    stars: int
    stars_label: str
    selected: bool
    scores: dict[str, float]
    values: dict[str, float | None]


class SensitivityRow(BaseModel):
    """Ranks after one weight is moved by ±X%; `moves` holds the subjects whose rank changes (+ is up)."""

    part: str
    change_pct: float
    ranks: dict[str, int]
    moves: dict[str, int]


class Rating(BaseModel):
    """A 晾晒: the subjects ranked on a composite index, with star bands and the weights' sensitivity."""

    id: str
    label: str
    level: Literal["district", "park"]
    year: int
    normalise: Literal["min_max", "z_score"]
    parts: list[RatingPart]
    rows: list[RatingRow]
    sensitivity_pct: float
    sensitivity: list[SensitivityRow]


class ChainStrength(BaseModel):
    """One chain of the district: its links by status (from parkbrain.chains)."""

    id: str
    zh: str
    en: str
    enterprises: int
    revenue: float | None
    links: int
    strong: int
    normal: int
    weak: int
    missing: int
    href: str


class Cockpit(BaseModel):
    """The cockpit of a subject and period: tiles, trends, targets, warnings, ratings, chains, desk."""

    subject: str | None
    period: str | None
    period_label: str | None = None
    empty: bool
    demo: bool = False
    through: str | None = None
    panel_year: int | None = None
    rating_year: int | None = None
    subjects: list[str] = []
    tiles: list[Tile] = []
    tiers: list[Tile] = []
    trends: list[Trend] = []
    targets: list[TargetRow] = []
    target_warnings: list[TargetRow] = []
    enterprise_warnings: EnterpriseWarnings | None = None
    ratings: list[Rating] = []
    chains: list[ChainStrength] | None = Field(default=None, description="null when parkbrain.chains is absent")
    desk: dict | None = Field(default=None, description="parkbrain.desk statistics; null without a desk")


class IndicatorSource(BaseModel):
    """A reported figure behind a value: an import row or a bulletin fact."""

    period: str
    value: float | None
    value_text: str
    source: str
    text: str | None = None


class Contributor(BaseModel):
    """An enterprise's share of a panel figure."""

    uscc: str
    name: str
    park: str | None
    value: float | None
    value_text: str
    href: str


class IndicatorDetail(BaseModel):
    """One figure drilled down: its value, and the enterprises or reported figures behind it."""

    indicator: str
    label: str
    unit: str
    subject: str
    period: str
    period_label: str
    value: float | None
    value_text: str
    formula: dict | None
    contributors: list[Contributor]
    sources: list[IndicatorSource]
    parts: list[Tile] = Field(default=[], description="The indicators a formula is built from")


class CasePage(BaseModel):
    """All enterprises one warning rule flags, a page at a time."""

    rule: str
    label: str
    subject: str | None
    year: int
    total: int
    page: int
    per_page: int
    items: list[Case]


class Paragraph(BaseModel):
    """One paragraph of a briefing and the section it covers."""

    section: str
    text: str


class StatedRank(BaseModel):
    """A rank a fact states: its scope and position."""

    scope: str
    position: int


class StatedFact(BaseModel):
    """A fact a briefing states, in the shape of shared/spec/facts.md (values in base units)."""

    doc: str
    text: str
    subject: str | None
    metric: str
    metric_id: str | None
    period: str | None
    kind: Literal["actual", "target"]
    measure: Literal["level", "growth", "count_change"]
    value: float
    unit: str
    value_text: str
    qualifier: str
    growth_pct: float | None
    rank: StatedRank | None


class Briefing(BaseModel):
    """The briefing (成绩单) of a district's period, as it could be written when the period closed."""

    title: str
    subject: str
    period: str
    period_label: str
    through: str
    paragraphs: list[Paragraph]
    facts: list[StatedFact]
    trends: list[Trend]
    targets: list[TargetRow]
