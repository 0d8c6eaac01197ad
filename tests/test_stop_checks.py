"""The payment-control checks at their edges (issue 16), on SQLite and PostgreSQL: the month of
death is due and the month after is not; a suspension ends at its resume month; a returned
payment is not paid twice; a CCCD's digits by century; a database built before the decisions
table still runs every check."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import schema as s
from data_access.db import make_engine, sqlite_file_url
from data_access.demo import build_demo_file
from data_access.filters import Filters, Period, Scope
from data_access.quality import BY_CHECK, run_checks
from tests.writable import writable_demo

WHOLE = Filters(Period.months(2022, 1, 2023, 11))
EVERYONE = Scope.everything(persons=True)


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=ENGINES)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A writable copy of the demo per engine, shared by the module: each test changes it in a
    transaction it rolls back, and runs the checks in that transaction."""
    writer, _ = writable_demo(request, tmp_path_factory, "stops")
    request.addfinalizer(writer.dispose)
    return writer


@pytest.fixture
def conn(demo: Engine) -> Iterator[sa.Connection]:
    with demo.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


def _found(conn: sa.Connection, code: str, filters: Filters = WHOLE) -> set[int]:
    key = "payment_id" if code in ("paid_after_stop", "paid_twice") else "beneficiary_id"
    rows = BY_CHECK[code].rows(conn, filters, EVERYONE)
    return {int(v) for v in rows[key]}


def _steady(conn: sa.Connection) -> tuple[int, int]:
    """(beneficiary id, person id) of a living beneficiary paid every month of 2022–2023 whom no
    check lists (the first such)."""
    b, p = s.allowance_beneficiary, s.person
    row = conn.execute(
        sa.select(b.c.id, b.c.person_id)
        .join(p, p.c.id == b.c.person_id)
        .where(
            b.c.start_month <= date(2022, 1, 1),
            b.c.end_month.is_(None),
            p.c.died_on.is_(None),
            p.c.national_id.is_not(None),
        )
        .order_by(b.c.id.desc())
        .limit(1)
    ).one()
    return int(row[0]), int(row[1])


def _payment(conn: sa.Connection, beneficiary: int, month: date) -> int:
    pay = s.allowance_payment
    return int(
        conn.execute(
            sa.select(pay.c.id).where(pay.c.beneficiary_id == beneficiary, pay.c.month == month)
        ).scalar_one()
    )


def test_the_month_of_death_is_due_and_the_month_after_is_not(conn: sa.Connection) -> None:
    before = _found(conn, "paid_after_stop")
    beneficiary, person = _steady(conn)
    conn.execute(
        sa.update(s.person).where(s.person.c.id == person).values(died_on=date(2023, 3, 31))
    )
    after_death = {_payment(conn, beneficiary, date(2023, m, 1)) for m in range(4, 12)}
    assert _found(conn, "paid_after_stop") == before | after_death  # March itself is due


def test_a_suspension_ends_at_its_resume_month_and_a_stop_does_not(conn: sa.Connection) -> None:
    before = _found(conn, "paid_after_stop")
    beneficiary, _ = _steady(conn)
    conn.execute(
        sa.insert(s.allowance_decision).values(
            beneficiary_id=beneficiary,
            kind="suspend",
            ground="missing",
            decided_on=date(2023, 1, 20),
            effective_month=date(2023, 2, 1),
            resume_month=date(2023, 4, 1),
            decided_by="Chủ tịch UBND huyện",
        )
    )
    suspended = {_payment(conn, beneficiary, date(2023, m, 1)) for m in (2, 3)}
    assert _found(conn, "paid_after_stop") == before | suspended
    conn.execute(
        sa.update(s.allowance_decision)
        .where(s.allowance_decision.c.beneficiary_id == beneficiary)
        .values(kind="stop")  # a stop ignores a resume month
    )
    stopped = {_payment(conn, beneficiary, date(2023, m, 1)) for m in range(2, 12)}
    assert _found(conn, "paid_after_stop") == before | stopped
    rows = BY_CHECK["paid_after_stop"].rows(conn, WHOLE, EVERYONE)
    mine = rows[rows["beneficiary_id"] == beneficiary]
    assert set(mine["reason"]) == {"after_stop"} and set(mine["ground"]) == {"missing"}


def test_a_returned_payment_and_its_retry_are_not_paid_twice(conn: sa.Connection) -> None:
    before = _found(conn, "paid_twice")
    pay = s.allowance_payment
    beneficiary, _ = _steady(conn)
    first = _payment(conn, beneficiary, date(2023, 5, 1))
    conn.execute(sa.update(pay).where(pay.c.id == first).values(status="returned"))
    row = conn.execute(sa.select(pay).where(pay.c.id == first)).mappings().one()
    retry = {k: v for k, v in row.items() if k != "id"} | {"status": "paid", "method": "cash"}
    retry_id = conn.execute(sa.insert(pay).values(**retry).returning(pay.c.id)).scalar_one()
    assert _found(conn, "paid_twice") == before
    conn.execute(sa.update(pay).where(pay.c.id == first).values(status="pending"))
    assert _found(conn, "paid_twice") == before | {first, int(retry_id)}


