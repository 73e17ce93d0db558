"""Pages and JSON twins of matching: 一键找园 (/spaces), expert matching (/experts), the
collaborations board (/collaborations). Thin: parse, call parkbrain.matching, render.

The lead includes `router` in create_app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, BeforeValidator, Field

from parkbrain.accounts.roles import Permission, Role
from parkbrain.accounts.sessions import Principal
from parkbrain.i18n import translate
from parkbrain.matching import collaborations, service
from parkbrain.matching.space_needs import USES, SpaceNeeds, SpaceNeedsError
from parkbrain.matching.space_reasons import Reason
from parkbrain.matching.state import hold
from parkbrain.overview import ecosystem_catalogue
from parkbrain.web.charts import FONT
from parkbrain.web.language import request_language
from parkbrain.web.models import Problem
from parkbrain.web.render import is_demo, is_partial, page_context, render_page
from parkbrain.web.security import PUBLIC_PATHS, require

router = APIRouter()
UseId = Literal[USES]  # type: ignore[valid-type]

# 一键找园 is for anyone, founders without an account included (issue 6): public as soon as
# security.PUBLIC_PATHS lists both paths; until then, for any logged-in account.
SPACES_ACCESS = (Permission.PUBLIC if {"/spaces", "/api/spaces"} <= PUBLIC_PATHS else Permission.AUTHENTICATED)
SpaceSeeker = Annotated[Principal | None, Depends(require(SPACES_ACCESS))]
# Park staff match any need; an enterprise user its own needs (or a need described in words).
NeedReader = Annotated[Principal, Depends(require(Permission.PARK_READ, Permission.ENTERPRISES_READ))]
ParkReader = Annotated[Principal, Depends(require(Permission.PARK_READ))]


def _none_if_blank(value: object) -> object:
    """A form's empty field arrives as ''; it means the need is not stated."""
    return None if isinstance(value, str) and not value.strip() else value


Blank = BeforeValidator(_none_if_blank)
NonNegative = Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)]  # beyond any real listing
Short = Annotated[str, Field(max_length=100)]
Long = Annotated[str, Field(max_length=500)]


@dataclass
class SpaceQuery:
    """Needs for space, as form or query parameters (every one optional)."""

    area_min: Annotated[NonNegative | None, Blank, Query(description="Smallest area, ㎡")] = None
    area_max: Annotated[NonNegative | None, Blank, Query(description="Largest area, ㎡")] = None
    budget: Annotated[NonNegative | None, Blank, Query(description="Highest rent, 元/㎡/天")] = None
    use: Annotated[UseId | None, Blank, Query(description="office, wet_lab, plant or incubator_seat")] = None
    industry: Annotated[Short | None, Blank, Query(description="Ecosystem, e.g. 生物医药")] = None
    district: Annotated[Short | None, Blank, Query(description="Preferred district")] = None
    park: Annotated[Short | None, Blank, Query(description="Preferred park id or name")] = None
    move_in: Annotated[dt.date | None, Blank, Query(description="Wished move-in date, YYYY-MM-DD")] = None
    floor_load: Annotated[NonNegative | None, Blank, Query(description="Floor load at least, kN/㎡")] = None
    clean_room: Annotated[Short | None, Blank, Query(description="Clean room at least, e.g. ISO 7")] = None
    power_kva: Annotated[NonNegative | None, Blank, Query(description="Power at least, kVA")] = None
    ceiling_height: Annotated[NonNegative | None, Blank, Query(description="Ceiling height at least, m")] = None
    limit: Annotated[int, Query(ge=1, le=100, description="Listings to return")] = 20

    def needs(self) -> SpaceNeeds:
        """The needs to search with (raises SpaceNeedsError when they contradict each other)."""
        return SpaceNeeds(area_min=self.area_min, area_max=self.area_max, budget=self.budget, use=self.use,
                          industry=self.industry, districts=(self.district,) if self.district else (),
                          parks=(self.park,) if self.park else (), move_in=self.move_in,
                          floor_load=self.floor_load, clean_room=self.clean_room, power_kva=self.power_kva,
                          ceiling_height=self.ceiling_height)


class ReasonOut(BaseModel):
    """One criterion of one listing, and the sentence that says it."""

    criterion: str
    status: Literal["met", "partly", "near", "unmet", "unknown", "info"]
    code: str
    params: dict[str, Any]
    message: str


