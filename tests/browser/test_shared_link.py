"""A link copied from the payouts page opens the same view for someone else."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.dashboard import Dashboard

pytestmark = pytest.mark.browser

PERIOD = "Kỳ báo cáo"
PAID = "Kinh phí chi trả trợ cấp xã hội"


def test_a_copied_payouts_link_opens_the_same_view_in_a_new_browser(
    new_dashboard: Callable[[], Dashboard],
) -> None:
    mine = new_dashboard().open("/chi-tra")  # the first view: Năm 2026 in the 2025 units
    district_year = mine.tiles()
    mine.add_commune("Xã Quảng Tân")
    mine.wait_for_url_param("xa", "06913")
    # near the top of the period list (years, the last 6 months, then quarters, newest first)
    mine.choose(PERIOD, "Quý III/2026")
    mine.wait_for_url_param("tu", "2026-07")
    assert mine.params["den"] == "2026-09" and mine.params["dv"] == "2025"
    shown = mine.tiles()
    assert shown[PAID] != district_year[PAID]  # the view really changed

    theirs = new_dashboard()
    theirs.page.goto(mine.page.url)
    theirs.settle()
    assert theirs.params == mine.params
    assert theirs.chosen(PERIOD) == "Quý III/2026"
    assert theirs.in_effect() == mine.in_effect()
    assert theirs.tiles() == shown
