"""The overview's three tables in one transaction (``data_access.overview``): the same results
as each query on its own, each measure group read once, and a part that fails on a value left
to its own section instead of taking the other two with it."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from data_access import overview
from data_access.areas import area_scorecard
from data_access.attention import attention
from data_access.filters import Filters, Period, Scope
from data_access.indicators import headline

YEAR = Filters(Period.year(2026), version="2025")  # the default view
EVERYTHING = Scope.everything()


def test_the_bundle_equals_each_query_on_its_own(engine: Engine) -> None:
    with engine.connect() as conn:
        figures = overview.overview_figures(conn, YEAR, EVERYTHING)
    with engine.connect() as conn:
        alone = headline(conn, YEAR, EVERYTHING)
    with engine.connect() as conn:
        lags = attention(conn, YEAR, EVERYTHING)
    with engine.connect() as conn:
        card = area_scorecard(conn, YEAR, EVERYTHING)
    assert figures.headline is not None and figures.scorecard is not None
    pd.testing.assert_frame_equal(figures.headline, alone)
    assert figures.attention == lags
    pd.testing.assert_frame_equal(figures.scorecard, card)


def test_each_measure_group_is_read_once_in_the_bundle(engine: Engine) -> None:
    """The headline reads the period's measures; attention and the comparison table reuse
    them: the summary_unit_month / base statements of the period are not sent again."""
    sent: list[str] = []

    def record(conn: object, cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as conn:
            headline(conn, YEAR, EVERYTHING)
        alone = len(sent)
        sent.clear()
        with engine.connect() as conn:
            overview.overview_figures(conn, YEAR, EVERYTHING)
        together = len(sent)
        sent.clear()
        with engine.connect() as conn:
            attention(conn, YEAR, EVERYTHING)
        with engine.connect() as conn:
            area_scorecard(conn, YEAR, EVERYTHING)
        separately = alone + len(sent)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert together < separately
    children = [s for s in sent if "child_case" in s]  # attention + table alone read them twice
    assert len(children) == 2


def test_a_part_that_fails_on_a_value_is_left_to_its_own_section(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise OverflowError("an amount too large to sum")

    monkeypatch.setattr(overview, "attention", broken)
    with engine.connect() as conn:
        figures = overview.overview_figures(conn, YEAR, EVERYTHING)
    with engine.connect() as conn:
        alone = headline(conn, YEAR, EVERYTHING)
    assert figures.attention is None
    assert figures.headline is not None and figures.scorecard is not None
    pd.testing.assert_frame_equal(figures.headline, alone)


def test_a_lost_connection_is_not_hidden(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def lost(*_: object) -> None:
        raise sa.exc.OperationalError(
            "SELECT 1", {}, Exception("server closed"), connection_invalidated=True
        )

    monkeypatch.setattr(overview, "headline", lost)
    with engine.connect() as conn, pytest.raises(sa.exc.OperationalError):
        overview.overview_figures(conn, YEAR, EVERYTHING)
