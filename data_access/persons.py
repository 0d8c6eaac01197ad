"""Person-level lists (beneficiaries, housing grants, learners, payments): paged, scoped, masked.

Only scopes with ``persons=True`` may read them (district leadership, commune heads); a viewer's
request raises ``PersonListNotAllowedError``. National ids and bank accounts leave this module
masked but for their last characters; birth dates leave it as the year only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s
from .definitions import ELDERLY_CHECK_KINDS, data_as_of, reference_date
from .errors import WelfareDataError
from .filters import Filters, Scope
from .indicators import indicator_values
from .sql import count_if, valid_date
from .units import Resolved, resolve, scoped

PAGE_SIZE = 50  # a tablet shows ~20 rows; 50 keeps scrolling short and queries small
MAX_PAGE_SIZE = 200
MASK_KEEP = 4  # issue 4: show only the last 3–4 characters of ids and accounts
SEARCH_MAX = 60


class PersonListNotAllowedError(WelfareDataError):
    """A role without access to person-level data asked for a list."""

    def __init__(self) -> None:
        super().__init__(
            "Tài khoản của bạn chỉ được xem số liệu tổng hợp, không xem danh sách cá nhân.",
            "Your account may see aggregate figures only, not lists of people.",
        )


def mask(value: str | None, keep: int = MASK_KEEP) -> str:
    """'022163001234' -> '••••••••1234'; empty stays empty."""
    if value is None or pd.isna(value) or not str(value):
        return ""
    text = str(value)
    if len(text) <= keep:
        return "•" * len(text)
    return "•" * (len(text) - keep) + text[-keep:]


def _like(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class PersonPage:
    """One page of a list: its rows (masked), the total matching, and where we are."""

    rows: pd.DataFrame
    total: int
    page: int
    page_size: int
    # ``person.id`` of each row, in order (not shown; the audit trail records whose data was on
    # screen)
    person_ids: tuple[int, ...] = ()

    @property
    def pages(self) -> int:
        """How many pages the list has."""
        return max(1, -(-self.total // self.page_size))


def _page(
    conn: Connection,
    scope: Scope,
    stmt: sa.Select,
    columns: Sequence[sa.ColumnElement[Any]],
    names: list[str],
    order: Sequence[sa.ColumnElement[Any]],
    page: int,
    page_size: int,
    search: str | None,
) -> PersonPage:
    if not scope.persons:
        raise PersonListNotAllowedError()
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    if search:
        stmt = stmt.where(
            s.person.c.full_name.ilike(_like(search.strip()[:SEARCH_MAX]), escape="\\")
        )
    total = conn.execute(stmt.with_only_columns(sa.func.count())).scalar() or 0
    pages = max(1, -(-int(total) // page_size))
    page = max(1, min(page, pages))
    rows = conn.execute(
        stmt.with_only_columns(*columns, s.person.c.id)
        .order_by(*order)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    frame = pd.DataFrame([tuple(r)[:-1] for r in rows], columns=names)
    for column in ("national_id", "bank_account"):
        if column in frame:
            frame[column] = [mask(v) for v in frame[column]]
    return PersonPage(frame, int(total), page, page_size, tuple(int(r[-1]) for r in rows))


def _base(resolved: Resolved, table: sa.Table, *wheres: sa.ColumnElement[bool]) -> sa.Select:
    stmt = sa.select(table.c.id).select_from(table)
    if table is not s.person:
        stmt = stmt.join(s.person, s.person.c.id == table.c.person_id)
    stmt = stmt.where(*wheres)
    stmt, _ = scoped(stmt, table.c.admin_unit_id, resolved)
    return stmt


def _unit_and_village(stmt: sa.Select) -> sa.Select:
    return stmt.join(s.admin_unit, s.admin_unit.c.id == s.person.c.admin_unit_id).join(
        s.village, s.village.c.id == s.person.c.village_id, isouter=True
    )


BIRTH_YEAR = sa.extract("year", s.person.c.birth_date)


def _beneficiaries(resolved: Resolved, filters: Filters) -> sa.Select:
    """Beneficiary records on the list in at least one month of the period, with their person,
    commune and village: what ``beneficiary_list`` lists and ``beneficiary_counts`` counts."""
    b = s.allowance_beneficiary
    return _unit_and_village(
        _base(
            resolved,
            b,
            b.c.start_month <= filters.period.end,
            sa.or_(b.c.end_month.is_(None), b.c.end_month >= filters.period.start),
        )
    )


def beneficiary_list(
    conn: Connection,
    filters: Filters,
    scope: Scope,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    search: str | None = None,
) -> PersonPage:
    """Allowance beneficiaries on the list at any time in the period (``beneficiary_counts``
    says how that differs from F14's count)."""
    b = s.allowance_beneficiary
    stmt = _beneficiaries(resolve(conn, filters, scope), filters)
    columns = [
        s.person.c.full_name,
        BIRTH_YEAR,
        s.admin_unit.c.name,
        s.village.c.name,
        b.c.group_code,
        b.c.coefficient_x10,
        b.c.start_month,
        b.c.end_month,
        b.c.payment_method,
        s.person.c.national_id,
        b.c.bank_account,
    ]
    names = [
        "full_name",
        "birth_year",
        "commune",
        "village",
        "group_code",
        "coefficient_x10",
        "start_month",
        "end_month",
        "payment_method",
        "national_id",
        "bank_account",
    ]
    return _page(
        conn, scope, stmt, columns, names, [s.person.c.full_name, b.c.id], page, page_size, search
    )


@dataclass(frozen=True)
class BeneficiaryCounts:
    """Why the beneficiary list and the F14 tile give different counts for one selection.

    The list holds everyone on the allowance list in at least one month of the period
    (``listed``); F14 counts those on it in the reference month, the month of the period's
    reference date (``definitions.reference_date``). ``listed`` = ``in_reference_month`` +
    ``left_before`` + ``joined_after``.
    """

    listed: int  # the list's count: on the list in at least one month of the period
    in_reference_month: int  # of those, on the list in the reference month
    left_before: int  # of those, off the list (thôi hưởng) before the reference month
    joined_after: int  # of those, on the list only from after the reference month
    reference_month: date
    f14: int  # the F14 indicator's count for the selection, as the tile shows it


def beneficiary_counts(conn: Connection, filters: Filters, scope: Scope) -> BeneficiaryCounts:
    """The beneficiary list's count split by the reference month, beside F14's count.

    Counts only: any scope may ask. One aggregate query over the list's own statement, and the
    indicator registry's F14.
    """
    b = s.allowance_beneficiary
    ref_month = reference_date(filters.period, data_as_of(conn)).replace(day=1)
    covers = sa.and_(
        b.c.start_month <= ref_month, sa.or_(b.c.end_month.is_(None), b.c.end_month >= ref_month)
    )
    stmt = _beneficiaries(resolve(conn, filters, scope), filters).with_only_columns(
        sa.func.count(),
        count_if(covers),
        count_if(b.c.end_month < ref_month),
        count_if(b.c.start_month > ref_month),
    )
    listed, current, left, joined = (int(v or 0) for v in conn.execute(stmt).one())
    total, _ = indicator_values(conn, filters, scope, ["F14"], with_units=False)
    return BeneficiaryCounts(
        listed, current, left, joined, ref_month, int(total["numerator"].iloc[0])
    )


def housing_grant_list(
    conn: Connection,
    filters: Filters,
    scope: Scope,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    search: str | None = None,
) -> PersonPage:
    """Housing grants approved in the period, with the household member on record."""
    r = resolve(conn, filters, scope)
    g = s.housing_grant
    stmt = (
        sa.select(g.c.id)
        .select_from(g)
        .join(s.person, s.person.c.household_id == g.c.household_id)
        .where(g.c.approved_on.between(filters.period.start, filters.period.end_date))
    )
    stmt, _ = scoped(stmt, g.c.admin_unit_id, r)
    stmt = _unit_and_village(stmt)
    columns = [
        s.person.c.full_name,
        s.admin_unit.c.name,
        s.village.c.name,
        g.c.kind,
        g.c.target_group,
        g.c.amount_vnd,
        g.c.funding_source,
        g.c.approved_on,
        g.c.deadline,
        g.c.completed_on,
        g.c.status,
        s.person.c.national_id,
    ]
    names = [
        "full_name",
        "commune",
        "village",
        "kind",
        "target_group",
        "amount_vnd",
        "funding_source",
        "approved_on",
        "deadline",
        "completed_on",
        "status",
        "national_id",
    ]
    return _page(
        conn, scope, stmt, columns, names, [g.c.approved_on, g.c.id], page, page_size, search
    )


def enrolment_list(
    conn: Connection,
    filters: Filters,
    scope: Scope,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    search: str | None = None,
) -> PersonPage:
    """Learners of the vocational classes started in the period."""
    r = resolve(conn, filters, scope)
    e, c = s.enrolment, s.vocational_class
    stmt = (
        sa.select(e.c.id)
        .select_from(e)
        .join(c, c.c.id == e.c.class_id)
        .join(s.person, s.person.c.id == e.c.person_id)
        .where(c.c.start_date.between(filters.period.start, filters.period.end_date))
    )
    stmt, _ = scoped(stmt, c.c.admin_unit_id, r)
    stmt = _unit_and_village(stmt)
    columns = [
        s.person.c.full_name,
        BIRTH_YEAR,
        s.admin_unit.c.name,
        c.c.name,
        c.c.field,
        c.c.start_date,
        c.c.end_date,
        e.c.completed,
        e.c.employed_after,
        s.person.c.national_id,
    ]
    names = [
        "full_name",
        "birth_year",
        "commune",
        "class_name",
        "field",
        "start_date",
        "end_date",
        "completed",
        "employed_after",
        "national_id",
    ]
    return _page(
        conn,
        scope,
        stmt,
        columns,
        names,
        [c.c.start_date, s.person.c.full_name, e.c.id],
        page,
        page_size,
        search,
    )


def payment_list(
    conn: Connection,
    filters: Filters,
    scope: Scope,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    search: str | None = None,
) -> PersonPage:
    """Allowance payments for the months of the period."""
    r = resolve(conn, filters, scope)
    p, b = s.allowance_payment, s.allowance_beneficiary
    stmt = (
        sa.select(p.c.id)
        .select_from(p)
        .join(b, b.c.id == p.c.beneficiary_id)
        .join(s.person, s.person.c.id == b.c.person_id)
        # A month that is no date ('2023-13-45' on SQLite) cannot be read back: the list shows
        # what the database holds otherwise, amounts the figures leave out included.
        .where(p.c.month.between(filters.period.start, filters.period.end), valid_date(p.c.month))
    )
    stmt, _ = scoped(stmt, p.c.admin_unit_id, r)
    stmt = stmt.join(s.admin_unit, s.admin_unit.c.id == p.c.admin_unit_id)
    columns = [
        s.person.c.full_name,
        s.admin_unit.c.name,
        p.c.month,
        p.c.amount_vnd,
        p.c.method,
        p.c.paid_on,
        p.c.status,
        b.c.bank_account,
    ]
    names = [
        "full_name",
        "commune",
        "month",
        "amount_vnd",
        "method",
        "paid_on",
        "status",
        "bank_account",
    ]
    return _page(
        conn,
        scope,
        stmt,
        columns,
        names,
        [p.c.month.desc(), s.person.c.full_name, p.c.id],
        page,
        page_size,
        search,
    )


def health_visit_list(
    conn: Connection,
    filters: Filters,
    scope: Scope,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    search: str | None = None,
) -> PersonPage:
    """Visits of the elderly health programme (check-ups and consultations) in the period, in
    the commune where each counts: the visits F2 counts."""
    r = resolve(conn, filters, scope)
    h = s.health_check
    stmt = (
        sa.select(h.c.id)
        .select_from(h)
        .join(s.person, s.person.c.id == h.c.person_id)
        .where(
            h.c.check_date.between(filters.period.start, filters.period.end_date),
            h.c.kind.in_(ELDERLY_CHECK_KINDS),
        )
    )
    stmt, _ = scoped(stmt, h.c.admin_unit_id, r)
    stmt = stmt.join(s.admin_unit, s.admin_unit.c.id == h.c.admin_unit_id).join(
        s.village, s.village.c.id == s.person.c.village_id, isouter=True
    )
    columns = [
        s.person.c.full_name,
        BIRTH_YEAR,
        s.admin_unit.c.name,
        s.village.c.name,
        h.c.check_date,
        h.c.free_medicine,
        s.person.c.national_id,
    ]
    names = [
        "full_name",
        "birth_year",
        "commune",
        "village",
        "check_date",
        "free_medicine",
        "national_id",
    ]
    return _page(
        conn,
        scope,
        stmt,
        columns,
        names,
        [h.c.check_date.desc(), s.person.c.full_name, h.c.id],
        page,
        page_size,
        search,
    )


LISTS: dict[str, Callable[..., PersonPage]] = {
    "beneficiaries": beneficiary_list,
    "housing": housing_grant_list,
    "enrolments": enrolment_list,
    "payments": payment_list,
    "health_visits": health_visit_list,
}
# The list holding the people (or records) behind an indicator: a figure that disagrees with
# what a commune reported links there (the quality page's reconciliation).
PEOPLE_BEHIND: dict[str, str] = {
    "F2": "health_visits",
    "F7": "housing",
    "F8": "housing",
    "F9": "housing",
    "F13": "enrolments",
    "F14": "beneficiaries",
    "F15": "payments",
}


FIND_LIMIT = 20  # people offered for one search of the access log


def find_people(conn: Connection, filters: Filters, scope: Scope, text: str) -> pd.DataFrame:
    """The people of the scope whose CCCD is ``text`` (all digits) or whose name contains it,
    at most ``FIND_LIMIT`` (the access log's "whose data" filter). Columns: person_id,
    full_name, birth_year, commune, national_id (masked).

    :raises PersonListNotAllowedError: the scope may only see aggregates.
    """
    if not scope.persons:
        raise PersonListNotAllowedError()
    text = text.strip()[:SEARCH_MAX]
    columns = ["person_id", "full_name", "birth_year", "commune", "national_id"]
    if not text:
        return pd.DataFrame(columns=columns)
    p = s.person
    which = p.c.national_id == text if text.isdigit() else p.c.full_name.ilike(_like(text), "\\")
    stmt, _ = scoped(
        sa.select(p.c.id).where(which), p.c.admin_unit_id, resolve(conn, filters, scope)
    )
    rows = conn.execute(
        stmt.join(s.admin_unit, s.admin_unit.c.id == p.c.admin_unit_id)
        .with_only_columns(p.c.id, p.c.full_name, BIRTH_YEAR, s.admin_unit.c.name, p.c.national_id)
        .order_by(p.c.full_name, p.c.id)
        .limit(FIND_LIMIT)
    ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    frame["national_id"] = [mask(v) for v in frame["national_id"]]
    return frame


# The record tables a data check may name by id, and how each leads to its person (the audit
# trail records whose data a check's list showed): a column of the record, or through another.
_PERSON_OF: dict[str, Callable[[Sequence[int]], sa.Select]] = {
    "person": lambda ids: sa.select(s.person.c.id).where(s.person.c.id.in_(ids)),
    "allowance_beneficiary": lambda ids: sa.select(s.allowance_beneficiary.c.person_id).where(
        s.allowance_beneficiary.c.id.in_(ids)
    ),
    "allowance_payment": lambda ids: (
        sa.select(s.allowance_beneficiary.c.person_id)
        .join(
            s.allowance_payment,
            s.allowance_payment.c.beneficiary_id == s.allowance_beneficiary.c.id,
        )
        .where(s.allowance_payment.c.id.in_(ids))
    ),
    "child_case": lambda ids: sa.select(s.child_case.c.person_id).where(s.child_case.c.id.in_(ids)),
    "health_check": lambda ids: sa.select(s.health_check.c.person_id).where(
        s.health_check.c.id.in_(ids)
    ),
    "enrolment": lambda ids: sa.select(s.enrolment.c.person_id).where(s.enrolment.c.id.in_(ids)),
    # a grant is shown under its household's first person on record (quality.context.owner_name)
    "housing_grant": lambda ids: (
        sa.select(sa.func.min(s.person.c.id))
        .join(s.housing_grant, s.housing_grant.c.household_id == s.person.c.household_id)
        .where(s.housing_grant.c.id.in_(ids))
        .group_by(s.person.c.household_id)
    ),
}
# A check's id columns and the record each names.
RECORD_ID_COLUMNS = {
    "person_id": "person",
    "beneficiary_id": "allowance_beneficiary",
    "payment_id": "allowance_payment",
    "case_id": "child_case",
    "grant_id": "housing_grant",
}


def people_of(
    conn: Connection, filters: Filters, scope: Scope, refs: tuple[tuple[str, int], ...]
) -> tuple[int, ...]:
    """The ``person.id`` behind each (record table, id) a data check listed, sorted, without
    repeats; records of a table that names no person (a job event) are left out.

    :raises PersonListNotAllowedError: the scope may only see aggregates.
    """
    if not scope.persons:
        raise PersonListNotAllowedError()
    by_table: dict[str, list[int]] = {}
    for table, record in refs:
        if table in _PERSON_OF:
            by_table.setdefault(table, []).append(int(record))
    found: set[int] = set()
    for table, ids in by_table.items():
        for start in range(0, len(ids), 500):  # bound parameters stay few on every engine
            chunk = ids[start : start + 500]
            found.update(int(p) for p in conn.execute(_PERSON_OF[table](chunk)).scalars())
    return tuple(sorted(found))


def check_records(rows: pd.DataFrame) -> tuple[tuple[str, int], ...]:
    """(record table, id) of each row of a data check's list: its ``record``/``record_id``
    pair and its id columns (``RECORD_ID_COLUMNS``), for ``people_of``."""
    refs = []
    if "record" in rows and "record_id" in rows:
        refs += [(str(t), int(i)) for t, i in zip(rows["record"], rows["record_id"], strict=True)]
    for column, table in RECORD_ID_COLUMNS.items():
        if column in rows:
            refs += [(table, int(i)) for i in rows[column] if not pd.isna(i)]
    return tuple(refs)
