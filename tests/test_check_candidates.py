"""The data checks' candidates (issue 16 §4), on SQLite and PostgreSQL: with fresh summaries the
costly checks read only the records the refresh found for the widest selection, and list
exactly what the base tables give for every period, scope and role; stale summaries, an import
since the refresh, or a moved as-of date send every check back to the base tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data_access import payouts
from data_access import schema as s
from data_access.db import make_engine
from data_access.filters import VERSION_2025, Filters, Period, Scope
from data_access.quality import BY_CHECK, CHECKS
from data_access.quality.context import context
from data_access.refresh_summaries import full_refresh
from data_access.summaries import refresh
from data_access.summaries.freshness import SummaryStatus, summary_status, summary_status_now
from data_access.summaries.tables import (
    RATE_CHECK,
    summary_check_record,
    summary_duplicate_person,
    summary_info,
    summary_unit_month,
)
from tests.writable import writable_demo

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
PERIODS = {
    "default": Period.months(2022, 1, 2023, 11),
    "2023": Period.year(2023),
    "q2-2023": Period.months(2023, 4, 2023, 6),  # the seeded BHYT lapse: three elderly
    "q3-2023": Period.months(2023, 7, 2023, 9),
    "q1-2022": Period.months(2022, 1, 2022, 3),
    "after-merger": Period.months(2025, 7, 2026, 11),
    "everything": Period.months(2020, 1, 2026, 12),
}
SCOPES = {
    "district": Scope.everything(persons=True),
    "viewer": Scope.everything(persons=False),
    "commune-2023": Scope.commune("06913"),  # Xã Quảng Tân of 2023: two seeded CCCDs
    "commune-2025": Scope.commune("06913", version=VERSION_2025),
}
# What the refresh keeps per check on the demo: the seeded problems, each in every period.
CANDIDATES = {
    "missing_payment": 3,
    "wrong_amount": 4,
    "paid_after_stop": 7,
    "paid_twice": 4,
    "national_id_mismatch": 3,
    "age_out_of_range": 2,
    "shared_bank_account": 4,
    "unknown_unit": 3,
    "non_positive_amount": 2,
    "implausible_value": 0,
    "future_date": 3,
    "date_out_of_range": 0,
}


@pytest.fixture(scope="module", params=ENGINES)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Engine, str]:
    """A writable demo per engine, its summaries (and so the candidates) refreshed, and the
    URL the dashboard opens read-only; tests that change it roll their transaction back."""
    engine, reader_url = writable_demo(request, tmp_path_factory, "candidates")
    request.addfinalizer(engine.dispose)
    return engine, reader_url


@pytest.fixture(scope="module")
def writer(demo: tuple[Engine, str]) -> Engine:
    return demo[0]


@pytest.fixture(scope="module")
def reader(demo: tuple[Engine, str]) -> Iterator[Connection]:
    """The dashboard's read-only connection to the same database."""
    engine = make_engine(demo[1])
    with engine.connect() as conn:
        yield conn
    engine.dispose()


