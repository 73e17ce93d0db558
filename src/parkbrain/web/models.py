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


# ---- 政策计算器 (policies) ---------------------------------------------------------------------

PolicyStatus = Literal["eligible", "ineligible", "unknown"]


class PolicyCondition(BaseModel):
    """One condition of a policy for one subject: passed (true/false/null: unknown), observed value
    against threshold (ratios as fractions: 0.04 is 4%), the gap to pass, and the inputs missing."""

    id: str
    text: str = Field(description="The rule as the policy document words it")
    passed: bool | None
    value: float | None
    threshold: float | None
    percent: bool = Field(description="value and threshold are ratios (show ×100 %)")
    gap: float | None = Field(description="How much the evaluated year's figure must change to pass")
    gap_text: str | None = Field(description="The gap in words, e.g. 研发费用 +82.0万元，达到 4%")
    missing: list[str] = Field(description="Inputs whose absence leaves the condition unknown")
    missing_labels: list[str] = Field(description="The missing inputs as people call them")


class PolicyResult(BaseModel):
    """One policy for one subject: status, amount (万元), each condition explained, what is missing."""

    policy: str
    name: str
    version: str = Field(description="The version in force: its first day")
    mode: Literal["application", "automatic"] = Field(description="application 申报 or automatic 免申即享")
    example: bool = Field(description="An illustrative local programme, not a real district's rules")
    benefit: str = Field(description="title, cash_subsidy, tax_reduction or service")
    benefit_text: str | None
    source: str
    status: PolicyStatus
    amount: Money = None
    missing: list[str] = Field(description="Every input missing (conditions and amount), each once")
    missing_labels: list[str] = Field(description="The missing inputs as people call them")
    conditions: list[PolicyCondition]


class TalentPolicies(BaseModel):
    """One of the enterprise's talents and the talent policies evaluated for them."""

    talent_id: str
    name: str
    results: list[PolicyResult]


class PolicyNotice(BaseModel):
    """A push received: an enterprise (or one of its talents) fits a policy version."""

    id: int
    policy: str
    version: str
    policy_name: str
    mode: Literal["application", "automatic"]
    subject_id: str
    subject_kind: Literal["enterprise", "talent"]
    subject_name: str
    amount: Money = None
    pushed_at: dt.datetime
    read: bool


class NoticeList(BaseModel):
    """An enterprise's policy notifications, newest first; twin of /notifications."""

    items: list[PolicyNotice]
    unread: int


class MarkedRead(BaseModel):
    """How many notifications were marked read."""

    marked: int


class ChangeableFieldOut(BaseModel):
    """A figure or input the what-if may change, with its current value."""

    name: str
    kind: Literal["field", "input"] = Field(description="field: a yearly figure; input: a fact the warehouse lacks")
    type: Literal["number", "bool"]
    label: str
    unit: str | None
    current: float | bool | None


class EnterprisePolicies(BaseModel):
    """One enterprise's 政策计算器: every policy in force, explained; its talents'; its notifications."""

    demo: bool
    uscc: str
    name: str
    year: int = Field(description="The data year evaluated")
    as_of: dt.date = Field(description="The evaluation date")
    eligible: int
    unknown: int
    total_amount: Money = Field(description="Sum over the eligible policies with an amount (万元)")
    results: list[PolicyResult]
    talents: list[TalentPolicies]
    notifications: list[PolicyNotice]
    unread: int
    fields: list[ChangeableFieldOut] = Field(description="What the what-if may change")


class WhatIfIn(BaseModel):
    """A what-if: set figures or inputs (`values`) or move figures by an amount (`add`); nothing is saved."""

    model_config = {"extra": "forbid", "json_schema_extra": {
        "examples": [{"values": {"rd_expense": 350, "innovation_score": 75, "supported_field": True},
                      "add": {"revenue": 1000}}]}}

    values: dict[str, float | bool] = Field(default_factory=dict, max_length=40)
    add: dict[str, float] = Field(default_factory=dict, max_length=40)


class WhatIfChange(BaseModel):
    """A policy whose answer the change flips or moves."""

    policy: str
    name: str
    before_status: PolicyStatus
    after_status: PolicyStatus
    before_amount: Money = None
    after_amount: Money = None
    flipped: bool = Field(description="The status changed (not only the amount)")


class WhatIfOut(BaseModel):
    """One enterprise's policies as they are and with the change; twin of the what-if page."""

    uscc: str
    name: str
    year: int
    values: dict[str, float | bool]
    add: dict[str, float]
    before: list[PolicyResult]
    after: list[PolicyResult]
    changed: list[WhatIfChange]


class PolicySummaryOut(BaseModel):
    """One policy in force and its figures over the park: subjects evaluated, eligible, unknown, amount."""

    id: str
    name: str
    subject: Literal["enterprise", "talent"]
    mode: Literal["application", "automatic"]
    benefit: str
    benefit_text: str | None
    example: bool
    version: str
    source: str
    article: str | None
    subjects: int
    eligible: int
    ineligible: int
    unknown: int
    total_amount: Money = None


class PolicyOverview(BaseModel):
    """Every policy in force with its figures; twin of /policies."""

    demo: bool
    year: int
    as_of: dt.date
    policies: list[PolicySummaryOut]
    automatic_granted: int = Field(description="Subjects granted 免申即享")
    automatic_amount: Money = None
    errors: list[str] = Field(description="Policy files of the home refused, with file, line and reason")


class PolicySubject(BaseModel):
    """An enterprise or talent a policy fits (or might: unknown), with its amount and what it lacks."""

    subject_id: str
    kind: Literal["enterprise", "talent"] | None
    name: str | None
    employer_uscc: str | None = Field(description="A talent's employer")
    status: PolicyStatus
    amount: Money = None
    missing: list[str]
    missing_labels: list[str] = Field(description="The missing inputs as people call them")


class PolicyConditionText(BaseModel):
    """A condition as the policy states it."""

    id: str
    text: str
    article: str | None


class PolicyDetail(BaseModel):
    """One policy: its conditions, and its eligible and unknown subjects, a page at a time; twin of /policies/{id}."""

    demo: bool
    year: int
    as_of: dt.date
    policy: PolicySummaryOut
    conditions: list[PolicyConditionText]
    notified: int = Field(description="Subjects notified of this version so far")
    status: Literal["listed", "eligible", "unknown"]
    sort: Literal["-amount", "amount", "subject_id", "name"]
    total: int
    page: int
    per_page: int
    pages: int
    items: list[PolicySubject]


class AutomaticGrant(BaseModel):
    """A subject granted a 免申即享 policy without applying."""

    policy: str
    policy_name: str
    subject_id: str
    kind: Literal["enterprise", "talent"] | None
    name: str | None
    employer_uscc: str | None
    amount: Money = None


class AutomaticGrants(BaseModel):
    """The 免申即享 list: who is granted automatically, and how much; twin of /policies/automatic."""

    demo: bool
    year: int
    policies: list[PolicySummaryOut]
    policy: str | None
    total: int
    page: int
    per_page: int
    pages: int
    items: list[AutomaticGrant]


class PushResult(BaseModel):
    """What a push did: newly notified, notified before, and eligible subjects with nobody to notify."""

    policy: str
    version: str | None
    eligible: int
    notified_new: int
    already_notified: int
    without_recipient: int = Field(description="Eligible talents with no employer in the register")
