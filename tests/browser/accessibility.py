"""Accessibility audits with axe-core, injected into the Playwright page.

axe-core comes from the npm registry inside the ``axe-playwright-python`` wheel (its
``axe.min.js``; requirements-dev.txt pins it), so no ``npm install`` is needed on a clean machine.
``audit(page)`` runs axe on what the page shows now and returns the violations.

Run as a command it prints the violation counts of every page at both tablet sizes, for a
dashboard already running (the closing notes' before/after tables):

    python -m tests.browser.accessibility http://127.0.0.1:8501 [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

BLOCKING = ("critical", "serious")  # the impacts the issue says no page may have
# Violations that Streamlit's own widgets cause, not the project's markup: (rule, the
# data-testid of the Streamlit element the node sits in) -> why, with the upstream issue.
STREAMLIT_OWN: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on one page: how bad, and where (CSS selectors of the nodes)."""

    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    widgets: tuple[str, ...]  # the data-testid of the nearest Streamlit element of each node

    @property
    def blocking(self) -> bool:
        return self.impact in BLOCKING

    @property
    def streamlit_own(self) -> bool:
        """Caused by Streamlit's own widget markup (listed in STREAMLIT_OWN), not ours."""
        return bool(self.widgets) and all((self.rule, w) in STREAMLIT_OWN for w in self.widgets)


def axe_source() -> str:
    """axe-core's script, as shipped in the pinned wheel."""
    import axe_playwright_python  # dev-only: the dashboard never needs it

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


_RUN_JS = """
async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    rule: v.id,
    impact: v.impact || "minor",
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
    widgets: v.nodes.map((n) => {
      const el = document.querySelector(n.target[0]);
      const owner = el && el.closest("[data-testid]");
      return owner ? owner.dataset.testid : "";
    }),
  }));
}
"""


def audit(page: Page) -> list[Violation]:
    """axe-core's violations on what ``page`` shows now."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    found = page.evaluate(_RUN_JS)
    return [
        Violation(
            rule=v["rule"],
            impact=v["impact"],
            help=v["help"],
            targets=tuple(v["targets"]),
            widgets=tuple(sorted(set(v["widgets"]))),
        )
        for v in found
    ]


def counts(violations: list[Violation]) -> dict[str, int]:
    """Nodes in violation per impact (critical, serious, moderate, minor)."""
    tally: Counter[str] = Counter()
    for v in violations:
        tally[v.impact] += len(v.targets)
    return {impact: tally[impact] for impact in ("critical", "serious", "moderate", "minor")}


def _main(argv: list[str]) -> int:
    # Run from the command line only: the test suite imports the functions above.
    from playwright.sync_api import sync_playwright

    from tests.browser.dashboard import TABLETS, Dashboard, new_tablet
    from tests.browser.measure import ADDRESSES  # every page a person opens without a role
    from tests.browser.server import launch_chromium

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="base URL of a running dashboard, e.g. http://127.0.0.1:8501")
    parser.add_argument("--json", type=Path, help="also write every violation to this file")
    args = parser.parse_args(argv)
    rows, detail = [], {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for address in ADDRESSES:
            for size, viewport in TABLETS.items():
                context = new_tablet(browser, viewport)
                board = Dashboard(context.new_page(), args.url.rstrip("/")).open(address)
                found = audit(board.page)
                context.close()
                c = counts(found)
                rows.append((address, size, c, sorted({v.rule for v in found if v.blocking})))
                detail[f"{address} {size}"] = [asdict(v) for v in found]
        browser.close()
    print("| page | tablet | critical | serious | moderate | minor | serious/critical rules |")
    print("|---|---|---:|---:|---:|---:|---|")
    for address, size, c, rules in rows:
        cells = " | ".join(str(c[k]) for k in ("critical", "serious", "moderate", "minor"))
        print(f"| `{address}` | {re.sub(r'-.*', '', size)} | {cells} | {', '.join(rules)} |")
    if args.json:
        args.json.write_text(json.dumps(detail, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
