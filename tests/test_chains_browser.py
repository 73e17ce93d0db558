"""The chain pages in a real browser: Debian's chromium driven by Playwright against uvicorn."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from urllib.parse import urlparse

import pytest
import uvicorn

from conftest import create_accounts, people_of
from parkbrain.web import create_app
from test_chains_fixtures import demo_chain_park

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOTS = "/tmp/parkbrain-chains-{}.png"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    yield from demo_chain_park(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="module")
def officer(demo):
    return create_accounts(demo.park, people_of(demo.tables))["officer"]


@pytest.fixture(scope="module")
def base_url(demo):
    app = create_app(demo.park)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def page(base_url, officer):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
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
        browser.close()


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
