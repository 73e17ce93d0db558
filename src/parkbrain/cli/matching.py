"""`parkbrain spaces …` (一键找园, listings) and `parkbrain experts …` (校企 / 博士入企): thin shells.

The lead registers them: `app.add_typer(spaces_app, name="spaces")`,
`app.add_typer(experts_app, name="experts")`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from parkbrain.app import ParkBrain
from parkbrain.cli.common import console, err, open_park
from parkbrain.i18n import translate
from parkbrain.matching import collaborations, listings, service
from parkbrain.matching.collaborations import CollaborationError
from parkbrain.matching.listings import ListingError
from parkbrain.matching.space_needs import USES, SpaceNeeds, SpaceNeedsError

spaces_app = typer.Typer(help="一键找园: find park space for stated needs; manage listings.", no_args_is_help=True)
experts_app = typer.Typer(help="校企 / 博士入企: match experts to technology needs; assign; collaborations.",
                          no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _m(park: ParkBrain, key: str, **params: object) -> str:
    return translate(f"matching.{key}", park.lang, **params)


def _print_json(data: object) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(message, style="red", markup=False, highlight=False)
    return typer.Exit(code)


# ---- spaces ------------------------------------------------------------------------------------

@spaces_app.command("find")
def spaces_find(
    area_min: Annotated[float | None, typer.Option(min=0, help="Smallest area, ㎡.")] = None,
    area_max: Annotated[float | None, typer.Option(min=0, help="Largest area, ㎡.")] = None,
    budget: Annotated[float | None, typer.Option(min=0, help="Highest rent, 元/㎡/天.")] = None,
    use: Annotated[str | None, typer.Option(help=f"One of {', '.join(USES)}.")] = None,
    industry: Annotated[str | None, typer.Option(help="Ecosystem, e.g. 生物医药.")] = None,
    district: Annotated[list[str] | None, typer.Option(help="Preferred district (repeatable).")] = None,
    park_pref: Annotated[list[str] | None, typer.Option("--park", help="Preferred park id or name (repeatable).")] = None,
    move_in: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Wished move-in date.")] = None,
    floor_load: Annotated[float | None, typer.Option(min=0, help="Floor load at least, kN/㎡.")] = None,
    clean_room: Annotated[str | None, typer.Option(help="Clean room at least, e.g. 'ISO 7' or 万级.")] = None,
    power: Annotated[float | None, typer.Option(min=0, help="Power at least, kVA.")] = None,
    ceiling: Annotated[float | None, typer.Option(min=0, help="Ceiling height at least, m.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="Listings to show.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Rank the available listings for the needs, with the reasons (anyone may search)."""
    park = open_park()
    try:
        needs = SpaceNeeds(area_min=area_min, area_max=area_max, budget=budget, use=use, industry=industry,
                           districts=tuple(district or ()), parks=tuple(park_pref or ()),
                           move_in=move_in.date() if move_in else None, floor_load=floor_load,
                           clean_room=clean_room, power_kva=power, ceiling_height=ceiling)
    except SpaceNeedsError as exc:
        raise _fail(exc.message(park.lang), 2) from None
    result = service.search_spaces(park.warehouse, needs, limit=limit)
    lang = park.lang
    if as_json:
        _print_json([{"rank": m.rank, "space_id": m.space_id, "park": m.park_name, "score": m.score,
                      "exact": m.exact, "points": m.points, "listing": m.row,
                      "reasons": [{"status": r.status, "message": r.message(lang)} for r in m.reasons],
                      "why_rank": m.rank_note.message(lang)} for m in result.matches])
        park.close()
        return
    console.print(_m(park, "spaces.summary", listings=result.listings, available=result.available,
                     shown=result.shown, exact=result.exact, count=len(result.matches)))
    if not result.matches:
        console.print(_m(park, "spaces.empty"))
    for m in result.matches:
        row = m.row
        rent = f"{row['rent']:g} {_m(park, 'spaces.rent_unit')}" if row["rent"] is not None else _m(park, "spaces.negotiable")
        console.print(f"[bold]{m.rank}. {m.space_id}[/bold]  {m.park_name or m.park_id} {row['building'] or ''}  "
                      f"{_m(park, 'use.' + row['use'])}  {row['area_sqm']:g}㎡  {rent}  "
                      f"{_m(park, 'spaces.score')} {m.score:g}", highlight=False)
        for r in m.reasons:
            mark = {"met": "✓", "partly": "~", "near": "≈", "unmet": "✗", "unknown": "?"}.get(r.status, "·")
            console.print(f"   {mark} {r.message(lang)}", markup=False, highlight=False)
        console.print(f"   → {m.rank_note.message(lang)}", markup=False, highlight=False, style="dim")
    park.close()


