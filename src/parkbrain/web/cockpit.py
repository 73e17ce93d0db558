"""The cockpit (驾驶舱) pages and their JSON twins: thin handlers over parkbrain.cockpit.

/cockpit (laptop; ?mode=wall for the 16:9 dark wall screen), /cockpit/indicators/{id} (a figure
drilled down), /cockpit/warnings/{rule} (every enterprise a rule flags), /cockpit/report (the
briefing); each has its twin under /api. The lead includes `router` (and adds the permission).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse

from parkbrain.cockpit import charts
from parkbrain.cockpit.board import build_board, default_period, default_subject
from parkbrain.cockpit.briefing import build_briefing
from parkbrain.cockpit.drill import case_page, indicator_detail
from parkbrain.cockpit.extras import desk_summary
from parkbrain.cockpit.models import Briefing, CasePage, Cockpit, IndicatorDetail
from parkbrain.cockpit.periods import PeriodError, parse_period
from parkbrain.cockpit.state import CockpitState, cockpit_state
from parkbrain.i18n import translate
from parkbrain.web.language import request_language
from parkbrain.web.render import is_demo, page_context

router = APIRouter()
Subject = Annotated[str | None, Query(max_length=60, description="A district (default: the largest) or a park")]
PeriodText = Annotated[str | None, Query(max_length=40, description="2026-01..2026-10, 2025, 2023H1, 2023Q1, 2023-05")]
Mode = Annotated[Literal["laptop", "wall"], Query(description="laptop, or wall: the 16:9 dark wall screen")]
NOT_FOUND = {404: {"description": "No such subject, indicator or rule"}, 422: {"description": "A malformed period"}}


def _state(request: Request) -> CockpitState:
    return cockpit_state(request.app.state.park.warehouse)


def _period(text: str | None):
    try:
        return parse_period(text) if text else None
    except PeriodError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


def build_cockpit(request: Request, subject: str | None, period: str | None) -> Cockpit:
    """The cockpit model of a request (labels in its language); 404 for a subject without figures."""
    state, lang = _state(request), request_language(request)
    chosen = _period(period)
    if subject and subject not in _subjects(state):
        raise HTTPException(status_code=404, detail=translate("cockpit.unknown_subject", lang, subject=subject))
    board = build_board(state, subject=subject, period=chosen, lang=lang)
    desk = desk_summary(request.app.state.park, chosen or parse_period(board["period"]), lang) \
        if board.get("period") else None
    return Cockpit(**board, demo=is_demo(request.app.state.park), desk=desk)


def _subjects(state: CockpitState) -> set[str]:
    """Districts and parks of the register, and every subject with reported figures."""
    return {s for (_level, s, _y) in state.panel} | {s for (_i, s) in state.reported.values if s}


def _render(request: Request, name: str, context: dict) -> HTMLResponse:
    response = request.app.state.templates.TemplateResponse(request, name, context)
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def _labels(lang: str) -> dict[str, str]:
    keys = ("this_year", "last_year", "forecast")
    return {k: translate(f"cockpit.{k}", lang) for k in keys} | {"interval": translate("cockpit.interval", lang, level=80)}


@router.get("/api/cockpit", response_model=Cockpit, responses=NOT_FOUND, tags=["cockpit"])
def cockpit_json(request: Request, subject: Subject = None, period: PeriodText = None) -> Cockpit:
    """The cockpit: tiles with year-on-year change, monthly trends with forecasts, target progress and
    warnings, enterprise warnings, ratings (晾晒) with sensitivity, chains and desk figures. Twin of `/cockpit`."""
    return build_cockpit(request, subject, period)


@router.get("/cockpit", response_class=HTMLResponse, include_in_schema=False)
def cockpit_page(request: Request, subject: Subject = None, period: PeriodText = None,
                 mode: Mode = "laptop") -> HTMLResponse:
    """The cockpit page: laptop layout, or the 16:9 dark wall screen."""
    model = build_cockpit(request, subject, period)
    ctx = page_context(request, active="cockpit")
    lang = ctx["lang"]
    labels = _labels(lang)
    ctx |= {"cp": model, "mode": mode, "c": lambda key, **p: translate(f"cockpit.{key}", lang, **p),
            "charts": {t.id: charts.trend_chart(t.model_dump(), labels, lang, mode=mode) for t in model.trends},
            "rating_charts": {r.id: charts.rating_chart(r.model_dump(), lang, mode=mode) for r in model.ratings}}
    return _render(request, "cockpit/wall.html" if mode == "wall" else "cockpit/page.html", ctx)


def build_indicator(request: Request, indicator: str, subject: str | None, period: str | None) -> IndicatorDetail:
    """One figure drilled down, or a 404 naming what is unknown."""
    state, lang = _state(request), request_language(request)
    if indicator not in state.catalogue:
        raise HTTPException(status_code=404, detail=translate("cockpit.unknown_indicator", lang, indicator=indicator))
    subject = subject or default_subject(state)
    chosen = _period(period) or (default_period(state, subject) if subject else None)
    if subject is None or chosen is None:
        raise HTTPException(status_code=404, detail=translate("cockpit.no_data", lang))
    return IndicatorDetail(**indicator_detail(state, indicator, subject, chosen, lang))


@router.get("/api/cockpit/indicators/{indicator}", response_model=IndicatorDetail, responses=NOT_FOUND,
            tags=["cockpit"])
def indicator_json(request: Request, indicator: Annotated[str, Path(max_length=60)], subject: Subject = None,
                   period: PeriodText = None) -> IndicatorDetail:
    """A cockpit figure drilled down: its enterprises (panel figures) or its reported sources. Twin of the page."""
    return build_indicator(request, indicator, subject, period)


@router.get("/cockpit/indicators/{indicator}", response_class=HTMLResponse, include_in_schema=False)
def indicator_page(request: Request, indicator: Annotated[str, Path(max_length=60)], subject: Subject = None,
                   period: PeriodText = None) -> HTMLResponse:
    """A figure drilled down to its enterprises or sources."""
    model = build_indicator(request, indicator, subject, period)
    ctx = page_context(request, active="cockpit", detail=model)
    ctx["c"] = lambda key, **p: translate(f"cockpit.{key}", ctx["lang"], **p)
    return _render(request, "cockpit/indicator.html", ctx)


def build_cases(request: Request, rule: str, subject: str | None, year: int | None, page: int, per_page: int) -> CasePage:
    """Every enterprise a rule flags, a page at a time."""
    state, lang = _state(request), request_language(request)
    year = year or (state.years[-1] if state.years else None)
    if year is None:
        raise HTTPException(status_code=404, detail=translate("cockpit.no_data", lang))
    try:
        return CasePage(**case_page(state, rule, subject=subject, year=year, page=page, per_page=per_page, lang=lang))
    except ValueError:
        raise HTTPException(status_code=404, detail=translate("cockpit.unknown_rule", lang, rule=rule)) from None


@router.get("/api/cockpit/warnings/{rule}", response_model=CasePage, responses=NOT_FOUND, tags=["cockpit"])
def cases_json(request: Request, rule: Annotated[str, Path(max_length=40)], subject: Subject = None,
               year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
               page: Annotated[int, Query(ge=1, le=100_000)] = 1,
               per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> CasePage:
    """Every enterprise an early-warning rule flags in a year, worst first, with evidence. Twin of the page."""
    return build_cases(request, rule, subject, year, page, per_page)


@router.get("/cockpit/warnings/{rule}", response_class=HTMLResponse, include_in_schema=False)
def cases_page(request: Request, rule: Annotated[str, Path(max_length=40)], subject: Subject = None,
               year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
               page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    """Every enterprise a rule flags, with links to their files."""
    model = build_cases(request, rule, subject, year, page, 50)
    ctx = page_context(request, active="cockpit", cases=model)
    ctx["c"] = lambda key, **p: translate(f"cockpit.{key}", ctx["lang"], **p)
    return _render(request, "cockpit/cases.html", ctx)


def build_report(request: Request, period: str | None, subject: str | None) -> Briefing:
    """The briefing (成绩单) of a period for a district."""
    state, lang = _state(request), request_language(request)
    subject = subject or default_subject(state)
    chosen = _period(period) or (default_period(state, subject) if subject else None)
    if subject is None or chosen is None:
        raise HTTPException(status_code=404, detail=translate("cockpit.no_data", lang))
    return Briefing(**build_briefing(state, subject=subject, period=chosen))


@router.get("/api/cockpit/report", response_model=Briefing, responses=NOT_FOUND, tags=["cockpit"])
def report_json(request: Request, period: PeriodText = None, subject: Subject = None) -> Briefing:
    """The briefing (成绩单) in Chinese, paragraph by paragraph, with the facts it states. Twin of the page."""
    return build_report(request, period, subject)


@router.get("/cockpit/report", response_class=HTMLResponse, include_in_schema=False)
def report_page(request: Request, period: PeriodText = None, subject: Subject = None) -> HTMLResponse:
    """The briefing as a printable page with its charts."""
    from parkbrain.cockpit.report import report_context

    model = build_report(request, period, subject)
    ctx = page_context(request, active="cockpit") | report_context(model.model_dump(), inline_assets=False)
    return _render(request, "cockpit/report.html", ctx)
