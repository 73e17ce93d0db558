"""The cockpit in a real browser: both modes draw their charts without errors, figures drill down,
and the briefing prints to PDF. Screenshots go to /tmp/parkbrain-cockpit-*.png for a look."""

from __future__ import annotations

import pytest

from browser_support import chromium, serve
from conftest import create_accounts, load_park, people_of
from parkbrain.cockpit.periods import Period
from parkbrain.cockpit.report import write_report
from parkbrain.cockpit.state import cockpit_state
from parkbrain.demo import generate_park
from parkbrain.demo.monthly import write_series
from parkbrain.web import create_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def park(demo_park, tmp_path_factory):
    park = load_park(tmp_path_factory.mktemp("cockpit-browser"), demo_park.tables)
    write_series(park.warehouse, generate_park(enterprises=20, seed=1).series)
    yield park
    park.close()


@pytest.fixture(scope="module")
def base_url(park):
    with serve(create_app(park)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def analyst(park):
    return create_accounts(park, people_of(None))["analyst"]


def open_page(browser, url: str, width: int, height: int, account):
    # bypass_csp: the test's own wait_for_function predicate is a string Playwright evaluates;
    # the app's pages themselves run under the strict policy.
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    base = url.split("/cockpit")[0]
    page.goto(base + "/login", wait_until="networkidle")
    page.fill("#username", account.username)
    page.fill("#password", account.password)
    page.click("#login-submit")
    page.wait_for_load_state("networkidle")
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="networkidle")
    page.wait_for_function("window.__chartsReady === true")
    return context, page, errors


@pytest.mark.parametrize(("mode", "size"), [("wall", (1920, 1080)), ("laptop", (1440, 900))])
def test_both_modes_draw(browser, base_url, analyst, mode, size):
    context, page, errors = open_page(browser, f"{base_url}/cockpit?mode={mode}", *size, analyst)
    assert errors == []
    assert page.locator("[data-chart][data-drawn]").count() >= 5  # four trends and a rating at least
    assert page.locator("canvas").count() >= 5
    if mode == "wall":  # one screen, nothing scrolls
        assert page.evaluate("document.documentElement.scrollHeight") <= size[1] + 1
        assert page.locator(".cp-wall-tiles .cp-tile").count() == 8
    page.screenshot(path=f"/tmp/parkbrain-cockpit-{mode}.png", full_page=mode == "laptop")
    context.close()


def test_a_tile_drills_down_to_its_enterprises(browser, base_url, analyst):
    context, page, errors = open_page(browser, f"{base_url}/cockpit", 1440, 900, analyst)
    page.click("#tile-high_tech_enterprises")
    page.wait_for_url("**/cockpit/indicators/high_tech_enterprises**")
    assert page.locator("#contributors a[href^='/enterprises/']").count() > 0
    assert errors == []
    context.close()


def test_the_briefing_prints_with_its_charts(park, browser, tmp_path):
    files = write_report(cockpit_state(park.warehouse), subject="滨江区", period=Period(2023, 1, 6), out=tmp_path,
                         demo=True, browser=browser)
    data = files.pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 20_000  # text and two vector charts
