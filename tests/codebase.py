"""The project's own source, read as text and syntax trees: the tests of its shape walk it."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What ships or runs: everything but the tests themselves and generated or local data.
SOURCE_DIRS = (
    "ui",
    "auth",
    "data_access",
    "charts",
    "reports",
    "pages",
    "benchmarks",
    "devtools",
    "ingest",
)
SOURCE_FILES = ("app.py", "serve.py", "i18n.py", "vocab.py")


@dataclass(frozen=True)
class Module:
    """One source file: its dotted name, path and syntax tree."""

    name: str
    path: Path
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"

    @property
    def package(self) -> str:
        """The package a relative import starts from."""
        return self.name if self.is_package else self.name.rpartition(".")[0]

    @property
    def lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines()


def _dotted(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Module]:
    """Every source module by dotted name (pages/x.py is ``pages.x``, app.py is ``app``)."""
    paths = [ROOT / f for f in SOURCE_FILES if (ROOT / f).exists()]
    for folder in SOURCE_DIRS:
        if (ROOT / folder).is_dir():
            paths += sorted((ROOT / folder).rglob("*.py"))
    found = {}
    for path in paths:
        if "results" in path.parts:
            continue
        name = _dotted(path)
        found[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return found


def resolve(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module an ``import from`` names."""
    if not node.level:
        return node.module or ""
    base = module.package.split(".")
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imported_names(module: Module) -> list[tuple[str, ast.stmt]]:
    """Every project or outside module that ``module`` imports, anywhere in the file."""
    known = modules()
    found: list[tuple[str, ast.stmt]] = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = resolve(module, node)
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
            found += [(target, node)] if len(subs) < len(node.names) else []
            found += [(sub, node) for sub in subs]
    return found


def project_edges(module: Module) -> set[str]:
    """The project modules ``module`` imports, with the packages Python runs on the way."""
    known = modules()
    edges: set[str] = set()
    for target, _ in imported_names(module):
        if target not in known:
            continue
        edges.add(target)
        # Importing a.b.c runs a/__init__ and a/b/__init__ first, unless we are inside them.
        parts = target.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if (
                parent in known
                and not module.name.startswith(parent + ".")
                and parent != module.name
            ):
                edges.add(parent)
    edges.discard(module.name)
    return edges


def top(name: str) -> str:
    """The top-level package (or script) of a dotted module name."""
    return name.split(".")[0]
