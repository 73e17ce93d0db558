"""Chain pages and their JSON twins: the chain map, a link, the tier pyramid, the 招商 pipeline.

Include with ``app.include_router(chains.router)``. Every page renders the same model as its
twin under /api; the work is in parkbrain.chains (core), this module parses and renders.
Reading needs `park.read`; confirming or moving a placement needs `park.edit` (officers) and
the session's CSRF token, and is written to the audit log.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from parkbrain.accounts.roles import Permission
from parkbrain.accounts.sessions import Principal
from parkbrain.audit import record
from parkbrain.chains import charts, reports, store
from parkbrain.chains.datafile import DataFileError
from parkbrain.chains.explain import t as chain_t
from parkbrain.chains.explain import with_texts
from parkbrain.chains.models import Diagnosis, LinkPage, OverrideIn, OverrideOut
from parkbrain.chains.report_models import MovementPage, PipelinePage, TierPage
from parkbrain.chains.tables import ChainTablesMissing
from parkbrain.chains.tiers import ABSENT, LADDER, movement_enterprises
from parkbrain.i18n import translate
from parkbrain.web import charts as web_charts
from parkbrain.web.language import request_language
from parkbrain.web.render import is_demo, page_context
from parkbrain.web.security import client_ip, require

router = APIRouter()
PER_PAGE = 20
READ = [Depends(require(Permission.PARK_READ))]
Editor = Annotated[Principal, Depends(require(Permission.PARK_EDIT))]
Id = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
District = Annotated[str | None, Query(max_length=100, description="所属区县; default: the largest")]
Year = Annotated[int | None, Query(ge=1990, le=2100, description="default: the latest")]
Benchmark = Annotated[Literal["peers", "target"], Query(description="peer districts or the target structure")]
TierName = Annotated[str, Query(pattern=f"^({'|'.join((ABSENT, *LADDER))})$")]


@contextmanager
def _answering():
    """Core errors as HTTP answers that say what is wrong."""
    try:
        yield
    except KeyError as exc:
        raise HTTPException(404, detail=str(exc.args[0] if exc.args else exc)) from None
    except ValueError as exc:
        status = 500 if isinstance(exc, DataFileError) else 404
        raise HTTPException(status, detail=str(exc)) from None
    except ChainTablesMissing as exc:
        raise HTTPException(503, detail=str(exc)) from None


def _ctx(request: Request) -> reports.ChainContext:
    park = request.app.state.park
    with _answering():
        return reports.ChainContext.of(park.warehouse, park.settings.home)


def _links_with_texts(links: list[dict], lang: str) -> list[dict]:
    return [lk | {"reasons": with_texts(lk["reasons"], lang)} for lk in links]


def build_diagnosis(request: Request, district: str | None, year: int | None, benchmark: str) -> Diagnosis:
    """The diagnosis model of a request (reasons in its language)."""
    ctx, lang = _ctx(request), request_language(request)
    with _answering():
        data = reports.diagnosis_report(ctx, district=district, year=year, benchmark=benchmark)
    data["chains"] = [c | {"links": _links_with_texts(c["links"], lang)} for c in data["chains"]]
    data["findings"] = {a: _links_with_texts(fs, lang) for a, fs in data["findings"].items()}
    return Diagnosis(**data, demo=is_demo(request.app.state.park))


def build_link(request: Request, chain_id: str, link_id: str, district: str | None, year: int | None,
               benchmark: str, page: int) -> LinkPage:
    """The link page's model."""
    ctx, lang = _ctx(request), request_language(request)
    with _answering():
        data = reports.link_report(ctx, f"{chain_id}/{link_id}", district=district, year=year,
                                   benchmark=benchmark, page=page, per_page=PER_PAGE)
    data["link"] = _links_with_texts([data["link"]], lang)[0]
    data["candidates"] = [c | {"reasons": with_texts(c["reasons"], lang)} for c in data["candidates"]]
    return LinkPage(**data, demo=is_demo(request.app.state.park))


def build_tiers(request: Request, district: str | None, year: int | None) -> TierPage:
    """The tier page's model."""
    ctx = _ctx(request)
    with _answering():
        data = reports.tier_report(ctx, district=district, year=year)
    return TierPage(**data, demo=is_demo(request.app.state.park))


def build_pipeline(request: Request, district: str | None, year: int | None) -> PipelinePage:
    """The pipeline page's model."""
    with _answering():
        data = reports.pipeline_report(_ctx(request), district=district, year=year)
    return PipelinePage(**data, demo=is_demo(request.app.state.park))


