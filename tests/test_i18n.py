"""Every message exists in Vietnamese and English, and every message the code asks for exists."""

from __future__ import annotations

import ast
import importlib

import pytest

from i18n import CATALOGS, Catalog, choose, lang_of, placeholders
from tests.codebase import Module, modules, resolve
from vocab import ALLOWANCE_GROUPS, PAYMENT_METHODS


def _catalog_assignments(module: Module) -> dict[str, str]:
    """Module-level ``NAME = Catalog("catalog.name", ...)``: variable -> catalog name."""
    found = {}
    for node in module.tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "Catalog"
            and isinstance(node.value.args[0], ast.Constant)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.args[0].value
    return found


def _script_catalog(module: Module, variable: str) -> dict[str, tuple[str, str]]:
    """The literal entries of a page script's catalog (scripts cannot be imported)."""
    for node in module.tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == variable for t in node.targets
        ):
            assert isinstance(node.value, ast.Call)
            return ast.literal_eval(node.value.args[1])
    raise AssertionError(f"{module.name}: no catalog {variable}")


def _is_script(module: Module) -> bool:
    return module.name == "app" or module.name.startswith("pages.")


def _all_catalogs() -> dict[str, dict[str, tuple[str, str]]]:
    """Every catalog the source makes, by catalog name, with its entries.

    Importable modules are imported, so catalogs made in a loop or a decorator count too; page
    scripts (which run Streamlit when executed) are read from their source.
    """
    result: dict[str, dict[str, tuple[str, str]]] = {}
    for m in modules().values():
        if _is_script(m):
            for variable, name in _catalog_assignments(m).items():
                result[name] = _script_catalog(m, variable)
        else:
            importlib.import_module(m.name)
    made_here = {name for name in CATALOGS if name.startswith("tests.")}
    result |= {name: dict(c) for name, c in CATALOGS.items() if name not in made_here}
    return result


def _visible_catalogs(module: Module, catalogs: dict[str, dict]) -> dict[str, dict]:
    """The catalogs a module can call by a bare name: its own and those it imports."""
    names = {v: catalogs[n] for v, n in _catalog_assignments(module).items()}
    for node in module.tree.body:
        if isinstance(node, ast.ImportFrom):
            source = modules().get(resolve(module, node))
            if source is None:
                continue
            theirs = _catalog_assignments(source)
            for alias in node.names:
                if alias.name in theirs:
                    names[alias.asname or alias.name] = catalogs[theirs[alias.name]]
    return names


def test_there_are_catalogs_to_check() -> None:
    catalogs = _all_catalogs()
    assert {"ui", "vocab.allowance_groups"} <= set(catalogs)
    assert sum(len(c) for c in catalogs.values()) > 300


def test_every_message_exists_in_both_languages_with_the_same_placeholders() -> None:
    problems = [
        f"{name}/{key}: {entry!r}"
        for name, entries in _all_catalogs().items()
        for key, entry in entries.items()
        if len(entry) != 2
        or not all(isinstance(text, str) and text.strip() for text in entry)
        or placeholders(entry[0]) != placeholders(entry[1])
    ]
    assert problems == []


def test_every_message_the_code_asks_for_exists_and_gets_its_values() -> None:
    catalogs = _all_catalogs()
    problems = []
    for m in modules().values():
        visible = _visible_catalogs(m, catalogs)
        for node in ast.walk(m.tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in visible
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                continue
            key, entries = node.args[0].value, visible[node.func.id]
            where = f"{m.name}:{node.lineno} {node.func.id}({key!r})"
            if key not in entries:
                problems.append(f"{where}: no such message")
                continue
            given = {k.arg for k in node.keywords}
            if None in given:  # **values: checked when it runs
                continue
            wanted = placeholders(entries[key][0])
            if wanted != given:
                problems.append(f"{where}: fills {sorted(given)}, message wants {sorted(wanted)}")
    assert problems == []


def test_a_catalog_picks_the_language_and_fills_placeholders() -> None:
    catalog = Catalog("tests.sample", {"paid": ("Đã chi {n} người", "Paid {n} people")})
    assert catalog("paid", "vi", n="1.911") == "Đã chi 1.911 người"
    assert catalog("paid", "en", n="1,911") == "Paid 1,911 people"
    assert catalog("paid", "fr", n="3") == "Đã chi 3 người"  # anything else is Vietnamese
    with pytest.raises(KeyError):
        catalog("missing", "vi")


def test_a_stored_code_shows_its_label_and_an_unknown_code_shows_as_stored() -> None:
    assert ALLOWANCE_GROUPS.label("KT_NANG", "vi") == "Người khuyết tật nặng"
    assert PAYMENT_METHODS.label("cash", "en") == "Cash"
    assert ALLOWANCE_GROUPS.label("QN_RIENG", "vi") == "QN_RIENG"
    assert ALLOWANCE_GROUPS.label(None, "vi") == ""


def test_choose_and_lang_of_default_to_vietnamese() -> None:
    assert (lang_of("en"), lang_of("vi"), lang_of(None), lang_of("EN")) == ("en", "vi", "vi", "vi")
    assert choose("en", "vi_VN", "en_GB") == "en_GB"
    assert choose("vi", "vi_VN", "en_GB") == "vi_VN"
