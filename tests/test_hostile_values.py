"""Issue 18, defects 3–5 at their root, in the data layer, on SQLite and PostgreSQL: values that
cannot be true are left out of every figure (base tables and summaries alike), never move the
data's dates, never multiply rows, and are listed by the data checks; number formatting takes
any number.

A copy of the demo gets the values of ``tests.hostile_values_support.plant``; every figure must
then be exactly the clean demo's (F1–F15 of 2023 included), and each check must list exactly
what was planted.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
import streamlit as st
from sqlalchemy.engine import Engine

from charts.formatting import (
    MISSING,
    fmt_change_pct,
    fmt_change_pp,
    fmt_decimal,
    fmt_int,
    fmt_money,
    fmt_money_full,
    fmt_percent,
)
from data_access import housing, payouts, training
from data_access.db import make_engine, sqlite_file_url
from data_access.definitions import data_as_of, first_month
from data_access.excluded import excluded_counts, excluded_payments
from data_access.filters import Filters, Period, Scope
from data_access.indicators import indicator_values, selection_targets
from data_access.quality import BY_CHECK, run_checks
from data_access.standing import _population
from data_access.summaries import refresh, summary_status
from data_access.units import unit_catalogue
from devtools.pgserver import create_database
from tests.apptest import metrics, no_exceptions, open_page
from tests.hostile_values_support import TAN_LAP, Planted, _beneficiary, _unit, declare_load, plant

EVERYONE = Scope.everything(persons=True)
# 2023 to the article's cut-off 30/11/2023, the published figures' period (the data runs to 2026).
YEAR_2023 = Filters(Period.months(2023, 1, 2023, 11))
WHOLE = Filters(Period.months(2022, 1, 2023, 11))
QUARTER = Filters(Period.quarter(2023, 2), ("06895", "06913"))
HEAD = Scope.commune("06913")
NEW_CHECKS = (
    "implausible_value",
    "date_out_of_range",
    "invalid_rate",
    "duplicate_unit_code",
    "invalid_target",
)


@dataclass
class Hostile:
    """The demo with the planted values, on one engine: read as the dashboard does, and as the
    operator does (the summary refresh)."""

    reader: Engine
    writer: Engine
    planted: Planted
    sqlite: bool
    path: Path | None  # the SQLite file, for the page test


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hostile]:
    sqlite = request.param == "sqlite"
    path = None
    if sqlite:
        path = tmp_path_factory.mktemp("hostile_values") / "demo.sqlite"
        shutil.copy(request.getfixturevalue("demo_sqlite_path"), path)
        writer = sa.create_engine(sqlite_file_url(path, read_only=False))
        reader_url = sqlite_file_url(path, read_only=True)
    else:
        reader_url = create_database(
            request.getfixturevalue("pg_admin_url"),
            "hostile_values",
            template=request.getfixturevalue("demo_pg_template"),
        )
        writer = sa.create_engine(reader_url)
    planted = plant(writer, sqlite)
    reader = make_engine(reader_url)
    yield Hostile(reader, writer, planted, sqlite, path)
    reader.dispose()
    writer.dispose()


@pytest.fixture(scope="module")
def clean(hostile: Hostile, request: pytest.FixtureRequest) -> Engine:
    """The clean demo on the hostile copy's engine."""
    return request.getfixturevalue("sqlite_engine" if hostile.sqlite else "pg_engine")


# --- the data's dates (defects 3 and 4) -----------------------------------------------------


def test_outliers_and_malformed_months_move_neither_end_of_the_data(hostile: Hostile) -> None:
    with hostile.reader.connect() as conn:
        assert data_as_of(conn) == date(2026, 11, 30)  # not 31/5/2031; no ValueError on SQLite
        assert first_month(conn) == date(2022, 1, 1)  # not 1/1900


def test_the_as_of_date_never_lies_after_today(hostile: Hostile) -> None:
    with hostile.reader.connect() as conn:
        assert data_as_of(conn, today=date(2023, 10, 15)) == date(2023, 10, 15)
        assert data_as_of(conn, today=date(2026, 12, 31)) == date(2026, 11, 30)
        assert data_as_of(conn, today=date(2021, 12, 31)) is None  # nothing paid by then


def test_the_as_of_date_never_lies_after_the_day_the_load_declares(hostile: Hostile) -> None:
    with hostile.writer.connect() as conn, conn.begin() as tx:
        declare_load(conn, date(2023, 9, 20))
        assert data_as_of(conn) == date(2023, 9, 20)
        assert first_month(conn) == date(2022, 1, 1)
        tx.rollback()


# --- figures: implausible rows left out, base tables and summaries alike (defects 3 and 5) ----

