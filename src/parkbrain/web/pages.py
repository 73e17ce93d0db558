"""The HTML pages: parse, build the same model as the JSON twin, render."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from parkbrain import overview
from parkbrain.accounts.roles import Permission, Role
from parkbrain.accounts.sessions import Principal
from parkbrain.web import charts
from parkbrain.web.api import (
    EnterpriseReader,
    build_enterprise_detail,
    build_enterprise_page,
    build_overview,
)
from parkbrain.web.params import EnterpriseQuery, OverviewQuery, SortKey, TierId, UsccPath
from parkbrain.web.render import is_partial, page_context, render_page
from parkbrain.web.security import require

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
Anyone = Annotated[Principal, Depends(require(Permission.AUTHENTICATED))]
_render = render_page


def _cert_label(t):
    """The certification's name in the page's language (tiers and badges have catalogue labels)."""
    keys = {name: f"tier.{tier}" for tier, name in overview.TIERS.items()}
    keys |= {name: f"badge.{badge}" for badge, name in overview.BADGES.items()}
    return lambda name: t(keys[name]) if name in keys else name


@router.get("/")
def home(request: Request, query: Annotated[OverviewQuery, Depends()], principal: Anyone) -> Response:
    """The park at a glance for park staff; an enterprise user goes to its own file, an expert to its profile.

    The overview is park-wide aggregates (tiers, ecosystems, districts): scoped to one enterprise
    it would be a pyramid of one, and its own file already shows its figures year on year.
    """
    if not principal.can(Permission.PARK_READ):
        own = f"/enterprises/{principal.uscc}" if principal.role is Role.ENTERPRISE and principal.uscc else "/me"
        return RedirectResponse(own, status_code=303)
    model = build_overview(request, query)
    ctx = page_context(request, active="home")
    fig, t, lang = ctx["fig"], ctx["t"], ctx["lang"]
    data = model.model_dump()
    ctx |= {
        "ov": model, "options": overview.filter_options(request.app.state.park.warehouse),
        "charts": {
            "tiers": charts.tier_pyramid(data["tiers"], t, fig),
            "ecosystems": charts.ecosystem_bars(data["ecosystems"], t, fig, lang),
            "districts": charts.district_comparison(data["by_district"], model.district, t, fig, lang),
        },
    }
    return _render(request, "home.html", ctx)


@router.get("/enterprises")
def enterprises(request: Request, query: Annotated[EnterpriseQuery, Depends()],
                principal: EnterpriseReader) -> HTMLResponse:
    """The enterprise register: search, filters, paging; HTMX asks for the results block only."""
    result = build_enterprise_page(request, query, principal)
    ctx = page_context(request, active="enterprises", result=result, query=query,
                       tiers=list(TierId), sorts=list(SortKey),
                       ecosystems=overview.ecosystem_ids())
    if is_partial(request):
        return _render(request, "_results.html", ctx)
    ctx["options"] = overview.filter_options(request.app.state.park.warehouse)
    return _render(request, "enterprises.html", ctx)


@router.get("/enterprises/{uscc}")
def enterprise(request: Request, uscc: UsccPath, principal: EnterpriseReader) -> HTMLResponse:
    """One enterprise's file: attributes, certifications, yearly figures and charts."""
    model = build_enterprise_detail(request, uscc, principal)
    ctx = page_context(request, active="enterprises", detail=model)
    ctx |= {"badge_names": {name: b for b, name in overview.BADGES.items()}, "cert_label": _cert_label(ctx["t"])}
    years = [y.model_dump() for y in model.years]
    ctx["trend"] = charts.enterprise_trend(years, ctx["t"], ctx["lang"])
    return _render(request, "enterprise.html", ctx)