@pytest.mark.parametrize(
    ("born", "sex", "digits", "listed"),
    [
        (date(1999, 12, 31), "F", "199", False),  # 1: a woman born 1900–1999, year 99
        (date(2001, 1, 1), "M", "201", False),  # 2: a man born 2000–2099, year 01
        (date(2001, 1, 1), "M", "001", True),  # 0 would be a man born in the 1900s
        (date(1950, 6, 1), "M", "049", True),  # the year digits say 1949
    ],
)
def test_the_sex_century_and_year_digits_follow_decree_137(
    conn: sa.Connection, born: date, sex: str, digits: str, listed: bool
) -> None:
    beneficiary, person = _steady(conn)
    conn.execute(
        sa.update(s.person)
        .where(s.person.c.id == person)
        .values(birth_date=born, sex=sex, national_id=f"022{digits}123456")
    )
    assert (beneficiary in _found(conn, "national_id_mismatch")) is listed


@pytest.mark.parametrize("engine_name", ENGINES)
def test_a_database_without_the_decisions_table_runs_every_check(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, engine_name: str
) -> None:
    """Built before issue 16: the check reads the deaths alone, until a refresh adds the table."""
    request.param = engine_name  # writable_demo reads the engine from the request
    db, _ = writable_demo(request, tmp_path_factory, "no_decisions")
    request.addfinalizer(db.dispose)
    with db.begin() as conn:
        conn.execute(sa.text("DROP TABLE allowance_decision"))
    with db.connect() as conn:
        found = {f.code: f.total for f in run_checks(conn, WHOLE, EVERYONE)}
        rows = BY_CHECK["paid_after_stop"].rows(conn, WHOLE, EVERYONE)
    assert found["paid_after_stop"] == 3 and set(rows["reason"]) == {"after_death"}
    assert found["paid_twice"] == 4


def test_the_demos_decisions_are_signed_by_the_unit_in_force_and_dated_after_a_death(
    sqlite_engine: Engine,
) -> None:
    """Before 1/7/2025 the district chairman decides (Decree 20/2021 art. 8), from then the
    chairman of the commune that took the list over; a death is decided after it happened."""
    d, b, p, u = s.allowance_decision, s.allowance_beneficiary, s.person, s.admin_unit
    with sqlite_engine.connect() as conn:
        rows = conn.execute(
            sa.select(d.c.effective_month, d.c.decided_on, d.c.ground, d.c.decided_by, p.c.died_on)
            .join(b, b.c.id == d.c.beneficiary_id)
            .join(p, p.c.id == b.c.person_id)
        ).all()
        new_communes = {
            f"Chủ tịch UBND {n[:1].lower()}{n[1:]}"
            for n in conn.scalars(sa.select(u.c.name).where(u.c.valid_from == date(2025, 7, 1)))
        }
    after = [r for r in rows if r.effective_month >= date(2025, 7, 1)]
    assert after and {r.decided_by for r in after} <= new_communes
    before = [r for r in rows if r.effective_month < date(2025, 7, 1)]
    assert {r.decided_by for r in before} == {"Chủ tịch UBND huyện Đầm Hà"}
    deaths = [r for r in rows if r.ground == "death"]
    assert deaths and all(r.decided_on >= r.died_on for r in deaths)


def test_a_clean_build_of_several_districts_has_well_formed_unique_cccds(
    tmp_path: Path,
) -> None:
    """Each copy's people take real province codes (Quảng Ninh's 022 first), so the check finds
    nothing at scale too, and no two people share a number."""
    path = tmp_path / "scale2.sqlite"
    build_demo_file(path, scale=2, seed_problems=False)
    engine = make_engine(sqlite_file_url(path, read_only=True))
    try:
        with engine.connect() as conn:
            everything = Filters(Period.months(2022, 1, 2026, 11))
            assert BY_CHECK["national_id_mismatch"].count(conn, everything, EVERYONE) == 0
            shared = conn.execute(
                sa.text(
                    "SELECT count(*) FROM (SELECT national_id FROM person WHERE national_id IS "
                    "NOT NULL GROUP BY national_id HAVING count(*) > 1) AS twice"
                )
            ).scalar_one()
            copies = conn.execute(
                sa.text("SELECT count(DISTINCT admin_unit_id) FROM person")
            ).scalar_one()
    finally:
        engine.dispose()
    assert shared == 0 and copies > 9
