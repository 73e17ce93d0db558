"""The 政策计算器 in a real browser (Debian's chromium through Playwright, the app under uvicorn): an
officer pushes a policy, the what-if answers in place through HTMX and refuses a bad value in place,
the same form works with JavaScript off, and the notified enterprise sees and clears its unread marker.
Screenshots go to /tmp/parkbrain-policies-*.png."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from browser_support import chromium, serve
from conftest import Account, create_accounts, load_park, people_of, small_tables
from parkbrain.web import create_app
from test_policies_web import RD, _rd_case, rd_growth_by_hand

pytestmark = pytest.mark.browser
SHOTS = "/tmp/parkbrain-policies-{}.png"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tables = small_tables()
    park = load_park(tmp_path_factory.mktemp("policies-browser"), tables)
    eligible = sorted(u for u, (s, *_) in rd_growth_by_hand(tables).items() if s == "eligible")
    people = create_accounts(park, {"officer": people_of(tables)["officer"],
                                    "firm": Account("firm_rd", "enterprise", uscc=eligible[0])})
    with serve(create_app(park)) as url:
        yield {"url": url, "people": people, "eligible": eligible, "case": _rd_case(tables)[0]}
    park.close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def logged_in(browser, world, who: str, *, javascript: bool = True):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000},
                                  java_script_enabled=javascript)
    page = context.new_page()
    page.problems, page.hosts = [], set()
    # A 422 is an answer here (the what-if refusing a value), which chromium also logs as a failed load.
    page.on("console", lambda m: m.type == "error" and "422" not in m.text and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("request", lambda r: page.hosts.add(urlparse(r.url).netloc))
    account = world["people"][who]
    page.goto(world["url"] + "/login", wait_until="networkidle")
    page.fill("#username", account.username)
    page.fill("#password", account.password)
    page.click("#login-submit")
    page.wait_for_load_state("networkidle")
    return context, page


def test_an_officer_pushes_a_policy_once(browser, world):
    context, page = logged_in(browser, world, "officer")
    page.goto(world["url"] + "/policies", wait_until="networkidle")
    page.click(f'#policy-table a[href="/policies/{RD}"]')
    page.wait_for_url(f"**/policies/{RD}")
    assert page.locator("#subject-table tbody tr").count() > 0
    n = len(world["eligible"])
    page.click("#push-button")
    page.wait_for_url(f"**/policies/{RD}?pushed=*")
    assert page.locator("#push-result").inner_text() == f"已推送：新通知{n}家，此前已通知0家"
    page.screenshot(path=SHOTS.format("detail"), full_page=True)
    page.click("#push-button")
    page.wait_for_url(f"**/policies/{RD}?pushed=0*")
    assert page.locator("#push-result").inner_text() == f"已推送：新通知0家，此前已通知{n}家"
    assert page.problems == [] and page.hosts == {urlparse(world["url"]).netloc}
    context.close()


def test_the_what_if_answers_in_place_and_refuses_a_bad_value_in_place(browser, world):
    context, page = logged_in(browser, world, "officer")
    url = f"{world['url']}/policies/enterprise/{world['case']}"
    page.goto(url, wait_until="networkidle")
    page.fill("#wi-rd_expense", "150")
    page.click("#what-if-submit")
    row = page.locator(f'#what-if-table tr[data-policy="{RD}"]')
    row.wait_for()
    assert (row.get_attribute("data-before"), row.get_attribute("data-after")) == ("ineligible", "eligible")
    assert page.url == url  # HTMX swapped the answer in; the page did not change
    page.screenshot(path=SHOTS.format("what-if"), full_page=True)
    page.fill("#wi-rd_expense", "abc")
    page.click("#what-if-submit")
    error = page.locator("#what-if-error")
    error.wait_for()
    assert "rd_expense" in error.inner_text() and "数字" in error.inner_text()
    assert page.locator("#what-if-table").count() == 0
    assert page.problems == [] and page.hosts == {urlparse(world["url"]).netloc}
    context.close()


def test_the_what_if_form_works_without_javascript(browser, world):
    context, page = logged_in(browser, world, "officer", javascript=False)
    page.goto(f"{world['url']}/policies/enterprise/{world['case']}")
    page.fill("#wi-rd_expense", "150")
    page.click("#what-if-submit")
    page.wait_for_url("**/what-if?*")
    row = page.locator(f'#what-if-table tr[data-policy="{RD}"]')
    assert row.get_attribute("data-after") == "eligible"
    page.fill("#wi-rd_expense", "-3")
    page.click("#what-if-submit")
    page.wait_for_load_state()
    assert "负数" in page.locator("#what-if-error").inner_text()
    context.close()


def test_the_notified_enterprise_sees_and_clears_its_unread_marker(browser, world):
    context, page = logged_in(browser, world, "firm")
    page.click("#nav-policies")
    page.wait_for_url("**/policies/mine")
    assert page.locator("#unread-count").count() == 1
    assert page.locator(f'#notifications li[data-notice="{RD}"]').count() == 1
    page.screenshot(path=SHOTS.format("mine"), full_page=True)
    page.click("#mark-read")
    page.wait_for_url("**/notifications")
    assert page.locator("#unread-count").count() == 0 and page.locator(".is-unread").count() == 0
    assert page.problems == []
    context.close()
