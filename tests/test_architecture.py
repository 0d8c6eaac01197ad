"""The layering DESIGN.md promises, checked on the source: no cycle, no forbidden import."""

from __future__ import annotations

import ast
import re

import pytest

from tests.codebase import Module, imported_names, modules, project_edges, top

# Which top-level parts of the project each part must never import (DESIGN.md, "Never: ...").
FORBIDDEN: dict[str, set[str]] = {
    "i18n": {"vocab", "data_access", "charts", "ui", "pages", "reports", "auth", "streamlit"},
    "vocab": {"data_access", "charts", "ui", "pages", "reports", "auth", "streamlit"},
    "data_access": {
        "charts",
        "ui",
        "pages",
        "reports",
        "auth",
        "streamlit",
        "benchmarks",
        "ingest",
    },
    "charts": {"data_access", "ui", "pages", "reports", "auth", "streamlit", "ingest"},
    "ingest": {"ui", "pages", "reports", "auth", "streamlit"},
    "reports": {"ui", "pages", "streamlit", "auth"},
    "auth": {"ui", "pages", "charts", "reports"},
}
# Modules of a forbidden part that a part may still import: the import path records a load in
# the audit trail of the application's database (auth.audit, found through auth.store), which
# use neither Streamlit nor the sign-in.
ALLOWED: dict[str, set[str]] = {
    "ingest": {"auth.audit", "auth.store", "auth.cli"},
    # the briefing by e-mail finds its recipients and their scope in the accounts
    "reports": {"auth.audit", "auth.store", "auth.cli"},
}
LANG_BRANCH = re.compile(r"""\w*lang\w*\s*[!=]=|[!=]=\s*\w*lang\b|["'](vi|en)["']\s*[!=]=\s*\w""")


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each a cycle or more."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, []):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.append(item)
                if item == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_the_project_has_no_import_cycle() -> None:
    assert _cycles({name: sorted(project_edges(m)) for name, m in modules().items()}) == []


def test_the_cycle_finder_sees_a_cycle_and_reads_imports_inside_functions() -> None:
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert _cycles({"a": ["b"], "b": []}) == []
    hidden = Module("x.a", modules()["vocab"].path, ast.parse("def f():\n    from . import b\n"))
    assert [name for name, _ in imported_names(hidden)] == ["x"]


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_each_layer_imports_only_what_it_may(part: str) -> None:
    offending = sorted(
        f"{m.name} imports {name} (line {node.lineno})"
        for m in modules().values()
        if top(m.name) == part
        for name, node in imported_names(m)
        if top(name) in FORBIDDEN[part] and name not in ALLOWED.get(part, set())
    )
    assert offending == []


def test_the_ground_floor_imports_nothing_of_the_project_but_itself() -> None:
    assert project_edges(modules()["i18n"]) == set()
    assert project_edges(modules()["vocab"]) == {"i18n"}


def test_a_function_local_import_states_why() -> None:
    """An import inside a function hides a dependency; each one carries a comment saying why."""
    unexplained = []
    for m in modules().values():
        lines = m.lines
        for fn in ast.walk(m.tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    here, above = lines[node.lineno - 1], lines[node.lineno - 2]
                    if "#" not in here and not above.strip().startswith("#"):
                        unexplained.append(f"{m.name}:{node.lineno}: {here.strip()}")
    assert unexplained == []


def test_only_the_translation_module_branches_on_the_language() -> None:
    branches = [
        f"{m.name}:{n}: {line.strip()}"
        for m in modules().values()
        if m.name != "i18n"
        for n, line in enumerate(m.lines, start=1)
        if LANG_BRANCH.search(line.split("#")[0])
    ]
    assert branches == []


def test_the_language_branch_pattern_catches_the_usual_spellings() -> None:
    for line in ('x = a if lang == "vi" else b', 'if "en" == lang:', "if report_lang != 'vi':"):
        assert LANG_BRANCH.search(line), line
    assert not LANG_BRANCH.search('T("title", lang)')