def build_movement(request: Request, year: int | None, from_tier: str, to_tier: str,
                   district: str | None) -> MovementPage:
    """The enterprises behind one arrow of the tier movement."""
    ctx = _ctx(request)
    district, year = ctx.scope(district, year)
    if year is None:
        raise HTTPException(404, detail="the register is empty")
    data = movement_enterprises(ctx.warehouse, year=year, from_tier=from_tier, to_tier=to_tier, district=district)
    return MovementPage(**data, demo=is_demo(request.app.state.park))


def _render(request: Request, name: str, context: dict) -> HTMLResponse:
    response = request.app.state.templates.TemplateResponse(request, name, context)
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def _page(request: Request, active: str, **extra: object) -> dict:
    """The common page context plus the chains catalogue's translator and the year choices."""
    ctx = page_context(request, active="chains", section=active, **extra)
    ctx["ct"] = lambda key, **p: chain_t(key, ctx["lang"], **p)
    ctx["query"] = lambda **p: "?" + urlencode({k: v for k, v in p.items() if v is not None})
    return ctx


# --- JSON twins ---------------------------------------------------------------------------------

@router.get("/api/chains", response_model=Diagnosis, tags=["chains"], dependencies=READ)
def diagnosis_json(request: Request, district: District = None, year: Year = None,
                   benchmark: Benchmark = "peers") -> Diagnosis:
    """Every chain's links with figures, status (strong/normal/weak/missing) and reasons; the links to
    strengthen (强链), fill (补链) and extend (延链). Twin of `/chains`."""
    return build_diagnosis(request, district, year, benchmark)


@router.get("/api/chains/tiers", response_model=TierPage, tags=["chains"], dependencies=READ)
def tiers_json(request: Request, district: District = None, year: Year = None) -> TierPage:
    """The tier pyramid and its movement from the year before. Twin of `/chains/tiers`."""
    return build_tiers(request, district, year)


@router.get("/api/chains/tiers/movement", response_model=MovementPage, tags=["chains"], dependencies=READ)
def movement_json(request: Request, from_tier: TierName, to_tier: TierName, district: District = None,
                  year: Year = None) -> MovementPage:
    """The enterprises behind one arrow of the movement. Twin of `/chains/tiers/movement`."""
    return build_movement(request, year, from_tier, to_tier, district)


@router.get("/api/chains/pipeline", response_model=PipelinePage, tags=["chains"], dependencies=READ)
def pipeline_json(request: Request, district: District = None, year: Year = None) -> PipelinePage:
    """Projects by stage, the year's figures against the targets, projects by link. Twin of `/chains/pipeline`."""
    return build_pipeline(request, district, year)


@router.post("/api/chains/overrides", response_model=OverrideOut, tags=["chains"])
def override_json(request: Request, body: OverrideIn, officer: Editor) -> OverrideOut:
    """Confirm, move or take an enterprise off the chains; kept across re-runs and re-imports, audited."""
    return OverrideOut(**_override(request, officer, **body.model_dump()))


def _override(request: Request, officer: Principal, *, uscc: str, action: str, link: str | None,
              note: str | None = None) -> dict:
    """Record an officer's decision, and who made it in the audit log."""
    ctx, park = _ctx(request), request.app.state.park
    if park.read_only:  # served by several workers: each reads the warehouse, none may write it
        raise HTTPException(409, detail=translate("chains.error.warehouse_read_only", request_language(request),
                                                  workers=park.settings.workers))
    with _answering():
        row = store.record_override(ctx.warehouse, ctx.catalogue, uscc=uscc, link=link, action=action,
                                    officer=officer.username, note=note)
    with park.db.write() as session:
        record(session, actor=officer.actor(client_ip(request)), action=f"chains.{action}",
               target=f"enterprise:{uscc}", detail={"chain": row["chain"], "link": row["link"], "note": note})
    return row


