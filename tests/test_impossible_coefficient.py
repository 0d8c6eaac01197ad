"""A beneficiary's coefficient that cannot be true (hệ số 214.748.364,7) makes rate × coefficient
absurd: the payouts page said "chênh lệch −1.000.725,1 tỷ đồng" on the hostile database. Their
payments now count as "amount due unknown" (like a month without a rate), no difference of
theirs is summed, and the data check ``implausible_value`` lists the beneficiary — from the base
tables and from the summaries, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import payouts
from data_access import schema as s
from data_access.db import make_engine, sqlite_file_url
from data_access.filters import Filters, Period, Scope
from data_access.quality import BY_CHECK
from data_access.summaries import drop_summaries, refresh
from devtools.pgserver import create_database

EVERYONE = Scope.everything(persons=True)
YEAR_2023 = Filters(Period.year(2023))
INT32_MAX = 2**31 - 1


def _plant(writer: Engine) -> tuple[int, int]:
    """Give the first beneficiary paid in 2023 an impossible coefficient: (their id, how many
    of their 2023 payments the rate check looks at: paid or pending)."""
    b, p = s.allowance_beneficiary, s.allowance_payment
    with writer.begin() as conn:
        chosen = conn.execute(
            sa.select(p.c.beneficiary_id)
            .where(p.c.month.between(YEAR_2023.period.start, YEAR_2023.period.end))
            .order_by(p.c.beneficiary_id)
            .limit(1)
        ).scalar_one()
        conn.execute(b.update().where(b.c.id == chosen).values(coefficient_x10=INT32_MAX))
        checked = conn.execute(
            sa.select(sa.func.count())
            .select_from(p)
            .where(
                p.c.beneficiary_id == chosen,
                p.c.month.between(YEAR_2023.period.start, YEAR_2023.period.end),
                p.c.status.in_(("paid", "pending")),
            )
        ).scalar_one()
    return int(chosen), int(checked)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def planted(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, Engine, Engine, int, int]]:
    """(reader, writer, the clean demo, the beneficiary, their checked payments)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("coefficient") / "demo.sqlite"
        shutil.copy(request.getfixturevalue("demo_sqlite_path"), path)
        writer = sa.create_engine(sqlite_file_url(path, read_only=False))
        reader_url = sqlite_file_url(path, read_only=True)
        clean = request.getfixturevalue("sqlite_engine")
    else:
        reader_url = create_database(
            request.getfixturevalue("pg_admin_url"),
            "coefficient",
            template=request.getfixturevalue("demo_pg_template"),
        )
        writer = sa.create_engine(reader_url)
        clean = request.getfixturevalue("pg_engine")
    beneficiary, checked = _plant(writer)
    reader = make_engine(reader_url)
    yield reader, writer, clean, beneficiary, checked
    reader.dispose()
    writer.dispose()


def _totals(engine: Engine) -> pd.Series:
    with engine.connect() as conn:
        frame = payouts.rate_mismatches(conn, YEAR_2023, EVERYONE)
    return frame[["mismatches", "without_rate", "overpaid", "underpaid"]].sum()


@pytest.mark.parametrize("summaries", [False, True], ids=["base tables", "summaries"])
def test_no_absurd_difference_is_summed(
    planted: tuple[Engine, Engine, Engine, int, int], summaries: bool
) -> None:
    reader, writer, clean, _, checked = planted
    assert checked > 0
    if summaries:
        refresh(writer)
    try:
        found, before = _totals(reader), _totals(clean)
    finally:
        if summaries:
            drop_summaries(writer)
    # The clean demo's 2023 payments all match (its off-rate payments are in 2022).
    assert before.to_dict() == {"mismatches": 0, "without_rate": 0, "overpaid": 0, "underpaid": 0}
    assert found.to_dict() == {
        "mismatches": checked,
        "without_rate": checked,
        "overpaid": 0,
        "underpaid": 0,
    }


def test_the_impossible_coefficient_is_listed(
    planted: tuple[Engine, Engine, Engine, int, int],
) -> None:
    reader, _, _, beneficiary, _ = planted
    with reader.connect() as conn:
        rows = BY_CHECK["implausible_value"].rows(conn, YEAR_2023, EVERYONE)
    mine = rows[rows["record"] == "allowance_beneficiary"]
    assert [(r.column_name, int(r.record_id), int(r.value)) for r in mine.itertuples()] == [
        ("coefficient_x10", beneficiary, INT32_MAX)
    ]
