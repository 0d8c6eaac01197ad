"""Where the payments stand (issue 16): the lifecycle's figures equal the rows on SQLite and
PostgreSQL, F15 counts paid only, pending payments age from their month, the amount not
delivered is pending plus returned-and-not-paid-again, a commune head sees their own commune, and
the payouts page says so in Vietnamese and English."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from charts.formatting import fmt_int, fmt_money
from data_access import payouts as q
from data_access import schema as s
from data_access.filters import VERSION_2025, Filters, Period, Scope, month_end
from data_access.indicators import indicator_values
from tests.apptest import metrics, no_exceptions, open_page
from tests.writable import writable_demo

YEAR_2026 = Filters(Period.year(2026), version=VERSION_2025)
EVERYONE = Scope.everything()
AS_OF = date(2026, 11, 30)  # the demo's last day


def _rows(engine: Engine, where: str = "", **params: object) -> list[tuple]:  # type: ignore[type-arg]
    """(month, status, amount, admin unit's code, beneficiary, id) of every payment, plainly."""
    sql = (
        "SELECT p.month, p.status, p.amount_vnd, u.code, p.beneficiary_id, p.id "
        "FROM allowance_payment p JOIN admin_unit u ON u.id = p.admin_unit_id " + where
    )
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def _month(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def test_the_demo_holds_every_status_in_its_last_twelve_months_only(engine: Engine) -> None:
    rows = _rows(engine)
    statuses = {status for _, status, *_ in rows}
    assert statuses == {"planned", "paid", "pending", "returned", "recovered"}
    unsettled = [r for r in rows if r[1] != "paid"]
    assert min(_month(r[0]) for r in unsettled) >= date(2025, 12, 1)
    assert {r[1] for r in unsettled if _month(r[0]) == date(2026, 10, 1)} >= {"planned", "pending"}
    assert not [r for r in unsettled if _month(r[0]) == date(2026, 11, 1)]  # the import's month


def test_the_lifecycle_per_month_and_status_equals_the_rows(engine: Engine) -> None:
    expected: dict[tuple[date, str], list[int]] = {}
    for month, status, amount, code, *_ in _rows(engine):
        if date(2026, 1, 1) <= _month(month) and code in ("06895", "06913"):
            counts = expected.setdefault((_month(month), status), [0, 0])
            counts[0] += 1
            counts[1] += int(amount)
    with engine.connect() as conn:
        found = q.status_by_month(conn, YEAR_2026, EVERYONE)
    assert {(r.month, r.status): [r.payments, r.amount] for r in found.itertuples()} == expected


def test_per_commune_each_status_and_the_amount_not_delivered_equal_the_rows(
    engine: Engine,
) -> None:
    rows = [r for r in _rows(engine) if _month(r[0]) >= date(2026, 1, 1)]
    repaid = {(r[4], r[0]) for r in rows if r[1] in ("paid", "pending")}
    with engine.connect() as conn:
        found = q.status_by_commune(conn, YEAR_2026, EVERYONE).set_index("unit_code")
    assert list(found.index) == ["06895", "06913"]
    for code in found.index:
        mine = [r for r in rows if r[3] == code]
        for status in q.STATUSES:
            assert found.loc[code, f"{status}_amount"] == sum(r[2] for r in mine if r[1] == status)
            assert found.loc[code, f"{status}_payments"] == sum(1 for r in mine if r[1] == status)
        at_risk = [
            r
            for r in mine
            if r[1] in ("planned", "pending") or (r[1] == "returned" and (r[4], r[0]) not in repaid)
        ]
        assert found.loc[code, "at_risk_amount"] == sum(r[2] for r in at_risk)
        assert found.loc[code, "pending_payments"] > 0 and found.loc[code, "returned_payments"] > 0


def test_f15_counts_paid_payments_only(engine: Engine) -> None:
    with engine.connect() as conn:
        total, _ = indicator_values(conn, YEAR_2026, EVERYONE, ["F15"])
        standing = q.status_by_commune(conn, YEAR_2026, EVERYONE)
    assert int(total["value"][0]) == int(standing["paid_amount"].sum())
    assert int(standing["pending_amount"].sum()) > 0  # and it is not in F15


def test_pending_payments_age_from_the_first_day_of_their_month(engine: Engine) -> None:
    pending = [r for r in _rows(engine) if r[1] == "pending"]
    bands = {"0_30": [0, 0], "31_90": [0, 0], "over_90": [0, 0]}
    for month, _, amount, *_ in pending:
        days = (AS_OF - month_end(_month(month))).days  # waiting since the month was due
        band = "0_30" if days <= 30 else "31_90" if days <= 90 else "over_90"
        bands[band][0] += 1
        bands[band][1] += int(amount)
    with engine.connect() as conn:
        found = q.pending_by_age(conn, YEAR_2026, EVERYONE)
    assert {r.band: [r.payments, r.amount] for r in found.itertuples()} == bands
    assert all(v[0] > 0 for v in bands.values())  # the demo has some in every band
    assert set(found["reference"]) == {AS_OF}


def test_pending_ages_on_an_earlier_day_leave_out_later_months(engine: Engine) -> None:
    ref = date(2026, 9, 30)
    pending = [r for r in _rows(engine) if r[1] == "pending" and _month(r[0]) <= ref]
    with engine.connect() as conn:
        found = q.pending_by_age(
            conn, Filters(Period.quarter(2026, 3), version=VERSION_2025), EVERYONE
        )
    assert int(found["payments"].sum()) == len(pending)
    young = [r for r in pending if (ref - month_end(_month(r[0]))).days <= 30]
    assert int(found.set_index("band").loc["0_30", "payments"]) == len(young)


def test_a_commune_head_sees_only_their_communes_lifecycle(engine: Engine) -> None:
    head = Scope.commune("06913", version=VERSION_2025)
    with engine.connect() as conn:
        mine = q.status_by_commune(conn, YEAR_2026, head)
        ages = q.pending_by_age(conn, YEAR_2026, head)
    assert list(mine["unit_code"]) == ["06913"]
    pending = [r for r in _rows(engine) if r[1] == "pending" and r[3] == "06913"]
    assert int(ages["payments"].sum()) == len(pending)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """A writable copy of the demo on each engine."""
    writer, _ = writable_demo(request, tmp_path_factory, "lifecycle")
    request.addfinalizer(writer.dispose)
    return writer


def test_a_returned_payment_not_paid_again_is_money_not_delivered(db: Engine) -> None:
    """The demo pays every returned payment again; take one such paid retry away and the
    returned amount is not delivered."""
    pay = s.allowance_payment
    with db.connect() as conn:
        before = q.status_by_commune(conn, YEAR_2026, EVERYONE)
    rows = sorted(_rows(db), key=lambda r: r[5])
    paid_again = {(r[4], _month(r[0])) for r in rows if r[1] == "paid"}
    returned = next(
        r
        for r in rows
        if r[1] == "returned"
        and _month(r[0]) >= date(2026, 1, 1)
        and (r[4], _month(r[0])) in paid_again
    )
    with db.begin() as conn:
        conn.execute(
            sa.delete(pay).where(
                pay.c.beneficiary_id == returned[4],
                pay.c.month == _month(returned[0]),
                pay.c.status.in_(("paid", "pending")),
            )
        )
    with db.connect() as conn:
        after = q.status_by_commune(conn, YEAR_2026, EVERYONE)
    gained = int(after["at_risk_amount"].sum()) - int(before["at_risk_amount"].sum())
    assert gained == int(returned[2]) > 0
    assert int(after["at_risk_payments"].sum()) == int(before["at_risk_payments"].sum()) + 1


def test_the_payouts_page_shows_where_the_payments_stand(app_env: Path) -> None:
    at = open_page("pages/payouts.py")  # the first view: Năm 2026, the 2025 units
    no_exceptions(at)
    rows = [r for r in _rows_of(app_env) if _month(r[0]) >= date(2026, 1, 1)]
    pending = [r for r in rows if r[1] == "pending"]
    shown = metrics(at)
    expected = (
        f"{fmt_money(sum(r[2] for r in pending), 'vi')} · {fmt_int(len(pending), 'vi')} khoản"
    )
    assert shown["Chờ chi"] == expected
    assert "Chưa đến tay người hưởng" in shown and "Bị trả lại" in shown
    assert any("chỉ tính các khoản đã chi" in c.value for c in at.caption)
    ages = [d.value for d in at.dataframe if "Thời gian chờ" in getattr(d.value, "columns", [])]
    assert list(ages[0]["Thời gian chờ"]) == ["0–30 ngày", "31–90 ngày", "Trên 90 ngày"]


def test_the_published_months_have_nothing_unsettled(app_env: Path) -> None:
    at = open_page("pages/payouts.py", tu="2023-01", den="2023-11")
    no_exceptions(at)
    assert any("đã chi xong" in m.value for m in at.success)
    assert metrics(at)["Chờ chi"] == "0 đồng · 0 khoản"


def test_the_lifecycle_reads_in_english(app_env: Path) -> None:
    at = open_page("pages/payouts.py", lang="en")
    no_exceptions(at)
    shown = metrics(at)
    assert shown["Pending"].endswith("payments") and "Not delivered" in shown


def _rows_of(path: Path) -> list[tuple]:  # type: ignore[type-arg]
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        return _rows(engine)
    finally:
        engine.dispose()
