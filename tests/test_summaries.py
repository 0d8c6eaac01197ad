"""Summary tables give exactly the base tables' figures, are read only while fresh, and say
when they were refreshed — on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import coverage, payouts, trends
from data_access import schema as s
from data_access.areas import area_scorecard
from data_access.db import make_engine, sqlite_file_url
from data_access.definitions import LOADED_ON_KEY
from data_access.demo import build_demo
from data_access.filters import Filters, Period, Scope
from data_access.indicators import commune_scorecard, headline
from data_access.queries import (
    MEASURES,
    data_as_of,
    measure_totals,
    measures,
    reference_date,
)
from data_access.refresh_summaries import full_refresh
from data_access.summaries import (
    COLUMNS,
    SummaryRefreshError,
    drop_summaries,
    full_years,
    refresh,
    summaries_as_of,
    summary_info,
    summary_metadata,
    summary_payment,
    summary_status,
    summary_unit_month,
    summary_unit_year,
    summary_version_month,
)
from data_access.summaries.read import CASE_TERMS
from data_access.summaries.tables import summary_payment_status
from data_access.units import resolve, without_splits
from devtools.pgserver import create_database

ROOT = Path(__file__).resolve().parent.parent
REFRESHED_AT = datetime(2023, 12, 1, 2, 0, tzinfo=UTC)
YEAR_2023 = Filters(Period.year(2023))


@dataclass
class Summarised:
    """The demo on one engine twice: as built (no summaries) and a copy with summaries."""

    base: Engine  # read-only, never refreshed
    reader: Engine  # read-only, as the dashboard opens it
    writer: Engine  # the operator's connection: refreshes, and the tests' edits


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Summarised]:
    if request.param == "sqlite":
        base = request.getfixturevalue("sqlite_engine")
        copy = tmp_path_factory.mktemp("summaries") / "demo.sqlite"
        shutil.copy(request.getfixturevalue("demo_sqlite_path"), copy)
        writer = sa.create_engine(sqlite_file_url(copy, read_only=False))
        reader_url = sqlite_file_url(copy, read_only=True)
    else:
        base = request.getfixturevalue("pg_engine")
        reader_url = create_database(
            request.getfixturevalue("pg_admin_url"),
            "summaries_test",
            template=request.getfixturevalue("demo_pg_template"),
        )
        writer = sa.create_engine(reader_url)
    full_refresh(writer, now=REFRESHED_AT)  # with the checks' candidates
    reader = make_engine(reader_url)
    yield Summarised(base, reader, writer)
    reader.dispose()
    writer.dispose()


FILTERS = [
    pytest.param(YEAR_2023, Scope.everything(), id="year-2023"),
    pytest.param(Filters(Period.year(2022)), Scope.everything(), id="year-2022"),
    pytest.param(Filters(Period.quarter(2023, 3)), Scope.everything(), id="quarter"),
    pytest.param(Filters(Period.months(2023, 10, 2023, 11)), Scope.everything(), id="two-months"),
    pytest.param(Filters(Period.months(2022, 11, 2023, 2)), Scope.everything(), id="across-years"),
    pytest.param(Filters(Period.year(2023), ("06913",)), Scope.everything(), id="one-commune"),
    pytest.param(
        Filters(Period.year(2023), ("06895", "06901", "06919")),
        Scope.everything(),
        id="several-communes",
    ),
    pytest.param(Filters(Period.year(2023), version="2025"), Scope.everything(), id="2025"),
    pytest.param(
        Filters(Period.quarter(2023, 2), ("06913",), "2025"),
        Scope.everything(),
        id="2025-one-commune",
    ),
    pytest.param(YEAR_2023, Scope.commune("06913"), id="commune-scope"),
    pytest.param(
        Filters(Period.year(2022), version="2025"), Scope.commune("06901"), id="scope-2025"
    ),
    pytest.param(Filters(Period.months(2022, 1, 2023, 12)), Scope.everything(), id="two-years"),
    pytest.param(
        Filters(Period.months(2022, 7, 2023, 12), version="2025"),
        Scope.everything(),
        id="half-and-whole-year",
    ),
    pytest.param(Filters(Period.months(2021, 6, 2023, 3)), Scope.everything(), id="from-before"),
    pytest.param(Filters(Period.year(2020)), Scope.everything(), id="before-the-stocks"),
    pytest.param(Filters(Period.months(2023, 6, 2024, 6)), Scope.everything(), id="past-as-of"),
    pytest.param(Filters(Period.year(2024)), Scope.everything(), id="after-the-data"),
    # The default view: its eight trend quarters reach back across the 1/7/2025 merger.
    pytest.param(
        Filters(Period.months(2026, 1, 2026, 11), version="2025"),
        Scope.everything(),
        id="2026-default",
    ),
    # The months with pending, planned, returned and recovered payments, one new commune.
    pytest.param(
        Filters(Period.months(2025, 12, 2026, 10), version="2025"),
        Scope.commune("06913", version="2025"),
        id="lifecycle-commune",
    ),
]


@pytest.mark.parametrize(("filters", "scope"), FILTERS)
def test_summaries_give_the_same_measures_as_the_base_tables(
    db: Summarised, filters: Filters, scope: Scope
) -> None:
    with db.base.connect() as base, db.reader.connect() as conn:
        assert summary_status(base) is None
        assert summary_status(conn).fresh
        expected = measures(base, filters, scope)
        got = measures(conn, filters, scope)
    pd.testing.assert_frame_equal(got, expected)


SUMMARISED_PAGE_QUERIES = [
    coverage.elderly_cards,
    coverage.health_visits_by_month,
    payouts.monthly,
    payouts.cumulative,
    payouts.by_group,
    payouts.by_commune,
    payouts.rate_mismatches,
    payouts.status_by_month,  # the lifecycle section (issue 16)
    payouts.status_by_commune,
    payouts.status_by_area,
    payouts.pending_by_age,
    trends.quarterly,  # the tiles' last eight quarters
    area_scorecard,  # the overview's comparison
]


@pytest.mark.parametrize(("filters", "scope"), FILTERS)
def test_page_queries_give_the_same_frames_from_summaries(
    db: Summarised, filters: Filters, scope: Scope
) -> None:
    with db.base.connect() as base, db.reader.connect() as conn:
        assert summary_status(conn).payments_usable
        for query in SUMMARISED_PAGE_QUERIES:
            expected = query(base, filters, scope)
            got = query(conn, filters, scope)
            pd.testing.assert_frame_equal(got, expected, obj=query.__name__)


@pytest.mark.parametrize(("filters", "scope"), FILTERS)
def test_the_mismatch_list_is_the_same_when_the_summaries_narrow_it(
    db: Summarised, filters: Filters, scope: Scope
) -> None:
    persons = Scope(scope.communes, persons=True)
    with db.base.connect() as base, db.reader.connect() as conn:
        expected = payouts.mismatch_list(base, filters, persons)
        got = payouts.mismatch_list(conn, filters, persons)
    pd.testing.assert_frame_equal(got, expected)


def test_the_trends_read_the_summaries_while_they_are_fresh(db: Summarised) -> None:
    """Editing one unit's summary rows changes the tiles' quarters: a flow's quarter is the sum
    of its months, a state's quarter its last month's stock."""
    sm, u = summary_unit_month, s.admin_unit
    quang_tan = (
        sa.select(u.c.id)
        .where(u.c.code == "06913", u.c.valid_to == date(2025, 6, 30))
        .scalar_subquery()
    )
    # One commune: its own rows (a whole version reads summary_version_month: the next test).
    filters = Filters(Period.months(2023, 1, 2023, 11), ("06913",))

    def change(sign: int) -> None:
        one = sm.c.admin_unit_id == quang_tan
        with db.writer.begin() as w:
            w.execute(
                sm.update()
                .where(one, sm.c.month == date(2023, 8, 1))
                .values(paid_amount=sm.c.paid_amount + sign * 7)
            )
            w.execute(
                sm.update()
                .where(one, sm.c.month == date(2023, 9, 1))
                .values(beneficiaries=sm.c.beneficiaries + sign)
            )

    with db.reader.connect() as conn:
        before = trends.quarterly(conn, filters, Scope.everything(), ("F14", "F15"))
    change(+1)
    try:
        with db.reader.connect() as conn:
            after = trends.quarterly(conn, filters, Scope.everything(), ("F14", "F15"))
    finally:
        change(-1)
    q3 = date(2023, 7, 1)
    key = ["code", "quarter"]
    changed = after.set_index(key)["numerator"] - before.set_index(key)["numerator"]
    assert changed.loc[("F15", q3)] == 7
    assert changed.loc[("F14", q3)] == 1
    assert int(changed.drop([("F15", q3), ("F14", q3)]).abs().sum()) == 0


@contextlib.contextmanager
def version_month_edited(db: Summarised, changes: dict[date, dict[str, int]]) -> Iterator[None]:
    """summary_version_month of the 2023 units with ``changes`` ({month: {column: +n}}) added
    for the block, and taken off again after it."""
    sv = summary_version_month

    def apply(sign: int) -> None:
        with db.writer.begin() as w:
            for month, deltas in changes.items():
                w.execute(
                    sv.update()
                    .where(sv.c.version == "2023", sv.c.month == month)
                    .values({c: sv.c[c] + sign * n for c, n in deltas.items()})
                )

    apply(+1)
    try:
        yield
    finally:
        apply(-1)


WHOLE_AND_ONE = (
    Filters(Period.months(2023, 1, 2023, 11)),  # every commune: the version's monthly totals
    Filters(Period.months(2023, 1, 2023, 11), ("06913",)),  # one commune: its own rows
)


def test_the_trends_of_a_whole_version_read_its_monthly_totals(db: Summarised) -> None:
    """Every commune of a version: the quarters come from summary_version_month (a few dozen
    rows), so editing its August 2023 row moves Q3 of the whole district and no commune's."""

    def quarters() -> list[pd.Series]:
        with db.reader.connect() as conn:
            return [
                trends.quarterly(conn, f, Scope.everything(), ("F15",)).set_index("quarter")[
                    "numerator"
                ]
                for f in WHOLE_AND_ONE
            ]

    before = quarters()
    with version_month_edited(db, {date(2023, 8, 1): {"paid_amount": 7}}):
        after = quarters()
    moved = [(a - b).to_dict() for a, b in zip(after, before, strict=True)]
    assert moved[0][date(2023, 7, 1)] == 7
    assert sum(moved[0].values()) == 7
    assert not any(moved[1].values())


