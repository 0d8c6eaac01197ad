"""Tap-to-drill on charts: a commune's bar narrows the page to it, a month's bar the period.

Every chart with a commune or a month axis drills: one tap on one bar (or, on a line, one point)
of each, on the 2023 charts (January to November 2023, in the 2023 units). The charts take turns
at the two tablet sizes (portrait, landscape, portrait...), so both sizes are tapped on every page
without tapping all 16 charts twice; the three journeys below run at both sizes: two on the first
view (Năm 2026 in the 2025 units), one on the published 2023 figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tests.browser.dashboard import TABLETS, Dashboard
from tests.browser.rows import on_the_list_2025, vi_count

pytestmark = pytest.mark.browser

BENEFICIARIES = "Đối tượng hưởng trợ cấp xã hội hằng tháng"
IN_2023 = "tu=2023-01&den=2023-11"  # the published 2023 figures' months; 2023 units


@dataclass(frozen=True)
class Drill:
    """One chart and the bar a finger taps on it."""

    id: str  # the name of the chart's download, for the test's id
    address: str
    chart: str  # the chart's title
    commune: tuple[str, str] | None = None  # (name on the bar, code in the address)
    month: tuple[str, str] | None = None  # (name on the bar, "YYYY-MM" in the address)


QUANG_TAN = ("Xã Quảng Tân", "06913")
QUANG_AN = ("Xã Quảng An", "06901")  # Quảng Tân had no vocational class in 2023
MARCH = ("Tháng 3/2023", "2023-03")
DRILLS = [
    Drill(
        "bao-phu-the-bhyt",
        "/bao-phu?" + IN_2023,
        "Người cao tuổi theo thẻ BHYT còn hạn và nguồn đóng",
        commune=QUANG_TAN,
    ),
    Drill(
        "bao-phu-kham-suc-khoe",
        "/bao-phu?" + IN_2023,
        "Lượt khám, tư vấn sức khỏe người cao tuổi theo tháng",
        month=MARCH,
    ),
    Drill(
        "bao-phu-tre-em-theo-xa",
        "/bao-phu?" + IN_2023,
        "Trẻ em có hoàn cảnh đặc biệt và trẻ em có nguy cơ theo xã",
        commune=QUANG_TAN,
    ),
    Drill(
        "bao-phu-mang-luoi-bao-ve-tre-em",
        "/bao-phu?" + IN_2023,
        "Thôn, bản, khu phố có cộng tác viên bảo vệ trẻ em theo xã",
        commune=QUANG_TAN,
    ),
    Drill(
        "nha-o-theo-xa",
        "/nha-o?" + IN_2023,
        "Hộ được hỗ trợ nhà ở theo xã: xây mới và sửa chữa",
        commune=QUANG_TAN,
    ),
    Drill("nha-o-tien-do", "/nha-o?" + IN_2023, "Tình trạng thực hiện theo xã", commune=QUANG_TAN),
    Drill(
        "nha-o-theo-thang",
        "/nha-o?" + IN_2023,
        "Hộ được phê duyệt và hoàn thành theo tháng",
        month=MARCH,
    ),
    Drill(
        "dao-tao-theo-xa",
        "/dao-tao-viec-lam?" + IN_2023,
        "Học viên theo xã, thị trấn",
        commune=QUANG_AN,
    ),
    Drill(
        "hoi-nghi-viec-lam-theo-thang",
        "/dao-tao-viec-lam?" + IN_2023,
        "Hội nghị việc làm theo tháng",
        month=MARCH,
    ),
    Drill(
        "hoi-nghi-viec-lam-theo-xa",
        "/dao-tao-viec-lam?" + IN_2023,
        "Người tham dự hội nghị việc làm theo xã, thị trấn",
        commune=QUANG_AN,
    ),
    Drill("chi-tra-theo-thang", "/chi-tra?" + IN_2023, "Kinh phí chi trả theo tháng", month=MARCH),
    Drill(
        "doi-tuong-theo-thang",
        "/chi-tra?" + IN_2023,
        "Số đối tượng được chi trả theo tháng",
        month=MARCH,
    ),
    Drill("chi-tra-luy-ke", "/chi-tra?" + IN_2023, "Kinh phí lũy kế từ đầu năm", month=MARCH),
    Drill(
        "chi-tra-hinh-thuc",
        "/chi-tra?" + IN_2023,
        "Chi trả qua tài khoản và tiền mặt theo tháng",
        month=MARCH,
    ),
    Drill(
        "chi-tra-theo-xa",
        "/chi-tra?" + IN_2023,
        "Kinh phí chi trả theo xã, thị trấn",
        commune=QUANG_TAN,
    ),
    # where the payments stand: only the first view (Năm 2026) has payments not yet settled
    Drill(
        "trang-thai-chi-tra-theo-thang",
        "/chi-tra",
        "Khoản chi chờ chi, bị trả lại, đã lập danh sách, đã thu hồi theo tháng",
        month=("Tháng 10/2026", "2026-10"),
    ),
    Drill(
        "trang-thai-chi-tra-theo-xa",
        "/chi-tra",
        "Khoản chi chờ chi, bị trả lại, đã lập danh sách, đã thu hồi theo xã",
        commune=QUANG_TAN,
    ),
    # every payment of 2023 is right: the demo's payments off the standard are in 2022
    Drill(
        "chi-sai-muc-theo-xa",
        "/chi-tra?tu=2022-01&den=2022-12",
        "Khoản chi khác mức chuẩn × hệ số, theo xã",
        commune=QUANG_TAN,
    ),
]


SIZES = list(TABLETS)
TURNS = [(drill, SIZES[number % len(SIZES)]) for number, drill in enumerate(DRILLS)]


@pytest.mark.parametrize(
    ("drill", "viewport"),
    [(drill, TABLETS[size]) for drill, size in TURNS],
    ids=[f"{drill.id}-{size}" for drill, size in TURNS],
)
def test_a_tap_on_a_communes_bar_or_a_month_narrows_the_page_to_it(
    dashboard: Dashboard, drill: Drill
) -> None:
    dashboard.open(drill.address)
    if drill.commune:
        (name, code) = drill.commune
        dashboard.tap_mark(dashboard.commune_bar(name, drill.chart))
        dashboard.wait_for_url_param("xa", code)
        assert name in dashboard.wait_for_in_effect(name)
    else:
        assert drill.month is not None
        (name, key) = drill.month
        dashboard.tap_mark(dashboard.month_bar(name, drill.chart))
        dashboard.wait_for_url_param("tu", key)
        assert dashboard.params["den"] == key
        assert name in dashboard.wait_for_in_effect(name)
    assert dashboard.exceptions() == []


def test_tapping_a_communes_bar_narrows_the_page_to_that_commune(
    dashboard: Dashboard, demo_sqlite_path: Path
) -> None:
    """On the first view (Năm 2026, the two communes of 1/7/2025): F14 is the list of November
    2026, the data's last month (1.937 people; 820 in the new Xã Quảng Tân)."""
    listed = on_the_list_2025(demo_sqlite_path, date(2026, 11, 1))
    dashboard.open("/chi-tra")
    assert dashboard.tiles()[BENEFICIARIES] == vi_count(sum(listed.values()), "đối tượng")
    dashboard.tap(dashboard.commune_bar("Xã Quảng Tân"))
    dashboard.wait_for_url_param("xa", "06913")
    assert "Xã Quảng Tân · Năm 2026" in dashboard.wait_for_in_effect("Xã Quảng Tân")
    assert dashboard.tiles()[BENEFICIARIES] == vi_count(listed["06913"], "đối tượng")


