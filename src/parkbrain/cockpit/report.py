"""The briefing (成绩单) as files: HTML with its ECharts charts, PDF printed by chromium, and its facts.

`write_report(state, subject=…, period=…, out=DIR)` writes ``<name>.html`` (self-contained:
ECharts and the drawing script inlined, so it opens offline from a file), ``<name>.pdf``
(Playwright drives the system's chromium: ``page.pdf()`` once the charts are drawn),
``<name>.json`` (the briefing) and ``<name>.facts.jsonl`` (the facts the text states, in the
shape of shared/spec/facts.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from parkbrain.cockpit.briefing import build_briefing
from parkbrain.cockpit.charts import trend_chart
from parkbrain.cockpit.periods import Period
from parkbrain.cockpit.state import CockpitState
from parkbrain.i18n import translate

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class ReportFiles:
    """The files a report run wrote (pdf is None when asked not to print)."""

    html: Path
    pdf: Path | None
    json: Path
    facts: Path


def _static(name: str) -> str:
    return (resources.files("parkbrain.web") / "static" / name).read_text(encoding="utf-8")


def report_context(briefing: dict, *, inline_assets: bool, demo: bool = False) -> dict:
    """What templates/cockpit/report.html needs: the briefing, its charts and, for a file, the scripts inlined."""
    labels = {k: translate(f"cockpit.{k}", "zh") for k in ("this_year", "last_year", "forecast")}
    labels["interval"] = translate("cockpit.interval", "zh", level=80)
    charts = {t["id"]: trend_chart(t, labels, "zh", animate=False) for t in briefing["trends"]}
    ctx = {"briefing": briefing, "report_charts": charts, "inline_assets": inline_assets, "report_demo": demo,
           "c": lambda key, **p: translate(f"cockpit.{key}", "zh", **p)}
    if inline_assets:
        ctx |= {"echarts_js": _static("vendor/echarts.min.js"), "cockpit_js": _static("cockpit.js"),
                "cockpit_css": _static("cockpit.css")}
    return ctx


def render_html(briefing: dict, *, demo: bool = False) -> str:
    """The self-contained HTML of a briefing."""
    folder = resources.files("parkbrain.web") / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["json_script"] = _json_script
    return env.get_template("cockpit/report.html").render(report_context(briefing, inline_assets=True, demo=demo))


def _json_script(data: object) -> Markup:
    text = json.dumps(data, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def print_pdf(html: Path, pdf: Path, *, browser=None, executable: str = CHROMIUM, timeout_ms: int = 30_000) -> None:
    """Print an HTML file to A4 PDF in chromium (a Playwright browser given, or one started here) once its
    charts are drawn."""
    if browser is not None:
        _print(browser, html, pdf, timeout_ms)
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        own = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            _print(own, html, pdf, timeout_ms)
        finally:
            own.close()


def _print(browser, html: Path, pdf: Path, timeout_ms: int) -> None:
    page = browser.new_page()
    try:
        page.goto(html.resolve().as_uri(), wait_until="load", timeout=timeout_ms)
        page.wait_for_function("window.__chartsReady === true", timeout=timeout_ms)
        page.pdf(path=str(pdf), format="A4", print_background=True,
                 margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
    finally:
        page.close()


def write_report(state: CockpitState, *, subject: str, period: Period, out: Path, demo: bool = False,
                 pdf: bool = True, name: str | None = None, browser=None) -> ReportFiles:
    """Write the briefing of a subject's period into `out`: HTML, PDF, JSON and its facts."""
    briefing = build_briefing(state, subject=subject, period=period)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    stem = name or f"report-{subject}-{period}".replace("..", "_")
    html = out / f"{stem}.html"
    html.write_text(render_html(briefing, demo=demo), encoding="utf-8")
    data = out / f"{stem}.json"
    data.write_text(json.dumps(briefing, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    facts = out / f"{stem}.facts.jsonl"
    facts.write_text("".join(json.dumps(f, ensure_ascii=False) + "\n" for f in briefing["facts"]), encoding="utf-8")
    target = out / f"{stem}.pdf" if pdf else None
    if target is not None:
        print_pdf(html, target, browser=browser)
    return ReportFiles(html, target, data, facts)