def test_the_totals_of_a_whole_version_read_its_monthly_totals(db: Summarised) -> None:
    """The headline's totals for every commune come from summary_version_month: editing one
    month's paid amount and the stock of the reference month moves F15 and F14 of the whole
    district, and nothing of one commune (which sums its own rows)."""

    def figures() -> list[pd.Series]:
        with db.reader.connect() as conn:
            return [
                headline(conn, f, Scope.everything()).set_index("code")["numerator"]
                for f in WHOLE_AND_ONE
            ]

    before = figures()
    changes = {date(2023, 5, 1): {"paid_amount": 11}, date(2023, 11, 1): {"beneficiaries": 2}}
    with version_month_edited(db, changes):
        after = figures()
    moved = [(a - b).to_dict() for a, b in zip(after, before, strict=True)]
    assert moved[0]["F15"] == 11 and moved[0]["F14"] == 2
    assert sum(abs(v) for k, v in moved[0].items() if k not in ("F14", "F15")) == 0
    assert not any(moved[1].values())


def test_whole_version_totals_follow_the_unit_map_and_its_changes(db: Summarised) -> None:
    """summary_version_month holds sums through the unit map. A successor the catalogue does not
    list (a second row under a code in force the same day) counts nowhere, in the totals as in
    the per-unit figures; and a succession added after the refresh makes the summaries stale
    until the next one, instead of totals through yesterday's map."""
    u, succ = s.admin_unit, s.admin_unit_succession
    whole = Filters(Period.year(2025), version="2025")
    with db.writer.connect() as conn:
        new_commune = (
            conn.execute(sa.select(u).where(u.c.valid_from == date(2025, 7, 1)).order_by(u.c.id))
            .mappings()
            .first()
        )
        old = conn.execute(
            sa.select(succ.c.old_unit_id).where(succ.c.new_unit_id == new_commune["id"])
        ).scalar()
        top_unit = conn.execute(sa.select(sa.func.max(u.c.id))).scalar_one()
        top_succ = conn.execute(sa.select(sa.func.max(succ.c.id))).scalar_one()
    twin = {**new_commune, "id": top_unit + 1, "name": "Bản sao cùng mã"}
    link = {"id": top_succ + 1, "old_unit_id": old, "new_unit_id": twin["id"]}
    link["effective"] = date(2025, 7, 1)
    try:
        with db.writer.begin() as conn:
            conn.execute(u.insert().values(twin))
            conn.execute(succ.insert().values(link))
        with db.reader.connect() as conn:
            assert not summary_status(conn).fresh  # the map changed since the refresh
        refresh(db.writer, now=REFRESHED_AT)
        with db.reader.connect() as conn:
            assert summary_status(conn).fresh
            summed = measure_totals(conn, whole, Scope.everything(), list(MEASURES))
            frame = measures(conn, whole, Scope.everything())
    finally:
        with db.writer.begin() as conn:
            conn.execute(succ.delete().where(succ.c.id == link["id"]))
            conn.execute(u.delete().where(u.c.id == twin["id"]))
        refresh(db.writer, now=REFRESHED_AT)
    per_unit = {c: int(frame[c].sum()) for c in summed}
    assert summed == per_unit