def test_tapping_a_months_bar_narrows_the_period_to_that_month(dashboard: Dashboard) -> None:
    """The month comes back as its key "2026-03", which no time zone can move to February."""
    dashboard.open("/chi-tra")  # the first view: Năm 2026
    before = dashboard.page.url
    dashboard.tap(dashboard.month_bar("Tháng 3/2026"))
    dashboard.wait_for_new_url(before)
    assert dashboard.params["tu"] == dashboard.params["den"] == "2026-03"
    assert "Tháng 3/2026" in dashboard.in_effect()


def test_clearing_the_commune_after_a_bar_tap_returns_to_the_district(
    dashboard: Dashboard,
) -> None:
    """The chart's widget key changes with the filters, so the old tap is not applied again.
    On the published 2023 figures: the district's 1.911 beneficiaries of November 2023."""
    dashboard.open("/chi-tra?" + IN_2023)
    assert dashboard.tiles()[BENEFICIARIES] == "1.911 đối tượng"
    dashboard.tap(dashboard.commune_bar("Xã Quảng Tân"))
    dashboard.wait_for_url_param("xa", "06913")
    assert dashboard.tiles()[BENEFICIARIES] == "240 đối tượng"
    dashboard.clear_communes()
    dashboard.settle()
    assert "xa" not in dashboard.params
    assert dashboard.params["tu"] == "2023-01" and dashboard.params["den"] == "2023-11"
    assert dashboard.tiles()[BENEFICIARIES] == "1.911 đối tượng"
