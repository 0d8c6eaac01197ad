"""Values a real database may hold that no figure can take as they are (issue 18, defects 3–5),
planted in a copy of the demo by ``plant``: each is one the data layer must leave out of every
figure, never let move the data's dates, and list on the data-check page.

Every planted row is chosen so that, when the rules hold, the demo's figures stay exactly what
they are on the clean demo (the 2023 figures F1–F15 included); the tests compare the two.
``Planted`` records the ids, for the exact lists the checks must return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data_access import schema as s

NEAR_2_63 = 2**63 - 1_000  # two of them overflow a signed 64-bit sum (SQLite's SUM raises)
NEAR_2_62 = 2**62
HUGE_TARGET = 1e28  # charts/formatting raised decimal.InvalidOperation on it
MALFORMED_MONTH = "2023-13-45"  # SQLite keeps any text in a DATE column
FUTURE_MONTH, EARLY_MONTH = date(2031, 5, 1), date(1900, 1, 1)
QUANG_TAN, DAM_HA, TAN_LAP = "06913", "06895", "06917"


@dataclass
class Planted:
    """The ids of what ``plant`` put in, by what the checks call them."""

    implausible: set[tuple[str, str, int]] = field(default_factory=set)  # (table, column, id)
    out_of_range: set[tuple[str, str, int]] = field(default_factory=set)
    future: set[tuple[str, str, int]] = field(default_factory=set)
    rates: set[int] = field(default_factory=set)  # the planted rate rows
    duplicate_unit: int = 0
    targets: set[int] = field(default_factory=set)


def _unit(conn: Connection, code: str) -> int:
    u = s.admin_unit
    return int(
        conn.execute(
            sa.select(u.c.id).where(u.c.code == code).order_by(u.c.id).limit(1)
        ).scalar_one()
    )


def _beneficiary(conn: Connection, unit_id: int) -> int:
    b = s.allowance_beneficiary
    return int(
        conn.execute(
            sa.select(b.c.id)
            .where(b.c.admin_unit_id == unit_id, b.c.end_month.is_(None))
            .order_by(b.c.id)
            .limit(1)
        ).scalar_one()
    )


def _insert(conn: Connection, table: sa.Table, **values: object) -> int:
    return int(conn.execute(table.insert().values(**values)).inserted_primary_key[0])


def _payment(conn: Connection, code: str, month: date, amount: int) -> int:
    unit = _unit(conn, code)
    return _insert(
        conn,
        s.allowance_payment,
        beneficiary_id=_beneficiary(conn, unit),
        admin_unit_id=unit,
        month=month,
        amount_vnd=amount,
        method="cash",
        paid_on=None,
        status="paid",
    )


def plant(engine: Engine, sqlite: bool) -> Planted:
    """Put the hostile values into the demo copy behind ``engine`` (a writable engine)."""
    p = Planted()
    pay, g, e = s.allowance_payment, s.housing_grant, s.job_event
    with engine.begin() as conn:
        # Amounts no payment, grant or event can have (defect 3).
        for code, month, amount in (
            (QUANG_TAN, date(2023, 3, 1), NEAR_2_63),
            (DAM_HA, date(2023, 4, 1), NEAR_2_63),
            (DAM_HA, date(2023, 5, 1), -450_000),
        ):
            p.implausible.add((pay.name, "amount_vnd", _payment(conn, code, month, amount)))
        household = conn.execute(
            sa.select(s.household.c.id)
            .where(s.household.c.admin_unit_id == _unit(conn, QUANG_TAN))
            .order_by(s.household.c.id)
            .limit(1)
        ).scalar_one()
        for amount in (NEAR_2_62, -70_000_000):
            grant = _insert(
                conn,
                g,
                household_id=household,
                admin_unit_id=_unit(conn, QUANG_TAN),
                kind="new",
                amount_vnd=amount,
                funding_source="state",
                target_group="poor",
                approved_on=date(2023, 6, 15),
                deadline=date(2023, 12, 31),
                started_on=None,
                completed_on=None,
                status="approved",
            )
            p.implausible.add((g.name, "amount_vnd", grant))
        event = _insert(
            conn,
            e,
            kind="job_fair",
            event_date=date(2023, 5, 10),
            partner="Công ty X",
            admin_unit_id=_unit(conn, DAM_HA),
            attendees=2_000_000_000,
            registered=-3,
        )
        p.implausible |= {(e.name, "attendees", event), (e.name, "registered", event)}
        # Dates out of range (defect 4): a payment for 5/2031 and one for 1/1900, a health check
        # in 1900, a person born in 2031 (and, on SQLite, a month that is no date).
        p.future.add((pay.name, "month", _payment(conn, QUANG_TAN, FUTURE_MONTH, 500_000)))
        p.out_of_range.add((pay.name, "month", _payment(conn, QUANG_TAN, EARLY_MONTH, 500_000)))
        person = int(
            conn.execute(
                sa.select(s.person.c.id)
                .where(s.person.c.admin_unit_id == _unit(conn, QUANG_TAN))
                .order_by(s.person.c.id)
                .limit(1)
            ).scalar_one()
        )
        check = _insert(
            conn,
            s.health_check,
            person_id=person,
            admin_unit_id=_unit(conn, QUANG_TAN),
            check_date=date(1900, 1, 1),
            kind="elderly_periodic",
            free_medicine=False,
        )
        p.out_of_range.add((s.health_check.name, "check_date", check))
        born = _insert(
            conn,
            s.person,
            full_name="Người Sinh Năm 2031",
            birth_date=date(2031, 1, 1),
            sex="F",
            ethnicity="Kinh",
            household_id=None,
            admin_unit_id=_unit(conn, QUANG_TAN),
            village_id=None,
            national_id=None,
            died_on=None,
        )
        p.future.add((s.person.name, "birth_date", born))
        if sqlite:
            beneficiary = _beneficiary(conn, _unit(conn, QUANG_TAN))
            conn.execute(
                sa.text(
                    "INSERT INTO allowance_payment (beneficiary_id, admin_unit_id, month, "
                    "amount_vnd, method, paid_on, status) VALUES "
                    "(:b, :u, :month, 500000, 'cash', NULL, 'paid')"
                ),
                {"b": beneficiary, "u": _unit(conn, QUANG_TAN), "month": MALFORMED_MONTH},
            )
            malformed = int(conn.execute(sa.select(sa.func.max(pay.c.id))).scalar_one())
            p.out_of_range.add((pay.name, "month", malformed))
        # Reference tables (defect 5): a rate overlapping every real one (from 2021, never the
        # latest in force for a payment month of the data), a rate of 2^62 from 3/2023, a
        # second Tân Lập in force from 2023, and targets that cannot be true.
        for valid_from, amount in ((date(2021, 1, 1), 1), (date(2023, 3, 1), NEAR_2_62)):
            p.rates.add(
                _insert(
                    conn,
                    s.allowance_rate,
                    valid_from=valid_from,
                    valid_to=None,
                    amount_vnd=amount,
                    legal_basis="nhập thử",
                )
            )
        district = conn.execute(
            sa.select(s.admin_unit.c.id).where(s.admin_unit.c.kind == "district")
        ).scalar_one()
        p.duplicate_unit = _insert(
            conn,
            s.admin_unit,
            code=TAN_LAP,
            name="Xã Tân Lập (nhập trùng)",
            kind="xa",
            parent_id=district,
            population=1,
            valid_from=date(2023, 1, 1),
            valid_to=None,
        )
        for indicator, value in (("F15", HUGE_TARGET), ("F2", -100.0), ("F1", 1.5)):
            p.targets.add(
                _insert(
                    conn, s.target, indicator=indicator, admin_unit_id=None, year=2023, value=value
                )
            )
    return p


def declare_load(conn: Connection, day: date) -> None:
    """Record in ``dataset_info`` the day the data load ran (inside the caller's transaction)."""
    conn.execute(s.dataset_info.insert().values(key="loaded_on", value=day.isoformat()))