class Listing(BaseModel):
    """A space listing as the spaces template has it, with its park's name and district."""

    space_id: str
    park_id: str
    park_name: str | None
    district: str | None
    building: str | None
    floor: int | None
    area_sqm: float
    rent: float | None = Field(description="元/㎡/天; null: not stated (面议)")
    use: UseId
    floor_load: float | None
    clean_room: str | None
    power_kva: float | None
    ceiling_height: float | None
    available_from: dt.date | None
    status: str


class SpaceResult(BaseModel):
    """One ranked listing: score out of 100, points per criterion, reasons, why this rank."""

    rank: int
    score: float
    exact: bool = Field(description="Meets every stated need (no tolerance used, nothing unknown)")
    listing: Listing
    points: dict[str, float]
    reasons: list[ReasonOut]
    why_rank: ReasonOut


class SpaceSearch(BaseModel):
    """一键找园 results; twin of /spaces."""

    demo: bool
    listings: int
    available: int
    shown: int
    exact: int
    excluded: dict[str, int] = Field(description="Listings left out, each under the first constraint it fails (status first)")
    rules_version: str
    results: list[SpaceResult]


def _reason(r: Reason, lang: str) -> ReasonOut:
    return ReasonOut(criterion=r.criterion, status=r.status, code=r.code, params=r.params, message=r.message(lang))


def _lang(request: Request) -> str:
    return request_language(request)


def build_space_search(request: Request, query: SpaceQuery) -> SpaceSearch:
    """The search of a request (reasons in its language); 400 when the needs contradict each other."""
    park, lang = request.app.state.park, _lang(request)
    try:
        needs = query.needs()
    except SpaceNeedsError as exc:
        raise HTTPException(status_code=400, detail=exc.message(lang)) from None
    found = service.search_spaces(park.warehouse, needs, limit=query.limit)
    results = [SpaceResult(rank=m.rank, score=m.score, exact=m.exact, points=m.points,
                           listing=Listing(**m.row, park_name=m.park_name, district=m.district),
                           reasons=[_reason(r, lang) for r in m.reasons], why_rank=_reason(m.rank_note, lang))
               for m in found.matches]
    return SpaceSearch(demo=_demo(park), listings=found.listings, available=found.available, shown=found.shown,
                       exact=found.exact, excluded=found.excluded, rules_version=found.rules_version,
                       results=results)


@router.get("/api/spaces", response_model=SpaceSearch, tags=["matching"],
            responses={400: {"model": Problem, "description": "Needs that contradict each other"}})
def spaces_json(request: Request, query: Annotated[SpaceQuery, Depends()], _: SpaceSeeker) -> SpaceSearch:
    """一键找园: available listings ranked for the stated needs, each with its reasons. Twin of `/spaces`."""
    return build_space_search(request, query)


def _m(lang: str):
    def m(key: str, **params: object) -> str:
        """A matching message in the page's language."""
        return translate(f"matching.{key}", lang, **params)
    return m


def _context(request: Request, **extra: object) -> dict:
    """The common page context (it reads the warehouse's meta: under the warehouse's lock)."""
    with hold(request.app.state.park.warehouse):
        ctx = page_context(request, **extra)
    ctx["m"] = _m(ctx["lang"])
    return ctx


def _demo(park) -> bool:
    with hold(park.warehouse):
        return is_demo(park)


_render = render_page


@router.get("/spaces", include_in_schema=False, response_class=HTMLResponse)
def spaces_page(request: Request, query: Annotated[SpaceQuery, Depends()], _: SpaceSeeker) -> HTMLResponse:
    """一键找园: the needs form and the ranked listings (HTMX swaps the results only)."""
    ctx = _context(request, active="spaces", query=query, uses=USES, error=None, result=None)
    status = 200
    try:
        ctx["result"] = build_space_search(request, query)
    except HTTPException as exc:
        ctx["error"], status = exc.detail, exc.status_code
    if is_partial(request):
        return _render(request, "matching/_space_results.html", ctx, status)
    catalogue = service.space_catalogue(request.app.state.park.warehouse)
    ctx["ecosystems"] = ecosystem_catalogue()["ecosystems"]
    ctx["districts"] = sorted({d for d in catalogue.park_districts if d})
    ctx["parks"] = sorted(zip(catalogue.park_ids, catalogue.park_names, strict=True))
    return _render(request, "matching/spaces.html", ctx, status)


