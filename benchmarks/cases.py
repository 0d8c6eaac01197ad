"""What the benchmark times: the overview, each measure group and each page module's queries.

A case is one row of the table: a page's queries, called in order as the page calls them, with
the filters a district leader opens first.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy.engine import Connection

from data_access import payouts, queries
from data_access.areas import area_path, area_scorecard
from data_access.attention import attention
from data_access.excluded import excluded_counts
from data_access.filters import Filters, Scope
from data_access.indicators import INDICATORS, headline
from data_access.overview import overview_figures
from data_access.trends import quarterly

PAGE_MODULES = ("coverage", "housing", "training", "payouts")  # data_access modules of pages
ONE_PROVINCE = "22"  # the overview after a tap on a province's row: the demo's own province

Query = Callable[[Connection, Filters, Scope], Any]


@dataclass
class Case:
    """One row of the table: a page's queries, called in order as the page calls them."""

    page: str
    query: str
    calls: list[tuple[str, Query]]
    naive_groups: list[str] = field(default_factory=list)  # measure groups the naive path computes

    @property
    def key(self) -> str:
        """``page/query``, as progress lines and verdicts name the case."""
        return f"{self.page}/{self.query}"


def cases() -> list[Case]:
    """The overview, each measure group, and each page module's public queries."""
    # The overview's cached queries, as pages/overview.py calls them: the records left out, the
    # trend quarters of the tiles, the way back up the tree, and its three tables of the period
    # in one transaction (``overview_figures``: they share the period's measures).
    page = [
        ("excluded_counts", excluded_counts),
        ("quarterly", quarterly),
        ("area_path", area_path),
        ("overview_figures", overview_figures),
    ]
    parts = [("headline", headline), ("attention", attention), ("area_scorecard", area_scorecard)]
    out = [
        Case("overview", "the page", page, sorted({i.group for i in INDICATORS})),
        # Each query on its own (the three tables too, each in a transaction of its own).
        *(Case("overview", name, [(name, fn)]) for name, fn in [*page, *parts]),
        # A tap on a province's row: the same page for its districts (or its communes).
        Case(
            "overview",
            f"one province ({ONE_PROVINCE}): the page",
            [(f"{name}@{ONE_PROVINCE}", partial(in_area, fn)) for name, fn in page],
        ),
    ]
    for group in queries.MEASURES:
        out.append(
            Case(
                "measures",
                group,
                [(f"measures:{group}", partial(queries.measures, groups=[group]))],
                [group],
            )
        )
    for name in PAGE_MODULES:
        out.extend(page_cases(name))
    # The one person list on the payouts page, first page, as a role that may see persons.
    out.append(Case("payouts", "mismatch_list (persons)", [("mismatch_list", mismatch_page)]))
    return out


def page_cases(name: str) -> list[Case]:
    """A case per public ``(conn, filters, scope)`` function of ``data_access.<name>``."""
    try:
        module = importlib.import_module(f"data_access.{name}")  # a page module not written yet
    except ImportError:
        return []
    out = []
    for fname, fn in inspect.getmembers(module, inspect.isfunction):
        if fn.__module__ != module.__name__ or fname.startswith("_"):
            continue
        params = list(inspect.signature(fn).parameters.values())
        if [p.name for p in params[:3]] != ["conn", "filters", "scope"]:
            continue
        if any(p.default is inspect.Parameter.empty for p in params[3:]):
            continue
        out.append(Case(name, fname, [(f"{name}.{fname}", fn)]))
    return out


def in_area(query: Query, conn: Connection, filters: Filters, scope: Scope) -> Any:
    """``query`` for the filters narrowed to the province ``ONE_PROVINCE``."""
    return query(conn, filters.with_area(ONE_PROVINCE), scope)


def mismatch_page(conn: Connection, filters: Filters, scope: Scope) -> Any:
    """The first page of the payouts page's person list, as a role that may see persons."""
    return payouts.mismatch_list(conn, filters, Scope(scope.communes, persons=True))
