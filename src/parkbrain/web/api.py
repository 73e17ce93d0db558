"""The JSON twins of the pages (/api/...) and the health check; the pages render the same models."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from parkbrain import overview
from parkbrain.accounts.roles import Permission, Role
from parkbrain.accounts.sessions import Principal
from parkbrain.audit import record
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
from parkbrain.web.params import MAX_PER_PAGE, EnterpriseQuery, OverviewQuery, UsccPath
from parkbrain.web.render import UNITS, is_demo
from parkbrain.web.security import client_ip, require

DENIED = {401: {"model": Problem, "description": "Not logged in"},
          403: {"model": Problem, "description": "The account's role may not see this"}}
router = APIRouter(responses=DENIED)
NOT_FOUND = {404: {"model": Problem, "description": "No enterprise with this code (or not yours)"}}
ParkReader = Annotated[Principal, Depends(require(Permission.PARK_READ))]
EnterpriseReader = Annotated[Principal, Depends(require(Permission.ENTERPRISES_READ))]
Public = Annotated[Principal | None, Depends(require(Permission.PUBLIC))]


def audit_read(request: Request, principal: Principal, action: str, target: str, detail: dict) -> None:
    """Log park staff reading enterprises' figures (an enterprise reading its own is not logged)."""
    if principal.role is Role.ENTERPRISE:
        return
    with request.app.state.park.db.write() as session:
        record(session, actor=principal.actor(client_ip(request)), action=action, target=target, detail=detail)


def build_overview(request: Request, query: OverviewQuery) -> Overview:
    """The overview model of a request (labels in its language)."""
    park = request.app.state.park
    t = translator(request_language(request))
    data = overview.park_overview(park.warehouse, district=query.district, year=query.year)
    indicators = [Indicator(**i, label=t(f"indicator.{i['id']}"), unit=UNITS[i["id"]]) for i in data["indicators"]]
    ecosystems = [EcosystemFigures(**e, label=t(f"ecosystem.{e['id']}")) for e in data["ecosystems"]]
    return Overview(**data | {"indicators": indicators, "ecosystems": ecosystems}, demo=is_demo(park))


def _mentions(warehouse, uscc: str, q: str) -> bool:
    """Whether one enterprise's name, code, products or business scope contain `q` (as the search does)."""
    firm = (overview.enterprise_detail(warehouse, uscc) or {"enterprise": {}})["enterprise"]
    needle = q.strip().lower()
    return any(needle in (firm.get(c) or "").lower() for c in ("name", "uscc", "products", "business_scope"))


def _own_page(warehouse, uscc: str, query: EnterpriseQuery) -> dict:
    """The register as an enterprise user sees it: its own enterprise, if it meets the filters."""
    wanted = query.as_kwargs() | {"q": uscc, "page": 1, "per_page": MAX_PER_PAGE}
    items = [i for i in overview.list_enterprises(warehouse, **wanted)["items"] if i["uscc"] == uscc]
    if (query.q and items and not _mentions(warehouse, uscc, query.q)) or query.page > 1:
        items = []
    return {"total": len(items), "page": query.page, "per_page": query.per_page, "pages": 1,
            "sort": query.sort.value, "items": items}


def build_enterprise_page(request: Request, query: EnterpriseQuery, principal: Principal) -> EnterprisePage:
    """One page of the register for a request; an enterprise user sees only its own enterprise."""
    park = request.app.state.park
    if principal.role is Role.ENTERPRISE:
        return EnterprisePage(**_own_page(park.warehouse, principal.uscc or "", query), demo=is_demo(park))
    audit_read(request, principal, "enterprise.list", "enterprises",
               {k: v for k, v in query.as_kwargs().items() if v is not None})
    return EnterprisePage(**overview.list_enterprises(park.warehouse, **query.as_kwargs()), demo=is_demo(park))


def build_enterprise_detail(request: Request, uscc: str, principal: Principal) -> EnterpriseDetail:
    """One enterprise, or a 404 (naming the code to park staff; the same bare 404 to another enterprise)."""
    park = request.app.state.park
    t = translator(request_language(request))
    if principal.role is Role.ENTERPRISE and uscc != principal.uscc:
        raise HTTPException(status_code=404, detail=t("error.http_404"))
    audit_read(request, principal, "enterprise.read", f"enterprise:{uscc}", {})
    detail = overview.enterprise_detail(park.warehouse, uscc)
    if detail is None:
        raise HTTPException(status_code=404, detail=t("error.enterprise_not_found", uscc=uscc))
    return EnterpriseDetail(**detail, demo=is_demo(park))


@router.get("/api/overview", response_model=Overview, tags=["overview"])
def overview_json(request: Request, query: Annotated[OverviewQuery, Depends()], _: ParkReader) -> Overview:
    """The park (or one district) at a glance: key indicators with year-on-year change, tiers,
    ecosystems and the district comparison. Twin of `/` (park staff; an enterprise sees its own file)."""
    return build_overview(request, query)


@router.get("/api/enterprises", response_model=EnterprisePage, tags=["enterprises"])
def enterprises_json(request: Request, query: Annotated[EnterpriseQuery, Depends()],
                     principal: EnterpriseReader) -> EnterprisePage:
    """Search and filter the enterprise register, one page at a time (an enterprise user: its own only).
    Twin of `/enterprises`."""
    return build_enterprise_page(request, query, principal)


@router.get("/api/enterprises/{uscc}", response_model=EnterpriseDetail, responses=NOT_FOUND, tags=["enterprises"])
def enterprise_json(request: Request, uscc: UsccPath, principal: EnterpriseReader) -> EnterpriseDetail:
    """One enterprise: attributes, yearly figures, certifications (an enterprise user: its own only).
    Twin of `/enterprises/{uscc}`."""
    return build_enterprise_detail(request, uscc, principal)


@router.get("/healthz", response_model=Health, tags=["health"],
            responses={503: {"model": Problem, "description": "The warehouse does not answer"}})
def healthz(request: Request, _: Public) -> Health | JSONResponse:
    """The app is up and the warehouse answers: row counts of its tables."""
    warehouse = request.app.state.park.warehouse
    try:
        return Health(status="ok", tables={name: warehouse.count(name) for name in TABLES})
    except Exception:  # noqa: BLE001 - report, do not crash, when the warehouse is gone
        return JSONResponse({"detail": "warehouse unavailable"}, status_code=503)
