"""Monthly social-allowance payouts (chi trả trợ cấp xã hội hằng tháng): named aggregate queries.

Every query takes ``(conn, filters, scope)``, resolves Filters ∩ Scope through
``units.resolve`` and ``units.scoped``, aggregates in the database and returns a small frame.
Amounts are whole đồng. "Paid" means ``status = 'paid'``, as for indicator F15, so the monthly
amounts here add up to F15. The rate check compares each payment with the standard rate in force
for its month × the beneficiary's Decree 20 coefficient; only ``mismatch_list`` returns person
records, one page at a time, and only to a scope that may see persons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from vocab import BANK, CASH

from . import schema as s
from .definitions import (
    PAID,
    data_as_of,
    payment_counted,
    rate_check,
    rate_totals,
    reference_date,
    returned_unrepaid,
)
from .filters import Filters, Scope, month_start
from .levels import RollUp, at_level
from .persons import PersonListNotAllowedError
from .sql import as_date, read_frame, sum_if
from .summaries.freshness import summary_status
from .summaries.read import among_candidates, summary_measures, whole_years
from .summaries.tables import (
    RATE_CHECK,
    summary_payment,
    summary_payment_group,
    summary_payment_group_year,
    summary_payment_status,
)
from .units import (
    Resolved,
    resolve,
    scoped,
    unit_catalogue,
    with_area_code,
    without_splits,
)

PAGE_SIZE = 50  # a tablet screen shows ~20 rows; 50 keeps scrolling short


def bank_share(months: pd.DataFrame, month: date | None = None) -> float | None:
    """Share of the amount paid by bank account in ``month`` (default: the latest) of a
    ``monthly`` frame; None when that month has no payment."""
    if months.empty:
        return None
    month = month or max(months["month"])
    row = months[months["month"] == month]
    if row.empty or int(row["paid_amount"].iloc[0]) == 0:
        return None
    return int(row["bank_amount"].iloc[0]) / int(row["paid_amount"].iloc[0])


def _with_units(conn: Connection, frame: pd.DataFrame, r: Resolved) -> pd.DataFrame:
    """Every unit of the selection (code, name) with ``frame``'s measures, zeros filled."""
    units = unit_catalogue(conn, r.version)
    if r.unit_ids is not None:
        units = units[units["unit_id"].isin(r.unit_ids)]
    out = units[["unit_id", "code", "name"]].merge(frame, on="unit_id", how="left")
    measures = [c for c in frame.columns if c != "unit_id"]
    out[measures] = out[measures].fillna(0).astype("int64")
    return out.rename(columns={"code": "unit_code", "name": "unit_name"}).reset_index(drop=True)


def _summarised(conn: Connection, r: Resolved, by_group: bool = False) -> sa.Table | None:
    """``summary_payment`` (``summary_payment_group`` when split ``by_group``) when fresh and
    usable (see ``summaries``), else None: the base tables then.

    Its beneficiary counts add up per unit, which equals COUNT(DISTINCT) only while no old unit
    is split between two units of the version asked for.
    """
    status = summary_status(conn)
    if status is None or not status.payments_usable or not without_splits(conn, r.version):
        return None
    return summary_payment_group if by_group else summary_payment


def _monthly(conn: Connection, r: Resolved, first: date, last: date) -> pd.DataFrame:
    sp = _summarised(conn, r)
    if sp is not None:  # one row per unit, month and previous paid month: sum them
        stmt = sa.select(sp.c.month).where(sp.c.month.between(first, last))
        stmt, _ = scoped(stmt, sp.c.admin_unit_id, r)
        stmt = stmt.with_only_columns(
            sp.c.month,
            sa.func.sum(sp.c.paid_amount),
            sa.func.sum(sp.c.beneficiaries),
            sa.func.sum(sp.c.bank_amount),
            sa.func.sum(sp.c.cash_amount),
            sa.func.sum(sp.c.bank_beneficiaries),
        )
    else:
        pay = s.allowance_payment
        stmt = sa.select(pay.c.month).where(
            pay.c.month.between(first, last), pay.c.status == PAID, payment_counted(pay)
        )
        stmt, _ = scoped(stmt, pay.c.admin_unit_id, r)
        bank = pay.c.method == BANK
        stmt = stmt.with_only_columns(
            pay.c.month,
            sa.func.sum(pay.c.amount_vnd),
            sa.func.count(sa.distinct(pay.c.beneficiary_id)),
            sum_if(bank, pay.c.amount_vnd),
            sum_if(pay.c.method == CASH, pay.c.amount_vnd),
            sa.func.count(sa.distinct(sa.case((bank, pay.c.beneficiary_id)))),
        )
    month = stmt.selected_columns[0]
    stmt = stmt.group_by(month).order_by(month)
    columns = [
        "month",
        "paid_amount",
        "beneficiaries",
        "bank_amount",
        "cash_amount",
        "bank_beneficiaries",
    ]
    frame = read_frame(conn, stmt, columns)
    frame["month"] = [as_date(m) for m in frame["month"]]
    frame[columns[1:]] = frame[columns[1:]].astype("int64")
    return frame