def test_page_queries_read_the_summaries(db: Summarised) -> None:
    """Editing summary rows (not the base tables) changes the page figures: they come from it."""
    sp, sm = summary_payment, summary_unit_month
    march = date(2023, 3, 1)
    edits = [
        (sp, sp.c.month == march, {"paid_amount": 7, "beneficiaries": 1, "bank_amount": 7}),
        (sm, sm.c.month == march, {"health_visits": 1}),
        (summary_unit_year, summary_unit_year.c.year == 2023, {"rate_mismatches": 1}),
        # the stock at the year's reference month: December, now that the data run past 2023
        (sm, sm.c.month == date(2023, 12, 1), {"elderly_card_any": 1}),
    ]

    def apply(sign: int) -> None:
        with db.writer.begin() as conn:
            for table, where, deltas in edits:
                values = {k: table.c[k] + sign * v for k, v in deltas.items()}
                conn.execute(table.update().where(where).values(values))

    def read() -> dict[str, pd.DataFrame]:
        with db.reader.connect() as conn:
            return {
                q.__name__: q(conn, YEAR_2023, Scope.everything())
                for q in (
                    payouts.monthly,
                    payouts.by_commune,
                    coverage.health_visits_by_month,
                    coverage.elderly_cards,
                    payouts.rate_mismatches,
                )
            }

    before = read()
    apply(+1)
    try:
        after = read()
    finally:
        apply(-1)
    rows = {}
    with db.writer.connect() as conn:
        for table, where, _ in edits:
            rows[table.name, str(where.right.value)] = conn.execute(
                sa.select(sa.func.count()).select_from(table).where(where)
            ).scalar()
    march_rows = rows["summary_payment", "2023-03-01"]
    changed = after["monthly"].set_index("month") - before["monthly"].set_index("month")
    assert changed.loc[march, "paid_amount"] == 7 * march_rows
    assert changed.loc[march, "beneficiaries"] == march_rows
    assert (after["by_commune"]["paid_amount"] - before["by_commune"]["paid_amount"]).sum() == (
        7 * march_rows
    )
    visits = after["health_visits_by_month"]["visits"].sum()
    assert visits - before["health_visits_by_month"]["visits"].sum() == 9  # one per commune
    cards = after["elderly_cards"]
    assert list(cards["self"] - before["elderly_cards"]["self"]) == [1] * 9
    assert list(cards["none"] - before["elderly_cards"]["none"]) == [-1] * 9
    assert (
        after["rate_mismatches"]["mismatches"].sum() > before["rate_mismatches"]["mismatches"].sum()
    )


