"""From the district to a commune to a village and back, on a portrait tablet (768×1024), with
the address following each step (issue 14 §2): a tap on a commune's row of the overview
(``xa=``), the commune page from the top bar, a tap on a village's bar (``thon=``), "back".

Twice: from the first view (Năm 2026 in the 2025 units, where the new Xã Quảng Tân holds the
villages of its four predecessors, so its "Thôn 3" is named with its old commune), and from the
2023 figures (January to November 2023, in the 2023 units)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from data_access.db import make_engine, sqlite_file_url
from data_access.filters import Filters, Period, Scope
from data_access.villages import commune_villages
from tests.browser.dashboard import TABLETS, Dashboard

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

pytestmark = pytest.mark.browser

QUANG_TAN = ("Xã Quảng Tân", "06913")  # the old commune's code is the new one's too
VILLAGE = "Thôn 3"
CHART = "Đối tượng hưởng trợ cấp hằng tháng theo thôn, khu phố"


@dataclass(frozen=True)
class Journey:
    """Where the journey starts, and how the page names its period and the village."""

    id: str
    start: str  # the overview's address
    filters: Filters  # the view's filters, with the commune
    period: str  # the period as the headings name it
    old_commune: str | None  # the village's 2023 commune, where the 2025 view names it
    screenshot: str  # the screenshots' suffix

    @property
    def village(self) -> str:
        """The village as the chart and the heading name it (charts.villages.village_label)."""
        return f"{VILLAGE} ({self.old_commune} cũ)" if self.old_commune else VILLAGE


JOURNEYS = [
    Journey(
        "first-view-2026",
        "/",
        Filters(Period.year(2026), (QUANG_TAN[1],), version="2025"),
        "Năm 2026",
        "Xã Quảng Tân",
        "",
    ),
    Journey(
        "published-2023",
        "/?tu=2023-01&den=2023-11",
        Filters(Period.months(2023, 1, 2023, 11), (QUANG_TAN[1],), version="2023"),
        "Tháng 1–11/2023",
        None,
        "-2023",
    ),
]


@pytest.fixture
def viewport() -> ViewportSize:
    """This journey runs on the portrait tablet only."""
    return TABLETS["portrait-768x1024"]


def _village_id(path: Path, journey: Journey) -> int:
    engine = make_engine(sqlite_file_url(path, read_only=True))
    with engine.connect() as conn:
        frame = commune_villages(conn, journey.filters, Scope.everything())
    engine.dispose()
    old = frame["old_commune"].fillna("") == (journey.old_commune or "")
    (found,) = frame.loc[(frame["village_name"] == VILLAGE) & old, "village_id"]
    return int(found)


def _heading(dashboard: Dashboard) -> str:
    return dashboard.page.locator('[data-testid="stHeading"] h3').first.inner_text().strip()


@pytest.mark.parametrize("journey", JOURNEYS, ids=[j.id for j in JOURNEYS])
def test_from_the_district_to_a_commune_to_a_village_and_back(
    dashboard: Dashboard, demo_sqlite_path: Path, journey: Journey
) -> None:
    name, code = QUANG_TAN
    village = _village_id(demo_sqlite_path, journey)
    page = dashboard.page

    dashboard.open(journey.start)
    dashboard.tap_table_row(name)
    dashboard.wait_for_url_param("xa", code)

    page.get_by_test_id("stTopNavLink").filter(has_text="Xã").first.tap()
    page.wait_for_url("**/xa?**")
    dashboard.settle()
    assert dashboard.params["xa"] == code and "thon" not in dashboard.params
    assert _heading(dashboard) == f"{name} — {journey.period}"

    dashboard.tap_mark(dashboard.village_bar(CHART, journey.village))
    dashboard.wait_for_url_param("thon", str(village))
    assert dashboard.params["xa"] == code
    assert _heading(dashboard) == f"{journey.village}, {name} — {journey.period}"
    assert dashboard.exceptions() == []
    # artifacts/screenshots/: the village's figures
    dashboard.screenshot(f"village{journey.screenshot}-768x1024")

    page.get_by_role("button", name=f"← Về {name}").tap()
    page.wait_for_function(
        "() => !new URLSearchParams(location.search).has('thon')", timeout=30_000
    )
    dashboard.settle()
    # back on the commune, and the old tap on the chart does not open the village again
    assert "thon" not in dashboard.params and dashboard.params["xa"] == code
    assert _heading(dashboard) == f"{name} — {journey.period}"
    assert not dashboard.overflow().scrolls_sideways
    assert dashboard.exceptions() == []
    dashboard.screenshot(f"commune-villages{journey.screenshot}-768x1024")
