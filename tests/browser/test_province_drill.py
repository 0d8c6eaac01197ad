"""From the provinces to a district to a commune to a village and back up, on a portrait tablet
(768×1024), with the address following each step (issue 14 §2 and §4).

The dashboard runs on its own demo of three district copies in two provinces (two districts per
province for the test: Quảng Ninh holds Đầm Hà and its first copy, "Tỉnh mẫu 2" the second), in
the 2023 units: the overview compares the provinces; a tap on Quảng Ninh's row (``vung=22``)
compares its two districts; a tap on a district (``vung=9001``) its nine communes; a tap on a
commune (``xa=``) narrows to it; its commune page drills to a village (``thon=``); the buttons
above the table go back up, one level or all the way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from data_access.db import make_engine, sqlite_file_url
from data_access.demo import generator
from data_access.demo.load import build_demo
from data_access.filters import Filters, Period, Scope
from data_access.villages import commune_villages
from tests.browser.dashboard import SCREENSHOTS, TABLETS, Dashboard, new_tablet
from tests.browser.server import logged_dashboard

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ViewportSize

pytestmark = pytest.mark.browser

START = "/?tu=2023-01&den=2023-12&dv=2023"
PROVINCE, PROVINCE_NAME = "22", "Tỉnh Quảng Ninh"
DISTRICT, DISTRICT_NAME = "9001", "Huyện Đầm Hà (mẫu 2)"
COMMUNE, COMMUNE_NAME = "900113", "Xã Quảng Tân (mẫu 2)"
VILLAGE = "Thôn 3"
CHART = "Đối tượng hưởng trợ cấp hằng tháng theo thôn, khu phố"


@pytest.fixture(scope="module")
def provinces_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three-district demo in two provinces, as a SQLite file."""
    path = tmp_path_factory.mktemp("provinces") / "three.sqlite"
    writer = sa.create_engine(f"sqlite:///{path}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(generator, "DISTRICTS_PER_PROVINCE", 2)
        build_demo(writer, scale=3)
    writer.dispose()
    return path


@pytest.fixture(scope="module")
def provinces_url(
    chromium: Browser, provinces_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``streamlit run`` on that database, warmed up like the main fixture's."""
    work = tmp_path_factory.mktemp("streamlit-provinces")
    log = SCREENSHOTS.parent / "streamlit-provinces.log"
    with logged_dashboard(provinces_db, work, log) as url:
        yield url


@pytest.fixture
def tablet(chromium: Browser, provinces_url: str) -> Iterator[Callable[[], Dashboard]]:
    contexts = []

    def make() -> Dashboard:
        viewport: ViewportSize = TABLETS["portrait-768x1024"]
        context = new_tablet(chromium, viewport)
        contexts.append(context)
        return Dashboard(context.new_page(), provinces_url)

    yield make
    for context in contexts:
        context.close()


def _table_heading(dashboard: Dashboard) -> str:
    """The heading right above the comparison table (the last h3 before it)."""
    return dashboard.page.evaluate(
        """() => {
            const table = document.querySelector('[data-testid="stDataFrame"]');
            const heads = [...document.querySelectorAll('[data-testid="stHeading"] h3')]
                .filter(h => h.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING);
            return heads.length ? heads[heads.length - 1].innerText.trim() : '';
        }"""
    )


def _first_column(dashboard: Dashboard) -> list[str]:
    grid = dashboard.page.locator('[data-testid="stDataFrame"]').first
    return [n.strip() for n in grid.locator('td[aria-colindex="1"]').all_inner_texts()]


def _village_id(path: Path) -> int:
    engine = make_engine(sqlite_file_url(path, read_only=True))
    filters = Filters(Period.year(2023), (COMMUNE,), version="2023")
    with engine.connect() as conn:
        frame = commune_villages(conn, filters, Scope.everything())
    engine.dispose()
    (found,) = frame.loc[frame["village_name"] == VILLAGE, "village_id"]
    return int(found)


def test_from_the_provinces_down_to_a_village_and_back_up(
    tablet: Callable[[], Dashboard], provinces_db: Path
) -> None:
    dashboard = tablet()
    page = dashboard.page
    dashboard.open(START)
    assert _table_heading(dashboard) == "So sánh các tỉnh, thành phố"
    assert _first_column(dashboard) == [PROVINCE_NAME, "Tỉnh mẫu 2"]
    assert "vung" not in dashboard.params

    dashboard.tap_table_row(PROVINCE_NAME)
    dashboard.wait_for_url_param("vung", PROVINCE)
    dashboard.settle()
    assert _table_heading(dashboard) == "So sánh các huyện"
    assert _first_column(dashboard) == ["Huyện Đầm Hà", DISTRICT_NAME]
    assert dashboard.in_effect().startswith(f"Đang xem: {PROVINCE_NAME} · Năm 2023")

    dashboard.tap_table_row(DISTRICT_NAME)
    dashboard.wait_for_url_param("vung", DISTRICT)
    dashboard.settle()
    assert _table_heading(dashboard) == "So sánh các xã, thị trấn"
    assert len(_first_column(dashboard)) == 9 and COMMUNE_NAME in _first_column(dashboard)
    assert dashboard.in_effect().startswith(f"Đang xem: {DISTRICT_NAME} · Năm 2023")
    dashboard.screenshot("province-drill-district-768x1024")

    dashboard.tap_table_row(COMMUNE_NAME)
    dashboard.wait_for_url_param("xa", COMMUNE)
    assert dashboard.params["vung"] == DISTRICT  # the way back up stays in the address

    page.get_by_test_id("stTopNavLink").filter(has_text="Xã").first.tap()
    page.wait_for_url("**/xa?**")
    dashboard.settle()
    assert dashboard.params["xa"] == COMMUNE
    dashboard.tap_mark(dashboard.village_bar(CHART, VILLAGE))
    dashboard.wait_for_url_param("thon", str(_village_id(provinces_db)))
    assert dashboard.exceptions() == []

    # Back to the overview from the top bar, then up: the district's communes, the province's
    # districts, every province.
    page.get_by_test_id("stTopNavLink").filter(has_text="Tổng quan").first.tap()
    page.wait_for_function("() => !location.pathname.endsWith('/xa')", timeout=30_000)
    dashboard.settle()
    page.get_by_role("button", name=f"↑ {DISTRICT_NAME}").tap()
    page.wait_for_function("() => !new URLSearchParams(location.search).has('xa')", timeout=30_000)
    dashboard.settle()
    assert dashboard.params["vung"] == DISTRICT
    assert _table_heading(dashboard) == "So sánh các xã, thị trấn"

    page.get_by_role("button", name=f"↑ {PROVINCE_NAME}").tap()
    dashboard.wait_for_url_param("vung", PROVINCE)
    dashboard.settle()
    assert _table_heading(dashboard) == "So sánh các huyện"

    page.get_by_role("button", name="↑ Toàn bộ phạm vi").tap()
    page.wait_for_function(
        "() => !new URLSearchParams(location.search).has('vung')", timeout=30_000
    )
    dashboard.settle()
    assert _table_heading(dashboard) == "So sánh các tỉnh, thành phố"
    assert not dashboard.overflow().scrolls_sideways
    assert dashboard.exceptions() == []
    dashboard.screenshot("province-drill-provinces-768x1024")


# Every topic chart by commune, as it reads across both provinces: (address, title at the
# province level, title at the district level). The mismatch chart's payments are in 2022.
BY_PROVINCE = "tỉnh, thành phố"
TOPIC_CHARTS = [
    ("/bao-phu", "Người cao tuổi theo thẻ BHYT còn hạn và nguồn đóng", None),
    ("/bao-phu", "Trẻ em có hoàn cảnh đặc biệt và trẻ em có nguy cơ theo {area}", "huyện"),
    ("/bao-phu", "Thôn, bản, khu phố có cộng tác viên bảo vệ trẻ em theo {area}", "huyện"),
    ("/nha-o", "Hộ được hỗ trợ nhà ở theo {area}: xây mới và sửa chữa", "huyện"),
    ("/nha-o", "Tình trạng thực hiện theo {area}", "huyện"),
    ("/dao-tao-viec-lam", "Học viên theo {area}", "huyện"),
    ("/dao-tao-viec-lam", "Người tham dự hội nghị việc làm theo {area}", "huyện"),
    ("/chi-tra", "Kinh phí chi trả theo {area}", "huyện"),
    ("/chi-tra?tu=2022-01&den=2022-12", "Khoản chi khác mức chuẩn × hệ số, theo {area}", "huyện"),
]


@pytest.mark.parametrize(
    ("address", "title", "below"), TOPIC_CHARTS, ids=[t[1][:24] for t in TOPIC_CHARTS]
)
def test_a_tap_on_a_provinces_bar_of_every_topic_chart_narrows_the_page_to_it(
    tablet: Callable[[], Dashboard], address: str, title: str, below: str | None
) -> None:
    """Across both provinces each chart draws a bar per province, named so in its title and its
    tooltips; a tap on Quảng Ninh's bar puts ``vung=22`` in the address, the page then shows
    Quảng Ninh alone and the same chart draws its two districts."""
    dashboard = tablet()
    path, _, query = address.partition("?")
    dashboard.open(f"{path}?{query or 'tu=2023-01&den=2023-12'}&dv=2023")
    dashboard.tap_mark(
        dashboard.area_bar("Tỉnh, thành phố", PROVINCE_NAME, title.format(area=BY_PROVINCE))
    )
    dashboard.wait_for_url_param("vung", PROVINCE)
    dashboard.settle()
    assert dashboard.in_effect().startswith(f"Đang xem: {PROVINCE_NAME} ·")
    after = title.format(area=below) if below else title
    assert dashboard.area_bar("Huyện, thị xã, thành phố", DISTRICT_NAME, after).is_visible()
    assert dashboard.exceptions() == []
