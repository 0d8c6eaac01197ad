"""The commune view on a tablet: every column of its tables, the target and the assessment
included, is on screen at 768 px portrait and 1024 px landscape (issue 13, defect 10)."""

from __future__ import annotations

import pytest

from tests.browser.dashboard import Dashboard

pytestmark = pytest.mark.browser

# Each header cell of the page's st.table elements: (text, left, right) in CSS pixels.
_HEADERS_JS = """
() => Array.from(document.querySelectorAll('[data-testid="stTable"] th')).map((th) => {
  const box = th.getBoundingClientRect();
  return [th.innerText.replace(/\\s+/g, " ").trim(), box.left, box.right];
})
"""
# The first view is Năm 2026 in the 2025 units: the commune is compared with the whole area of
# those units, which the demo's organisation names "Địa bàn huyện Đầm Hà (cũ)" (its longest
# headers, so the hardest case for the tablet's width).
AREA = "Địa bàn huyện Đầm Hà (cũ)"
EXPECTED = {
    "Chỉ tiêu",
    "Xã",
    "Chỉ tiêu năm",
    "Đánh giá",
    "Kỳ trước",
    "Thay đổi so với kỳ trước",
    AREA,
    "Tỷ trọng của xã trong địa bàn huyện Đầm Hà (cũ)",
    "Xếp thứ trong địa bàn huyện Đầm Hà (cũ)",
    "Xã, trên 1.000 dân",
    f"{AREA}, trên 1.000 dân",
}


def test_every_column_of_the_commune_view_is_on_screen(dashboard: Dashboard) -> None:
    dashboard.open("/xa?xa=06913")  # the new Xã Quảng Tân (the old one's code)
    assert "Xã Quảng Tân · Năm 2026" in dashboard.in_effect()
    width = dashboard.page.viewport_size["width"] if dashboard.page.viewport_size else 0
    headers = [(text, left, right) for text, left, right in dashboard.page.evaluate(_HEADERS_JS)]
    assert {text for text, _, _ in headers} == EXPECTED
    off_screen = [text for text, left, right in headers if left < 0 or right > width + 0.5]
    assert off_screen == [], (width, headers)
    assert not dashboard.overflow().scrolls_sideways