@pytest.fixture
def changing(writer: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with writer.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


def test_the_refresh_keeps_each_checks_candidates(reader: Connection) -> None:
    c = summary_check_record.c
    found = dict(
        reader.execute(sa.select(c.check_code, sa.func.count()).group_by(c.check_code)).all()
    )
    assert {code: found.get(code, 0) for code in CANDIDATES} == CANDIDATES
    assert set(found) <= {check.code for check in CHECKS if check.candidates} | {RATE_CHECK}
    assert found[RATE_CHECK] == 4  # the payouts page's list: the four seeded off-rate payments
    # The duplicate groups of all the data: the seeded three pairs, each record with its group.
    groups = reader.execute(
        sa.select(summary_duplicate_person).order_by(summary_duplicate_person.c.person_id)
    ).all()
    assert len(groups) == 6
    assert len({g.group_key for g in groups}) == 3
    assert all(g.records == 2 for g in groups)
    status = summary_status(reader)
    assert status is not None and status.fresh and status.check_detail


@pytest.mark.parametrize("scope", list(SCOPES.values()), ids=list(SCOPES))
@pytest.mark.parametrize("period", list(PERIODS.values()), ids=list(PERIODS))
def test_a_check_lists_from_its_candidates_what_the_base_tables_give(
    reader: Connection, period: Period, scope: Scope
) -> None:
    ctx = context(reader, Filters(period), scope)
    assert ctx.candidates  # the narrowed path is the one compared
    base = dataclasses.replace(ctx, candidates=False)
    for check in CHECKS:
        if scope.persons:
            narrowed, narrowed_total = check.listed(reader, ctx, 1000)
            full, full_total = check.listed(reader, base, 1000)
            assert narrowed_total == full_total, check.code
            assert narrowed.equals(full), check.code
        else:
            assert check.counted(reader, ctx) == check.counted(reader, base), check.code


def test_the_whole_data_lists_every_seeded_problem_through_the_candidates(
    reader: Connection,
) -> None:
    """Not an empty comparison: over all the data each narrowed check finds its seeded set."""
    ctx = context(reader, Filters(PERIODS["everything"]), SCOPES["district"])
    found = {
        code: BY_CHECK[code].listed(reader, ctx, 1000)[1]
        for code, count in CANDIDATES.items()
        if count
    }
    assert found == {code: count for code, count in CANDIDATES.items() if count}


def test_the_checks_read_the_candidates_and_nothing_else(changing: Connection) -> None:
    """With the candidates of ``paid_twice`` gone (the base tables unchanged, so still fresh),
    the check finds nothing: proof that it reads them, not the payments."""
    filters, scope = Filters(PERIODS["everything"]), SCOPES["district"]
    assert BY_CHECK["paid_twice"].count(changing, filters, scope) == 4
    c = summary_check_record.c
    changing.execute(sa.delete(summary_check_record).where(c.check_code == "paid_twice"))
    assert context(changing, filters, scope).candidates
    assert BY_CHECK["paid_twice"].count(changing, filters, scope) == 0
    assert BY_CHECK["wrong_amount"].count(changing, filters, scope) == 4


def test_the_duplicates_and_the_elderly_check_read_the_summaries_and_nothing_else(
    changing: Connection,
) -> None:
    """``duplicate_person`` reads its groups from ``summary_duplicate_person`` and
    ``elderly_no_bhyt`` only the units whose month-end stocks count an uncovered elderly person:
    with those rows changed (the base tables unchanged, so still fresh) they find what the
    summaries say, not what the base tables hold."""
    district = SCOPES["district"]
    everything, lapse = Filters(PERIODS["everything"]), Filters(PERIODS["q2-2023"])
    assert BY_CHECK["duplicate_person"].count(changing, everything, district) == 6
    assert BY_CHECK["elderly_no_bhyt"].count(changing, lapse, district) == 3
    dup = summary_duplicate_person
    changing.execute(sa.delete(dup).where(dup.c.reason == "national_id"))
    sm = summary_unit_month
    changing.execute(sa.update(sm).values(elderly_covered=sm.c.elderly))
    assert context(changing, everything, district).candidates
    assert BY_CHECK["duplicate_person"].count(changing, everything, district) == 2
    assert BY_CHECK["elderly_no_bhyt"].count(changing, lapse, district) == 0
    base = dataclasses.replace(context(changing, lapse, district), candidates=False)
    assert BY_CHECK["elderly_no_bhyt"].counted(changing, base) == 3


def test_a_group_over_three_communes_names_the_others_in_alphabetical_order(
    changing: Connection,
) -> None:
    """A third record of a seeded CCCD pair, in yet another commune: each record of the group
    names the group's other communes sorted by name, and the group's key is the CCCD."""
    filters, scope = Filters(PERIODS["everything"]), SCOPES["district"]
    rows, _ = BY_CHECK["duplicate_person"].listed(changing, context(changing, filters, scope), 50)
    pair = rows[rows["group_no"] == rows[rows["reason"] == "national_id"]["group_no"].iloc[0]]
    p, u = s.person, s.admin_unit
    first = changing.execute(sa.select(p).where(p.c.id == int(pair["person_id"].iloc[0]))).one()
    taken = set(pair["unit_code"])
    other = changing.execute(
        sa.select(u.c.id, u.c.code).where(u.c.kind.in_(s.COMMUNE_KINDS), u.c.code.not_in(taken))
    ).first()
    assert other is not None
    values = dict(first._mapping) | {"id": None, "admin_unit_id": other.id, "village_id": None}
    values.pop("id")
    changing.execute(sa.insert(p).values(**values))
    ctx = context(changing, filters, scope)
    assert not ctx.candidates  # the change makes the summaries stale: the groups found afresh
    rows, _ = BY_CHECK["duplicate_person"].listed(changing, ctx, 50)
    group = rows[rows["national_id"] == rows[rows["person_id"] == first.id]["national_id"].iloc[0]]
    assert len(group) == 3 and set(group["records"]) == {3} and set(group["communes"]) == {3}
    names = dict(zip(group["unit_code"], group["commune"], strict=True))
    for code, shown in zip(group["unit_code"], group["other_communes"], strict=True):
        assert shown == "; ".join(sorted(n for c, n in names.items() if c != code))


def test_a_decision_since_the_refresh_makes_the_summaries_stale(changing: Connection) -> None:
    """Stop decisions are a source of the candidates (``paid_after_stop``): one recorded after
    the refresh sends the checks back to the base tables."""
    filters, scope = Filters(PERIODS["everything"]), SCOPES["district"]
    assert context(changing, filters, scope).candidates
    b = s.allowance_beneficiary
    beneficiary = changing.execute(sa.select(sa.func.min(b.c.id))).scalar_one()
    changing.execute(
        sa.insert(s.allowance_decision).values(
            beneficiary_id=beneficiary,
            kind="stop",
            ground="ineligible",
            decided_on=date(2023, 1, 20),
            effective_month=date(2023, 2, 1),
        )
    )
    assert not context(changing, filters, scope).candidates
    # ... and nothing else: the figures still read the summaries.
    status = summary_status_now(changing)
    assert status is not None and status.fresh and not status.checks_fresh
    assert BY_CHECK["paid_after_stop"].count(changing, filters, scope) > 7


def test_a_change_since_the_refresh_sends_the_checks_to_the_base_tables(
    changing: Connection,
) -> None:
    """A payment changed in place after the refresh: the summaries are stale, the checks read
    the payments and find the new wrong amount that no candidate holds."""
    filters, scope = Filters(PERIODS["everything"]), SCOPES["district"]
    pay = s.allowance_payment
    first = changing.execute(
        sa.select(sa.func.min(pay.c.id)).where(pay.c.status == "paid")
    ).scalar_one()
    # The checks read the status afresh: a change earlier in the same transaction counts.
    assert BY_CHECK["wrong_amount"].count(changing, filters, scope) == 4
    changing.execute(
        sa.update(pay).where(pay.c.id == first).values(amount_vnd=pay.c.amount_vnd + 10_000)
    )
    ctx = context(changing, filters, scope)
    assert not ctx.candidates
    assert BY_CHECK["wrong_amount"].count(changing, filters, scope) == 4 + 1


def test_candidates_are_read_only_when_fresh_filled_and_on_the_same_as_of() -> None:
    as_of = date(2026, 11, 30)
    status = SummaryStatus(
        refreshed_at=datetime(2026, 12, 1, tzinfo=UTC),
        data_as_of=as_of,
        stocks_from=None,
        stocks_to=None,
        fresh=True,
        check_detail=True,
    )
    assert status.candidates_usable(as_of)
    assert not status.candidates_usable(date(2026, 12, 31))  # today moved the as-of date on
    assert not dataclasses.replace(status, fresh=False).candidates_usable(as_of)
    assert not dataclasses.replace(status, check_detail=False).candidates_usable(as_of)


@pytest.mark.parametrize("scope", ["district", "commune-2023"])
@pytest.mark.parametrize("period", ["default", "2023", "everything"])
def test_the_off_rate_list_reads_its_candidates_and_lists_the_same_rows(
    reader: Connection, changing: Connection, period: str, scope: str
) -> None:
    """``payouts.mismatch_list`` through the candidates equals the list from the payments (in a
    transaction where the summaries say they hold no candidates)."""
    filters, who = Filters(PERIODS[period]), SCOPES[scope]
    narrowed = payouts.mismatch_list(reader, filters, who)
    assert len(narrowed) > 0 or period == "2023"  # the seeded off-rate payments are in 2022
    i = summary_info.c
    # Before anything reads the status in this transaction: it is read once per transaction.
    changing.execute(sa.update(summary_info).where(i.id == 1).values(check_detail=False))
    status = summary_status(changing)
    assert status is not None and status.fresh and not status.check_detail
    full = payouts.mismatch_list(changing, filters, who)
    assert narrowed.equals(full)


def test_the_off_rate_list_finds_nothing_without_its_candidates(changing: Connection) -> None:
    filters, who = Filters(PERIODS["everything"]), SCOPES["district"]
    c = summary_check_record.c
    changing.execute(sa.delete(summary_check_record).where(c.check_code == RATE_CHECK))
    assert payouts.mismatch_list(changing, filters, who).empty


def test_the_summary_refresh_alone_leaves_the_checks_on_the_base_tables(writer: Engine) -> None:
    """``summaries.refresh`` without the fill (the operator's ``full_refresh`` passes it): no
    candidates, and the checks read the base tables. Last in the module: it refreshes again."""
    try:
        refresh(writer)
        with writer.connect() as conn:
            status = summary_status(conn)
            assert status is not None and status.fresh and not status.check_detail
            stored = conn.execute(sa.select(sa.func.count()).select_from(summary_check_record))
            assert stored.scalar_one() == 0
            filters, scope = Filters(PERIODS["everything"]), SCOPES["district"]
            assert not context(conn, filters, scope).candidates
            assert BY_CHECK["paid_twice"].count(conn, filters, scope) == 4
    finally:
        full_refresh(writer)