# ---- experts -----------------------------------------------------------------------------------

@dataclass
class ExpertsQuery:
    """A need by id, or in words (with an optional field)."""

    need_id: Annotated[Short | None, Blank, Query(description="Technology need id, e.g. N-000123")] = None
    q: Annotated[Long | None, Blank, Query(description="The need in words")] = None
    field: Annotated[Short | None, Blank, Query(description="Technology field (with q)")] = None
    k: Annotated[int, Query(ge=1, le=50, description="Experts to return")] = 10


class Term(BaseModel):
    """A term of the need found in the expert's profile, with its BM25 weight."""

    term: str
    weight: float


class ExpertResult(BaseModel):
    """One expert for the need: score, its parts, the matching terms and signals."""

    rank: int
    expert_id: str
    name: str
    institution: str | None
    title: str | None
    city: str | None
    fields: list[str]
    keywords: list[str]
    score: float = Field(description="Weighted sum of the signals (text 0.7, field 0.15, city 0.1, institution 0.05)")
    parts: dict[str, float]
    terms: list[Term]
    field_match: str | None
    same_city: bool
    preferred_institution: bool


class Need(BaseModel):
    """A technology need (企业技术需求)."""

    need_id: str
    uscc: str
    enterprise: str | None
    title: str
    description: str | None
    field: str | None
    budget: float | None = Field(description="万元")
    posted_on: dt.date | None


class ExpertSearch(BaseModel):
    """Experts for a need; twin of /experts."""

    demo: bool
    need: Need | None
    text: str | None
    pool: int
    ranker: str
    results: list[ExpertResult]


def _need(warehouse, need_id: str, lang: str) -> Need:
    row = service.need_row(warehouse, need_id)
    if row is None:
        raise HTTPException(status_code=404, detail=translate("matching.experts.need_not_found", lang, need_id=need_id))
    with hold(warehouse):
        t = warehouse.table("enterprises")
        names = warehouse.to_pylist(t.filter(t.uscc == row["uscc"]).select("name"))
    return Need(**row, enterprise=names[0]["name"] if names else None)


def build_expert_search(request: Request, query: ExpertsQuery, principal: Principal) -> ExpertSearch:
    """The experts for the request's need (404 unknown need, or another enterprise's; 400 neither need nor text)."""
    park, lang = request.app.state.park, _lang(request)
    cache = service.cache_folder(park.settings.home)
    if not query.need_id and not query.q:
        raise HTTPException(status_code=400, detail=translate("matching.experts.need_or_text", lang))
    need = _need(park.warehouse, query.need_id, lang) if query.need_id else None
    if need is not None and principal.role is Role.ENTERPRISE and need.uscc != principal.uscc:
        # Another enterprise's need: the same 404 as a need that does not exist.
        raise HTTPException(status_code=404, detail=translate("matching.experts.need_not_found", lang,
                                                              need_id=query.need_id))
    if need is not None:
        found = service.match_need(park.warehouse, need.model_dump(), k=query.k, cache_dir=cache)
    else:
        found = service.match_text(park.warehouse, query.q or "", field=query.field, k=query.k, cache_dir=cache)
    results = [ExpertResult(**(m.__dict__ | {"terms": [Term(**t.__dict__) for t in m.terms]})) for m in found]
    pool = service.expert_index(park.warehouse, cache_dir=cache).n
    return ExpertSearch(demo=_demo(park), need=need, text=None if need else query.q, pool=pool,
                        ranker="bm25", results=results)


@router.get("/api/experts", response_model=ExpertSearch, tags=["matching"],
            responses={404: {"model": Problem, "description": "No need with this id"},
                       400: {"model": Problem, "description": "Neither a need id nor a text"}})
def experts_json(request: Request, query: Annotated[ExpertsQuery, Depends()], principal: NeedReader) -> ExpertSearch:
    """Experts for a technology need (by id, or described in words), best first, with the matching
    terms and signals that explain each. Twin of `/experts` (an enterprise user: its own needs)."""
    return build_expert_search(request, query, principal)


