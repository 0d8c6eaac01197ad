"""What a user sees and does on the dashboard, for Playwright tests: named after the screen.

``Dashboard(page, base_url)`` opens addresses, waits until Streamlit has settled (no script
running, no stale element, every chart and table drawn), reads the KPI tiles, chooses a period,
taps a commune's bar or table row, and measures the layout (horizontal overflow, touch targets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:  # imported lazily, so a machine without Playwright can skip, not crash
    from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize

SETTLE_TIMEOUT_MS = 30_000  # the slowest page settles in ~2 s here; 15x headroom for CI
QUIET_MS = 300  # settled = nothing running and nothing redrawn for this long
TOUCH_PX = 44  # the minimum touch target ui/style.py promises
TABLE_HEADER_PX = 36  # st.dataframe's header row; rows below it share the rest of the canvas
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
TABLETS: dict[str, ViewportSize] = {  # the two ways a tablet is held in a meeting
    "portrait-768x1024": {"width": 768, "height": 1024},
    "landscape-1024x768": {"width": 1024, "height": 768},
}
TIMEZONE = "Asia/Ho_Chi_Minh"  # the district's tablets; dates in charts depend on it (UTC+7)
BAR_ROLE, POINT_ROLE = "cột", "điểm"  # a chart mark's role, as charts/aria.py names it


def new_tablet(browser: Browser, viewport: ViewportSize) -> BrowserContext:
    """A fresh browser (own cache, cookies, Streamlit session): a touch tablet in Vietnam."""
    return browser.new_context(
        viewport=viewport,
        has_touch=True,
        is_mobile=True,
        accept_downloads=True,
        locale="vi-VN",
        timezone_id=TIMEZONE,
    )


# True once Streamlit has finished the run and drawn everything, for QUIET_MS in a row. The
# app's root carries the script state (initial / running / notRunning); elements of an
# unfinished run are marked data-stale; an element whose code is still loading is a skeleton;
# charts and tables draw after the run, asynchronously.
_SETTLED_JS = """
(quietMs) => {
  const app = document.querySelector('[data-testid="stApp"]');
  // elements inside a closed expander are never drawn; only what can be seen must be
  const shown = (sel) =>
    Array.from(document.querySelectorAll(sel)).filter((e) => e.checkVisibility());
  const drawn = (sel, inner) => shown(sel).every((e) => e.querySelector(inner));
  const ready =
    app !== null &&
    app.dataset.testScriptState === "notRunning" &&
    app.dataset.testConnectionState === "CONNECTED" &&
    document.querySelector('[data-stale="true"]') === null &&
    shown('[data-testid="stSkeleton"]').length === 0 &&
    document.querySelector('[data-testid="stStatusWidget"]') === null &&
    drawn('[data-testid="stVegaLiteChart"]', "svg, canvas") &&
    drawn('[data-testid="stDataFrame"]', "canvas");
  if (!ready) {
    window.__settledSince = undefined;
    return false;
  }
  window.__settledSince ??= performance.now();
  return performance.now() - window.__settledSince >= quietMs;
}
"""

_TILES_JS = """
() => Array.from(document.querySelectorAll('[data-testid="stMetric"]')).map((m) => [
  m.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim() ?? "",
  m.querySelector('[data-testid="stMetricValue"]')?.innerText.trim() ?? "",
])
"""

_OVERFLOW_JS = """
() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const tooWide = Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
    .filter((c) => {
      const drawn = c.querySelector("svg, canvas");
      return drawn && drawn.getBoundingClientRect().width > c.clientWidth + 1;
    })
    .map((c) => c.getAttribute("aria-label") || "chart");
  return {
    page: [document.scrollingElement.scrollWidth, window.innerWidth],
    main: main ? [main.scrollWidth, main.clientWidth] : [0, 0],
    charts: tooWide,
  };
}
"""

# The controls a finger must hit: buttons, input fields, tabs, expander headers, navigation
# links. A field (select box, date) is measured whole: a tap anywhere on it opens it, so the
# chevron or calendar button inside is not measured on its own. Inline text links and
# canvas-drawn table cells are not measured (pages/overview.py sizes its rows); the skip link is
# visually hidden until focused from a keyboard.
_TARGETS_JS = """
(minPx) => {
  const fields = [
    '[data-testid="stSelectbox"] [role="group"]',
    '[data-testid="stMultiSelect"] [role="group"]',
    '[data-testid="stDateInputField"]',
  ];
  const selectors = [
    "button",
    '[role="tab"]',
    "summary",
    '[data-testid="stTopNavLink"]',
    '[data-testid="stTopNavSection"]',
    ...fields,
  ];
  const small = [];
  for (const el of document.querySelectorAll(selectors.join(","))) {
    if (el.tagName === "BUTTON" && el.parentElement.closest(fields.join(","))) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || style.visibility === "hidden") continue;
    if (el.closest('[data-testid="stSidebar"][aria-expanded="false"]')) continue;
    if (el.closest('[inert], [aria-hidden="true"]')) continue;
    if (box.width + 0.5 < minPx || box.height + 0.5 < minPx) {
      const owner = el.closest("[data-testid]")?.getAttribute("data-testid") ?? el.tagName;
      const name = (el.getAttribute("aria-label") || el.innerText || "").trim().slice(0, 40);
      small.push(`${owner} "${name}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}
"""


@dataclass(frozen=True)
class Overflow:
    """Widths that decide whether the page scrolls sideways."""

    page_scroll: int
    page_width: int
    main_scroll: int
    main_width: int
    charts_too_wide: list[str]

    @property
    def scrolls_sideways(self) -> bool:
        """True when the page or its main area is wider than the screen."""
        return self.page_scroll > self.page_width or self.main_scroll > self.main_width


@dataclass(frozen=True)
class Downloaded:
    """A file the browser downloaded."""

    name: str
    content: bytes


class Dashboard:
    """One browser tab on the dashboard."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    # -- getting around ---------------------------------------------------------------------

    def open(self, address: str) -> Dashboard:
        """Go to ``address`` (a path such as "/chi-tra?xa=06913") and wait until settled."""
        self.page.goto(self.base_url + address, wait_until="commit")
        self.settle()
        return self

    def settle(self, timeout_ms: int = SETTLE_TIMEOUT_MS) -> None:
        """Wait until the script has finished and everything it drew is on screen."""
        self.page.evaluate("window.__settledSince = undefined")
        self.page.wait_for_function(_SETTLED_JS, arg=QUIET_MS, timeout=timeout_ms, polling=50)

    def wait_for_url_param(self, name: str, value: str) -> None:
        """Wait until the address bar holds ``name=value``, then until the page settles."""
        self.page.wait_for_function(
            "([k, v]) => new URLSearchParams(location.search).get(k) === v",
            arg=[name, value],
            timeout=SETTLE_TIMEOUT_MS,
        )
        self.settle()

    def wait_for_new_url(self, previous: str) -> None:
        """Wait until the address is no longer ``previous``, then until the page settles."""
        self.page.wait_for_function(
            "(before) => location.href !== before", arg=previous, timeout=SETTLE_TIMEOUT_MS
        )
        self.settle()

    @property
    def params(self) -> dict[str, str]:
        """The address bar's query string, one value per name."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.page.url).query).items()}

    # -- reading ----------------------------------------------------------------------------

    def tiles(self) -> dict[str, str]:
        """{label: value} of every KPI tile, as shown ("1.911 đối tượng")."""
        return dict(self.page.evaluate(_TILES_JS))

    def in_effect(self) -> str:
        """The "Đang xem: …" line under the filter bar."""
        return self._in_effect().inner_text()

    def _in_effect(self) -> Locator:
        return self.page.get_by_text(re.compile(r"^(Đang xem|Showing):")).first

    def wait_for_in_effect(self, fragment: str) -> str:
        """Wait until the "Đang xem: …" line holds ``fragment``, then until the page settles;
        the line. After a tap the address can change before the rerun that draws the page
        has begun (a loaded machine): ``wait_for_url_param`` alone may see the page before."""
        from playwright.sync_api import expect

        expect(self._in_effect()).to_contain_text(fragment, timeout=SETTLE_TIMEOUT_MS)
        self.settle()
        return self.in_effect()

    def exceptions(self) -> list[str]:
        """Texts of Streamlit exception boxes on the page."""
        return self.page.locator('[data-testid="stException"]').all_inner_texts()

    def dialogs(self) -> list[str]:
        """Texts of open dialogs (Streamlit's "Page not found" is one)."""
        return self.page.locator('[role="dialog"]').all_inner_texts()

    def overflow(self) -> Overflow:
        """How wide the page and its main area are against the screen; charts too wide."""
        facts = self.page.evaluate(_OVERFLOW_JS)
        (page_scroll, page_width), (main_scroll, main_width) = facts["page"], facts["main"]
        return Overflow(page_scroll, page_width, main_scroll, main_width, facts["charts"])

    def small_touch_targets(self, min_px: int = TOUCH_PX) -> list[str]:
        """Visible controls smaller than ``min_px`` in either direction."""
        return list(self.page.evaluate(_TARGETS_JS, min_px))

    # -- doing ------------------------------------------------------------------------------

    def selectbox(self, label: str) -> Locator:
        """The select box whose label reads ``label``."""
        return self.page.locator('[data-testid="stSelectbox"]').filter(
            has=self.page.get_by_text(label, exact=True)
        )

    def choose(self, label: str, option: str) -> None:
        """Open the select box ``label`` and tap ``option``."""
        self.selectbox(label).get_by_role("combobox").tap()
        self.page.get_by_role("option", name=option, exact=True).tap()

    def add_commune(self, commune: str) -> None:
        """Open the filter bar's communes field, tap ``commune``, and tap outside to close it.

        The list stays open after a pick (for picking more), covering the fields below it.
        """
        self.page.locator(".st-key-f_xa").get_by_role("combobox").tap()
        self.page.get_by_role("option", name=commune, exact=True).tap()
        self.page.locator("h1").first.tap()

    def chosen(self, label: str) -> str:
        """The option the select box ``label`` shows."""
        return self.selectbox(label).get_by_role("combobox").input_value()

    def clear_communes(self) -> None:
        """Tap the filter bar's "clear all" on the communes field (back to the district)."""
        self.page.locator(".st-key-f_xa").get_by_role("button", name="Clear all").tap()

    def commune_bar(self, commune: str, chart: str | None = None) -> Locator:
        """The first drawn bar of ``commune`` (in the chart titled ``chart``, or in any).

        charts/aria.py labels every bar with its tooltip ("Xã, thị trấn: Xã Quảng Tân; …") and
        calls it a "cột"; a stacked bar's empty (zero-width) parts are skipped.
        """
        return self._mark(f'[aria-label*="Xã, thị trấn: {commune};"]', chart)

    def area_bar(self, heading: str, area: str, chart: str | None = None) -> Locator:
        """The first drawn bar of a province or district ``area`` whose tooltip names it under
        ``heading`` ("Tỉnh, thành phố: Tỉnh Quảng Ninh; …"), in the chart titled ``chart``."""
        return self._mark(f'[aria-label*="{heading}: {area};"]', chart)

    def month_bar(self, month: str, chart: str | None = None) -> Locator:
        """The first drawn bar (or, on a line, point) of ``month`` as the tooltip names it
        ("Tháng 3/2023"), in the chart titled ``chart`` or in any."""
        return self._mark(f'[aria-label*="Tháng: {month};"]', chart)

    def _mark(self, labelled: str, chart: str | None) -> Locator:
        everywhere = self.page.locator('[data-testid="stVegaLiteChart"]')
        within = self.chart(chart) if chart else everywhere
        marks = within.locator(
            f'[aria-roledescription="{BAR_ROLE}"]{labelled}, '
            f'[aria-roledescription="{POINT_ROLE}"]{labelled}'
        )
        return marks.filter(visible=True).first

    def tap(self, target: Locator) -> None:
        """Tap ``target`` with a finger (a touch event, not a mouse click)."""
        target.scroll_into_view_if_needed()
        target.tap()

    def tap_table_row(self, first_cell: str, table: int = 0) -> None:
        """Tap the row of the ``table``-th st.dataframe whose first column reads ``first_cell``.

        The grid is a canvas; its hidden accessible copy gives the row order, and the rows
        share the canvas height below the header.
        """
        grid = self.page.locator('[data-testid="stDataFrame"]').nth(table)
        grid.scroll_into_view_if_needed()
        cells = grid.locator('td[aria-colindex="1"]')
        # The accessible copy fills in after the canvas: wait for the row, then read them all.
        cells.filter(has_text=first_cell).first.wait_for(state="attached")
        names = [n.strip() for n in cells.all_inner_texts()]
        row = names.index(first_cell)
        box = grid.locator("canvas").first.bounding_box()
        assert box is not None, "the table is not drawn"
        row_px = (box["height"] - TABLE_HEADER_PX) / len(names)
        x = box["x"] + min(120, box["width"] / 2)  # in the commune's name, left of any scroll
        y = box["y"] + TABLE_HEADER_PX + row_px * (row + 0.5)
        self.page.touchscreen.tap(x, y)

    def download(self, button: Locator) -> Downloaded:
        """Tap a download button; the file the browser received."""
        with self.page.expect_download(timeout=SETTLE_TIMEOUT_MS) as info:
            self.tap(button)
        download = info.value
        return Downloaded(download.suggested_filename, Path(download.path()).read_bytes())

    def screenshot(self, name: str) -> Path:
        """The whole page (Streamlit scrolls inside its main area) as artifacts/<name>.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        size = self.page.viewport_size
        assert size is not None
        height = self.page.evaluate(
            "document.querySelector('[data-testid=\"stMain\"]')?.scrollHeight ?? 0"
        )
        try:
            self.page.set_viewport_size(
                {"width": size["width"], "height": max(height, size["height"])}
            )
            self.settle()
            self.page.screenshot(path=str(path), full_page=True)
        finally:
            self.page.set_viewport_size(size)
        return path

    # -- charts (charts/aria.py names each chart "Biểu đồ: <title>." and each mark) ------------

    def chart(self, title: str) -> Locator:
        """The chart titled ``title``."""
        return self.page.locator(
            f'[data-testid="stVegaLiteChart"][aria-label^="Biểu đồ: {title}."]'
        ).first

    def village_bar(self, chart: str, village: str) -> Locator:
        """The visible bar of ``village`` in the villages chart titled ``chart``."""
        labelled = f'[aria-label*="Thôn, khu phố: {village};"]'
        return (
            self.chart(chart)
            .locator(f'[aria-roledescription="{BAR_ROLE}"]{labelled}')
            .filter(visible=True)
            .first
        )

    def tap_mark(self, mark: Locator) -> None:
        """Tap the middle of a chart's bar or point with a finger.

        Coordinates, not the element: on a line chart an invisible layer over the points takes
        the tap and gives it to the nearest point, as it does for a finger.
        """
        mark.scroll_into_view_if_needed()
        box = mark.bounding_box()
        assert box is not None, "the mark is not drawn"
        self.page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    def chart_facts(self) -> list[dict[str, object]]:
        """Every chart on the page: its label, its marks' sizes and labels, the labels of its
        x axis, and every accessible name inside it that a screen reader can reach."""
        return list(self.page.evaluate(_CHART_FACTS_JS, [BAR_ROLE, POINT_ROLE]))

    def top_bar(self) -> dict[str, object]:
        """The top bar's items as shown (text, and whether hidden in an overflow menu) and
        every accessible name and text in it."""
        return dict(self.page.evaluate(_TOP_BAR_JS))


_CHART_FACTS_JS = """
([barRole, pointRole]) => Array.from(document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
  .filter((c) => c.checkVisibility())
  .map((c) => {
    const reachable = (e) => !e.closest('[aria-hidden="true"]');
    const marks = Array.from(c.querySelectorAll(
      `[aria-roledescription="${barRole}"], [aria-roledescription="${pointRole}"]`));
    const boxes = marks.map((m) => m.getBoundingClientRect())
      .filter((r) => r.width > 0 && r.height > 0)
      .map((r) => ({width: r.width, height: r.height}));
    const xAxis = Array.from(c.querySelectorAll('g.role-axis'))
      .find((a) => (a.getAttribute("aria-label") || "").match(/^(Trục ngang|Horizontal axis)/));
    return {
      label: c.getAttribute("aria-label") || "",
      roles: Array.from(new Set(marks.map((m) => m.getAttribute("aria-roledescription")))),
      marks: boxes,
      xLabels: xAxis ? Array.from(xAxis.querySelectorAll("g.role-axis-label text"))
        .map((t) => t.textContent) : [],
      names: [c, ...c.querySelectorAll("[aria-label]")].filter(reachable)
        .map((e) => e.getAttribute("aria-label")).filter((n) => n),
      markNames: marks.filter(reachable).map((m) => m.getAttribute("aria-label") || ""),
    };
  })
"""

_TOP_BAR_JS = """
() => {
  const nav = document.querySelector('[data-testid="stTopNav"]');
  if (!nav) return {items: [], text: "", names: []};
  const items = Array.from(nav.querySelectorAll(
    '[data-testid="stTopNavLink"], [data-testid="stTopNavSection"]')).map((e) => ({
      text: e.innerText.replace(/\\s+/g, " ").trim(),
      hidden: e.closest("[inert]") !== null || !e.checkVisibility(),
    }));
  const shown = items.filter((i) => !i.hidden);
  return {
    items: shown.map((i) => i.text),
    overflowed: items.filter((i) => i.hidden).map((i) => i.text),
    text: nav.innerText,
  };
}
"""
