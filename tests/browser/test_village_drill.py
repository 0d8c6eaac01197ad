"""From the district to a commune to a village and back, on a portrait tablet (768×1024), with
the address following each step (issue 14 §2): a tap on a commune's row of the overview
(``xa=``), the commune page from the top bar, a tap on a village's bar (``thon=``), "back"."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from data_access.db import make_engine, sqlite_file_url
from data_access.filters import Filters, Period, Scope
from data_access.villages import commune_villages
from tests.browser.dashboard import BAR_ROLE, TABLETS, Dashboard

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

pytestmark = pytest.mark.browser

QUANG_TAN = ("Xã Quảng Tân", "06913")
VILLAGE = "Thôn 3"
CHART = "Đối tượng hưởng trợ cấp hằng tháng theo thôn, khu phố"


@pytest.fixture
def viewport() -> ViewportSize:
    """This journey runs on the portrait tablet only."""
    return TABLETS["portrait-768x1024"]


def _village_id(path: Path, code: str, name: str) -> int:
    engine = make_engine(sqlite_file_url(path, read_only=True))
    with engine.connect() as conn:
        frame = commune_villages(conn, Filters(Period.year(2023), (code,)), Scope.everything())
    engine.dispose()
    return int(frame.loc[frame["village_name"] == name, "village_id"].iloc[0])


def _heading(dashboard: Dashboard) -> str:
    return dashboard.page.locator('[data-testid="stHeading"] h3').first.inner_text().strip()


def test_from_the_district_to_a_commune_to_a_village_and_back(
    dashboard: Dashboard, demo_sqlite_path: Path
) -> None:
    name, code = QUANG_TAN
    village = _village_id(demo_sqlite_path, code, VILLAGE)
    page = dashboard.page

    dashboard.open("/")
    dashboard.tap_table_row(name)
    dashboard.wait_for_url_param("xa", code)

    page.get_by_test_id("stTopNavLink").filter(has_text="Xã").first.tap()
    page.wait_for_url("**/xa?**")
    dashboard.settle()
    assert dashboard.params["xa"] == code and "thon" not in dashboard.params
    assert _heading(dashboard) == f"{name} — Năm 2023"

    bar = (
        dashboard.chart(CHART)
        .locator(f'[aria-roledescription="{BAR_ROLE}"][aria-label*="Thôn, khu phố: {VILLAGE};"]')
        .filter(visible=True)
        .first
    )
    dashboard.tap_mark(bar)
    dashboard.wait_for_url_param("thon", str(village))
    assert dashboard.params["xa"] == code
    assert _heading(dashboard) == f"{VILLAGE}, {name} — Năm 2023"
    assert dashboard.exceptions() == []
    dashboard.screenshot("village-768x1024")  # artifacts/screenshots/: the village's figures

    page.get_by_role("button", name=f"← Về {name}").tap()
    page.wait_for_function(
        "() => !new URLSearchParams(location.search).has('thon')", timeout=30_000
    )
    dashboard.settle()
    # back on the commune, and the old tap on the chart does not open the village again
    assert "thon" not in dashboard.params and dashboard.params["xa"] == code
    assert _heading(dashboard) == f"{name} — Năm 2023"
    assert not dashboard.overflow().scrolls_sideways
    assert dashboard.exceptions() == []
    dashboard.screenshot("commune-villages-768x1024")
