"""A signed-in user who reloads, or opens a second tab, is still signed in on the same page;
after signing out, a reload (or a copied cookie) shows the sign-in form (issue 13, defect 11).

The shared ``dashboard_url`` server runs without accounts, so these journeys start their own:
``streamlit run serve.py`` (how the dashboard is started) with the demo's sample accounts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from auth.store import DEMO_USERS, DEMO_USERS_TREE, UserStore, seed_demo_users
from tests.browser.dashboard import SCREENSHOTS, TABLETS, Dashboard, new_tablet
from tests.browser.rows import on_the_list_2025, vi_count
from tests.browser.server import (
    HEALTH_TIMEOUT_S,
    REPO,
    DashboardStartError,
    _stop,
    copy_log,
    free_port,
    healthy,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Cookie, Page, ViewportSize

pytestmark = pytest.mark.browser

PASSWORDS = {u[0]: u[1] for u in [*DEMO_USERS, *DEMO_USERS_TREE]}
BENEFICIARIES = "Đối tượng hưởng trợ cấp xã hội hằng tháng"
COOKIE = "welfare_session"
USER_FIELD = "Tên đăng nhập"
PERSON_LISTS = "Danh sách cá nhân"  # the person lists page title (ui/i18n.py nav_persons)
COOKIE_WAIT_S = 10  # the page posts its code right after the sign-in run; ~50 ms here


@pytest.fixture(scope="module")
def signed_url(
    chromium: Browser, demo_sqlite_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``streamlit run serve.py`` on the demo database, with the demo's sample accounts (those
    of 2023 and those of the 2025 units and the province); its base URL."""
    work = tmp_path_factory.mktemp("signed")
    users = f"sqlite:///{work / 'users.sqlite'}"
    store = UserStore(users)
    seed_demo_users(store)
    store.engine.dispose()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "WELFARE_DB_URL": f"sqlite:///{demo_sqlite_path}",
        "WELFARE_USERS_URL": users,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    env.pop("WELFARE_DEMO_USERS", None)
    command = [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port)]
    command += ["--server.headless", "true", "--server.address", "127.0.0.1"]
    command += ["--server.fileWatcherType", "none"]
    log_path = work / "streamlit.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + HEALTH_TIMEOUT_S
            while not healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise DashboardStartError(log_path.read_text(errors="replace"))
                time.sleep(0.2)
            # the first visitor after a start must arrive on "/" (see conftest.dashboard_url)
            first = new_tablet(chromium, TABLETS["portrait-768x1024"])
            Dashboard(first.new_page(), url).open("/")
            first.close()
            yield url
        finally:
            _stop(process)
            copy_log(work, SCREENSHOTS.parent / "streamlit-signed.log")


def _sign_in(page: Page, username: str) -> None:
    page.get_by_label(USER_FIELD).fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORDS[username])
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_label(USER_FIELD).wait_for(state="detached")


def _session_cookie(context: BrowserContext, wait_s: float = 0) -> Cookie | None:
    deadline = time.monotonic() + wait_s
    while True:
        found = [c for c in context.cookies() if c["name"] == COOKIE]
        if found or time.monotonic() >= deadline:
            return found[0] if found else None
        time.sleep(0.05)


def _asks_to_sign_in(tab: Dashboard) -> bool:
    return tab.page.get_by_label(USER_FIELD).count() == 1 and not tab.tiles()


def test_a_reload_and_a_second_tab_stay_signed_in_until_sign_out(
    chromium: Browser, signed_url: str, viewport: ViewportSize
) -> None:
    context = new_tablet(chromium, viewport)
    try:
        tab = Dashboard(context.new_page(), signed_url).open("/chi-tra")
        assert _asks_to_sign_in(tab)
        _sign_in(tab.page, "quangtan")
        tab.settle()
        seen = tab.tiles()
        assert seen and not tab.exceptions()
        # a head of the 2023 Xã Quảng Tân (ended 30/6/2025): its last months, in its own units
        assert tab.in_effect().startswith("Đang xem: Xã Quảng Tân · 6 tháng đầu năm 2025 ·")
        assert tab.params["dv"] == "2023"
        address = tab.page.url
        _session_cookie(context, COOKIE_WAIT_S)

        tab.page.reload(wait_until="commit")  # F5, or a tablet bringing back a discarded tab
        tab.settle()
        assert not _asks_to_sign_in(tab), "the reload signed the user out"
        assert tab.page.url == address and tab.tiles() == seen  # same page, same commune
        cookie = _session_cookie(context)
        assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert cookie["value"] not in tab.page.evaluate("document.cookie")

        second = Dashboard(context.new_page(), signed_url).open("/xa")
        assert not _asks_to_sign_in(second) and not second.exceptions()
        second.page.close()

        tab.page.get_by_test_id("stExpandSidebarButton").click()
        tab.page.get_by_role("button", name="Đăng xuất").click()
        tab.page.get_by_label(USER_FIELD).wait_for()
        tab.settle()
        tab.page.reload(wait_until="commit")
        tab.settle()
        assert _asks_to_sign_in(tab), "a reload after sign-out is signed in again"
        assert not tab.exceptions()

        copied = new_tablet(chromium, viewport)  # the old cookie, replayed elsewhere
        copied.add_cookies([cookie])
        thief = Dashboard(copied.new_page(), signed_url).open("/chi-tra")
        assert _asks_to_sign_in(thief) and not thief.exceptions()
        copied.close()
    finally:
        context.close()


def test_a_reload_on_the_person_list_stays_on_the_person_list(
    chromium: Browser, signed_url: str, viewport: ViewportSize
) -> None:
    """The person list is in the page list only for a signed-in user with person rights; a
    reload must find the user before the page list is built, or it says "Page not found"."""
    context = new_tablet(chromium, viewport)
    try:
        tab = Dashboard(context.new_page(), signed_url).open("/")
        _sign_in(tab.page, "lanhdao")
        tab.settle()
        tab.open("/danh-sach")
        assert tab.page.get_by_role("heading", name=PERSON_LISTS).count() == 1
        _session_cookie(context, COOKIE_WAIT_S)
        tab.page.reload(wait_until="commit")
        tab.settle()
        assert not tab.dialogs(), tab.dialogs()
        assert "/danh-sach" in tab.page.url and not _asks_to_sign_in(tab)
        assert tab.page.get_by_role("heading", name=PERSON_LISTS).count() == 1
    finally:
        context.close()


def test_the_head_of_the_new_commune_opens_on_the_whole_new_commune(
    chromium: Browser, signed_url: str, viewport: ViewportSize, demo_sqlite_path: Path
) -> None:
    """The head of the 2025 Xã Quảng Tân sees the latest year of the whole new commune (its four
    predecessors included): F14 is its list of November 2026, the data's last month (820)."""
    listed = on_the_list_2025(demo_sqlite_path, date(2026, 11, 1))["06913"]
    context = new_tablet(chromium, viewport)
    try:
        tab = Dashboard(context.new_page(), signed_url).open("/chi-tra")
        _sign_in(tab.page, "xaquangtan")
        tab.settle()
        assert not tab.exceptions() and not tab.dialogs(), tab.exceptions() + tab.dialogs()
        assert tab.in_effect().startswith("Đang xem: Xã Quảng Tân · Năm 2026 ·")
        assert tab.params["dv"] == "2025"
        assert tab.tiles()[BENEFICIARIES] == vi_count(listed, "đối tượng")
    finally:
        context.close()
