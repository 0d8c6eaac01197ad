"""The overview's commune table downloads from a tablet as the table on screen: its Vietnamese
headers, one row per commune, numbers that a Vietnamese Excel reads as numbers."""

from __future__ import annotations

import csv
import io

import pytest

from tests.browser.dashboard import Dashboard

pytestmark = pytest.mark.browser

BENEFICIARIES = "F14 · Đối tượng hưởng trợ cấp xã hội hằng tháng (đối tượng)"


def test_the_communes_csv_is_the_table_on_screen(dashboard: Dashboard) -> None:
    dashboard.open("/")
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
    quang_tan = next(row for row in body if row[0] == "Xã Quảng Tân")
    assert quang_tan[header.index(BENEFICIARIES)] == "240"  # a number, no "240.0"
