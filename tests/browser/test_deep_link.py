"""A link to a page opened before sign-in (issue 18, defect 9): no "Page not found" dialog over
the sign-in form, and after signing in the user is on the page asked for, filters kept; a viewer
who follows a link to the person lists gets the page's refusal, not an error.

Runs on the ``signed_url`` server of test_sign_in_survives_reload.py (``streamlit run serve.py``
with the three demo accounts, a fresh user store).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.browser.dashboard import Dashboard, new_tablet
from tests.browser.test_sign_in_survives_reload import (  # the server with accounts
    PERSON_LISTS,
    USER_FIELD,
    _sign_in,
    signed_url,  # noqa: F401  (a fixture: imported so this module's tests can use it)
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ViewportSize

pytestmark = pytest.mark.browser

QUANG_TAN = "06913"  # Xã Quảng Tân (ui/filters.py QP_COMMUNES = "xa")
REPORTS = "Báo cáo"  # the top bar's menu holding the briefing, data checks and person lists
REFUSAL = "Tài khoản của bạn chỉ được xem số liệu tổng hợp, không xem danh sách cá nhân."


def _reports_menu(tab: Dashboard) -> list[str]:
    """The pages in the top bar's "Báo cáo" menu (opened with a tap, then closed)."""
    tab.page.get_by_test_id("stTopNavSection").filter(has_text=REPORTS).tap()
    menu = tab.page.get_by_test_id("stTopNavPopover")
    texts = menu.get_by_role("menuitem").all_inner_texts()
    tab.page.keyboard.press("Escape")
    return [re.sub(r"^\W+", "", text).strip() for text in texts]


def test_a_deep_link_to_the_person_lists_opens_after_sign_in_with_its_filter(
    chromium: Browser,
    signed_url: str,  # noqa: F811  (the imported fixture)
    viewport: ViewportSize,
) -> None:
    context = new_tablet(chromium, viewport)
    try:
        tab = Dashboard(context.new_page(), signed_url).open(f"/danh-sach?xa={QUANG_TAN}")
        assert not tab.dialogs(), tab.dialogs()
        assert tab.page.get_by_label(USER_FIELD).count() == 1
        assert urlsplit(tab.page.url).path == "/danh-sach" and tab.params["xa"] == QUANG_TAN

        _sign_in(tab.page, "lanhdao")
        tab.settle()
        assert not tab.dialogs() and not tab.exceptions(), tab.dialogs() + tab.exceptions()
        assert urlsplit(tab.page.url).path == "/danh-sach"
        assert tab.params["xa"] == QUANG_TAN
        assert tab.page.get_by_role("heading", name=PERSON_LISTS).count() == 1
        # the district leadership's first view: Năm 2026 in the 2025 units (the new commune)
        assert tab.in_effect().startswith("Đang xem: Xã Quảng Tân · Năm 2026 ·")
        assert PERSON_LISTS in _reports_menu(tab)
    finally:
        context.close()


def test_a_viewer_following_a_link_to_the_person_lists_gets_the_refusal(
    chromium: Browser,
    signed_url: str,  # noqa: F811  (the imported fixture)
    viewport: ViewportSize,
) -> None:
    context = new_tablet(chromium, viewport)
    try:
        tab = Dashboard(context.new_page(), signed_url).open("/danh-sach")
        assert not tab.dialogs(), tab.dialogs()
        _sign_in(tab.page, "xem")
        tab.settle()
        assert not tab.dialogs() and not tab.exceptions(), tab.dialogs() + tab.exceptions()
        assert urlsplit(tab.page.url).path == "/danh-sach"
        assert tab.page.get_by_text(REFUSAL).count() == 1
        assert _reports_menu(tab) == ["Báo cáo quý", "Kiểm tra số liệu"]  # not offered
    finally:
        context.close()