QUERIES: dict[str, Callable[..., Any]] = {
    "monthly": payouts.monthly,
    "cumulative": payouts.cumulative,
    "by_group": payouts.by_group,
    "by_commune": payouts.by_commune,
    "rate_mismatches": payouts.rate_mismatches,
    "grants_by_commune": housing.grants_by_commune,
    "grant_progress": housing.grant_progress,
    "events_by_commune": training.events_by_commune,
}


def _figures(engine: Engine, filters: Filters, scope: Scope) -> dict[str, Any]:
    with engine.connect() as conn:
        total, by_unit = indicator_values(conn, filters, scope)
        out: dict[str, Any] = {"total": total, "by_unit": by_unit}
        for name, query in QUERIES.items():
            out[name] = query(conn, filters, scope)
        out["mismatch_list"] = payouts.mismatch_list(conn, filters, scope)
        out["targets"] = selection_targets(conn, filters, scope, 2023)
        out["catalogue"] = unit_catalogue(conn)
    return out


def _assert_same(found: dict[str, Any], expected: dict[str, Any]) -> None:
    assert found.keys() == expected.keys()
    for name, value in expected.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(found[name], value, check_dtype=False, obj=name)
        else:
            assert found[name] == value, name


@pytest.mark.parametrize(
    ("filters", "scope"),
    [(YEAR_2023, EVERYONE), (WHOLE, EVERYONE), (QUARTER, EVERYONE), (YEAR_2023, HEAD)],
    ids=["2023", "whole", "quarter-two-communes", "2023-commune-head"],
)
def test_every_figure_is_the_clean_demos_from_the_base_tables(
    hostile: Hostile, clean: Engine, filters: Filters, scope: Scope
) -> None:
    with hostile.reader.connect() as conn:
        assert summary_status(conn) is None  # the base tables answer
    _assert_same(_figures(hostile.reader, filters, scope), _figures(clean, filters, scope))


def test_the_published_2023_figures_stay_exact(hostile: Hostile, clean: Engine) -> None:
    with hostile.reader.connect() as conn:
        total, _ = indicator_values(conn, YEAR_2023, EVERYONE)
    with clean.connect() as conn:
        expected, _ = indicator_values(conn, YEAR_2023, EVERYONE)
    values = dict(zip(total["code"], total["numerator"], strict=True))
    assert values == dict(zip(expected["code"], expected["numerator"], strict=True))
    assert 14_500_000_000 <= values["F15"] <= 14_990_000_000  # "14,83 tỷ đồng", not 2^64
    assert values["F14"] == 1911 and values["F10"] == 3 and values["F11"] == 6


def test_the_targets_that_cannot_be_true_are_no_targets(hostile: Hostile, clean: Engine) -> None:
    with hostile.reader.connect() as conn:
        found = selection_targets(conn, YEAR_2023, EVERYONE, 2023)
    with clean.connect() as conn:
        expected = selection_targets(conn, YEAR_2023, EVERYONE, 2023)
    assert found == expected
    assert all(v is None or 0 <= v < 1e13 for v in found.values())


def test_the_summaries_apply_the_same_rules(hostile: Hostile, clean: Engine) -> None:
    """Refreshing does not overflow, and the summaries give the clean demo's figures too."""
    refresh(hostile.writer)
    try:
        with hostile.reader.connect() as conn:
            status = summary_status(conn)
            assert status is not None and status.payments_usable
        for filters in (YEAR_2023, WHOLE, QUARTER):
            _assert_same(
                _figures(hostile.reader, filters, EVERYONE), _figures(clean, filters, EVERYONE)
            )
    finally:
        from data_access.summaries import drop_summaries  # only here: undo the refresh

        drop_summaries(hostile.writer)


def test_pages_can_say_how_many_records_were_left_out(hostile: Hostile, clean: Engine) -> None:
    with hostile.reader.connect() as conn:
        assert excluded_counts(conn, YEAR_2023, EVERYONE) == {
            "allowance_payment": 3,  # two near 2^63, one of −450.000 đồng
            "housing_grant": 2,  # 2^62 and −70 triệu
            "job_event": 1,  # 2 tỷ attendees, −3 registered
        }
        assert excluded_payments(conn, YEAR_2023, HEAD) == 1  # Quảng Tân's near-2^63 payment
        assert excluded_payments(conn, Filters(Period.year(2022)), EVERYONE) == 0
    with clean.connect() as conn:
        assert set(excluded_counts(conn, WHOLE, EVERYONE).values()) == {0}