def _examples(warehouse, principal: Principal, n: int = 6) -> list[dict]:
    """The latest needs (an enterprise user's own), to try the matching with."""
    with hold(warehouse):
        t = warehouse.table("tech_needs")
        if principal.role is Role.ENTERPRISE:
            t = t.filter(t.uscc == (principal.uscc or ""))
        return warehouse.to_pylist(t.order_by([t.posted_on.desc(), t.need_id]).select("need_id", "title").limit(n))


@router.get("/experts", include_in_schema=False, response_class=HTMLResponse)
def experts_page(request: Request, query: Annotated[ExpertsQuery, Depends()], principal: NeedReader) -> HTMLResponse:
    """Expert matching for a need, with the explanation of each match."""
    ctx = _context(request, active="experts", query=query, result=None, error=None)
    status = 200
    if query.need_id or query.q:
        try:
            ctx["result"] = build_expert_search(request, query, principal)
        except HTTPException as exc:
            ctx["error"], status = exc.detail, exc.status_code
    if is_partial(request):
        return _render(request, "matching/_expert_results.html", ctx, status)
    ctx["examples"] = _examples(request.app.state.park.warehouse, principal)
    return _render(request, "matching/experts.html", ctx, status)


# ---- collaborations ----------------------------------------------------------------------------

class Collaboration(BaseModel):
    """One collaboration and the date it reached each stage."""

    collaboration_id: str
    need_id: str
    need_title: str | None
    uscc: str | None
    enterprise: str | None
    expert_id: str
    expert_name: str | None
    score: float | None
    status: Literal["proposed", "accepted", "signed", "completed", "declined"]
    proposed_on: dt.date | None
    accepted_on: dt.date | None
    signed_on: dt.date | None
    completed_on: dt.date | None
    declined_on: dt.date | None
    updated_on: dt.date | None
    note: str | None


class CollaborationBoard(BaseModel):
    """Collaborations by status and the seeds' figures; twin of /collaborations."""

    demo: bool
    pool: int = Field(description="Experts in the pool (专家智库)")
    placed_experts: int = Field(description="Experts with a collaboration accepted or later (入企)")
    covered_enterprises: int = Field(description="Enterprises with a collaboration not declined")
    signed: int = Field(description="Collaborations signed or completed (促成合作)")
    total: int
    by_status: dict[str, int]
    latest: list[Collaboration]


def build_board(request: Request, latest: int = 20) -> CollaborationBoard:
    """The board of the request's park."""
    park = request.app.state.park
    return CollaborationBoard(demo=_demo(park), **collaborations.board(park.warehouse, latest=latest))


@router.get("/api/collaborations", response_model=CollaborationBoard, tags=["matching"])
def collaborations_json(request: Request, _: ParkReader,
                        latest: Annotated[int, Query(ge=0, le=500)] = 20) -> CollaborationBoard:
    """Collaborations (proposed → accepted → signed → completed, or declined): counts and the
    latest changes. Twin of `/collaborations`."""
    return build_board(request, latest)


def funnel_chart(by_status: dict[str, int], m) -> dict:
    """ECharts option: the stages as a funnel (declined beside it in the legend)."""
    stages = list(collaborations.STAGES)
    reached = [sum(by_status[t] for t in stages[i:]) for i in range(len(stages))]
    data = [{"name": m(f"collaborations.state.{s}"), "value": v} for s, v in zip(stages, reached, strict=True)]
    return {"textStyle": {"fontFamily": FONT}, "animationDuration": 300, "tooltip": {"confine": True},
            "color": ["#0b3d91", "#1f5fbf", "#3a7bd5", "#d97706"],
            "series": [{"type": "funnel", "sort": "none", "minSize": "12%", "gap": 2, "left": "10%", "width": "80%",
                        "label": {"show": True, "position": "inside", "formatter": "{b}  {c}"}, "data": data}]}


@router.get("/collaborations", include_in_schema=False, response_class=HTMLResponse)
def collaborations_page(request: Request, _: ParkReader) -> HTMLResponse:
    """The collaborations board: the seeds' four figures, the funnel, the latest changes."""
    board = build_board(request)
    ctx = _context(request, active="collaborations", board=board)
    ctx["funnel"] = funnel_chart(board.by_status, ctx["m"])
    return _render(request, "matching/collaborations.html", ctx)
