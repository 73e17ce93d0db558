"""Response models of the chain map and link pages' JSON twins: money in 万元, shares as fractions
(0–1), growth and R&D intensity in percent, HHI 0–10,000. The tier and pipeline pages' models are
in parkbrain.chains.report_models."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["strong", "normal", "weak", "missing"]
Action = Literal["strengthen_link", "fill_link", "extend_chain"]
Position = Literal["upstream", "midstream", "downstream"]
Money = float | None


class Reason(BaseModel):
    """Why: a reason code, its figures and the sentence in the request's language."""

    code: str
    params: dict[str, Any]
    text: str


class Leader(BaseModel):
    """One of a link's largest enterprises."""

    uscc: str
    name: str
    revenue: Money
    tier: str


class ChainLeader(BaseModel):
    """A 链主 candidate with its link and supply relations."""

    uscc: str
    name: str
    link: str
    revenue: Money
    share: float | None = Field(description="of the chain's revenue here")
    tier: str
    edges: int = Field(description="supply relations of its link")
    supplies: list[str]
    supplied_by: list[str]


class LinkFigures(BaseModel):
    """One link here against the benchmark, its status and the reasons."""

    id: str
    key: str
    zh: str
    en: str
    position: Position
    status: Status
    action: Action | None
    reasons: list[Reason]
    enterprises: int
    revenue: Money
    rd_expense: Money
    rd_intensity: float | None = Field(description="percent")
    growth: float | None = Field(description="revenue growth on a comparable basis, percent")
    hhi: float | None
    tiers: dict[str, int]
    basis: Literal["enterprises", "revenue"]
    share: float | None
    benchmark_share: float | None
    lq: float | None = Field(description="location quotient on `basis`")
    enterprise_share: float | None
    lq_enterprises: float | None
    revenue_share: float | None
    lq_revenue: float | None
    benchmark_enterprises: int
    benchmark_revenue: Money
    benchmark_growth: float | None
    leaders: list[Leader]


class Finding(LinkFigures):
    """A link to act on, with its chain."""

    chain: str
    chain_zh: str
    chain_en: str


class EdgeModel(BaseModel):
    """`source` supplies `target` (link keys chain/link)."""

    source: str
    target: str


class ChainLeaders(BaseModel):
    """链主 by size and by supply edges."""

    by_size: list[ChainLeader]
    by_edges: list[ChainLeader]


class ChainDiagnosis(BaseModel):
    """One chain here."""

    id: str
    zh: str
    en: str
    status: Literal["present", "absent"]
    enterprises: int
    revenue: Money
    benchmark_revenue: Money
    links: list[LinkFigures]
    edges: list[EdgeModel]
    chain_leaders: ChainLeaders


class Diagnosis(BaseModel):
    """Every chain of a district in a year, and the links to strengthen, fill and extend; twin of /chains."""

    year: int
    district: str
    benchmark: Literal["peers", "target"]
    peers: list[str]
    targets: str
    thresholds: dict[str, Any]
    chains: list[ChainDiagnosis]
    findings: dict[Action, list[Finding]]
    demo: bool


class Candidate(BaseModel):
    """An enterprise outside the park proposed for a link (synthetic in the demo)."""

    candidate_id: str
    name: str
    city: str
    province: str
    region: str
    chain: str
    link: str
    products: str
    revenue: float
    rd_intensity: float = Field(description="fraction")
    invention_patents: int
    growth: float = Field(description="fraction")
    tier: str
    expanding: bool
    founded_year: int
    synthetic: bool
    score: float = Field(description="0–100")
    parts: dict[str, float]
    reasons: list[Reason]


class PlacedEnterprise(BaseModel):
    """An enterprise on the link, with its placement evidence."""

    uscc: str
    name: str
    district: str | None
    revenue: Money
    rd_expense: Money
    tier: str
    confidence: float | None
    source: Literal["auto", "confirmed", "override"]
    code_evidence: str | None
    scope_words: str | None
    product_words: str | None


class EnterprisePage(BaseModel):
    """One page of a link's enterprises."""

    total: int
    page: int
    per_page: int
    pages: int
    items: list[PlacedEnterprise]


class Neighbour(BaseModel):
    """A link that supplies or buys from this one."""

    key: str
    zh: str
    en: str
    chain: str
    status: Status
    enterprises: int


class Project(BaseModel):
    """A 招商 project."""

    project_id: str
    name: str
    investor: str | None
    investment: Money
    ecosystem: str | None
    chain_link: str | None
    stage: str
    district: str | None
    key: str | None
    signed_on: dt.date | None = None
    started_on: dt.date | None = None


class TierCounts(BaseModel):
    """Enterprises per tier (highest rung) and per badge in a year."""

    year: int
    total: int
    tiers: dict[str, int]
    badges: dict[str, int]


class LinkPage(BaseModel):
    """One link: figures, reasons, neighbours, enterprises, tiers, candidates, projects; twin of /chains/{chain}/{link}."""

    year: int
    district: str
    benchmark: Literal["peers", "target"]
    peers: list[str]
    chain: dict[str, str]
    link: LinkFigures
    codes: dict[str, str]
    keywords: list[str]
    suppliers: list[Neighbour]
    customers: list[Neighbour]
    enterprises: EnterprisePage
    tiers: TierCounts
    candidates: list[Candidate]
    projects: list[Project]
    demo: bool


class OverrideIn(BaseModel):
    """An officer's decision on one enterprise's placement."""

    uscc: str = Field(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")
    action: Literal["confirm", "override", "exclude"]
    link: str | None = Field(default=None, description="chain/link, e.g. smart_iot/chip_design; none to exclude")
    note: str | None = Field(default=None, max_length=500)


class OverrideOut(BaseModel):
    """The override as stored."""

    uscc: str
    chain: str | None
    link: str | None
    action: str
    officer: str | None
    note: str | None
    decided_at: dt.datetime
