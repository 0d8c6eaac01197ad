"""The one translation path: every message and stored-code label is looked up in a ``Catalog``.

Why tables and not gettext catalogs: the product has two languages written by its developers,
both read in review side by side; a ``Catalog`` keeps each message's Vietnamese and English on
one line next to the code that shows it, needs no compile step (.po -> .mo) on a deploy, and a
test (``tests/test_i18n.py``) checks every entry in both languages, its placeholders and every
key the code asks for. A ``Catalog`` is the only place that picks a language; nothing else in
the project branches on it.

This module imports nothing of the project: everything may import it.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from typing import Literal, TypeVar

T = TypeVar("T")
Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")
DEFAULT_LANG: Lang = "vi"

# Every catalog made, by name: the test walks them all.
CATALOGS: dict[str, Catalog] = {}


def lang_of(value: object) -> Lang:
    """``value`` as a language code: "en" stays English, anything else is Vietnamese."""
    return "en" if value == "en" else "vi"


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Catalog(Mapping[str, tuple[str, str]]):
    """Messages or code labels of one module: key -> (Vietnamese, English).

    ``catalog(key, lang, **values)`` is a message (an unknown key is a programming error and
    raises ``KeyError``); ``catalog.label(code, lang)`` is a stored code's label (an unknown code,
    such as a province's own group, is shown as it is stored).
    """

    def __init__(self, name: str, entries: Mapping[str, tuple[str, str]]) -> None:
        # A page script runs again on every rerun and makes its catalog anew: the newest wins.
        self.name = name
        self._entries = dict(entries)
        CATALOGS[name] = self

    def __getitem__(self, key: str) -> tuple[str, str]:
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __call__(self, key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
        text = self._entries[key][LANGS.index(lang_of(lang))]
        return text.format(**values) if values else text

    def label(self, code: object, lang: str = DEFAULT_LANG) -> str:
        """The label of a stored code; an unknown code (or a missing one) is shown as stored."""
        entry = self._entries.get(code) if isinstance(code, str) else None
        if entry is None:
            return "" if code is None else str(code)
        return entry[LANGS.index(lang_of(lang))]

    def labels(self, lang: str = DEFAULT_LANG) -> dict[str, str]:
        """Every code's label in ``lang``, in the catalog's order (a chart's legend order)."""
        return {code: self.label(code, lang) for code in self._entries}

    def codes(self) -> list[str]:
        """The stored codes, in the catalog's order."""
        return list(self._entries)


def choose(lang: str, vi: T, en: T) -> T:
    """``vi`` or ``en`` by language, for values that are not messages (a locale, a pattern)."""
    return (vi, en)[LANGS.index(lang_of(lang))]