@spaces_app.command("list")
def spaces_list(
    status: Annotated[str | None, typer.Option(help="available, let or withdrawn.")] = None,
    park_id: Annotated[str | None, typer.Option("--park", help="Park id.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Rows to show.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List the listings (by id), optionally of one status or park."""
    park = open_park()
    rows = listings.list_spaces(park.warehouse, status=status, park_id=park_id, limit=limit)
    if as_json:
        _print_json(rows)
    else:
        table = Table()
        for column in ("space_id", "park_id", "building", "floor", "area_sqm", "rent", "use", "available_from", "status"):
            table.add_column(column)
        for r in rows:
            table.add_row(*("" if r[c] is None else str(r[c]) for c in
                            ("space_id", "park_id", "building", "floor", "area_sqm", "rent", "use", "available_from",
                             "status")))
        console.print(table)
    park.close()


def _listing_write(action, space_id: str, *args) -> None:
    park = open_park()
    try:
        row = action(park.warehouse, space_id, *args)
    except ListingError as exc:
        park.close()
        raise _fail(exc.message(park.lang)) from None
    console.print(f"{row['space_id']}: {row['status']}")
    park.close()


@spaces_app.command("let")
def spaces_let(space_id: Annotated[str, typer.Argument(help="Listing id, e.g. S-00042.")]) -> None:
    """Mark a listing let: it leaves the search results."""
    _listing_write(listings.let_space, space_id)


@spaces_app.command("withdraw")
def spaces_withdraw(space_id: Annotated[str, typer.Argument(help="Listing id.")]) -> None:
    """Take a listing off the market: it leaves the search results."""
    _listing_write(listings.withdraw_space, space_id)


@spaces_app.command("relist")
def spaces_relist(space_id: Annotated[str, typer.Argument(help="Listing id.")]) -> None:
    """Put a let or withdrawn listing back on the market."""
    _listing_write(listings.relist_space, space_id)


def _fields(**values: object) -> dict:
    return {k: (v.date() if isinstance(v, dt.datetime) else v) for k, v in values.items() if v is not None}


@spaces_app.command("add")
def spaces_add(
    park_id: Annotated[str, typer.Option("--park", help="Park id (must exist).")],
    area: Annotated[float, typer.Option(help="Area, ㎡.")],
    use: Annotated[str, typer.Option(help=f"One of {', '.join(USES)}.")],
    rent: Annotated[float | None, typer.Option(help="Rent, 元/㎡/天.")] = None,
    space_id: Annotated[str | None, typer.Option("--id", help="Listing id (default: the next S-…).")] = None,
    building: Annotated[str | None, typer.Option()] = None,
    floor: Annotated[int | None, typer.Option()] = None,
    floor_load: Annotated[float | None, typer.Option(help="kN/㎡.")] = None,
    clean_room: Annotated[str | None, typer.Option(help="e.g. 'ISO 7'.")] = None,
    power: Annotated[float | None, typer.Option(help="kVA.")] = None,
    ceiling: Annotated[float | None, typer.Option(help="m.")] = None,
    available_from: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
) -> None:
    """Add a listing (checked by the spaces template's rules)."""
    park = open_park()
    listing = _fields(space_id=space_id, park_id=park_id, area_sqm=area, use=use, rent=rent, building=building,
                      floor=floor, floor_load=floor_load, clean_room=clean_room, power_kva=power,
                      ceiling_height=ceiling, available_from=available_from)
    try:
        new_id = listings.create_listing(park.warehouse, listing)
    except ListingError as exc:
        park.close()
        raise _fail(exc.message(park.lang)) from None
    console.print(f"{new_id}: available")
    park.close()


@spaces_app.command("update")
def spaces_update(
    space_id: Annotated[str, typer.Argument(help="Listing id.")],
    area: Annotated[float | None, typer.Option(help="Area, ㎡.")] = None,
    rent: Annotated[float | None, typer.Option(help="Rent, 元/㎡/天.")] = None,
    use: Annotated[str | None, typer.Option()] = None,
    floor_load: Annotated[float | None, typer.Option()] = None,
    clean_room: Annotated[str | None, typer.Option()] = None,
    power: Annotated[float | None, typer.Option()] = None,
    ceiling: Annotated[float | None, typer.Option()] = None,
    available_from: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
) -> None:
    """Change a listing's figures (options left out stay as they are)."""
    changes = _fields(area_sqm=area, rent=rent, use=use, floor_load=floor_load, clean_room=clean_room,
                      power_kva=power, ceiling_height=ceiling, available_from=available_from)
    _listing_write(listings.update_listing, space_id, changes)


# ---- experts -----------------------------------------------------------------------------------

def _cache(park: ParkBrain) -> Path:
    return service.cache_folder(park.settings.home)


@experts_app.command("find")
def experts_find(
    need_id: Annotated[str | None, typer.Argument(help="Technology need id, e.g. N-000123.")] = None,
    text: Annotated[str | None, typer.Option(help="Or the need in words.")] = None,
    field: Annotated[str | None, typer.Option(help="Technology field (with --text), e.g. 光伏.")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="Experts to show.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """The experts for a need, best first, with the matching terms that explain each."""
    park = open_park()
    if bool(need_id) == bool(text):
        park.close()
        raise _fail(_m(park, "experts.need_or_text"), 2)
    if need_id:
        need = service.need_row(park.warehouse, need_id)
        if need is None:
            park.close()
            raise _fail(_m(park, "experts.need_not_found", need_id=need_id))
        found = service.match_need(park.warehouse, need, k=k, cache_dir=_cache(park))
        console.print(f"[bold]{need['need_id']}[/bold] {need['title']}  ({need['field'] or '—'})", highlight=False)
    else:
        found = service.match_text(park.warehouse, text or "", field=field, k=k, cache_dir=_cache(park))
    if as_json:
        _print_json([m.__dict__ | {"terms": [t.__dict__ for t in m.terms]} for m in found])
        park.close()
        return
    if not found:
        console.print(_m(park, "experts.empty"))
    for m in found:
        terms = "、".join(t.term for t in m.terms) or _m(park, "experts.no_terms")
        signals = [s for s in (_m(park, "experts.field_match", field=m.field_match) if m.field_match else "",
                               _m(park, "experts.same_city", city=m.city) if m.same_city else "") if s]
        console.print(f"[bold]{m.rank}. {m.name}[/bold] {m.expert_id}  {m.institution or ''} {m.title or ''}  "
                      f"{m.score:.3f}", highlight=False)
        console.print(f"   {_m(park, 'experts.terms')}: {terms}", markup=False, highlight=False)
        if signals:
            console.print("   " + "；".join(signals), markup=False, highlight=False, style="dim")
    park.close()


@experts_app.command("assign")
def experts_assign(
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Needs one expert takes at most.")] = 3,
    m: Annotated[int, typer.Option("--m", min=1, max=20, help="Experts one need gets at most.")] = 2,
    per_need: Annotated[int, typer.Option(min=1, max=200, help="Candidates per need from retrieval.")] = 20,
    out: Annotated[Path | None, typer.Option(help="Write the pairs to this CSV file.")] = None,
    propose_pairs: Annotated[bool, typer.Option("--propose", help="Record the pairs as proposed collaborations.")] = False,
) -> None:
    """Place experts on every need with capacities, maximising the total match score."""
    park = open_park()
    result = service.assign_experts(park.warehouse, k=k, m=m, per_need=per_need, cache_dir=_cache(park))
    needs_served = len({r["need_id"] for r in result.rows})
    experts_used = len({r["expert_id"] for r in result.rows})
    console.print(f"needs {result.needs:,}, experts {result.experts:,}, candidate pairs {result.candidates:,}; "
                  f"assigned {len(result.rows):,} pairs to {needs_served:,} needs using {experts_used:,} experts; "
                  f"total score {result.total:,.2f}  (k={k}, m={m}; "
                  + ", ".join(f"{s} {v:.2f}s" for s, v in result.seconds.items()) + ")", highlight=False)
    if out:
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(result.rows[0]) if result.rows else ["need_id"])
            writer.writeheader()
            writer.writerows(result.rows)
        console.print(f"{out}: {len(result.rows):,} rows")
    if propose_pairs:
        try:
            added = collaborations.propose(park.warehouse, result.rows)
        except CollaborationError as exc:
            park.close()
            raise _fail(exc.message(park.lang)) from None
        console.print(f"proposed {added:,} new collaborations")
    park.close()


@experts_app.command("collaborations")
def experts_collaborations(
    latest: Annotated[int, typer.Option(min=0, max=500, help="Latest changes to list.")] = 10,
    seed_demo: Annotated[bool, typer.Option("--seed-demo", help="Demo park only: replace the collaborations with "
                                                              "the demo's, at the seeds' scale.")] = False,
    as_json: JsonOption = False,
) -> None:
    """The collaborations board: counts by status and the seeds' figures."""
    park = open_park()
    if seed_demo:
        if not park.is_demo:
            park.close()
            raise _fail("--seed-demo only works on the demo park (parkbrain demo)", 2)
        from parkbrain.matching.demo import seed_demo_collaborations

        seed_demo_collaborations(park.warehouse, seed=park.settings.demo_seed, today=dt.date.today(),
                                 cache_dir=_cache(park))
    data = collaborations.board(park.warehouse, latest=latest)
    if as_json:
        _print_json(data)
        park.close()
        return
    table = Table(title=_m(park, "collaborations.title"))
    table.add_column("")
    table.add_column("", justify="right")
    for key, value in (("pool", data["pool"]), ("placed", data["placed_experts"]),
                       ("covered", data["covered_enterprises"]), ("signed", data["signed"])):
        table.add_row(_m(park, f"collaborations.{key}"), f"{value:,}")
    for status, count in data["by_status"].items():
        table.add_row(_m(park, f"collaborations.state.{status}"), f"{count:,}")
    console.print(table)
    for r in data["latest"]:
        console.print(f"{r['collaboration_id']}  {r['need_id']} ↔ {r['expert_id']}  "
                      f"{_m(park, 'collaborations.state.' + r['status'])}  {r['updated_on']}", highlight=False)
    park.close()


@experts_app.command("advance")
def experts_advance(
    collaboration_id: Annotated[str, typer.Argument(help="Collaboration id, e.g. C-de5a66b58d.")],
    status: Annotated[str, typer.Argument(help="accepted, signed, completed or declined.")],
    on: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Date (default today).")] = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the collaboration.")] = None,
) -> None:
    """Move a collaboration to its next stage, or decline it."""
    park = open_park()
    try:
        row = collaborations.advance(park.warehouse, collaboration_id, status, on=on.date() if on else None, note=note)
    except CollaborationError as exc:
        park.close()
        raise _fail(exc.message(park.lang)) from None
    console.print(f"{row['collaboration_id']}: {row['status']}")
    park.close()
