"""A reported figure that disagrees links to the people behind it: signed in as the district
leadership, tapping the link on Kiểm tra số liệu opens the person list it names, on the right
tab, for that commune and quarter (issue 13, defect 12)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from auth.store import DEMO_USERS, UserStore
from tests.browser.dashboard import Dashboard, new_tablet
from tests.browser.server import running_dashboard

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ViewportSize

pytestmark = pytest.mark.browser

PASSWORDS = {u[0]: u[1] for u in DEMO_USERS}


@pytest.fixture(scope="module")
def accounts_url(
    chromium: Browser, demo_sqlite_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The dashboard on the demo database with the demo accounts in its user store."""
    work = tmp_path_factory.mktemp("accounts")
    store = UserStore(f"sqlite:///{work / 'users.sqlite'}")  # the store running_dashboard uses
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    store.engine.dispose()
    with running_dashboard(demo_sqlite_path, work) as url:
        yield url


def test_a_mismatch_link_opens_the_person_list_behind_it(
    chromium: Browser, accounts_url: str, viewport: ViewportSize
) -> None:
    context = new_tablet(chromium, viewport)
    try:
        board = Dashboard(context.new_page(), accounts_url).open("/")
        page = board.page
        page.get_by_label("Tên đăng nhập").fill("lanhdao")
        page.get_by_label("Mật khẩu").fill(PASSWORDS["lanhdao"])
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_label("Tên đăng nhập").wait_for(state="detached")
        board.settle()
        board.open("/kiem-tra?tu=2022-01&den=2023-11")
        link = page.locator('[data-testid="stPageLink"] a').filter(
            has_text="Chi trả hằng tháng: Xã Quảng An, Quý IV/2022"
        )
        assert link.count() == 1
        before = page.url
        board.tap(link)
        board.wait_for_new_url(before)
        assert board.params == {
            "ds": "payments",
            "xa": "06901",
            "tu": "2022-10",
            "den": "2022-12",
            "dv": "2023",
        }
        assert page.locator('[role="tab"][aria-selected="true"]').all_inner_texts() == [
            "Chi trả hằng tháng"
        ]
        assert board.in_effect().startswith("Đang xem: Xã Quảng An · Quý IV/2022")
        assert not board.exceptions()
    finally:
        context.close()
