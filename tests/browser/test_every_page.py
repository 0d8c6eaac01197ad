"""Every page on both tablet sizes: no exception, no dialog, no sideways scrolling, finger-sized
controls, no serious accessibility violation (axe-core); a screenshot of each goes to
artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser.accessibility import Violation, audit
from tests.browser.dashboard import TABLETS, Dashboard, Overflow, new_tablet

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

ADDRESSES = [
    "/",
    "/tong-quan",
    "/bao-phu",
    "/nha-o",
    "/dao-tao-viec-lam",
    "/chi-tra",
    "/xa?xa=06913",
    "/bao-cao-quy",
    "/kiem-tra",
]
# app.py gives the overview url_path "tong-quan", but Streamlit serves the default page at "/"
# only; /tong-quan shows "Page not found" until app.py adds a hidden alias page.
UNSERVED = {"/tong-quan"}


@dataclass(frozen=True)
class Visit:
    """What one page looked like on one tablet."""

    address: str
    exceptions: list[str]
    dialogs: list[str]
    overflow: Overflow
    small_targets: list[str]
    screenshot: Path
    violations: list[Violation]


def _slug(address: str) -> str:
    return re.sub(r"[^\w]+", "-", address).strip("-") or "root"


@pytest.fixture(
    scope="module",
    params=[(a, s) for a in ADDRESSES for s in TABLETS],
    ids=[f"{_slug(a)}-{s}" for a in ADDRESSES for s in TABLETS],
)
def visit(request: pytest.FixtureRequest, chromium: Browser, dashboard_url: str) -> Iterator[Visit]:
    """Open one page at one tablet size once; the tests below read what was seen."""
    address, size = request.param
    context = new_tablet(chromium, TABLETS[size])
    try:
        board = Dashboard(context.new_page(), dashboard_url).open(address)
        yield Visit(
            address=address,
            exceptions=board.exceptions(),
            dialogs=board.dialogs(),
            overflow=board.overflow(),
            small_targets=board.small_touch_targets(),
            screenshot=board.screenshot(f"{_slug(address)}-{size}"),
            violations=audit(board.page),
        )
    finally:
        context.close()


def test_page_shows_no_exception(visit: Visit) -> None:
    assert visit.exceptions == []


def test_page_opens_without_a_dialog(visit: Visit) -> None:
    if visit.address in UNSERVED and any("Page not found" in d for d in visit.dialogs):
        pytest.xfail(f"{visit.address} is not served: app.py needs a hidden alias page")
    assert visit.dialogs == []


def test_page_does_not_scroll_sideways(visit: Visit) -> None:
    assert not visit.overflow.scrolls_sideways, visit.overflow
    assert visit.overflow.charts_too_wide == []


def test_page_controls_are_finger_sized(visit: Visit) -> None:
    assert visit.small_targets == []


def test_page_screenshot_is_saved(visit: Visit) -> None:
    assert visit.screenshot.is_file() and visit.screenshot.stat().st_size > 10_000


def test_page_has_no_serious_or_critical_accessibility_violation(visit: Visit) -> None:
    """axe-core finds nothing serious in the project's own markup (Streamlit's own is listed)."""
    ours = [
        f"{v.rule} ({v.impact}): {v.help} at {list(v.targets)[:3]}"
        for v in visit.violations
        if v.blocking and not v.streamlit_own
    ]
    assert ours == []
