"""The JSON twins of the pages (/api/...) and the health check; the pages render the same models."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from parkbrain import overview
from parkbrain.warehouse.schema import TABLES
from parkbrain.web.language import request_language, translator
from parkbrain.web.models import (
    EcosystemFigures,
    EnterpriseDetail,
    EnterprisePage,
    Health,
    Indicator,
    Overview,
    Problem,
)
from parkbrain.web.params import EnterpriseQuery, OverviewQuery, UsccPath
from parkbrain.web.render import UNITS, is_demo

router = APIRouter()
NOT_FOUND = {404: {"model": Problem, "description": "No enterprise with this code"}}


def build_overview(request: Request, query: OverviewQuery) -> Overview:
    """The overview model of a request (labels in its language)."""
    park = request.app.state.park
    t = translator(request_language(request))
    data = overview.park_overview(park.warehouse, district=query.district, year=query.year)
    indicators = [Indicator(**i, label=t(f"indicator.{i['id']}"), unit=UNITS[i["id"]]) for i in data["indicators"]]
    ecosystems = [EcosystemFigures(**e, label=t(f"ecosystem.{e['id']}")) for e in data["ecosystems"]]
    return Overview(**data | {"indicators": indicators, "ecosystems": ecosystems}, demo=is_demo(park))


def build_enterprise_page(request: Request, query: EnterpriseQuery) -> EnterprisePage:
    """One page of the register for a request."""
    park = request.app.state.park
    return EnterprisePage(**overview.list_enterprises(park.warehouse, **query.as_kwargs()), demo=is_demo(park))


def build_enterprise_detail(request: Request, uscc: str) -> EnterpriseDetail:
    """One enterprise, or a 404 naming the code."""
    park = request.app.state.park
    detail = overview.enterprise_detail(park.warehouse, uscc)
    if detail is None:
        t = translator(request_language(request))
        raise HTTPException(status_code=404, detail=t("error.enterprise_not_found", uscc=uscc))
    return EnterpriseDetail(**detail, demo=is_demo(park))


@router.get("/api/overview", response_model=Overview, tags=["overview"])
def overview_json(request: Request, query: Annotated[OverviewQuery, Depends()]) -> Overview:
    """The park (or one district) at a glance: key indicators with year-on-year change, tiers,
    ecosystems and the district comparison. Twin of `/`."""
    return build_overview(request, query)


@router.get("/api/enterprises", response_model=EnterprisePage, tags=["enterprises"])
def enterprises_json(request: Request, query: Annotated[EnterpriseQuery, Depends()]) -> EnterprisePage:
    """Search and filter the enterprise register, one page at a time. Twin of `/enterprises`."""
    return build_enterprise_page(request, query)


@router.get("/api/enterprises/{uscc}", response_model=EnterpriseDetail, responses=NOT_FOUND, tags=["enterprises"])
def enterprise_json(request: Request, uscc: UsccPath) -> EnterpriseDetail:
    """One enterprise: attributes, yearly figures, certifications. Twin of `/enterprises/{uscc}`."""
    return build_enterprise_detail(request, uscc)


@router.get("/healthz", response_model=Health, tags=["health"],
            responses={503: {"model": Problem, "description": "The warehouse does not answer"}})
def healthz(request: Request) -> Health | JSONResponse:
    """The app is up and the warehouse answers: row counts of its tables."""
    warehouse = request.app.state.park.warehouse
    try:
        return Health(status="ok", tables={name: warehouse.count(name) for name in TABLES})
    except Exception:  # noqa: BLE001 - report, do not crash, when the warehouse is gone
        return JSONResponse({"detail": "warehouse unavailable"}, status_code=503)
