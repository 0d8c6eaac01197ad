"""What the charts and the top bar look like on both tablet sizes: finger-sized bars, every month
shown, one bar per month, accessible names in Vietnamese, every page reachable without an
English "more" menu. Each page is opened once per size, on the 2023 charts (January to November
2023, the published figures' months, in the 2023 units); the tests read what was seen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.dashboard import BAR_ROLE, POINT_ROLE, TABLETS, TOUCH_PX, Dashboard, new_tablet

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

ADDRESSES = ["/bao-phu", "/nha-o", "/dao-tao-viec-lam", "/chi-tra"]
IN_2023 = "?tu=2023-01&den=2023-11"  # a 2023 period opens in the 2023 units
MONTHS_2023 = [f"T{m}/2023" for m in range(1, 12)]  # the months of IN_2023
DRILLS_COMMUNE = "Chạm vào cột của một xã"
DRILLS_MONTH = "Chạm vào một tháng"
# What Vega writes when a chart is left to name itself: field names and English words.
NOT_VIETNAMESE = re.compile(
    r"__|\bunit_|\bmonth\b|_code\b|_name\b|_label\b|\b(Vega|visualization|axis|Axis|legend|"
    r"Legend|Title|titled|scale|values|Symbol|ending|with|for)\b"
)
TOP_BAR = ["Tổng quan", "Xã", "Lĩnh vực", "Báo cáo"]


@dataclass(frozen=True)
class Seen:
    """One page at one tablet size."""

    address: str
    size: str
    charts: list[dict[str, Any]]
    top_bar: dict[str, Any]

    def chart(self, title: str) -> dict[str, Any]:
        found = [c for c in self.charts if c["label"].startswith(f"Biểu đồ: {title}.")]
        assert found, f"no chart '{title}' on {self.address}"
        return found[0]


@pytest.fixture(
    scope="module",
    params=[(a, s) for a in ADDRESSES for s in TABLETS],
    ids=[f"{a.strip('/')}-{s}" for a in ADDRESSES for s in TABLETS],
)
def seen(request: pytest.FixtureRequest, chromium: Browser, dashboard_url: str) -> Iterator[Seen]:
    address, size = request.param
    context = new_tablet(chromium, TABLETS[size])
    try:
        board = Dashboard(context.new_page(), dashboard_url).open(address + IN_2023)
        yield Seen(address, size, board.chart_facts(), board.top_bar())
    finally:
        context.close()


def test_every_commune_bar_is_a_finger_high_and_every_month_bar_a_finger_wide(seen: Seen) -> None:
    measured = 0
    for chart in seen.charts:
        bars = chart["marks"] if chart["roles"] == [BAR_ROLE] else []
        if DRILLS_COMMUNE in chart["label"]:
            small = [b["height"] for b in bars if b["height"] + 0.5 < TOUCH_PX]
        elif DRILLS_MONTH in chart["label"]:
            small = [b["width"] for b in bars if b["width"] + 0.5 < TOUCH_PX]
        else:
            continue
        measured += len(bars)
        assert small == [], f"{chart['label']}: bars of {small} px"
    assert measured > 0


def test_every_chart_with_communes_or_months_says_a_tap_narrows_the_page(seen: Seen) -> None:
    hints = (DRILLS_COMMUNE, DRILLS_MONTH)
    drilling = [c for c in seen.charts if any(hint in c["label"] for hint in hints)]
    assert len(drilling) >= 3, [c["label"] for c in seen.charts]


def test_no_chart_reads_out_a_field_name_or_an_english_word(seen: Seen) -> None:
    names = [n for chart in seen.charts for n in chart["names"]]
    assert names, "no accessible name at all"
    assert [n for n in names if NOT_VIETNAMESE.search(n)] == []
    roles = {r for chart in seen.charts for r in chart["roles"]}
    assert roles <= {BAR_ROLE, POINT_ROLE}
    assert all(chart["label"].startswith("Biểu đồ: ") for chart in seen.charts)


def test_the_top_bar_shows_every_menu_in_vietnamese_and_no_more_menu(seen: Seen) -> None:
    shown = [re.sub(r"^\W+", "", item) for item in seen.top_bar["items"]]  # icon, then text
    assert shown == TOP_BAR
    assert seen.top_bar["overflowed"] == []
    assert "more" not in seen.top_bar["text"].lower()


def test_job_events_per_month_show_the_months_without_events_as_zero(seen: Seen) -> None:
    if seen.address != "/dao-tao-viec-lam":
        pytest.skip("the job events chart is on the training page")
    chart = seen.chart("Hội nghị việc làm theo tháng")
    assert chart["xLabels"] == MONTHS_2023  # January and February had no event
    zero = [n for n in chart["markNames"] if "Tháng: Tháng 1/2023;" in n]
    assert zero and all("Số hội nghị: 0;" in n for n in zero)


def test_health_visits_are_one_bar_per_month_for_the_whole_district(seen: Seen) -> None:
    if seen.address != "/bao-phu":
        pytest.skip("the visits chart is on the coverage page")
    chart = seen.chart("Lượt khám, tư vấn sức khỏe người cao tuổi theo tháng")
    assert chart["xLabels"] == MONTHS_2023
    assert len(chart["marks"]) == len(MONTHS_2023)  # not nine communes stacked in each month
    assert not any("Xã, thị trấn" in n for n in chart["markNames"])


def test_the_topics_menu_opens_each_topic_page(dashboard: Dashboard) -> None:
    """The four topic pages sit in the "Lĩnh vực" menu of the top bar: one tap opens it, one
    more opens the page."""
    dashboard.open("/")
    dashboard.page.get_by_test_id("stTopNavSection").filter(has_text="Lĩnh vực").tap()
    menu = dashboard.page.get_by_test_id("stTopNavPopover")
    items = menu.get_by_role("menuitem")
    links = [re.sub(r"^\W+", "", t).strip() for t in items.all_inner_texts()]
    assert links == ["Bao phủ", "Nhà ở", "Đào tạo nghề & việc làm", "Chi trả trợ cấp"]
    heights = [box["height"] for box in (i.bounding_box() for i in items.all()) if box]
    assert min(heights) + 0.5 >= TOUCH_PX, heights
    menu.get_by_role("menuitem", name="Nhà ở").tap()
    dashboard.page.wait_for_url("**/nha-o**")
    dashboard.settle()
    assert dashboard.page.get_by_role("heading", name="Nhà ở").first.is_visible()