def test_the_lifecycle_section_reads_its_summary(db: Summarised) -> None:
    """Editing ``summary_payment_status`` (not the payments) moves the lifecycle figures."""
    sps = summary_payment_status
    filters = Filters(Period.months(2025, 12, 2026, 10), version="2025")
    october = sa.and_(sps.c.month == date(2026, 10, 1), sps.c.status == "pending")

    def read() -> tuple[pd.DataFrame, pd.DataFrame]:
        with db.reader.connect() as conn:
            return (
                payouts.pending_by_age(conn, filters, Scope.everything()),
                payouts.status_by_commune(conn, filters, Scope.everything()),
            )

    before_age, before_communes = read()
    with db.writer.begin() as conn:
        edited = conn.execute(sps.update().where(october).values(payments=sps.c.payments + 1))
        rows = int(edited.rowcount)
    try:
        after_age, after_communes = read()
    finally:
        with db.writer.begin() as conn:
            conn.execute(sps.update().where(october).values(payments=sps.c.payments - 1))
    assert rows > 0
    assert list(after_age["payments"] - before_age["payments"]) == [rows, 0, 0]
    moved = after_communes["pending_payments"] - before_communes["pending_payments"]
    assert int(moved.sum()) == rows
    assert int(
        (after_communes["at_risk_payments"] - before_communes["at_risk_payments"]).sum()
    ) == (rows)


def test_a_beneficiary_paid_in_two_units_keeps_the_payouts_page_on_the_base_tables(
    db: Summarised,
) -> None:
    """summary_payment counts each beneficiary once per unit: with a mover it would count
    them twice in a district total, so the refresh leaves it out and the page reads the base."""
    pay, unit, succ = s.allowance_payment, s.admin_unit, s.admin_unit_succession
    with db.writer.connect() as conn:
        top = conn.execute(sa.select(sa.func.max(pay.c.id))).scalar()
        # The last payment of the article's data (November 2023, a 2023 unit), moved to another
        # commune of that time that is not merged with its own: a beneficiary of two unrelated
        # units (a beneficiary carried across the 2025 merger by its successor is not that).
        last = (
            conn.execute(
                sa.select(pay)
                .where(pay.c.month <= date(2023, 11, 1))
                .order_by(pay.c.id.desc())
                .limit(1)
            )
            .mappings()
            .one()
        )
        merged_into = dict(
            conn.execute(
                sa.select(succ.c.old_unit_id, succ.c.new_unit_id).where(
                    succ.c.effective > last["month"]
                )
            ).all()
        )
        communes = conn.execute(
            sa.select(unit.c.id)
            .where(
                unit.c.kind.in_(s.COMMUNE_KINDS),
                unit.c.valid_from <= last["month"],
                sa.or_(unit.c.valid_to.is_(None), unit.c.valid_to >= last["month"]),
                unit.c.id != last["admin_unit_id"],
            )
            .order_by(unit.c.id)
        ).scalars()
        own = merged_into.get(last["admin_unit_id"])
        other = next(u for u in communes if merged_into.get(u) != own)
    moved = {**last, "id": top + 1, "admin_unit_id": other, "status": "paid"}
    with db.writer.begin() as conn:
        conn.execute(pay.insert().values(moved))
    try:
        refresh(db.writer)
        with db.reader.connect() as conn, db.base.connect() as base:
            status = summary_status(conn)
            assert status.fresh and not status.payments_usable
            count = conn.execute(sa.select(sa.func.count()).select_from(summary_payment))
            assert count.scalar() == 0
            year = Filters(Period.year(moved["month"].year))
            got = payouts.monthly(conn, year, Scope.everything())
            base_frame = payouts.monthly(base, year, Scope.everything())
    finally:
        with db.writer.begin() as conn:
            conn.execute(pay.delete().where(pay.c.id == moved["id"]))
        refresh(db.writer, now=REFRESHED_AT)
    # The moved payment (same beneficiary, same month, another unit) adds its amount but not a
    # second beneficiary to its month.
    month = moved["month"]
    diff = got.set_index("month") - base_frame.set_index("month")
    assert diff.loc[month, "paid_amount"] == moved["amount_vnd"]
    assert diff.loc[month, "beneficiaries"] == 0


def _page_frames(engine: Engine, filters: Filters) -> dict[str, pd.DataFrame]:
    persons = Scope.everything(persons=True)
    with engine.connect() as conn:
        frames = {q.__name__: q(conn, filters, persons) for q in SUMMARISED_PAGE_QUERIES}
        frames["measures"] = measures(conn, filters, persons)
        frames["mismatch_list"] = payouts.mismatch_list(conn, filters, persons)
    return frames


