"""The README names every page address, indicator and data check the code has, and no other.

As Datasette's ``tests/test_docs.py`` does: documentation that drifts from the code fails a test.
"""

from __future__ import annotations

import ast
import re

from data_access.indicators import INDICATORS
from data_access.quality import BY_CHECK
from tests.codebase import ROOT, modules

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The README's text under ``## title``, up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


def _table_column(section: str, column: int) -> list[str]:
    """The cells of one column of the section's Markdown table (header and rule skipped)."""
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    return [row.split("|")[column + 1].strip() for row in rows]


def _page_addresses() -> set[str]:
    """Every ``url_path`` that app.py gives a page."""
    return {
        kw.value.value
        for node in ast.walk(modules()["app"].tree)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg == "url_path" and isinstance(kw.value, ast.Constant)
    }


def test_every_page_address_is_in_the_readme_and_every_address_there_exists() -> None:
    cells = _table_column(_section("Pages"), 1)
    documented = {m.lstrip("/") for cell in cells for m in re.findall(r"`(/[^`?]*)", cell)}
    documented.discard("")  # "/" is the default page, served by the first url_path
    assert documented == _page_addresses()


def test_every_indicator_is_in_the_readme_and_every_indicator_there_exists() -> None:
    cells = _table_column(_section("Indicators"), 0)
    assert cells == [i.code for i in INDICATORS]
    labels = _table_column(_section("Indicators"), 1)
    assert labels == [i.label("vi") for i in INDICATORS]


def test_every_data_check_is_in_the_readme_and_every_check_there_exists() -> None:
    cells = [c.strip("`") for c in _table_column(_section("Data checks"), 0)]
    assert cells == list(BY_CHECK)


def test_the_readme_layout_names_every_top_level_package_and_module() -> None:
    layout = _section("Layout")
    tops = {name.split(".")[0] for name in modules()} | {"tests"}
    missing = sorted(t for t in tops if not re.search(rf"^{re.escape(t)}(/|\.py)", layout, re.M))
    assert missing == []
