"""The audit trail in a browser (issue 17 §1): a district leader opens the person lists on a
tablet and downloads one; the user store then holds a view per list and the download, with
whose rows they held, and the access log page lists them.

The shared ``dashboard_url`` server runs without accounts; this journey starts its own
(``streamlit run serve.py`` with the demo's sample accounts in a store of its own).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from auth import audit
from auth.store import DEMO_USERS, UserStore, seed_demo_users
from data_access.persons import LISTS
from tests.browser.dashboard import SCREENSHOTS, TABLETS, Dashboard, new_tablet
from tests.browser.server import copy_log, running_dashboard

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

PASSWORDS = {u[0]: u[1] for u in DEMO_USERS}
USER_FIELD = "Tên đăng nhập"
RECORDED_WAIT_S = 10  # the download's entry is written as the file is built, just before


@pytest.fixture(scope="module")
def served(
    chromium: Browser, demo_sqlite_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, UserStore]]:
    """The dashboard with the sample accounts; its URL and its user store."""
    work = tmp_path_factory.mktemp("audited")
    store = UserStore(f"sqlite:///{work / 'users.sqlite'}")
    seed_demo_users(store)
    try:
        with running_dashboard(demo_sqlite_path, work) as url:
            yield url, store
    finally:
        store.engine.dispose()
        copy_log(work, SCREENSHOTS.parent / "streamlit-audited.log")


def _entries(store: UserStore, event: str) -> list[dict[str, object]]:
    rows, _ = audit.search(store.engine, events=[event], limit=10_000)
    return rows[::-1]


def _people(store: UserStore, entry_id: object) -> list[int]:
    with store.engine.connect() as conn:
        s = audit.audit_subject
        found = conn.execute(sa.select(s.c.person_id).where(s.c.entry_id == entry_id))
        return sorted(int(p) for p in found.scalars())


def test_a_leader_views_and_downloads_a_list_and_the_log_shows_it(
    chromium: Browser, served: tuple[str, UserStore]
) -> None:
    url, store = served
    context = new_tablet(chromium, TABLETS["landscape-1024x768"])
    try:
        tab = Dashboard(context.new_page(), url).open("/")
        tab.page.get_by_label(USER_FIELD).fill("lanhdao")
        tab.page.get_by_label("Mật khẩu").fill(PASSWORDS["lanhdao"])
        tab.page.get_by_role("button", name="Đăng nhập").click()
        tab.page.get_by_label(USER_FIELD).wait_for(state="detached")
        tab.settle()
        tab.open("/danh-sach")
        assert not tab.exceptions()
        viewed = _entries(store, audit.VIEW)
        assert [v["target"] for v in viewed] == list(LISTS)
        assert all(v["actor"] == "lanhdao" for v in viewed)

        button = tab.page.get_by_role("button", name="Tải CSV").first
        downloaded = tab.download(button)
        assert downloaded.name == "danh-sach-beneficiaries-trang-1.csv"
        lines = downloaded.content.decode("utf-8-sig").strip().splitlines()
        deadline = time.monotonic() + RECORDED_WAIT_S
        while not _entries(store, audit.DOWNLOAD) and time.monotonic() < deadline:
            time.sleep(0.1)
        (download,) = _entries(store, audit.DOWNLOAD)
        assert download["actor"] == "lanhdao" and download["target"] == downloaded.name
        assert download["row_count"] == len(lines) - 1  # the header row aside
        assert json.loads(str(download["detail"]))["params"]["tu"]
        # the file held the people the view showed
        assert _people(store, download["id"]) == _people(store, viewed[0]["id"])
        assert len(_people(store, download["id"])) >= 1

        tab.open("/nhat-ky")
        assert tab.page.get_by_role("heading", name="Nhật ký truy cập").count() == 1
        assert not tab.exceptions()
        count = tab.page.get_by_text(re.compile(r"^\d+ / \d+ mục, mới nhất trước\.$"))
        assert count.count() == 1
        assert audit.verify(store.engine).intact
    finally:
        context.close()
