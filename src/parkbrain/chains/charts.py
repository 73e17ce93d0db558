"""ECharts options of the chain pages, built on the server so every label goes through the catalogue.

The browser hands them to ECharts unchanged (static/js/charts.js draws them; static/chains.js
opens a link's page when its node is clicked, from the node's `url`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape

from parkbrain import numbers
from parkbrain.chains.catalogue import Catalogue

FONT = ('"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", '
        '"Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif')
STATUS_COLORS = {"strong": "#0f766e", "normal": "#3a7bd5", "weak": "#d97706", "missing": "#ffffff"}
OTHER_CHAIN = "#c7cfdb"
TIER_COLORS = {"absent": "#c7cfdb", "none": "#9fb3cf", "tech_sme": "#a9c7f2", "high_tech_enterprise": "#6b9fe6",
               "specialised_sme": "#3a7bd5", "little_giant": "#1f5fbf", "listed": "#0b3d91"}
COLUMN = {"upstream": 0, "midstream": 1, "downstream": 2}
Translate = Callable[..., str]


def _base(**option: object) -> dict:
    return {"textStyle": {"fontFamily": FONT}, "animationDuration": 300, "tooltip": {"confine": True}, **option}


def _node(link: dict, x: float, y: float, biggest: int, lang: str, t: Translate, url: str) -> dict:
    """A link of the chain: colour by status, size by enterprises, tooltip with its figures."""
    name = link["en"] if lang == "en" else link["zh"]
    count = numbers.count(link["enterprises"], lang)
    tip = (f"<b>{escape(name)}</b><br>{escape(t('status.' + link['status']))} · {count}"
           f"<br>{escape(t('common.lq'))}: {'—' if link['lq'] is None else numbers.fixed(link['lq'], 2)}")
    missing = link["status"] == "missing"
    return {
        "id": link["key"], "name": name, "x": x, "y": y, "url": url, "value": link["enterprises"],
        "symbolSize": 34 + 42 * math.sqrt(link["enterprises"] / biggest) if biggest else 34,
        "itemStyle": {"color": STATUS_COLORS[link["status"]], "borderColor": "#b91c1c" if missing else "#fff",
                      "borderWidth": 2, "borderType": "dashed" if missing else "solid"},
        "label": {"show": True, "position": "bottom", "formatter": f"{name}\n{count}", "color": "#1c2a40"},
        "tooltip": {"formatter": tip},
    }


def _outside(key: str, x: float, y: float, catalogue: Catalogue, lang: str) -> dict:
    """A link of another chain that supplies or buys from this one (grey, not clickable)."""
    link = catalogue.link(key)
    chain = catalogue.chain(link.chain)
    name = f"{chain.name(lang)} · {link.name(lang)}"
    return {"id": key, "name": name, "x": x, "y": y, "symbolSize": 22, "itemStyle": {"color": OTHER_CHAIN},
            "label": {"show": True, "position": "bottom", "formatter": f"{chain.name(lang)}\n{link.name(lang)}",
                      "color": "#5b6b82", "fontSize": 11},
            "tooltip": {"formatter": escape(name)}}


def chain_graph(chain: dict, catalogue: Catalogue, lang: str, t: Translate, url: Callable[[str], str]) -> dict:
    """The chain as a graph: links in columns up-, mid-, downstream, supply edges as arrows."""
    biggest = max((lk["enterprises"] for lk in chain["links"]), default=0)
    nodes, mine = [], {lk["key"] for lk in chain["links"]}
    for position, column in COLUMN.items():
        links = [lk for lk in chain["links"] if lk["position"] == position]
        for i, lk in enumerate(links):
            y = (i - (len(links) - 1) / 2) * 120
            nodes.append(_node(lk, 320.0 * column, y, biggest, lang, t, url(lk["key"])))
    outside = sorted({k for e in chain["edges"] for k in (e["source"], e["target"]) if k not in mine})
    for i, key in enumerate(outside):
        feeds = any(e["source"] == key for e in chain["edges"])
        x = -260.0 if feeds else 900.0
        nodes.append(_outside(key, x, (i - (len(outside) - 1) / 2) * 90, catalogue, lang))
    edges = [{"source": e["source"], "target": e["target"],
              "lineStyle": {"color": OTHER_CHAIN if e["source"] not in mine or e["target"] not in mine else "#7d8ca3"}}
             for e in chain["edges"]]
    series = {"type": "graph", "layout": "none", "roam": False, "data": nodes, "links": edges,
              "edgeSymbol": ["none", "arrow"], "edgeSymbolSize": 9, "cursor": "pointer",
              "lineStyle": {"width": 1.6, "curveness": 0.12, "opacity": 0.9},
              "emphasis": {"focus": "adjacency"}, "left": 130, "right": 150, "top": 50, "bottom": 80}
    return _base(series=[series])


def tier_sankey(movement: dict, lang: str, t: Translate, tier_label: Callable[[str], str]) -> dict:
    """Flows between last year's tiers (left) and this year's (right); the unchanged are left out
    (the pyramid shows them), so the moves stay readable."""
    prev, year = movement["previous_year"], movement["year"]
    moves = [f for f in movement["flows"] if f["kind"] != "same"]
    used_from = {f["from_tier"] for f in moves}
    used_to = {f["to_tier"] for f in moves}
    order = list(TIER_COLORS)
    nodes = [{"name": f"{prev} {tier_label(k)}", "itemStyle": {"color": TIER_COLORS[k]}} for k in order if k in used_from]
    nodes += [{"name": f"{year} {tier_label(k)}", "itemStyle": {"color": TIER_COLORS[k]}} for k in order if k in used_to]
    links = [{"source": f"{prev} {tier_label(f['from_tier'])}", "target": f"{year} {tier_label(f['to_tier'])}",
              "value": f["enterprises"]} for f in moves]
    series = {"type": "sankey", "data": nodes, "links": links, "layoutIterations": 0, "nodeGap": 10,
              "left": 10, "right": 150, "top": 10, "bottom": 10, "emphasis": {"focus": "adjacency"},
              "lineStyle": {"color": "gradient", "opacity": 0.35}, "label": {"color": "#1c2a40"}}
    return _base(series=[series])


def pipeline_funnel(stages: list[dict], lang: str, t: Translate) -> dict:
    """The projects that reached each stage, 洽谈 at the top."""
    palette = ["#a9c7f2", "#6b9fe6", "#3a7bd5", "#1f5fbf", "#0b3d91"]
    data = []
    for i, s in enumerate(stages):
        text = f"{t('stage.' + s['stage'])}  {numbers.count(s['reached'], lang, '个')}"
        data.append({"name": t("stage." + s["stage"]), "value": s["reached"], "itemStyle": {"color": palette[i]},
                     "label": {"formatter": text, "color": "#fff" if i >= 2 else "#0b3d91"},
                     "tooltip": {"formatter": escape(text)}})
    series = {"type": "funnel", "sort": "none", "left": "10%", "width": "80%", "top": 10, "bottom": 10,
              "minSize": "22%", "gap": 3, "data": data, "label": {"position": "inside", "fontSize": 13}}
    return _base(series=[series])
