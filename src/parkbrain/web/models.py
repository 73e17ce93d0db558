"""Response models of the JSON API: money in 万元 (10,000 CNY), percentages multiplied by 100."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from parkbrain.overview import INDICATORS
from parkbrain.web.params import EcosystemId, TierId

IndicatorId = Literal[INDICATORS]  # type: ignore[valid-type]
Money = Annotated[float | None, Field(description="万元 (10,000 CNY)")]


class Comparable(BaseModel):
    """An indicator over the enterprises reporting it in both years (同口径)."""

    value: float | None
    previous: float | None
    change: float | None = Field(description="Growth in percent, or change in percentage points (pp)")
    enterprises: int = Field(description="Enterprises on the comparable basis")


class Indicator(BaseModel):
    """One key indicator in the year and the year before, on totals and on a comparable basis."""

    id: IndicatorId
    label: str
    unit: str = Field(description="万元, 人, 家, 件 or %")
    value: float | None
    previous: float | None
    change: float | None = Field(description="Growth in percent, or change in percentage points (pp)")
    change_unit: Literal["pct", "pp"]
    comparable: Comparable


class TierCounts(BaseModel):
    """Enterprises by highest certification (each counted once), plus gazelles and unicorns."""

    listed: int
    little_giant: int
    specialised_sme: int
    high_tech_enterprise: int
    tech_sme: int
    none: int
    gazelle: int
    unicorn: int


class EcosystemFigures(BaseModel):
    """One industrial ecosystem in the year."""

    id: EcosystemId
    label: str
    enterprises: int
    revenue: Money = None
    rd_expense: Money = None


class DistrictFigures(BaseModel):
    """One district in the year, for comparison with its peers."""

    district: str
    enterprises: int
    revenue: Money = None
    rd_expense: Money = None
    tax_paid: Money = None
    employees: float | None
    high_tech_enterprises: int
    rd_intensity: float | None = Field(description="R&D expense / revenue, percent")
    revenue_growth: float | None = Field(description="Revenue growth on totals, percent")


class Overview(BaseModel):
    """The park (or one district) at a glance; twin of the home page."""

    year: int
    previous_year: int
    district: str | None
    years: list[int]
    demo: bool = Field(description="True when the data are the synthetic demo park")
    indicators: list[Indicator]
    tiers: TierCounts
    ecosystems: list[EcosystemFigures]
    by_district: list[DistrictFigures]


class EnterpriseSummary(BaseModel):
    """One row of the enterprise register, with its latest year's figures."""

    uscc: str
    name: str
    founded_on: dt.date | None
    district: str | None
    park: str | None
    industry_code: str | None
    products: str | None
    year: int | None = Field(description="Latest reported year")
    revenue: Money = None
    rd_expense: Money = None
    employees: int | None
    tier: TierId
    ecosystem: EcosystemId


class EnterprisePage(BaseModel):
    """One page of the register; twin of /enterprises."""

    total: int
    page: int
    per_page: int
    pages: int
    sort: str
    demo: bool
    items: list[EnterpriseSummary]


class EnterpriseAttributes(BaseModel):
    """What describes the enterprise, as of its latest year."""

    uscc: str
    name: str
    founded_on: dt.date | None
    district: str | None
    park: str | None
    industry_code: str | None
    business_scope: str | None
    products: str | None
    as_of_year: int | None
    ecosystem: EcosystemId
    tier: TierId


class EnterpriseYear(BaseModel):
    """The enterprise's figures in one year (money in 万元)."""

    year: int
    revenue: Money = None
    rd_expense: Money = None
    rd_expense_domestic: Money = None
    high_tech_revenue: Money = None
    profit: Money = None
    tax_paid: Money = None
    exports: Money = None
    total_assets: Money = None
    employees: int | None
    rd_staff: int | None
    invention_patents_granted: int | None
    invention_patents_held: int | None
    utility_patents_granted: int | None
    ip_class1: int | None
    ip_class2: int | None
    certifications: str | None
    major_incident: bool | None
    tier: TierId
    rd_intensity: float | None = Field(description="R&D expense / revenue, percent")


class Certification(BaseModel):
    """A certification held: its stated grant date and the years it was reported."""

    name: str
    granted_on: dt.date | None
    years: list[int]


class EnterpriseDetail(BaseModel):
    """One enterprise; twin of /enterprises/{uscc}."""

    demo: bool
    enterprise: EnterpriseAttributes
    years: list[EnterpriseYear]
    certifications: list[Certification]


class Health(BaseModel):
    """The app is up and its warehouse answers."""

    status: Literal["ok"]
    tables: dict[str, int]


class Problem(BaseModel):
    """What went wrong, in the request's language."""

    detail: str
