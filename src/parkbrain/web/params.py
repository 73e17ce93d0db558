"""Query and path parameters shared by the pages and their JSON twins (one definition, one spec)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, BeforeValidator

from parkbrain.overview import NO_TIER, SORTS, TIERS, ecosystem_ids
from parkbrain.uscc import CHARSET, uscc_problem

TierId = StrEnum("TierId", {t: t for t in (*TIERS, NO_TIER)})
EcosystemId = StrEnum("EcosystemId", {e: e for e in ecosystem_ids()})
SortKey = StrEnum("SortKey", {s.replace("-", "desc_") if s.startswith("-") else s: s for s in SORTS})

USCC_PATTERN = f"^[{CHARSET}]{{18}}$"
MAX_PER_PAGE = 200
MAX_PAGE = 100_000


def _check_digit(code: str) -> str:
    """Refuse a code whose 18th character is not its GB 32100-2015 check character."""
    if uscc_problem(code) is not None:
        raise ValueError("统一社会信用代码校验位错误 (GB 32100-2015 check character does not match)")
    return code


UsccPath = Annotated[str, Path(pattern=USCC_PATTERN, min_length=18, max_length=18,
                               description="统一社会信用代码 (GB 32100-2015), 18 characters",
                               examples=["91330100716105852F"]),
                     AfterValidator(_check_digit)]

Text = Annotated[str | None, Query(max_length=100)]


def _empty_is_none(value: object) -> object:
    """A form's empty choice ('all') arrives as ''; it means no filter."""
    return None if value == "" else value


def _blank_to_none(value: str | None) -> str | None:
    """Forms send empty strings for 'any'; treat them as no filter."""
    return value.strip() or None if value is not None else None


@dataclass
class OverviewQuery:
    """Which slice of the park the overview shows."""

    district: Annotated[str | None, Query(max_length=100, description="所属区县; empty: the whole park")] = None
    year: Annotated[int | None, Query(ge=1990, le=2100, description="Year; default: the latest")] = None

    def __post_init__(self) -> None:
        self.district = _blank_to_none(self.district)


@dataclass
class EnterpriseQuery:
    """Search, filters, sort and page of the enterprise register."""

    q: Annotated[str | None, Query(max_length=100, description="Searched in name, USCC, products, business scope")] = None
    district: Text = None
    park: Text = None
    tier: Annotated[TierId | None, BeforeValidator(_empty_is_none),
                    Query(description="Highest certification in the latest year")] = None
    ecosystem: Annotated[EcosystemId | None, BeforeValidator(_empty_is_none),
                         Query(description="Industrial ecosystem")] = None
    industry: Annotated[str | None, Query(pattern=r"^([A-Ta-t][0-9]{0,4})?$",
                                          description="GB/T 4754-2017 code prefix, e.g. C39")] = None
    sort: Annotated[SortKey, Query(description="Sort column; '-' first: descending")] = SortKey.desc_revenue
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50

    def __post_init__(self) -> None:
        self.q, self.district, self.park, self.industry = map(
            _blank_to_none, (self.q, self.district, self.park, self.industry))

    def as_kwargs(self) -> dict:
        """Keyword arguments of `overview.list_enterprises`."""
        return {"q": self.q, "district": self.district, "park": self.park,
                "tier": self.tier.value if self.tier else None,
                "ecosystem": self.ecosystem.value if self.ecosystem else None,
                "industry": self.industry, "sort": self.sort.value, "page": self.page, "per_page": self.per_page}

    def query_string(self, **changes: object) -> dict[str, str]:
        """The non-default parameters as strings, with `changes` applied (for links)."""
        values = {k: v for k, v in self.as_kwargs().items() if v is not None} | changes
        defaults = {"sort": SortKey.desc_revenue.value, "page": 1, "per_page": 50}
        return {k: str(v) for k, v in values.items() if v is not None and defaults.get(k) != v}