def test_a_month_that_is_no_date_inside_the_period_is_left_out_once(
    demo_sqlite_path: Path, tmp_path: Path
) -> None:
    """SQLite keeps '2023-02-32' and '2023-02-30' in a DATE column, inside 2023 as text: their
    payments are counted among those left out (SQLite reads them apart from the amounts that
    cannot be true, ``excluded._payment_parts``) — once, with an impossible amount too, and not
    when returned."""
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_sqlite_path, path)
    writer = sa.create_engine(sqlite_file_url(path, read_only=False))
    reader = make_engine(sqlite_file_url(path, read_only=True))
    try:
        with reader.connect() as conn:
            assert excluded_counts(conn, YEAR_2023, EVERYONE)["allowance_payment"] == 0
        with writer.begin() as conn:
            unit = _unit(conn, "06913")
            beneficiary = _beneficiary(conn, unit)
            for month, amount, status in (
                ("2023-02-32", 500_000, "paid"),
                ("2023-02-30", 500_000, "paid"),  # SQLite's date() alone takes it for a date
                ("2023-06-40", -5, "pending"),  # no date and no amount: one record left out
                ("2023-02-32", 500_000, "returned"),  # reached no one: not checked
                ("2023-04-01", -7, "paid"),  # a real month, an amount that cannot be
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO allowance_payment (beneficiary_id, admin_unit_id, month, "
                        "amount_vnd, method, paid_on, status) VALUES "
                        "(:b, :u, :month, :amount, 'cash', NULL, :status)"
                    ),
                    {
                        "b": beneficiary,
                        "u": unit,
                        "month": month,
                        "amount": amount,
                        "status": status,
                    },
                )
        with reader.connect() as conn:
            assert excluded_counts(conn, YEAR_2023, EVERYONE)["allowance_payment"] == 4
            assert excluded_payments(conn, YEAR_2023, HEAD) == 4
            assert excluded_payments(conn, YEAR_2023, Scope.commune("06895")) == 0
            assert excluded_payments(conn, Filters(Period.months(2023, 2, 2023, 3)), HEAD) == 2
            assert excluded_payments(conn, Filters(Period.months(2023, 3, 2023, 11)), HEAD) == 2
            assert excluded_payments(conn, Filters(Period.year(2022)), EVERYONE) == 0
    finally:
        reader.dispose()
        writer.dispose()


# --- the data checks list what was left out (defects 3, 4 and 5) ----------------------------


def _keys(frame: pd.DataFrame) -> set[tuple[str, str, int]]:
    return {(r.record, r.column_name, int(r.record_id)) for r in frame.itertuples(index=False)}


@pytest.fixture(scope="module")
def findings(hostile: Hostile) -> dict[str, pd.DataFrame]:
    with hostile.reader.connect() as conn:
        return {f.code: f.rows for f in run_checks(conn, YEAR_2023, EVERYONE)}


def test_implausible_values_are_listed_whatever_the_period(
    hostile: Hostile, findings: dict[str, pd.DataFrame]
) -> None:
    assert _keys(findings["implausible_value"]) == hostile.planted.implausible
    with hostile.reader.connect() as conn:
        other_year = BY_CHECK["implausible_value"].rows(conn, Filters(Period.year(2022)), EVERYONE)
        mine = BY_CHECK["implausible_value"].rows(conn, YEAR_2023, HEAD)
    assert _keys(other_year) == hostile.planted.implausible
    assert {int(v) for v in mine["value"]} == {2**63 - 1_000, 2**62, -70_000_000}  # Quảng Tân's


def test_dates_that_are_no_date_or_too_early_are_listed(
    hostile: Hostile, findings: dict[str, pd.DataFrame]
) -> None:
    rows = findings["date_out_of_range"]
    assert _keys(rows) == hostile.planted.out_of_range
    stored = set(rows["stored_value"])
    assert "1900-01-01" in stored
    assert ("2023-13-45" in stored) == hostile.sqlite


def test_future_dates_include_payment_months_and_births(
    hostile: Hostile, findings: dict[str, pd.DataFrame]
) -> None:
    found = _keys(findings["future_date"])
    assert hostile.planted.future <= found
    assert len(found) == 3 + len(hostile.planted.future)  # the demo's own three, and ours


def test_overlapping_and_invalid_rates_are_listed(
    hostile: Hostile, findings: dict[str, pd.DataFrame]
) -> None:
    rows = findings["invalid_rate"]
    problems = dict(zip(rows["rate_id"].astype(int), rows["problem"], strict=True))
    overlap, huge = sorted(hostile.planted.rates)
    assert problems[overlap] == "overlap" and problems[huge] == "bad_amount"
    assert len(problems) == 5  # ours, the three real rates the first one overlaps, the huge one


