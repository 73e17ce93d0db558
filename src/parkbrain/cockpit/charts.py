"""ECharts options for the cockpit and the briefing, built on the server (labels and figures in one language).

Each option may carry ``_links``: one drill-down address per category, which static/cockpit.js
follows on a click (the option is data; no code travels with it).
"""

from __future__ import annotations

from html import escape

from parkbrain.cockpit.figures import axis

FONT = ('"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", '
        '"WenQuanYi Micro Hei", sans-serif')
THEMES = {
    "light": {"text": "#33415c", "grid": "#e5eaf2", "bar": "#1f5fbf", "last": "#9fb3cf", "forecast": "#d97706",
              "band": "rgba(217,119,6,0.18)", "stars": ["#b91c1c", "#d97706", "#1f5fbf", "#0f766e", "#6b7280"]},
    "dark": {"text": "#cfe3ff", "grid": "#1d3557", "bar": "#3fa9f5", "last": "#5b7aa8", "forecast": "#ffb347",
             "band": "rgba(255,179,71,0.22)", "stars": ["#ff5c5c", "#ffb347", "#3fa9f5", "#2ec4b6", "#8a99ad"]},
}
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _base(theme: dict, animate: bool = True, **option: object) -> dict:
    return {"textStyle": {"fontFamily": FONT, "color": theme["text"]}, "animation": animate,
            "animationDuration": 300, "tooltip": {"confine": True}, "backgroundColor": "transparent", **option}


def _scaled(value: float | None, divisor: float) -> float | None:
    return None if value is None else round(value / divisor, 2)


def trend_chart(trend: dict, labels: dict[str, str], lang: str = "zh", *, mode: str = "light",
                animate: bool = True) -> dict:
    """This year's months (bars), last year's (line) and the forecast with its interval (dashed line, band)."""
    theme = THEMES["dark" if mode == "wall" else "light"]
    divisor, unit = axis(trend["unit"], lang)
    steps = trend["steps"]
    months = [f"{s['month']}月" if lang == "zh" else MONTHS_EN[s["month"] - 1] for s in steps]
    actual = [_scaled(s.get("actual"), divisor) for s in steps]
    mean = [_scaled(s.get("mean"), divisor) for s in steps]
    reported = [i for i, s in enumerate(steps) if s.get("actual") is not None]
    if reported and reported[-1] + 1 < len(steps):  # the dashed forecast starts from the last reported month
        mean[reported[-1]] = actual[reported[-1]]
    lo = [_scaled(s.get("lo"), divisor) for s in steps]
    band = [None if s.get("hi") is None else round((s["hi"] - s["lo"]) / divisor, 2) for s in steps]
    series = [
        {"type": "bar", "name": labels["this_year"], "data": actual, "color": theme["bar"], "barMaxWidth": 18},
        {"type": "line", "name": labels["last_year"], "color": theme["last"], "symbolSize": 4,
         "data": [_scaled(s.get("last_year"), divisor) for s in steps]},
        {"type": "line", "name": labels["forecast"], "color": theme["forecast"], "data": mean,
         "lineStyle": {"type": "dashed"}, "symbolSize": 5},
        {"type": "line", "name": "lo", "data": lo, "stack": "band", "symbol": "none", "lineStyle": {"opacity": 0},
         "tooltip": {"show": False}, "silent": True},
        {"type": "line", "name": labels["interval"], "data": band, "stack": "band", "symbol": "none",
         "lineStyle": {"opacity": 0}, "areaStyle": {"color": theme["band"]}, "color": theme["band"], "silent": True},
    ]
    return _base(theme, animate,
                 legend={"top": 0, "right": 0, "itemWidth": 14, "itemHeight": 8, "textStyle": {"color": theme["text"]},
                         "data": [labels["this_year"], labels["last_year"], labels["forecast"], labels["interval"]]},
                 grid={"left": 8, "right": 12, "top": 40, "bottom": 6, "containLabel": True},
                 xAxis={"type": "category", "data": months, "axisTick": {"show": False},
                        "axisLabel": {"color": theme["text"]}},
                 yAxis={"type": "value", "name": unit, "nameTextStyle": {"color": theme["text"]},
                        "axisLabel": {"color": theme["text"]}, "splitLine": {"lineStyle": {"color": theme["grid"]}}},
                 series=series, tooltip={"trigger": "axis", "confine": True}, _links=[trend["href"]] * len(steps))


def rating_chart(rating: dict, lang: str = "zh", *, mode: str = "light", animate: bool = True) -> dict:
    """Each subject's composite index as a bar, coloured by its stars, the selected subject outlined."""
    theme = THEMES["dark" if mode == "wall" else "light"]
    rows = list(reversed(rating["rows"]))  # ECharts draws the first category at the bottom
    data = []
    for row in rows:
        color = theme["stars"][5 - row["stars"]]
        item = {"value": round(row["index"], 1), "itemStyle": {"color": color},
                "label": {"formatter": f"{row['index']:.1f} · {row['stars_label']}"},
                "tooltip": {"formatter": escape(f"{row['subject']}: {row['index']:.1f} · {row['stars_label']}")}}
        if row.get("selected"):
            item["itemStyle"] |= {"borderColor": theme["text"], "borderWidth": 2}
        data.append(item)
    links = ["/cockpit?" + _query(row["subject"]) if rating["level"] == "district" else
             "/enterprises?" + _query(row["subject"], key="park") for row in rows]
    return _base(theme, animate,
                 grid={"left": 8, "right": 110, "top": 6, "bottom": 6, "containLabel": True},
                 xAxis={"type": "value", "max": 100, "axisLabel": {"color": theme["text"]},
                        "splitLine": {"lineStyle": {"color": theme["grid"]}}},
                 yAxis={"type": "category", "data": [r["subject"] for r in rows], "axisTick": {"show": False},
                        "axisLabel": {"color": theme["text"]}},
                 series=[{"type": "bar", "data": data, "barMaxWidth": 20,
                          "label": {"show": True, "position": "right", "color": theme["text"]}}],
                 _links=links)


def _query(value: str, key: str = "subject") -> str:
    from urllib.parse import urlencode

    return urlencode({key: value})
