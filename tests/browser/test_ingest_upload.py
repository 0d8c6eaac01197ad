"""A data clerk loads a commune's payment list in the browser (issue 15, "Tests"): at 1024×768,
a file with an error shows the problem table and writes nothing; the corrected file loads, and
the payouts page of that commune and month then shows the new figures.

The server runs on a copy of the demo with the demo's accounts and a writer connection to the
copy (``WELFARE_WRITER_URL``); what is written is checked in the copy with SQL written here.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest
import sqlalchemy as sa

from auth import audit
from auth.store import DEMO_USERS_TREE, UserStore, seed_demo_users
from charts.formatting import fmt_money
from tests.browser.dashboard import SCREENSHOTS, TABLETS, Dashboard, new_tablet
from tests.browser.server import logged_dashboard

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

CLERK = "nhaplieu"
PASSWORD = {u[0]: u[1] for u in DEMO_USERS_TREE}[CLERK]
UNIT_CODE, MONTH = "06913", date(2026, 11, 1)  # the clerk's new Xã Quảng Tân, last month
F15 = "Kinh phí chi trả trợ cấp xã hội"
OFF_RATE = "Khoản chi sai mức chuẩn × hệ số"
UNKNOWN_CCCD = "022099999999"


@pytest.fixture(scope="module")
def clerk_server(
    chromium: Browser, demo_sqlite_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    work = tmp_path_factory.mktemp("ingest_browser")
    copy = work / "demo.sqlite"
    shutil.copy(demo_sqlite_path, copy)
    store = UserStore(f"sqlite:///{work / 'users.sqlite'}")
    seed_demo_users(store)
    store.engine.dispose()
    log = SCREENSHOTS.parent / "streamlit-ingest.log"
    with logged_dashboard(copy, work, log, {"WELFARE_WRITER_URL": f"sqlite:///{copy}"}) as url:
        yield url, copy


def _engine(path: Path) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{path}")


def _batch(path: Path) -> list[dict[str, Any]]:
    """The batch's payments as list rows, and (first) its total and the import log's size."""
    engine = _engine(path)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    """
                    SELECT p.full_name, p.national_id, pay.amount_vnd, pay.method
                    FROM allowance_payment AS pay
                    JOIN allowance_beneficiary AS b ON b.id = pay.beneficiary_id
                    JOIN person AS p ON p.id = b.person_id
                    JOIN admin_unit AS u ON u.id = pay.admin_unit_id
                    WHERE u.code = :code AND u.valid_from = '2025-07-01' AND pay.month = :month
                    ORDER BY pay.beneficiary_id
                    """
                ),
                {"code": UNIT_CODE, "month": MONTH},
            ).all()
    finally:
        engine.dispose()
    return [
        {
            "name": r[0],
            "cccd": r[1],
            "amount": int(r[2]),
            "method": "Chuyển khoản" if r[3] == "bank" else "Tiền mặt",
        }
        for r in rows
    ]


def _written(path: Path) -> tuple[int, int]:
    """(the whole database's paid amount, import log rows)."""
    engine = _engine(path)
    try:
        with engine.connect() as conn:
            total = conn.execute(sa.text("SELECT SUM(amount_vnd) FROM allowance_payment")).scalar()
            logged = conn.execute(sa.text("SELECT COUNT(*) FROM import_log")).scalar()
    finally:
        engine.dispose()
    return int(total or 0), int(logged or 0)


def _workbook(rows: list[dict[str, Any]], path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["UBND XÃ QUẢNG TÂN"])
    sheet.append(["DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG - THÁNG 11 NĂM 2026"])
    sheet.append(["STT", "Họ và tên", "Số CCCD", "Số tiền (đồng)", "Hình thức"])
    sheet.append(["(1)", "(2)", "(3)", "(4)", "(5)"])
    for n, r in enumerate(rows, start=1):
        sheet.append([n, r["name"], r["cccd"], r["amount"], r["method"]])
    sheet.append([None, "Tổng cộng", None, sum(r["amount"] for r in rows)])
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


def _upload(tab: Dashboard, path: Path) -> None:
    tab.page.locator("input[type=file]").set_input_files(str(path))
    tab.settle()
    tab.page.get_by_text("Đã kiểm tra").first.wait_for(timeout=30_000)
    tab.settle()


def test_a_clerk_uploads_a_bad_list_then_a_good_one_and_sees_it_on_the_payouts_page(
    chromium: Browser, clerk_server: tuple[str, Path], tmp_path: Path
) -> None:
    url, db = clerk_server
    original = _batch(db)
    before = _written(db)
    context = new_tablet(chromium, TABLETS["landscape-1024x768"])
    try:
        tab = Dashboard(context.new_page(), url).open("/nhap-so-lieu")
        tab.page.get_by_label("Tên đăng nhập").fill(CLERK)
        tab.page.get_by_label("Mật khẩu").fill(PASSWORD)
        tab.page.get_by_role("button", name="Đăng nhập").click()
        tab.page.get_by_label("Tên đăng nhập").wait_for(state="detached")
        tab.settle()
        assert tab.page.get_by_role("heading", name="Nhập số liệu").count() == 1
        assert not tab.exceptions()

        # 1. A list with one person the database does not know: the problem table, nothing written
        bad = [dict(r) for r in original]
        bad[4]["cccd"] = UNKNOWN_CCCD
        _upload(tab, _workbook(bad, tmp_path / "sai.xlsx"))
        problems = tab.page.get_by_role("heading", name="Các vấn đề tìm thấy (1 lỗi")
        assert problems.count() == 1
        table = tab.page.get_by_test_id("stDataFrame").last  # the first: the column guide, folded
        assert table.is_visible()
        assert UNKNOWN_CCCD in table.inner_text() or UNKNOWN_CCCD in tab.page.content()
        assert tab.page.get_by_text("Tệp có 1 lỗi nên không được nạp").count() == 1
        assert tab.page.get_by_role("button", name="Nạp vào cơ sở dữ liệu").count() == 0
        tab.screenshot("ingest-problems-1024x768")
        assert _written(db) == before  # nothing written

        # 2. The corrected list, one amount raised by 300.000 đồng: loads, every page updated
        good = [dict(r) for r in original]
        good[0]["amount"] += 300_000
        _upload(tab, _workbook(good, tmp_path / "dung.xlsx"))
        assert tab.page.get_by_text("nếu nạp sẽ thêm 0, sửa 1, xóa 0").count() == 1
        tab.page.get_by_role("button", name="Nạp vào cơ sở dữ liệu").click()
        tab.page.get_by_text("Đã nạp danh sách").wait_for(timeout=60_000)
        tab.settle()
        assert not tab.exceptions()
        total, logged = _written(db)
        assert (total, logged) == (before[0] + 300_000, before[1] + 1)
        # ... and the access log has the load: who, which file, its rows (issue 17 §1)
        trail = UserStore(f"sqlite:///{db.parent / 'users.sqlite'}")
        loads, _ = audit.search(trail.engine, events=[audit.IMPORT])
        trail.engine.dispose()
        assert [(r["actor"], r["target"], r["row_count"]) for r in loads] == [
            ("nhaplieu", "dung.xlsx", len(good))
        ]

        # 3. The payouts page of that commune and month shows the new figures
        batch_total = sum(r["amount"] for r in good)
        tab.page.get_by_role("link", name="Xem trang Chi trả").click()
        tab.settle()
        tab.page.get_by_text(F15).first.wait_for()
        tab.settle()
        assert tab.params.get("xa") == UNIT_CODE and tab.params.get("tu") == "2026-11"
        shown = tab.tiles()
        assert shown[F15] == fmt_money(batch_total), shown
        assert shown[OFF_RATE] == "1 khoản", shown  # the raised amount is off the standard
        assert not tab.exceptions()
    finally:
        context.close()