@router.get("/api/chains/{chain_id}/{link_id}", response_model=LinkPage, tags=["chains"], dependencies=READ)
def link_json(request: Request, chain_id: Id, link_id: Id, district: District = None, year: Year = None,
              benchmark: Benchmark = "peers", page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> LinkPage:
    """One link: figures, reasons, neighbours, enterprises with evidence, tiers, candidates, projects.
    Twin of `/chains/{chain}/{link}`."""
    return build_link(request, chain_id, link_id, district, year, benchmark, page)


# --- pages --------------------------------------------------------------------------------------

@router.get("/chains", response_class=HTMLResponse, include_in_schema=False, dependencies=READ)
def chain_map(request: Request, chain: Annotated[str | None, Query(max_length=60)] = None,
              district: District = None, year: Year = None, benchmark: Benchmark = "peers") -> HTMLResponse:
    """The chain map of one chain (default: the first) with the diagnosis."""
    model = build_diagnosis(request, district, year, benchmark)
    chosen = next((c for c in model.chains if c.id == chain), model.chains[0])
    ctx = _page(request, "map", dx=model, chosen=chosen)
    params = {"district": district, "year": year, "benchmark": benchmark if benchmark != "peers" else None}
    ctx["link_url"] = lambda key: f"/chains/{key}" + ctx["query"](**params)
    ctx["params"] = params
    ctx["graph"] = charts.chain_graph(chosen.model_dump(), _ctx(request).catalogue, ctx["lang"],
                                      ctx["ct"], ctx["link_url"])
    ctx["options"] = _filter_options(request)
    return _render(request, "chains/map.html", ctx)


@router.get("/chains/tiers", response_class=HTMLResponse, include_in_schema=False, dependencies=READ)
def tiers_page(request: Request, district: District = None, year: Year = None) -> HTMLResponse:
    """The tier pyramid with its year-on-year movement."""
    model = build_tiers(request, district, year)
    ctx = _page(request, "tiers", tp=model, options=_filter_options(request))
    t, ct = ctx["t"], ctx["ct"]
    label = _tier_label(t, ct)
    ctx["tier_label"] = label
    ctx["pyramid"] = web_charts.tier_pyramid(model.pyramid.tiers, t, ctx["fig"])
    ctx["sankey"] = charts.tier_sankey(model.movement.model_dump(), ctx["lang"], ct, label)
    return _render(request, "chains/tiers.html", ctx)


@router.get("/chains/tiers/movement", response_class=HTMLResponse, include_in_schema=False, dependencies=READ)
def movement_page(request: Request, from_tier: TierName, to_tier: TierName, district: District = None,
                  year: Year = None) -> HTMLResponse:
    """The enterprises behind one arrow of the movement."""
    model = build_movement(request, year, from_tier, to_tier, district)
    ctx = _page(request, "tiers", mv=model, district=district)
    ctx["tier_label"] = _tier_label(ctx["t"], ctx["ct"])
    return _render(request, "chains/movement.html", ctx)


@router.get("/chains/pipeline", response_class=HTMLResponse, include_in_schema=False, dependencies=READ)
def pipeline_page(request: Request, district: District = None, year: Year = None) -> HTMLResponse:
    """The 招商 pipeline: targets, funnel, links and the largest projects."""
    model = build_pipeline(request, district, year)
    ctx = _page(request, "pipeline", pl=model, options=_filter_options(request))
    ctx["funnel"] = charts.pipeline_funnel([s.model_dump() for s in model.stages], ctx["lang"], ctx["ct"])
    return _render(request, "chains/pipeline.html", ctx)


@router.post("/chains/overrides", include_in_schema=False)
def override_form(request: Request, officer: Editor, uscc: Annotated[str, Form(pattern=r"^[0-9A-Z]{18}$")],
                  action: Annotated[Literal["confirm", "override", "exclude"], Form()],
                  back: Annotated[str, Form(pattern=r"^/chains/[a-z0-9_]+/[a-z0-9_]+(\?[^\s]*)?$")],
                  link: Annotated[str | None, Form(max_length=130)] = None) -> RedirectResponse:
    """The officer's form: record the decision, then back to the link page."""
    _override(request, officer, uscc=uscc, action=action, link=link or None)
    return RedirectResponse(back, status_code=303)


@router.get("/chains/{chain_id}/{link_id}", response_class=HTMLResponse, include_in_schema=False, dependencies=READ)
def link_page(request: Request, chain_id: Id, link_id: Id, district: District = None, year: Year = None,
              benchmark: Benchmark = "peers", page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    """One link: figures, reasons, enterprises with evidence and the override form, candidates, projects."""
    model = build_link(request, chain_id, link_id, district, year, benchmark, page)
    ctx = _page(request, "map", lp=model)
    ctx["tier_chart"] = web_charts.tier_pyramid(model.tiers.tiers, ctx["t"], ctx["fig"])
    ctx["all_links"] = _ctx(request).catalogue.links
    ctx["back"] = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    ctx["params"] = {"district": district, "year": year, "benchmark": benchmark if benchmark != "peers" else None}
    return _render(request, "chains/link.html", ctx)


def _tier_label(t, ct):
    """A tier id's label (absent: not reporting)."""
    return lambda tier: ct("tiers.absent") if tier == ABSENT else t(f"tier.{tier}")


def _filter_options(request: Request) -> dict:
    from parkbrain import overview

    return overview.filter_options(request.app.state.park.warehouse)
