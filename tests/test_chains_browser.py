"""The chain pages in a real browser: Debian's chromium driven by Playwright against uvicorn."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from browser_support import chromium, serve
from conftest import create_accounts, people_of
from parkbrain.web import create_app
from test_chains_fixtures import demo_chain_park

pytestmark = pytest.mark.browser

SHOTS = "/tmp/parkbrain-chains-{}.png"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from demo_chain_park(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def officer(demo):
    return create_accounts(demo.park, people_of(demo.tables))["officer"]


@pytest.fixture(scope="module")
def base_url(demo):
    with serve(create_app(demo.park)) as url:
        yield url


@pytest.fixture(scope="module")
def page(base_url, officer):
    with chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        p = context.new_page()
        p.problems, p.hosts = [], set()
        p.on("console", lambda m: m.type == "error" and p.problems.append(m.text))
        p.on("pageerror", lambda e: p.problems.append(str(e)))
        p.on("response", lambda r: r.status >= 400 and p.problems.append(f"{r.url} {r.status}"))
        p.on("request", lambda r: p.hosts.add(urlparse(r.url).netloc))
        p.goto(base_url + "/login", wait_until="networkidle")
        p.fill("#username", officer.username)
        p.fill("#password", officer.password)
        p.click("#login-submit")
        p.wait_for_load_state("networkidle")
        yield p


NODE_PIXEL = """([el, key]) => {
  const chart = window.echarts.getInstanceByDom(el);
  const node = chart.getOption().series[0].data.find(n => n.id === key);
  return chart.convertToPixel({seriesIndex: 0}, [node.x, node.y]);
}"""


def test_clicking_a_link_on_the_chain_map_opens_its_page(page, base_url):
    page.goto(base_url + "/chains", wait_until="networkidle")
    graph = page.locator("#chain-graph")
    graph.locator("canvas").wait_for()
    page.screenshot(path=SHOTS.format("map"), full_page=True)
    x, y = page.evaluate(NODE_PIXEL, [graph.element_handle(), "smart_iot/sensors"])
    box = graph.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url("**/chains/smart_iot/sensors**")
    assert page.locator("#link-name").inner_text() == "传感器"
    page.locator("#chart-link-tiers canvas").wait_for()
    page.screenshot(path=SHOTS.format("link"), full_page=True)
    assert page.problems == [] and page.hosts == {urlparse(base_url).netloc}


def test_the_tier_and_pipeline_pages_draw(page, base_url):
    for name, chart in (("tiers", "#chart-movement"), ("pipeline", "#chart-funnel")):
        page.goto(f"{base_url}/chains/{name}", wait_until="networkidle")
        page.locator(f"{chart} canvas").wait_for()
        page.screenshot(path=SHOTS.format(name), full_page=True)
    assert page.problems == []