def monthly(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Per month paid: amount, beneficiaries paid, and the bank / cash split of both.

    Columns: month (first day), paid_amount, beneficiaries, bank_amount, cash_amount,
    bank_beneficiaries. Months without a payment are absent.
    """
    r = resolve(conn, filters, scope)
    return _monthly(conn, r, filters.period.start, filters.period.end)


def cumulative(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Per month of the period: amount paid and the running total from January of its year.

    The running total counts from January even when the period starts later (lũy kế từ đầu
    năm), so Quý III shows the nine-month figure a report asks for. Columns: month, year,
    paid_amount, cumulative_amount.
    """
    r = resolve(conn, filters, scope)
    first = date(filters.period.start.year, 1, 1)
    frame = _monthly(conn, r, first, filters.period.end)[["month", "paid_amount"]]
    frame.insert(1, "year", [m.year for m in frame["month"]])
    frame["cumulative_amount"] = frame.groupby("year")["paid_amount"].cumsum().astype("int64")
    return frame[frame["month"] >= filters.period.start].reset_index(drop=True)


def _first_in_period(sp: sa.Table, start: date) -> sa.ColumnElement:
    """Beneficiaries paid in a period from ``summary_payment``: each counts once, in the row of
    their first paid month in it (the one whose previous paid month is before the period)."""
    return sum_if(sp.c.prev_month < start, sp.c.beneficiaries)


def by_group(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Amount paid in the period and beneficiaries paid, per Decree 20 group (largest first).

    Columns: group_code, paid_amount, beneficiaries.
    """
    r = resolve(conn, filters, scope)
    period = filters.period
    sp = _summarised(conn, r, by_group=True)
    years = whole_years(period)
    if sp is not None and years:  # a twelfth of the rows: one per unit, group and year
        sy = summary_payment_group_year
        stmt = sa.select(sy.c.group_code).where(sy.c.year.between(*years))
        stmt, _ = scoped(stmt, sy.c.admin_unit_id, r)
        group, amount = sy.c.group_code, sa.func.sum(sy.c.paid_amount)
        paid = sum_if(sy.c.prev_year < years[0], sy.c.beneficiaries)
    elif sp is not None:
        stmt = sa.select(sp.c.group_code).where(sp.c.month.between(period.start, period.end))
        stmt, _ = scoped(stmt, sp.c.admin_unit_id, r)
        group, amount = sp.c.group_code, sa.func.sum(sp.c.paid_amount)
        paid = _first_in_period(sp, period.start)
    else:
        pay, ben = s.allowance_payment, s.allowance_beneficiary
        stmt = (
            sa.select(pay.c.id)
            .select_from(pay)
            .join(ben, ben.c.id == pay.c.beneficiary_id)
            .where(
                pay.c.month.between(period.start, period.end),
                pay.c.status == PAID,
                payment_counted(pay),
            )
        )
        stmt, _ = scoped(stmt, pay.c.admin_unit_id, r)
        group, amount = ben.c.group_code, sa.func.sum(pay.c.amount_vnd)
        paid = sa.func.count(sa.distinct(pay.c.beneficiary_id))
    stmt = (
        stmt.with_only_columns(group, amount, paid).group_by(group).order_by(amount.desc(), group)
    )
    frame = read_frame(conn, stmt, ["group_code", "paid_amount", "beneficiaries"])
    frame[["paid_amount", "beneficiaries"]] = frame[["paid_amount", "beneficiaries"]].astype(
        "int64"
    )
    return frame


def by_commune(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Per commune of the selection: amount paid in the period, beneficiaries paid, bank amount.

    Columns: unit_id, unit_code, unit_name, paid_amount, beneficiaries, bank_amount; every
    commune of the selection appears, with zeros where nothing was paid.
    """
    r = resolve(conn, filters, scope)
    period = filters.period
    sp = _summarised(conn, r)
    if sp is not None:
        stmt = sa.select(sp.c.month).where(sp.c.month.between(period.start, period.end))
        stmt, unit = scoped(stmt, sp.c.admin_unit_id, r)
        stmt = stmt.with_only_columns(
            unit,
            sa.func.sum(sp.c.paid_amount),
            _first_in_period(sp, period.start),
            sa.func.sum(sp.c.bank_amount),
        )
    else:
        pay = s.allowance_payment
        stmt = sa.select(pay.c.id).where(
            pay.c.month.between(period.start, period.end),
            pay.c.status == PAID,
            payment_counted(pay),
        )
        stmt, unit = scoped(stmt, pay.c.admin_unit_id, r)
        stmt = stmt.with_only_columns(
            unit,
            sa.func.sum(pay.c.amount_vnd),
            sa.func.count(sa.distinct(pay.c.beneficiary_id)),
            sum_if(pay.c.method == BANK, pay.c.amount_vnd),
        )
    stmt = stmt.group_by(unit)
    frame = read_frame(conn, stmt, ["unit_id", "paid_amount", "beneficiaries", "bank_amount"])
    return _with_units(conn, frame, r)


def by_area(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """``by_commune`` at the level the selection is compared at (``levels.at_level``): amounts
    summed; beneficiaries counted once per area (a person paid in two communes of a province is
    one of its beneficiaries, as the province's own page counts them)."""
    frame = at_level(conn, filters, scope, by_commune(conn, filters, scope), RollUp())
    level = str(frame["level"].iloc[0]) if len(frame) else "commune"
    r = resolve(conn, filters, scope)
    if level == "commune" or _summarised(conn, r) is not None:
        return frame  # per commune; or the summaries' premise: each paid in one unit's lineage
    period, pay = filters.period, s.allowance_payment
    stmt = sa.select(pay.c.id).where(
        pay.c.month.between(period.start, period.end), pay.c.status == PAID, payment_counted(pay)
    )
    stmt, unit = scoped(stmt, pay.c.admin_unit_id, r)
    stmt, area = with_area_code(stmt, unit, r.version, level)
    stmt = stmt.with_only_columns(area, sa.func.count(sa.distinct(pay.c.beneficiary_id)))
    counted = {str(code): int(n) for code, n in conn.execute(stmt.group_by(area))}
    frame["beneficiaries"] = pd.Series(
        [counted.get(str(code), 0) for code in frame["unit_code"]], dtype="int64"
    )
    return frame


# --- payments that differ from standard rate × coefficient ----------------------------------


def _rate_checked(filters: Filters, r: Resolved) -> tuple[sa.Select, sa.ColumnElement, dict]:
    """``rate_check`` for the period, scoped: the statement, the version's unit column, and
    the named expressions."""
    pay = s.allowance_payment
    stmt, named = rate_check()
    stmt = stmt.where(pay.c.month.between(filters.period.start, filters.period.end))
    stmt, unit = scoped(stmt, pay.c.admin_unit_id, r)
    return stmt, unit, named


def _tenths(value: object) -> int:
    """Tenths of a đồng to whole đồng, rounded half up."""
    return int((Decimal(int(value)) / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))  # type: ignore[call-overload]


def rate_mismatches(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Per commune, payments in the period that differ from standard rate × coefficient.

    Columns: unit_id, unit_code, unit_name, mismatches, without_rate (no rate in force),
    overpaid, underpaid, difference (overpaid − underpaid, đồng). Only communes with at least
    one such payment appear; an empty frame means every payment matches.
    """
    r = resolve(conn, filters, scope)
    columns = ["unit_id", "mismatches", "without_rate", "overpaid", "underpaid"]
    period = filters.period
    found = summary_measures(conn, r, period, period.end_date, ["rate_check"]).get("rate_check")
    if found is not None:  # per unit and month in summary_unit_month: summed over the period
        frame = found.set_axis(columns, axis=1)
        frame = frame[frame["mismatches"] > 0]
    else:
        stmt, unit, x = _rate_checked(filters, r)
        stmt = stmt.with_only_columns(unit, *rate_totals(x)).group_by(unit)
        frame = read_frame(conn, stmt, columns)
    for column in ("overpaid", "underpaid"):
        frame[column] = [_tenths(v) for v in frame[column]]
    frame["difference"] = frame["overpaid"] - frame["underpaid"]
    units = unit_catalogue(conn, r.version)[["unit_id", "code", "name"]]
    out = units.merge(frame, on="unit_id", how="inner")
    out = out.rename(columns={"code": "unit_code", "name": "unit_name"})
    value_columns = [*columns[1:], "difference"]
    out[value_columns] = out[value_columns].astype("int64")
    return out.reset_index(drop=True)


def mismatch_list(conn: Connection, filters: Filters, scope: Scope, page: int = 0) -> pd.DataFrame:
    """One page (``PAGE_SIZE`` rows) of the payments that differ from rate × coefficient.

    Read from the record-level rows: a person list must show what the database holds now. While
    the summaries are fresh (no payment, rate or beneficiary added, changed or deleted since the
    refresh, by any writer) and hold the data checks' candidates, only the payments the refresh
    found off rate are read (``summaries.tables.RATE_CHECK``): the same rows, found by id
    instead of by scanning the period's payments. Person records: only for a scope that may see
    persons. Columns: month, unit_code, unit_name, beneficiary_id, full_name, group_code,
    coefficient_x10, rate, expected, paid, difference, method, status, person_id (not shown:
    the audit trail records whose payments were on screen).

    :raises PersonListNotAllowedError: the scope may only see aggregates.
    """
    if not scope.persons:
        raise PersonListNotAllowedError()
    r = resolve(conn, filters, scope)
    stmt, unit, x = _rate_checked(filters, r)
    pay, ben, person = s.allowance_payment, s.allowance_beneficiary, s.person
    status = summary_status(conn)
    if status is not None and status.fresh and status.check_detail:
        stmt = stmt.where(among_candidates(pay.c.id, RATE_CHECK, pay))
    names = s.admin_unit.alias("shown_unit")
    stmt = (
        stmt.join(person, person.c.id == ben.c.person_id)
        .join(names, names.c.id == unit)
        .with_only_columns(
            pay.c.month,
            names.c.code,
            names.c.name,
            pay.c.beneficiary_id,
            person.c.full_name,
            ben.c.group_code,
            ben.c.coefficient_x10,
            x["rate_amount"],
            x["expected_x10"],
            pay.c.amount_vnd,
            x["diff_x10"],
            pay.c.method,
            pay.c.status,
            ben.c.person_id,
        )
        .order_by(names.c.code, pay.c.month, pay.c.beneficiary_id, pay.c.id)
        .limit(PAGE_SIZE)
        .offset(max(page, 0) * PAGE_SIZE)
    )
    columns = [
        "month",
        "unit_code",
        "unit_name",
        "beneficiary_id",
        "full_name",
        "group_code",
        "coefficient_x10",
        "rate",
        "expected",
        "paid",
        "difference",
        "method",
        "status",
        "person_id",
    ]
    frame = read_frame(conn, stmt, columns)
    frame["month"] = [as_date(m) for m in frame["month"]]
    for column in ("expected", "difference"):
        frame[column] = [None if pd.isna(v) else _tenths(v) for v in frame[column]]
    return frame


def mismatches_by_area(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """``rate_mismatches`` at the level the selection is compared at (sums); only areas with
    such a payment."""
    return at_level(conn, filters, scope, rate_mismatches(conn, filters, scope), RollUp())


# --- where the payments stand: the lifecycle (issue 16) --------------------------------------
# vocab.PAYMENT_STATUSES, in the order a payment goes through them. Paid is what F15 sums; the
# others never count as paid. "Not delivered" (chưa đến tay người hưởng) is the amount at risk:
# planned, pending, and returned without a paid or pending payment for the same beneficiary and
# month.
STATUSES = ("planned", "paid", "pending", "returned", "recovered")
PENDING_AGES = (("0_30", 0, 30), ("31_90", 31, 90), ("over_90", 91, None))  # days


@dataclass(frozen=True)
class _Lifecycle:
    """Where the lifecycle queries read counted payments (``payment_counted``) per status: the
    payments themselves, or ``summary_payment_status`` while the summaries are fresh (the same
    sums, a row per unit, month and status instead of a row per payment)."""

    source: sa.FromClause
    summarised: bool

    @property
    def month(self) -> sa.ColumnElement[date]:
        return self.source.c.month

    @property
    def status(self) -> sa.ColumnElement[str]:
        return self.source.c.status

    def payments(self, when: sa.ColumnElement[bool] | None = None) -> sa.ColumnElement[Any]:
        """How many payments (of those ``when`` keeps)."""
        one = self.source.c.payments if self.summarised else sa.literal(1)
        return sum_if(sa.true() if when is None else when, one)

    def amount(self, when: sa.ColumnElement[bool] | None = None) -> sa.ColumnElement[Any]:
        """Their amount, whole đồng."""
        value = self.source.c.amount if self.summarised else self.source.c.amount_vnd
        return sum_if(sa.true() if when is None else when, value)

    def unrepaid(self) -> tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]]:
        """(payments, amount) returned and not paid again (``returned_unrepaid``)."""
        if self.summarised:
            c = self.source.c
            return sa.func.sum(c.unrepaid_payments), sa.func.sum(c.unrepaid_amount)
        unrepaid = returned_unrepaid(self.source)
        return self.payments(unrepaid), self.amount(unrepaid)

    def select(self, r: Resolved, where: sa.ColumnElement[bool]) -> tuple[sa.Select, Any]:
        """The rows ``where`` keeps, scoped: the statement (to be given its columns) and the
        version's unit column."""
        keep = where if self.summarised else sa.and_(where, payment_counted(self.source))
        stmt = sa.select(sa.literal(1)).select_from(self.source).where(keep)
        return scoped(stmt, self.source.c.admin_unit_id, r)


def _lifecycle(conn: Connection) -> _Lifecycle:
    status = summary_status(conn)
    if status is not None and status.fresh:
        return _Lifecycle(summary_payment_status, summarised=True)
    return _Lifecycle(s.allowance_payment, summarised=False)


def status_by_month(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Per month of the period and status: payments and amount (whole đồng).

    Columns: month, status, payments, amount; a (month, status) without a payment is absent.
    """
    r, x = resolve(conn, filters, scope), _lifecycle(conn)
    stmt, _ = x.select(r, x.month.between(filters.period.start, filters.period.end))
    stmt = (
        stmt.with_only_columns(x.month, x.status, x.payments(), x.amount())
        .group_by(x.month, x.status)
        .order_by(x.month, x.status)
    )
    frame = read_frame(conn, stmt, ["month", "status", "payments", "amount"])
    frame["month"] = [as_date(m) for m in frame["month"]]
    frame[["payments", "amount"]] = frame[["payments", "amount"]].astype("int64")
    return frame


def status_by_commune(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Per commune of the selection, the period's payments by status, and the amount at risk.

    Columns: unit_id, unit_code, unit_name, then for each status of ``STATUSES`` its amount
    (``<status>_amount``) and payments (``<status>_payments``), then ``at_risk_amount`` and
    ``at_risk_payments`` (planned, pending, and returned not paid again). Every commune
    appears.
    """
    r, x = resolve(conn, filters, scope), _lifecycle(conn)
    stmt, unit = x.select(r, x.month.between(filters.period.start, filters.period.end))
    measures: list[sa.ColumnElement[Any]] = []
    names: list[str] = []
    for status in STATUSES:
        measures += [x.amount(x.status == status), x.payments(x.status == status)]
        names += [f"{status}_amount", f"{status}_payments"]
    waiting = x.status.in_(("planned", "pending"))
    unrepaid_payments, unrepaid_amount = x.unrepaid()
    measures += [
        x.amount(waiting) + sa.func.coalesce(unrepaid_amount, 0),
        x.payments(waiting) + sa.func.coalesce(unrepaid_payments, 0),
    ]
    names += ["at_risk_amount", "at_risk_payments"]
    stmt = stmt.with_only_columns(unit, *measures).group_by(unit)
    return _with_units(conn, read_frame(conn, stmt, ["unit_id", *names]), r)


def status_by_area(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """``status_by_commune`` at the level the selection is compared at (sums)."""
    return at_level(conn, filters, scope, status_by_commune(conn, filters, scope), RollUp())


def pending_by_age(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Payments still pending on the reference date (the period's last day, or the data's
    as-of date if earlier), by days since the last day of their month (when it was due): 0–30,
    31–90, over 90.

    A stock on that day: pending payments of every month up to it count, those of months
    before the period too (money not collected for months is what the bands are for).
    Columns: band (``PENDING_AGES``' codes, all three), payments, amount, reference (the day).
    """
    r, x = resolve(conn, filters, scope), _lifecycle(conn)
    ref = reference_date(filters.period, data_as_of(conn))
    stmt, _ = x.select(r, sa.and_(x.status == "pending", x.month <= ref))
    # A month's payment is due by its last day: it has waited ``ref - month_end(month)`` days,
    # 30 days or fewer exactly when its month ends on or after ref - 30 days.
    young = month_start(ref - timedelta(days=30))
    middle = month_start(ref - timedelta(days=90))
    band = sa.case((x.month >= young, "0_30"), (x.month >= middle, "31_90"), else_="over_90")
    stmt = stmt.with_only_columns(band, x.payments(), x.amount()).group_by(band)
    found = {str(b): (int(n), int(a)) for b, n, a in conn.execute(stmt)}
    return pd.DataFrame(
        [(code, *found.get(code, (0, 0)), ref) for code, _, _ in PENDING_AGES],
        columns=["band", "payments", "amount", "reference"],
    )
