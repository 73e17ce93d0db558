"""ECharts options built on the server, so that every label and figure goes through the catalogue
and parkbrain.numbers; the browser only hands them to echarts (static/js/charts.js)."""

from __future__ import annotations

from html import escape

from parkbrain.overview import TIERS
from parkbrain.web.render import Figures

FONT = ('"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", '
        '"Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif')
BLUES = ["#0b3d91", "#1f5fbf", "#3a7bd5", "#6b9fe6", "#a9c7f2"]
ACCENT = "#d97706"
MUTED = "#9fb3cf"


def _base(**option: object) -> dict:
    return {"textStyle": {"fontFamily": FONT}, "animationDuration": 300,
            "tooltip": {"confine": True}, **option}


def _scale(values: list[float | None], divisor: float) -> list[float | None]:
    return [None if v is None else round(v / divisor, 2) for v in values]


def park_money_axis(t, lang: str) -> tuple[float, str]:
    """Divisor from 万元 and axis unit for park-level money: 亿元, or billion CNY."""
    return (1e4 if lang == "zh" else 1e5), t("unit.park_money")


def firm_money_axis(t, lang: str) -> tuple[float, str]:
    """Divisor from 万元 and axis unit for one enterprise's money: 万元, or million CNY."""
    return (1 if lang == "zh" else 100), t("unit.firm_money")


def tier_pyramid(tiers: dict[str, int], t, fig: Figures) -> dict:
    """The certification ladder as a pyramid (top: listed); widths show the rung, labels the count."""
    data = []
    for rank, tier in enumerate(TIERS, start=1):  # value = rung from the top: the shape, not the count
        text = f"{t('tier.' + tier)}  {fig.count(tiers[tier])}"
        data.append({"name": t("tier." + tier), "value": rank, "itemStyle": {"color": BLUES[rank - 1]},
                     "label": {"formatter": text, "color": "#fff" if rank <= 3 else "#0b3d91"},
                     "tooltip": {"formatter": escape(text)}})
    series = {"type": "funnel", "sort": "ascending", "left": "10%", "width": "80%", "top": 10, "bottom": 10,
              "min": 0, "max": len(TIERS), "minSize": "18%", "gap": 3, "data": data,
              "label": {"position": "inside", "fontSize": 13}, "itemStyle": {"borderWidth": 0}}
    return _base(series=[series])


def ecosystem_bars(ecosystems: list[dict], t, fig: Figures, lang: str) -> dict:
    """Revenue per ecosystem as horizontal bars, the enterprise count in the tooltip."""
    divisor, unit = park_money_axis(t, lang)
    rows = list(reversed(ecosystems))  # ECharts draws the first category at the bottom
    data = []
    for row in rows:
        value = None if row["revenue"] is None else round(row["revenue"] / divisor, 2)
        tip = f"{escape(row['label'])}<br>{fig.count(row['enterprises'])} · {fig.money(row['revenue'])}"
        data.append({"value": value, "label": {"formatter": fig.money(row["revenue"])}, "tooltip": {"formatter": tip}})
    return _base(
        grid={"left": 8, "right": 90, "top": 28, "bottom": 8, "containLabel": True},
        xAxis={"type": "value", "name": unit, "splitLine": {"lineStyle": {"color": "#e5eaf2"}}},
        yAxis={"type": "category", "data": [r["label"] for r in rows], "axisTick": {"show": False}},
        series=[{"type": "bar", "data": data, "barMaxWidth": 22, "color": BLUES[1],
                 "label": {"show": True, "position": "right", "color": "#33415c"}}],
    )


def district_comparison(districts: list[dict], selected: str | None, t, fig: Figures, lang: str) -> dict:
    """Revenue (bars) and R&D intensity (line) by district; the selected district stands out."""
    divisor, unit = park_money_axis(t, lang)
    bars = []
    for row in districts:
        value = None if row["revenue"] is None else round(row["revenue"] / divisor, 2)
        color = ACCENT if selected and row["district"] == selected else BLUES[1]
        tip = (f"{escape(row['district'])}<br>{escape(t('indicator.revenue'))}: {fig.money(row['revenue'])}"
               f"<br>{escape(t('indicator.rd_intensity'))}: {fig.percent(row['rd_intensity'])}")
        bars.append({"value": value, "itemStyle": {"color": color}, "tooltip": {"formatter": tip}})
    intensity = [None if r["rd_intensity"] is None else round(r["rd_intensity"], 2) for r in districts]
    return _base(
        legend={"top": 0, "data": [t("indicator.revenue"), t("indicator.rd_intensity")]},
        grid={"left": 8, "right": 8, "top": 40, "bottom": 8, "containLabel": True},
        xAxis={"type": "category", "data": [r["district"] for r in districts], "axisTick": {"show": False}},
        yAxis=[{"type": "value", "name": unit, "splitLine": {"lineStyle": {"color": "#e5eaf2"}}},
               {"type": "value", "name": "%", "splitLine": {"show": False}}],
        series=[{"type": "bar", "name": t("indicator.revenue"), "data": bars, "barMaxWidth": 36, "color": BLUES[1]},
                {"type": "line", "name": t("indicator.rd_intensity"), "yAxisIndex": 1, "data": intensity,
                 "color": ACCENT, "symbolSize": 7}],
    )


def enterprise_trend(years: list[dict], t, lang: str) -> dict:
    """One enterprise's revenue and R&D (bars) and staff (line) by year."""
    divisor, unit = firm_money_axis(t, lang)
    labels = [str(y["year"]) for y in years]
    return _base(
        tooltip={"trigger": "axis", "confine": True},
        legend={"top": 0, "data": [t("indicator.revenue"), t("indicator.rd_expense"), t("indicator.employees")]},
        grid={"left": 8, "right": 8, "top": 40, "bottom": 8, "containLabel": True},
        xAxis={"type": "category", "data": labels, "axisTick": {"show": False}},
        yAxis=[{"type": "value", "name": unit, "splitLine": {"lineStyle": {"color": "#e5eaf2"}}},
               {"type": "value", "name": t("unit.people"), "splitLine": {"show": False}}],
        series=[
            {"type": "bar", "name": t("indicator.revenue"), "color": BLUES[1], "barMaxWidth": 28,
             "data": _scale([y["revenue"] for y in years], divisor)},
            {"type": "bar", "name": t("indicator.rd_expense"), "color": BLUES[3], "barMaxWidth": 28,
             "data": _scale([y["rd_expense"] for y in years], divisor)},
            {"type": "line", "name": t("indicator.employees"), "yAxisIndex": 1, "color": ACCENT,
             "symbolSize": 7, "data": [y["employees"] for y in years]},
        ],
    )