def test_a_duplicate_commune_code_is_listed_and_does_not_replace_the_commune(
    hostile: Hostile, clean: Engine, findings: dict[str, pd.DataFrame]
) -> None:
    rows = findings["duplicate_unit_code"]
    assert set(rows["unit_code"]) == {TAN_LAP}
    used = dict(zip(rows["unit_id"].astype(int), rows["problem"], strict=True))
    assert used[hostile.planted.duplicate_unit] == "not_used"
    assert sorted(used.values()) == ["not_used", "used"]
    with hostile.reader.connect() as conn:
        names = dict(zip(*unit_catalogue(conn)[["code", "name"]].T.values, strict=True))
    assert names[TAN_LAP] == "Xã Tân Lập"
    with hostile.reader.connect() as conn:  # a head of Tân Lập sees the duplicate of the code
        theirs = BY_CHECK["duplicate_unit_code"].count(conn, YEAR_2023, Scope.commune(TAN_LAP))
        others = BY_CHECK["duplicate_unit_code"].count(conn, YEAR_2023, HEAD)
    assert (theirs, others) == (2, 0)


def test_targets_that_cannot_be_true_are_listed(
    hostile: Hostile, findings: dict[str, pd.DataFrame]
) -> None:
    rows = findings["invalid_target"]
    assert set(rows["target_id"].astype(int)) == hostile.planted.targets
    assert dict(zip(rows["indicator"], rows["problem"], strict=True)) == {
        "F15": "too_large",
        "F2": "negative",
        "F1": "ratio_above_one",
    }


def test_the_clean_demo_has_none_of_these(clean: Engine) -> None:
    with clean.connect() as conn:
        totals = {f.code: f.total for f in run_checks(conn, WHOLE, EVERYONE)}
    assert {c: totals[c] for c in NEW_CHECKS} == dict.fromkeys(NEW_CHECKS, 0)


# --- the data-check page lists them (SQLite: the page's code is the same on both engines) ----


def test_the_data_check_page_lists_them_without_an_error(
    hostile: Hostile, users_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if hostile.path is None:
        pytest.skip("the page is the same on both engines; the queries were run on both above")
    monkeypatch.setenv("WELFARE_DB_URL", f"sqlite:///{hostile.path}")
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        at = open_page("pages/quality.py", tu="2023-01", den="2023-11")
        no_exceptions(at)
        shown = metrics(at)
        warnings = [w.value for w in at.warning]
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
    counts = {c: shown[BY_CHECK[c].title("vi")] for c in NEW_CHECKS}
    assert counts == {
        "implausible_value": "7 trường hợp",  # 3 payments, 2 grants, 1 event twice
        "date_out_of_range": "3 trường hợp",  # 1900 payment and visit, "2023-13-45"
        "invalid_rate": "5 trường hợp",
        "duplicate_unit_code": "2 trường hợp",
        "invalid_target": "3 trường hợp",
    }
    assert any(
        w.startswith("Trong kỳ này, 3 khoản chi trả, 2 khoản hỗ trợ nhà ở và 1 hội nghị việc làm")
        for w in warnings
    )


def test_a_population_no_commune_can_have_gives_no_rate_per_1000_people() -> None:
    assert [_population(p) for p in (5571, -3077, 0, 2**31 - 1, None, math.nan)] == [
        5571.0,
        None,
        None,
        None,
        None,
        None,
    ]


# --- formatting takes any number (defect 3) -------------------------------------------------

ANY_NUMBER = [
    1e28,
    -1e28,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    2**63 - 1_000,
    2 * (2**63 - 1_000),
    Decimal("1E+40"),
    5e-324,
    -0.0,
]
NOT_FINITE = [None, math.nan, math.inf, -math.inf, Decimal("NaN"), pd.NA, pd.NaT]
FORMATTERS = [fmt_int, fmt_decimal, fmt_percent, fmt_money, fmt_money_full]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("value", ANY_NUMBER, ids=str)
def test_any_finite_number_is_formatted(value: Any, lang: str) -> None:
    for fmt in FORMATTERS:
        assert fmt(value, lang=lang)
    assert fmt_change_pct(value, lang) and fmt_change_pp(value, lang)


@pytest.mark.parametrize("value", NOT_FINITE, ids=str)
def test_what_is_no_finite_number_is_a_dash(value: Any) -> None:
    for fmt in FORMATTERS:
        assert fmt(value) == MISSING


def test_huge_numbers_keep_every_digit() -> None:
    assert fmt_int(1e28) == "10.000.000.000.000.000.000.000.000.000"
    assert fmt_money_full(2 * (2**63 - 1_000)) == "18.446.744.073.709.549.616 đồng"
    assert fmt_money(1e28) == "10.000.000.000.000.000.000 tỷ đồng"
    assert fmt_money(-1e28, "en") == "−VND 10,000,000,000,000,000,000 billion"
    assert fmt_percent(1e28) == "1.000.000.000.000.000.000.000.000.000.000%"
