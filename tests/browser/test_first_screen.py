"""The overview's first screen on a tablet, held either way: without scrolling, it shows what
needs attention and the headline tiles, each change with what it is compared with, whole.
Screenshots of it go to artifacts/first-screen-<width>x<height>.png."""

from __future__ import annotations

import pytest

from tests.browser.dashboard import SCREENSHOTS, Dashboard

pytestmark = pytest.mark.browser

FIRST_SCREEN = (".st-key-attention", ".st-key-tile_F14", ".st-key-tile_F15")

# Where each element of the first screen is, against the window; and the main area's scroll.
_BOXES_JS = """
(selectors) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const boxes = {};
  for (const sel of selectors) {
    const el = document.querySelector(sel);
    const b = el ? el.getBoundingClientRect() : null;
    boxes[sel] = b ? [b.top, b.bottom, b.left, b.right] : null;
  }
  return {boxes, scrolled: (main ? main.scrollTop : 0) + window.scrollY};
}
"""

# Texts of the first screen's tiles cut short by an ellipsis (wider than their box).
_CUT_JS = """
() => Array.from(document.querySelectorAll(
    '.st-key-tile_F14 [data-testid="stMetricDeltaDescription"] p,' +
    '.st-key-tile_F15 [data-testid="stMetricDeltaDescription"] p'))
  .filter((p) => p.scrollWidth > p.clientWidth + 1 || !p.checkVisibility())
  .map((p) => p.innerText)
"""


def test_the_first_screen_shows_what_needs_attention_and_the_tiles(
    dashboard: Dashboard,
) -> None:
    dashboard.open("/")
    size = dashboard.page.viewport_size
    assert size is not None
    facts = dashboard.page.evaluate(_BOXES_JS, list(FIRST_SCREEN))
    assert facts["scrolled"] == 0
    for selector, box in facts["boxes"].items():
        assert box is not None, f"{selector} is not on the page"
        top, bottom, left, right = box
        assert top >= 0 and bottom <= size["height"], f"{selector} needs scrolling: {box}"
        assert left >= 0 and right <= size["width"], f"{selector} is off the side: {box}"
    # The first view is Năm 2026 in the 2025 units (data to 30/11/2026): every count is on pace
    # for its 2026 target (F2 3.350 visits against 3.300, F13 165 learners against 160...) and
    # the two new communes have no count targets of their own, so nothing is listed.
    attention = dashboard.page.locator(".st-key-attention")
    assert attention.get_by_text("Cần chú ý", exact=True).is_visible()
    pace = "Tiến độ cần đạt: 91,7% chỉ tiêu năm sau 11 tháng (Tháng 1–11/2026)."
    assert attention.get_by_text(pace, exact=True).is_visible()
    nothing = "Không có chỉ tiêu nào dưới chỉ tiêu hoặc chậm tiến độ."
    assert attention.get_by_text(nothing, exact=True).is_visible()
    descriptions = dashboard.page.locator(
        '.st-key-tile_F14 [data-testid="stMetricDeltaDescription"]'
    )
    assert descriptions.inner_text() == "so với cùng kỳ năm 2025"
    assert dashboard.page.evaluate(_CUT_JS) == []
    field = dashboard.page.locator(".st-key-f_xa input")
    # the 2025 units' whole area as the demo's organisation names it, and its two communes
    assert field.get_attribute("placeholder") == "Địa bàn huyện Đầm Hà (cũ) (2 xã)"
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    dashboard.page.screenshot(
        path=str(SCREENSHOTS.parent / f"first-screen-{size['width']}x{size['height']}.png")
    )
