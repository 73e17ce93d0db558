"""The pages in a real browser: Debian's chromium driven by Playwright against uvicorn on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from browser_support import chromium, serve
from parkbrain.web import create_app

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/parkbrain-home.png"


@pytest.fixture(scope="module")
def base_url(demo_park) -> Iterator[str]:
    with serve(create_app(demo_park.park)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


class Watched:
    """A page with its console errors, failed requests and every host it asked."""

    def __init__(self, browser, base_url: str) -> None:
        self.context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.base_url = base_url
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.hosts: set[str] = set()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.url} {r.status}"))
        self.page.on("request", lambda r: self.hosts.add(urlparse(r.url).netloc))

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path, wait_until="networkidle")

    def log_in(self, account) -> None:
        """Through the login form, as a person would."""
        self.goto("/login")
        self.page.fill("#username", account.username)
        self.page.fill("#password", account.password)
        self.page.click("#login-submit")
        self.page.wait_for_load_state("networkidle")

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.failed == [], self.failed
        assert self.hosts == {urlparse(self.base_url).netloc}, self.hosts


@pytest.fixture
def anonymous(browser, base_url) -> Iterator[Watched]:
    w = Watched(browser, base_url)
    yield w
    w.context.close()


@pytest.fixture
def watched(anonymous, demo_people) -> Watched:
    """A browser logged in as an officer (who sees the whole park)."""
    anonymous.log_in(demo_people["officer"])
    return anonymous


def test_home_page_draws_its_charts(watched):
    page = watched.page
    watched.goto("/")
    for chart in ("#chart-tiers", "#chart-ecosystems", "#chart-districts"):
        page.wait_for_selector(f"{chart} canvas", timeout=10_000)
        box = page.locator(f"{chart} canvas").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200, chart
    assert page.locator(".tile").count() == 8
    assert page.locator("#demo-banner").is_visible()
    page.wait_for_timeout(400)  # let the 300 ms chart animation finish before the picture
    page.screenshot(path=SCREENSHOT, full_page=True)
    watched.assert_clean()


def test_search_narrows_the_table_without_reloading(watched):
    page = watched.page
    watched.goto("/enterprises")
    before = int(page.get_attribute("#result-total", "data-total"))
    page.evaluate("window.__sameDocument = true")
    page.fill("#q", "传感")
    page.wait_for_selector(f"#result-total:not([data-total='{before}'])", timeout=10_000)
    after = int(page.get_attribute("#result-total", "data-total"))
    assert 0 < after < before == 2000
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded instead of swapping the table"
    assert "q=" in page.url  # hx-push-url keeps the search in the address
    rows = page.locator("#enterprise-table tbody tr")
    assert rows.count() == min(after, 50)
    page.select_option("#f-tier", "high_tech_enterprise")
    page.wait_for_selector(f"#result-total:not([data-total='{after}'])", timeout=10_000)
    assert int(page.get_attribute("#result-total", "data-total")) < after
    watched.assert_clean()


def test_clicking_an_enterprise_opens_its_page_with_its_chart(watched):
    page = watched.page
    watched.goto("/enterprises")
    link = page.locator("a.firm-link").first
    name = link.inner_text()
    link.click()
    page.wait_for_selector("#chart-trend canvas", timeout=10_000)
    assert page.locator("#enterprise-name").inner_text() == name
    assert "/enterprises/" in page.url
    assert page.locator("#yearly tbody tr").count() >= 1
    watched.assert_clean()


def test_language_switch_changes_the_headings(watched):
    page = watched.page
    watched.goto("/")
    assert "全园区" in page.locator("h1").inner_text()
    page.click("#lang-switch")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text().startswith("The park in")
    assert page.locator(".mainnav").inner_text().split("\n") == ["Overview", "Cockpit", "Enterprises", "Chain map", "Find space", "Expert matching", "Bulletin facts", "Policies", "Service desk"]
    page.wait_for_selector("#chart-tiers canvas")
    watched.goto("/enterprises")  # remembered
    assert page.locator("h1").inner_text() == "Enterprises"
    watched.assert_clean()


def test_login_is_required_and_comes_back_to_the_page(anonymous, demo_people):
    page = anonymous.page
    anonymous.page.goto(anonymous.base_url + "/enterprises", wait_until="networkidle")
    assert "/login?next=/enterprises" in page.url
    page.fill("#username", demo_people["analyst"].username)
    page.fill("#password", "wrong password")
    page.click("#login-submit")
    assert page.locator("#login-error").inner_text() == "用户名或密码错误。"
    anonymous.failed.clear()  # the 401 of the wrong password is expected (and logged by the browser)
    anonymous.errors.clear()
    page.fill("#username", demo_people["analyst"].username)
    page.fill("#password", demo_people["analyst"].password)
    page.click("#login-submit")
    page.wait_for_selector("#enterprise-table")
    assert page.url.endswith("/enterprises")
    page.click("#logout")
    page.wait_for_selector("#login-form")
    anonymous.assert_clean()


def test_an_enterprise_files_a_request_with_an_attachment(anonymous, demo_people, tmp_path):
    attachment = tmp_path / "扩产说明.pdf"
    attachment.write_bytes(b"%PDF-1.4\n% ParkBrain browser test\n")
    anonymous.log_in(demo_people["enterprise"])
    page = anonymous.page
    assert "/enterprises/" in page.url  # an enterprise's home is its own file
    anonymous.goto("/desk/new")
    page.select_option("#category", "land_space")
    page.fill("#title", "扩产需要标准厂房")
    page.fill("#description", "计划明年扩产，需要约3000平方米标准厂房，层高不低于6米。")
    page.set_input_files("#files", str(attachment))
    page.click("#submit-request")
    page.wait_for_selector("#request-title")
    assert "扩产需要标准厂房" in page.locator("#request-title").inner_text()
    assert page.locator("#request-department").inner_text() == "规划建设局"
    assert page.locator("#attachments a").inner_text() == "扩产说明.pdf"
    anonymous.goto("/desk")
    assert "扩产需要标准厂房" in page.locator("#desk-table").inner_text()
    anonymous.assert_clean()
