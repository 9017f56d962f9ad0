"""Phone and large text (issue 19): no page overflows sideways at 360 px, in normal and large-text
mode; the tab bar shows that it scrolls; chart labels grow with the text; an empty chart says so."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PORTAL = ["/", "/pension", "/retirement", "/unemployment", "/backpay", "/ask", "/status"]
STAFF = {"auditor": ["/staff/", "/staff/alerts", "/staff/audit", "/staff/queue", "/staff/persons",
                     "/staff/persons/P000000003", "/staff/params"],
         "clerk": ["/staff/intake"]}

OVERFLOW = """() => {
  const doc = document.documentElement, width = window.innerWidth;
  const wide = [...document.body.querySelectorAll('*')].filter(el => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= width + 1) return false;
    for (let p = el.parentElement; p; p = p.parentElement) {  // inside a container that scrolls: fine
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return false;
    }
    return true;
  }).slice(0, 5).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right));
  return {scroll: doc.scrollWidth, width, wide};
}"""


def _context(browser, server, large: bool):
    ctx = browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 360, "height": 740},
                              device_scale_factor=1, is_mobile=True, has_touch=True)
    if large:
        ctx.add_cookies([{"name": "shebao_text", "value": "large", "url": server}])
    ctx.set_default_timeout(15000)
    return ctx


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_no_page_overflows_at_360px(browser, server, staff_login, shoot, large):
    ctx = _context(browser, server, large)
    page = ctx.new_page()
    problems = []
    mode = "large" if large else "normal"

    def check(url: str) -> None:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        result = page.evaluate(OVERFLOW)
        if result["scroll"] > result["width"] + 1 or result["wide"]:
            problems.append((url, result))
        shoot(page, f"phone-{mode}-{url.strip('/').replace('/', '-') or 'home'}")

    for url in PORTAL:
        check(url)
    for user, urls in STAFF.items():
        page.context.clear_cookies()
        if large:
            ctx.add_cookies([{"name": "shebao_text", "value": "large", "url": server}])
        staff_login(page, user)
        for url in urls:
            check(url)
    ctx.close()
    assert not problems, problems


def test_tab_bar_shows_that_it_scrolls(browser, server):
    ctx = _context(browser, server, True)
    page = ctx.new_page()
    page.goto("/")
    nav = page.locator("nav.portal-nav")
    state = nav.evaluate("n => ({scroll: n.scrollWidth, client: n.clientWidth, cue: n.getAttribute('data-scrolls')})")
    if state["scroll"] > state["client"]:
        assert state["cue"] == "1", state  # a visible cue (fading edge) when some tabs are off-screen
    for tab in ("政策问答", "办件查询"):
        link = nav.locator(f"text={tab}")
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 361, (tab, box)
    ctx.close()


def test_chart_labels_grow_in_large_text_mode(browser, server, staff_login):
    sizes = {}
    for large in (False, True):
        ctx = _context(browser, server, large)
        page = ctx.new_page()
        staff_login(page, "auditor")
        page.goto("/staff/")
        chart = page.locator("[data-chart=levels][data-rendered='1']")
        chart.wait_for()
        sizes[large] = int(chart.get_attribute("data-font-size") or 0) if not chart.get_attribute("data-empty") else None
        ctx.close()
    if sizes[False] is not None:
        assert sizes[True] > sizes[False], sizes