def test_rows_the_demo_lacks_give_the_same_figures(db: Summarised) -> None:
    """Pending and returned payments, two payments of one beneficiary in a month by different
    methods, an off-rate payment and self-paid cards: the demo has few or none of these."""
    pay, card = s.allowance_payment, s.health_insurance_card
    with db.writer.connect() as conn:
        paid = (
            conn.execute(
                sa.select(pay).where(pay.c.month == date(2023, 5, 1)).order_by(pay.c.id).limit(3)
            )
            .mappings()
            .all()
        )
        cards = (
            conn.execute(
                sa.select(card).where(card.c.funding == "state").order_by(card.c.id).limit(4)
            )
            .mappings()
            .all()
        )
        top = conn.execute(sa.select(sa.func.max(pay.c.id))).scalar()
    extra = [
        {**paid[0], "id": top + 1, "status": "pending", "amount_vnd": 1},
        {**paid[1], "id": top + 2, "status": "returned"},
        {
            **paid[2],
            "id": top + 3,
            "method": "bank" if paid[2]["method"] == "cash" else "cash",
            "amount_vnd": 77_000,
        },
    ]
    try:
        with db.writer.begin() as conn:
            conn.execute(pay.insert(), extra)
            conn.execute(
                card.update().where(card.c.id.in_([c["id"] for c in cards])).values(funding="self")
            )
        periods = [YEAR_2023, Filters(Period.months(2023, 4, 2023, 6), version="2025")]
        drop_summaries(db.writer)
        expected = {f: _page_frames(db.reader, f) for f in periods}
        refresh(db.writer)
        with db.reader.connect() as conn:
            assert summary_status(conn).payments_usable
        got = {f: _page_frames(db.reader, f) for f in periods}
    finally:
        with db.writer.begin() as conn:
            conn.execute(pay.delete().where(pay.c.id > top))
            conn.execute(
                card.update().where(card.c.id.in_([c["id"] for c in cards])).values(funding="state")
            )
        refresh(db.writer, now=REFRESHED_AT)
    assert int(expected[YEAR_2023]["elderly_cards"]["self"].sum()) > 0
    for f in periods:
        for name, frame in expected[f].items():
            pd.testing.assert_frame_equal(got[f][name], frame, obj=name)


