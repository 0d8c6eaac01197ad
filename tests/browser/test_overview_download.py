"""The overview's commune table downloads from a tablet as the table on screen: its Vietnamese
headers, one row per commune, numbers that a Vietnamese Excel reads as numbers."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from tests.browser.dashboard import Dashboard
from tests.browser.rows import on_the_list_2025

pytestmark = pytest.mark.browser

BENEFICIARIES = "F14 · Đối tượng hưởng trợ cấp xã hội hằng tháng (đối tượng)"


def test_the_communes_csv_is_the_table_on_screen(
    dashboard: Dashboard, demo_sqlite_path: Path
) -> None:
    dashboard.open("/")  # the first view: Năm 2026, the two communes of 1/7/2025
    downloaded = dashboard.download(dashboard.page.get_by_role("button", name="Tải CSV"))
    assert downloaded.name == "tong-quan-xa.csv"
    rows = list(csv.reader(io.StringIO(downloaded.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "Xã, thị trấn" and len(set(header)) == len(header) == 17
    assert header[1] == "F1 · Người cao tuổi có thẻ BHYT được hỗ trợ %"
    assert not {"ma_xa", "numerator", "meets_target", "Chỉ tiêu"} & set(header)
    grid = dashboard.page.locator('[data-testid="stDataFrame"]').first
    on_screen = [n.strip() for n in grid.locator('td[aria-colindex="1"]').all_inner_texts()]
    assert [row[0] for row in body] == on_screen  # the screen's rows, in its order
    assert sorted(on_screen) == ["Xã Quảng Tân", "Xã Đầm Hà"]
    # F14 of the new Xã Quảng Tân: its list of November 2026, the demo's last month (820)
    listed = on_the_list_2025(demo_sqlite_path, date(2026, 11, 1))["06913"]
    quang_tan = next(row for row in body if row[0] == "Xã Quảng Tân")
    assert quang_tan[header.index(BENEFICIARIES)] == str(listed)  # a number, no "812.0"
