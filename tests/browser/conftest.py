"""Browser fixtures: `streamlit run` on a fresh demo database, Debian's Chromium at tablet sizes.

In CI (``CI=true``) a missing Chromium or Playwright fails the run; elsewhere it skips.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.dashboard import SCREENSHOTS, TABLETS, Dashboard, new_tablet
from tests.browser.server import (
    browser_problem,
    launch_chromium,
    logged_dashboard,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ViewportSize

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember each phase's report on the test item, so fixtures know a test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright, for the whole session."""
    problem = browser_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"browser tests are required in CI: {problem}")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def dashboard_url(
    chromium: Browser, demo_sqlite_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``streamlit run app.py`` on a fresh demo database; its base URL."""
    work = tmp_path_factory.mktemp("streamlit")
    with logged_dashboard(demo_sqlite_path, work, SCREENSHOTS.parent / "streamlit.log") as url:
        yield url


@pytest.fixture(params=list(TABLETS), ids=list(TABLETS))
def viewport(request: pytest.FixtureRequest) -> ViewportSize:
    """Each test using it runs on a portrait and on a landscape tablet."""
    return TABLETS[request.param]


@pytest.fixture
def new_dashboard(
    chromium: Browser, dashboard_url: str, viewport: ViewportSize, request: pytest.FixtureRequest
) -> Iterator[Callable[[], Dashboard]]:
    """A factory of fresh browser contexts (own cookies, own Streamlit session) at the tablet size.

    Calling it twice is a second person opening a link someone shared.
    """
    contexts = []

    def make() -> Dashboard:
        context = new_tablet(chromium, viewport)
        contexts.append(context)
        return Dashboard(context.new_page(), dashboard_url)

    yield make
    failed = getattr(request.node, "report_call", None)
    for number, context in enumerate(contexts):
        if failed is not None and failed.failed and context.pages:
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            context.pages[0].screenshot(path=str(SCREENSHOTS / f"FAILED-{name}-{number}.png"))
        context.close()


@pytest.fixture
def dashboard(new_dashboard: Callable[[], Dashboard]) -> Dashboard:
    """One browser tab on the dashboard, at the tablet size."""
    return new_dashboard()