def test_a_split_unit_keeps_distinct_counts_on_the_base_tables(db: Summarised) -> None:
    """An old unit counted under two successors: its beneficiaries must not count twice."""
    succ, info = s.admin_unit_succession, summary_info
    version = "2025"
    filters = Filters(Period.year(2023), version=version)
    with db.writer.connect() as conn:
        rows = conn.execute(sa.select(succ).order_by(succ.c.id)).mappings().all()
    mapped = [r for r in rows if r["effective"] == max(x["effective"] for x in rows)]
    old_unit = mapped[0]["old_unit_id"]
    other = next(r["new_unit_id"] for r in mapped if r["new_unit_id"] != mapped[0]["new_unit_id"])
    split = {
        "id": max(r["id"] for r in rows) + 1,
        "old_unit_id": old_unit,
        "new_unit_id": other,
        "effective": mapped[0]["effective"],
    }
    try:
        with db.writer.begin() as conn:
            conn.execute(succ.insert().values(split))
        with db.reader.connect() as conn:
            assert not summary_status(conn).fresh  # a new succession: the map changed
        refresh(db.writer, now=REFRESHED_AT)
        with db.reader.connect() as conn:
            assert summary_status(conn).payments_usable  # refreshed with the split in the map
            assert not without_splits(conn, version) and without_splits(conn, "2023")
            got = [
                payouts.monthly(conn, filters, Scope.everything()),
                payouts.by_group(conn, filters, Scope.everything()),
            ]
        with db.writer.begin() as conn:  # the same database, its payment summaries switched off
            conn.execute(info.update().values(payment_detail=False))
        with db.reader.connect() as conn:
            expected = [
                payouts.monthly(conn, filters, Scope.everything()),
                payouts.by_group(conn, filters, Scope.everything()),
            ]
    finally:
        with db.writer.begin() as conn:
            conn.execute(succ.delete().where(succ.c.id == split["id"]))
        refresh(db.writer, now=REFRESHED_AT)
    for a, b in zip(got, expected, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_payments_off_the_first_of_the_month_stop_the_refresh(db: Summarised) -> None:
    pay = s.allowance_payment
    with db.writer.connect() as conn:
        last = conn.execute(sa.select(pay).order_by(pay.c.id.desc()).limit(1)).mappings().one()
    odd = {**last, "id": last["id"] + 1, "month": date(2023, 6, 15)}
    with db.writer.begin() as conn:
        conn.execute(pay.insert().values(odd))
    try:
        with pytest.raises(SummaryRefreshError, match="1 allowance_payment rows"):
            refresh(db.writer)
        with db.reader.connect() as conn:  # nothing half-written: the old summaries stand
            assert summaries_as_of(conn) is None  # stale: the new row is not in them
            status = summary_status(conn)
        assert status is not None and status.refreshed_at == REFRESHED_AT
    finally:
        with db.writer.begin() as conn:
            conn.execute(pay.delete().where(pay.c.id == odd["id"]))
    with db.reader.connect() as conn:  # the delete is a change too (change counters)
        assert not summary_status(conn).fresh
    refresh(db.writer, now=REFRESHED_AT)
    with db.reader.connect() as conn:
        assert summary_status(conn).fresh


def test_the_status_is_read_again_in_a_new_transaction(db: Summarised) -> None:
    pay = s.allowance_payment
    with db.writer.connect() as conn:
        last = conn.execute(sa.select(pay).order_by(pay.c.id.desc()).limit(1)).mappings().one()
    added = {**last, "id": last["id"] + 1}
    with db.reader.connect() as conn:
        assert summary_status(conn).fresh
        with db.writer.begin() as writer:
            writer.execute(pay.insert().values(added))
        try:
            assert summary_status(conn).fresh  # the same transaction: the same answer
            conn.rollback()
            assert not summary_status(conn).fresh  # a new one sees the new row
        finally:
            with db.writer.begin() as writer:
                writer.execute(pay.delete().where(pay.c.id == added["id"]))
            refresh(db.writer, now=REFRESHED_AT)  # the insert and the delete were counted


def test_a_summary_info_of_an_older_layout_counts_as_absent(tmp_path: Path) -> None:
    """The first layout's summary_info had fewer columns: reading it must not fail."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE summary_info (id INTEGER PRIMARY KEY, layout INTEGER NOT NULL, "
            "refreshed_at DATETIME NOT NULL, data_as_of DATE, stocks_from DATE, stocks_to DATE, "
            "fingerprint TEXT NOT NULL, rows INTEGER NOT NULL, seconds FLOAT NOT NULL)"
        )
        conn.exec_driver_sql(
            "INSERT INTO summary_info VALUES (1, 1, '2023-12-01 02:00:00', '2023-11-30', "
            "'2021-01-01', '2023-11-01', 'x', 0, 0.0)"
        )
    with engine.connect() as conn:
        assert summary_status(conn) is None
    engine.dispose()


def test_the_overview_is_the_same_from_summaries_and_from_the_base_tables(
    db: Summarised,
) -> None:
    for filters in (YEAR_2023, Filters(Period.quarter(2022, 4), version="2025")):
        with db.base.connect() as base, db.reader.connect() as conn:
            pd.testing.assert_frame_equal(
                headline(conn, filters, Scope.everything()),
                headline(base, filters, Scope.everything()),
            )
            pd.testing.assert_frame_equal(
                commune_scorecard(conn, filters, Scope.commune("06913")),
                commune_scorecard(base, filters, Scope.commune("06913")),
            )


def test_measures_read_the_summaries_while_they_are_fresh(db: Summarised) -> None:
    """Changing a summary row (not a base table) changes the figures: they come from it."""
    sm = summary_unit_month
    march, november = date(2023, 3, 1), date(2023, 8, 1)
    # Half a year or less: the flows come from the monthly rows (whole years, and most of one
    # year: the next tests).
    months = Filters(Period.months(2023, 3, 2023, 8))
    with db.reader.connect() as conn:
        before = measures(conn, months, Scope.everything(), ["payouts", "allowance_active"])
    edit = [
        sm.update().where(sm.c.month == march).values(paid_amount=sm.c.paid_amount + 1000),
        sm.update().where(sm.c.month == november).values(beneficiaries=sm.c.beneficiaries + 1),
    ]
    undo = [
        sm.update().where(sm.c.month == march).values(paid_amount=sm.c.paid_amount - 1000),
        sm.update().where(sm.c.month == november).values(beneficiaries=sm.c.beneficiaries - 1),
    ]
    try:
        with db.writer.begin() as conn:
            for stmt in edit:
                conn.execute(stmt)
        with db.reader.connect() as conn:
            after = measures(conn, months, Scope.everything(), ["payouts", "allowance_active"])
    finally:
        with db.writer.begin() as conn:
            for stmt in undo:
                conn.execute(stmt)
    assert list(after["paid_amount"] - before["paid_amount"]) == [1000] * 9
    assert list(after["beneficiaries"] - before["beneficiaries"]) == [1] * 9


def test_most_of_a_year_reads_the_year_less_the_months_outside(db: Summarised) -> None:
    """January to November (the year to date): 2023's yearly row less December's monthly row,
    so an edit of either moves the figure, and an edit of a month inside does not."""
    sm, sy = summary_unit_month, summary_unit_year
    filters = Filters(Period.months(2023, 1, 2023, 11))

    def edit(sign: int) -> None:
        with db.writer.begin() as conn:
            conn.execute(
                sy.update()
                .where(sy.c.year == 2023)
                .values(paid_amount=sy.c.paid_amount + sign * 1000)
            )
            conn.execute(
                sm.update()
                .where(sm.c.month == date(2023, 12, 1))
                .values(paid_amount=sm.c.paid_amount + sign * 7)
            )
            conn.execute(
                sm.update()
                .where(sm.c.month == date(2023, 6, 1))
                .values(paid_amount=sm.c.paid_amount + sign * 50)
            )

    with db.reader.connect() as conn:
        before = measures(conn, filters, Scope.everything(), ["payouts"])
    edit(+1)
    try:
        with db.reader.connect() as conn:
            after = measures(conn, filters, Scope.everything(), ["payouts"])
    finally:
        edit(-1)
    assert list(after["paid_amount"] - before["paid_amount"]) == [1000 - 7] * len(before)


def test_whole_years_read_the_yearly_summaries(db: Summarised) -> None:
    sy = summary_unit_year
    two_years = Filters(Period.months(2022, 1, 2023, 12))
    assert full_years(two_years.period) == [2022, 2023]
    assert full_years(Period.months(2022, 2, 2023, 12)) == [2023]
    assert full_years(Period.quarter(2023, 1)) == []
    with db.reader.connect() as conn:
        before = measures(conn, two_years, Scope.everything(), ["health_visits"])
    try:
        with db.writer.begin() as conn:
            conn.execute(sy.update().values(health_visits=sy.c.health_visits + 5))
        with db.reader.connect() as conn:
            after = measures(conn, two_years, Scope.everything(), ["health_visits"])
    finally:
        with db.writer.begin() as conn:
            conn.execute(sy.update().values(health_visits=sy.c.health_visits - 5))
    assert list(after["health_visits"] - before["health_visits"]) == [10] * 9  # two years each


def test_a_new_payment_makes_the_summaries_stale_until_they_are_refreshed(
    db: Summarised,
) -> None:
    pay = s.allowance_payment
    with db.base.connect() as base:
        expected = measures(base, YEAR_2023, Scope.everything(), ["payouts"])
        top = base.execute(sa.select(sa.func.max(pay.c.id))).scalar()
        # a copy of the article's last payment (a 2023 unit's: YEAR_2023 is in the 2023 units)
        last = (
            base.execute(
                sa.select(pay)
                .where(pay.c.month <= date(2023, 11, 1))
                .order_by(pay.c.id.desc())
                .limit(1)
            )
            .mappings()
            .one()
        )
        code = base.execute(
            sa.select(s.admin_unit.c.code).where(s.admin_unit.c.id == last["admin_unit_id"])
        ).scalar()
    new_id = top + 1
    expected.loc[expected["code"] == code, ["paid_amount", "payments"]] += [123, 1]
    with db.writer.begin() as conn:
        row = {**last, "id": new_id, "month": date(2023, 6, 1), "amount_vnd": 123, "status": "paid"}
        conn.execute(pay.insert().values(row))
    try:
        with db.reader.connect() as conn:
            assert not summary_status(conn).fresh
            assert summaries_as_of(conn) is None
            from_base = measures(conn, YEAR_2023, Scope.everything(), ["payouts"])
        refresh(db.writer)
        with db.reader.connect() as conn:
            assert summary_status(conn).fresh
            from_summaries = measures(conn, YEAR_2023, Scope.everything(), ["payouts"])
    finally:
        with db.writer.begin() as conn:
            conn.execute(pay.delete().where(pay.c.id == new_id))
    with db.reader.connect() as conn:
        assert not summary_status(conn).fresh  # the row they counted is gone again
    refresh(db.writer, now=REFRESHED_AT)
    pd.testing.assert_frame_equal(from_base, expected)
    pd.testing.assert_frame_equal(from_summaries, expected)


def test_an_older_summary_layout_is_ignored(db: Summarised) -> None:
    i = summary_info
    with db.writer.begin() as conn:
        conn.execute(i.update().values(layout=i.c.layout - 1))
    try:
        with db.reader.connect() as conn:
            assert summary_status(conn) is None
    finally:
        with db.writer.begin() as conn:
            conn.execute(i.update().values(layout=i.c.layout + 1))


def test_summaries_say_when_they_were_refreshed_and_what_they_cover(db: Summarised) -> None:
    with db.reader.connect() as conn:
        status = summary_status(conn)
        as_of = summaries_as_of(conn)
    with db.base.connect() as base:
        assert summaries_as_of(base) is None
    assert as_of == REFRESHED_AT
    assert status.data_as_of == date(2026, 11, 30)  # the demo's data run to 30/11/2026
    # January of the year before the data starts, so last year's comparison is covered too.
    assert (status.stocks_from, status.stocks_to) == (date(2021, 1, 1), date(2026, 11, 1))


def test_a_reference_day_inside_a_month_reads_states_from_the_base_tables(db: Summarised) -> None:
    """Data loaded up to the 15th: the elderly, the list, the boards, the villages and the child
    cases are read on that day, not at the month's end the summaries hold."""
    info = s.dataset_info
    filters = Filters(Period.year(2026), version="2025")
    states = ["elderly_bhyt", "allowance_active", "boards", "villages", "children"]
    with db.writer.connect() as conn:
        before = conn.execute(sa.select(info.c.value).where(info.c.key == LOADED_ON_KEY)).scalar()

    def declare(value: str | None) -> None:
        with db.writer.begin() as conn:
            conn.execute(info.delete().where(info.c.key == LOADED_ON_KEY))
            if value is not None:
                conn.execute(info.insert().values(key=LOADED_ON_KEY, value=value))

    declare("2026-11-15")
    try:
        with db.reader.connect() as conn:
            assert data_as_of(conn) == date(2026, 11, 15)
            assert summary_status(conn).fresh
            got = measures(conn, filters, Scope.everything(), states)
            resolved = resolve(conn, filters, Scope.everything())
            base = {
                g: MEASURES[g](conn, resolved, filters.period, date(2026, 11, 15)) for g in states
            }
    finally:
        declare(before)
    for group, part in base.items():
        columns = [c for c in part.columns if c != "unit_id"]
        expected = got[["unit_id"]].merge(part, on="unit_id", how="left").fillna(0)
        assert got[columns].to_numpy().tolist() == (
            expected[columns].astype("int64").to_numpy().tolist()
        ), group


def test_child_cases_are_read_from_the_summaries(db: Summarised) -> None:
    """Adding one to a unit's "opened" count in the reference month and to its "closed before"
    count in the start month moves the measures by +1 and −1: open during a period = opened by
    its reference day less closed before it began. The quarters read the same columns."""
    sm = summary_unit_month
    filters = Filters(Period.months(2023, 4, 2023, 9))  # reference month 9/2023, start 4/2023
    quarters = Filters(Period.months(2023, 1, 2023, 11), ("06913",))  # its own monthly rows

    def edit(sign: int) -> None:
        with db.writer.begin() as conn:
            conn.execute(
                sm.update()
                .where(sm.c.month == date(2023, 9, 1))
                .values(special_opened=sm.c.special_opened + sign)
            )
            conn.execute(
                sm.update()
                .where(sm.c.month == date(2023, 4, 1))
                .values(at_risk_closed_supported=sm.c.at_risk_closed_supported + sign)
            )

    with db.reader.connect() as conn:
        assert summary_status(conn).case_detail  # the demo's cases meet the premise
        before = measures(conn, filters, Scope.everything(), ["children"])
        trend_before = trends.quarterly(conn, quarters, Scope.everything(), ("F3", "F4"))
    edit(+1)
    try:
        with db.reader.connect() as conn:
            after = measures(conn, filters, Scope.everything(), ["children"])
            trend_after = trends.quarterly(conn, quarters, Scope.everything(), ("F3", "F4"))
    finally:
        edit(-1)
    units = len(before)
    assert list(after["special_cases"] - before["special_cases"]) == [1] * units
    assert list(after["at_risk_supported"] - before["at_risk_supported"]) == [-1] * units
    assert int((after["special_supported"] - before["special_supported"]).abs().sum()) == 0
    assert not trend_after.equals(trend_before)  # the Q3 trend reads 9/2023's "opened"


def test_a_case_closed_before_it_opened_keeps_children_on_the_base_table(db: Summarised) -> None:
    """The summary's subtraction relies on every case closing after it opened; one that does
    not switches the child-case columns off at the next refresh, and the figures stay exact."""
    k = s.child_case
    filters = Filters(Period.months(2023, 4, 2023, 9))
    with db.writer.connect() as conn:
        first = conn.execute(sa.select(k).order_by(k.c.id).limit(1)).mappings().one()  # 2023 unit
        top = conn.execute(sa.select(sa.func.max(k.c.id))).scalar_one()
    # Opened after 9/2023 but closed before 4/2023: never open in the period.
    odd = {
        **first,
        "id": top + 1,
        "opened_on": date(2023, 11, 5),
        "closed_on": date(2023, 2, 10),
        "supported_on": None,
    }
    with db.writer.begin() as conn:
        conn.execute(k.insert().values(odd))
    try:
        refresh(db.writer, now=REFRESHED_AT)
        with db.reader.connect() as conn:
            status = summary_status(conn)
            assert status.fresh and not status.case_detail
            got = measures(conn, filters, Scope.everything(), ["children"])
            resolved = resolve(conn, filters, Scope.everything())
            ref = reference_date(filters.period, data_as_of(conn))
            base = MEASURES["children"](conn, resolved, filters.period, ref)
        with db.writer.begin() as conn:  # were the columns read anyway, the case would count −1
            conn.execute(summary_info.update().values(case_detail=True))
        with db.reader.connect() as conn:
            wrong = measures(conn, filters, Scope.everything(), ["children"])
    finally:
        with db.writer.begin() as conn:
            conn.execute(k.delete().where(k.c.id == odd["id"]))
        refresh(db.writer, now=REFRESHED_AT)
    columns = [t[0] for t in CASE_TERMS["children"]]
    expected = got[["unit_id"]].merge(base, on="unit_id", how="left").fillna(0)
    assert got[columns].to_numpy().tolist() == expected[columns].astype("int64").to_numpy().tolist()
    assert int((wrong[columns].to_numpy() - got[columns].to_numpy()).sum()) == -1


def test_the_refresh_adds_an_index_an_older_database_lacks(db: Summarised) -> None:
    """A database built before ``ix_payment_implausible`` existed gets it at the next refresh
    (the operator's path); the dashboard's own connection only reads."""
    with db.writer.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_payment_implausible"))
    assert "ix_payment_implausible" not in index_names(db.writer, "allowance_payment")
    result = refresh(db.writer, now=REFRESHED_AT)
    assert result.indexes == ("ix_payment_implausible",)
    assert "ix_payment_implausible" in index_names(db.writer, "allowance_payment")
    assert refresh(db.writer, now=REFRESHED_AT).indexes == ()  # nothing left to add


def index_names(engine: Engine, table: str) -> set[str]:
    return {str(i["name"]) for i in sa.inspect(engine).get_indexes(table)}


def test_summary_columns_are_named_as_the_measure_groups_return_them(engine: Engine) -> None:
    with engine.connect() as conn:
        resolved = resolve(conn, YEAR_2023, Scope.everything())
        ref = reference_date(YEAR_2023.period, data_as_of(conn))
        # Two groups serve the page modules only (coverage.elderly_cards, rate_mismatches).
        assert set(COLUMNS) - set(MEASURES) == {"elderly_cards", "rate_check"}
        for group, columns in COLUMNS.items():
            if group not in MEASURES:
                continue
            # The child cases are stored as opened and closed counts, read as the measures.
            named = [t[0] for t in CASE_TERMS[group]] if group in CASE_TERMS else columns
            frame = MEASURES[group](conn, resolved, YEAR_2023.period, ref)
            assert list(frame.columns) == ["unit_id", *named], group


def test_summary_tables_stay_out_of_the_base_schema() -> None:
    assert not set(summary_metadata.tables) & set(s.metadata.tables)


def test_the_refresh_command_builds_and_drops_summaries(
    demo_sqlite_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "demo.sqlite"
    shutil.copy(demo_sqlite_path, copy)
    url = f"sqlite:///{copy}"
    command = [sys.executable, "-m", "data_access.refresh_summaries", "--url", url]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert "summary_unit_month" in done.stdout
    engine = make_engine(url)
    with engine.connect() as conn:
        assert summary_status(conn).fresh
    dropped = subprocess.run(
        [*command, "--drop"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert dropped.returncode == 0, dropped.stderr
    with engine.connect() as conn:
        assert summary_status(conn) is None
    engine.dispose()


def test_rebuilding_the_demo_drops_summaries_of_the_old_rows(
    demo_sqlite_path: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "demo.sqlite"
    shutil.copy(demo_sqlite_path, copy)
    engine = sa.create_engine(f"sqlite:///{copy}")
    refresh(engine)
    build_demo(engine)
    with engine.connect() as conn:
        assert summary_status(conn) is None
    engine.dispose()
