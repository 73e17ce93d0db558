"""一键找园 and expert matching in a real browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from browser_support import chromium, serve
from conftest import FAST_HASH, PASSWORD, create_accounts, people_of
from parkbrain.app import ParkBrain
from parkbrain.settings import Settings
from parkbrain.web import create_app

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent / "data" / "matching"
SCREENSHOT = "/tmp/parkbrain-spaces.png"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory) -> Iterator[str]:
    park = ParkBrain(Settings(home=tmp_path_factory.mktemp("matching-browser"), lang="zh", **FAST_HASH))
    for name in ("parks", "spaces", "experts", "tech_needs"):
        park.import_file(DATA / f"{name}.csv", kind=name, today=dt.date(2026, 1, 1))
    create_accounts(park, {"analyst": people_of(None)["analyst"]})
    with serve(create_app(park)) as url:
        yield url
    park.close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def test_find_space_in_one_click_then_match_experts(browser, base_url):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: hosts.add(urlparse(r.url).netloc))
    page.goto(base_url + "/login?next=/spaces", wait_until="networkidle")
    page.fill("#username", "analyst1")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/spaces", timeout=10_000)
    page.wait_for_load_state("networkidle")
    page.evaluate("window.__sameDocument = true")
    page.select_option("#industry", "生物医药")
    page.fill("#area_min", "250")
    page.fill("#area_max", "350")
    page.fill("#budget", "3")
    page.fill("#move_in", "2026-01-01")
    page.click("#space-search")
    page.wait_for_selector("#space-total[data-shown='4']", timeout=10_000)  # 4 fit all the needs
    order = page.eval_on_selector_all("#space-list > li", "els => els.map(e => e.dataset.space)")
    assert order == ["S-01", "S-02", "S-03", "S-07"]
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded instead of swapping the results"
    assert "industry=" in page.url  # the needs stay in the address
    first = page.locator("#space-list > li").first
    assert first.locator(".reasons li.met").count() == 5 and first.locator(".why-rank").is_visible()
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.goto(base_url + "/experts?need_id=N-01", wait_until="networkidle")
    assert page.eval_on_selector_all("#expert-list > li", "els => els.map(e => e.dataset.expert)")[:2] == ["E-01", "E-02"]
    assert page.locator("#expert-list > li").first.locator(".term").first.inner_text() == "钙钛矿电池"
    assert errors == [] and hosts == {urlparse(base_url).netloc}
    context.close()
