"""The facts read from bulletins (/facts) and their JSON twins: browse by subject, metric and
period, each fact with its clause in its paragraph; conflicts between documents flagged.
Thin: parse, call parkbrain.bulletins.store, render."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from parkbrain.accounts.roles import Permission
from parkbrain.accounts.sessions import Principal
from parkbrain.bulletins.store import clause_in_context, fact_conflicts, list_facts
from parkbrain.web.render import page_context, render_page
from parkbrain.web.security import require

router = APIRouter()
ParkReader = Annotated[Principal, Depends(require(Permission.PARK_READ))]
Filter = Annotated[str | None, Query(max_length=100)]


class Rank(BaseModel):
    scope: str | None
    position: int


class Context(BaseModel):
    before: str
    clause: str
    after: str


class FactRow(BaseModel):
    """One fact as the contract writes it, with its provenance and its clause in context."""

    doc: str
    text: str
    subject: str | None
    metric: str
    metric_id: str | None
    period: str | None
    kind: str
    measure: str
    value: float
    unit: str
    value_text: str
    qualifier: str
    growth_pct: float | None
    rank: Rank | None
    clause_index: int
    context: Context


class FactPage(BaseModel):
    total: int
    page: int
    per_page: int
    pages: int
    facts: list[FactRow]


class ConflictValue(BaseModel):
    doc: str
    value: float
    value_text: str


class Conflict(BaseModel):
    subject: str
    metric: str
    metric_key: str
    period: str
    unit: str
    measure: str
    values: list[ConflictValue]


def _page(request: Request, subject, metric, period, doc, page: int) -> FactPage:
    warehouse = request.app.state.park.warehouse
    found = list_facts(warehouse, subject=subject, metric=metric, period=period, doc=doc, page=page, per_page=50)
    rows = [FactRow(**r, context=clause_in_context(warehouse, r["doc"], r["text"])) for r in found.rows]
    return FactPage(total=found.total, page=found.page, per_page=found.per_page, pages=found.pages, facts=rows)


@router.get("/api/facts", response_model=FactPage, tags=["bulletins"])
def facts_json(request: Request, _: ParkReader, subject: Filter = None, metric: Filter = None,
               period: Filter = None, doc: Filter = None,
               page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> FactPage:
    """Facts read from bulletins, filtered by subject and metric (contains) and period; twin of /facts."""
    return _page(request, subject, metric, period, doc, page)


@router.get("/api/facts/conflicts", response_model=list[Conflict], tags=["bulletins"])
def conflicts_json(request: Request, _: ParkReader) -> list[Conflict]:
    """Same subject, metric and period, different values from two or more documents."""
    return [Conflict(**c) for c in fact_conflicts(request.app.state.park.warehouse)]


@router.get("/facts", include_in_schema=False, response_class=HTMLResponse)
def facts_page(request: Request, _: ParkReader, subject: Filter = None, metric: Filter = None,
               period: Filter = None, doc: Filter = None,
               page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    """The facts browser, with the conflicts on top."""
    found = _page(request, subject, metric, period, doc, page)
    conflicts = conflicts_json(request, _)
    ctx = page_context(request, active="facts", found=found, conflicts=conflicts,
                       filters={"subject": subject or "", "metric": metric or "", "period": period or "",
                                "doc": doc or ""})
    return render_page(request, "bulletins/facts.html", ctx)
