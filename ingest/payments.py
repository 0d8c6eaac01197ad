"""The monthly allowance payment list (danh sách chi trả trợ cấp xã hội hằng tháng) of one
commune: its columns, every check of its rows, and what loading it would change.

A list is one batch: a commune (the unit in force in the month: one of the nine 2023 units
before 1/7/2025, a new commune from then) and a month. Each row names a beneficiary by CCCD;
the database must know the person and an allowance of theirs in force that month in that
commune. Loading the list makes the batch's payments exactly the list's rows: a beneficiary new
to the batch is added, one whose amount, method or payment day differs is changed, one no longer
on the list is removed, the rest stay as they are (``Plan``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain, islice
from typing import Generic, NamedTuple, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from charts.formatting import fmt_decimal, fmt_int
from data_access import schema as s
from data_access.definitions import PAID, rate_for, rates_in_effect
from data_access.errors import OutOfScopeError, WelfareDataError
from data_access.filters import Filters, Period, Scope, version_in_force
from data_access.summaries.freshness import SummaryStatus
from data_access.summaries.incremental import Update, after_payments
from data_access.units import partly_visible, resolve, unit_catalogue, unit_map
from vocab import PAYMENT_STATUSES

from .normalise import (
    BadValue,
    fold,
    is_formula_text,
    name_key,
    parse_cccd,
    parse_coefficient,
    parse_date,
    parse_money,
    text,
    unaccent,
)
from .problems import Problem, error, warning
from .read import Column, RawRow, ReadResult
from .spool import Ids, IdSet, Spool, Table

KIND = "payments"
COLUMNS = (
    Column("full_name", ("Họ và tên", "Họ tên", "Họ và tên đối tượng"), required=True),
    Column(
        "national_id",
        ("Số CCCD", "Số định danh cá nhân", "CCCD", "Số CCCD/ĐDCN", "Số căn cước"),
        required=True,
    ),
    Column("village", ("Thôn", "Thôn, bản", "Thôn, khu phố", "Thôn, bản, khu phố")),
    Column("group", ("Mã nhóm", "Nhóm đối tượng", "Mã đối tượng")),
    Column("coefficient", ("Hệ số", "Hệ số trợ cấp")),
    Column(
        "amount",
        (
            "Số tiền",
            "Số tiền được hưởng",
            "Mức trợ cấp hằng tháng",
            "Thành tiền",
            "Số tiền chi trả",
        ),
        required=True,
    ),
    Column("method", ("Hình thức chi trả", "Hình thức")),
    Column("paid_on", ("Ngày chi trả", "Ngày nhận")),
)
HEADING = {c.key: c.headers[0] for c in COLUMNS}
# A long list is read, checked and compared a chunk at a time: what it keeps of a row it has
# checked is its ``Payment``, its CCCD (for duplicates), and its names when they differ from the
# record (for swapped CCCDs).
STREAMED = True
CHUNK_ROWS = 1_000
# A list that removes more of its batch than this is shown a warning (a sheet left out?).
SHRINK_ALERT_ROWS, SHRINK_ALERT_SHARE = 5, 0.1  # how a problem names the column
METHODS = {  # what an office writes, as name keys -> the stored method
    "tien mat": "cash",
    "tm": "cash",
    "chuyen khoan": "bank",
    "ck": "bank",
    "tai khoan": "bank",
    "qua tai khoan": "bank",
    "ngan hang": "bank",
    "atm": "bank",
}


@dataclass(frozen=True)
class Batch:
    """The commune and month a list is for, as the database knows them."""

    unit_id: int
    code: str
    name: str
    month: date  # first day


@dataclass(frozen=True, slots=True)
class Payment:
    """A list row that passed its checks: what the batch will hold for its beneficiary."""

    row: int
    beneficiary_id: int
    amount: int
    method: str | None  # None: the list does not say (the stored one, or the beneficiary's)
    paid_on: date | None  # None: the list does not say (the stored day stays)
    usual_method: str  # the beneficiary's method, for a payment new to the batch

    def held(self, method: str | None, paid_on: date | None) -> tuple[int, str, date | None]:
        """(amount, method, paid on) the batch holds after the load, given what it held."""
        return self.amount, self.method or method or self.usual_method, self.paid_on or paid_on


RowT = TypeVar("RowT")


class Rows(Protocol[RowT]):
    """What a plan's rows are: a list, or for a payment list a table in its spool
    (``Payments``, ``Changed``, ``Ids``)."""

    def append(self, row: RowT, /) -> None: ...

    def extend(self, rows: Iterable[RowT], /) -> None: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[RowT]: ...


def _payment_values(payment: Payment) -> tuple[object, ...]:
    paid_on = payment.paid_on.toordinal() if payment.paid_on else None
    return (
        payment.row,
        payment.beneficiary_id,
        payment.amount,
        paid_on,
        payment.method,
        payment.usual_method,
    )


def _payment(values: tuple[object, ...]) -> Payment:
    row, ben, amount, paid_on, method, usual = values
    day = date.fromordinal(paid_on) if isinstance(paid_on, int) else None
    return Payment(int(row), int(ben), int(amount), method, day, usual or "")  # type: ignore[call-overload, arg-type]


class Payments(Table):
    """Checked payments, kept in a spool on disk (a list of 100.000 rows keeps them all until
    it is compared and written); iterating gives ``Payment`` objects back."""

    def __init__(self, spool: Spool) -> None:
        super().__init__(spool, 6)

    def append(self, payment: Payment, /) -> None:
        self.add(_payment_values(payment))

    def extend(self, payments: Iterable[Payment], /) -> None:
        for payment in payments:
            self.append(payment)

    def __iter__(self) -> Iterator[Payment]:
        for values in self.values():
            yield _payment(values)


class Changed(Table):
    """(stored id, the list's payment) pairs, kept in a spool: the payments a list changes."""

    def __init__(self, spool: Spool) -> None:
        super().__init__(spool, 7)

    def append(self, change: tuple[int, Payment], /) -> None:
        pid, payment = change
        self.add((int(pid), *_payment_values(payment)))

    def extend(self, changes: Iterable[tuple[int, Payment]], /) -> None:
        for change in changes:
            self.append(change)

    def __iter__(self) -> Iterator[tuple[int, Payment]]:
        for values in self.values():
            yield int(values[0]), _payment(values[1:])


class _Seen:
    """The first row of each CCCD met so far in a list, for its duplicates: the current chunk's
    in a dict, the chunks' before in a spool on disk."""

    def __init__(self, spool: Spool) -> None:
        self._table = Table(spool, 2, "cccd INTEGER PRIMARY KEY, row INTEGER NOT NULL")
        self._find = f"SELECT row FROM {self._table.name} WHERE cccd = ?"  # noqa: S608
        self._recent: dict[int, int] = {}

    def first(self, cccd: str, row: int) -> int | None:
        """The row where ``cccd`` was met before, or None (and ``row`` is remembered)."""
        key = int(cccd)  # parse_cccd: 12 digits
        found = self._recent.get(key)
        if found is not None:
            return found
        if self._table:
            before = self._table.db.execute(self._find, (key,)).fetchone()
            if before is not None:
                return int(before[0])
        self._recent[key] = row
        return None

    def flush(self) -> None:
        """Move the chunk's CCCDs into the spool."""
        for key, row in self._recent.items():
            self._table.add((key, row))
        self._table.flush()
        self._recent.clear()


@dataclass
class Plan(Generic[RowT]):
    """What loading a list would do: its problems, and the batch's changes (of any kind of
    list: ``RowT`` is what one checked row becomes, a ``Payment`` here)."""

    batch: Batch | None
    rows_in_file: int
    problems: list[Problem] = field(default_factory=list)
    added: Rows[RowT] = field(default_factory=list)
    changed: Rows[tuple[int, RowT]] = field(default_factory=list)  # (stored id, new values)
    removed: Rows[int] = field(default_factory=list)  # stored ids
    unchanged: int = 0
    spool: Spool | None = field(default=None, repr=False, compare=False)  # what holds them

    @property
    def blocked(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)

    def release(self) -> None:
        """Close the spool (its file goes): the counts stay, the rows can no longer be read.
        For a plan kept after it was used (the page keeps a dry run's, to show it)."""
        if self.spool is not None:
            self.spool.close()


def no_rows() -> Problem:
    """A file whose sheet has a header but no row (the blank template): refused, or loading it
    would empty the batch."""
    return error(
        0,
        "",
        "",
        "Tệp không có dòng nào dưới dòng tên cột: chưa có gì để nạp (đã chọn đúng trang tính?).",
        "The file has no row under its header: nothing to load (is it the right sheet?).",
    )


def find_batch(conn: Connection, commune: str, month: date, scope: Scope) -> Batch | Problem:
    """The unit in force in ``month`` whose code (or name) is ``commune``, if the uploader's
    scope holds it; else the problem that stops the whole file."""
    version = version_in_force(month)
    catalogue = unit_catalogue(conn, version)
    wanted = text(commune) or ""
    found = catalogue[catalogue["code"] == wanted]
    if found.empty:  # by name: the whole name first (a "Thị trấn X" is not the "Xã X" beside it)
        full = [unaccent(fold(str(n))) for n in catalogue["name"]]
        found = catalogue[[f == unaccent(fold(wanted)) for f in full]]
    if found.empty:  # then without "Xã", "Thị trấn": "quang tan"
        keys = [name_key(n) for n in catalogue["name"]]
        found = catalogue[[k == name_key(wanted) for k in keys]]
    label = f"{month.month}/{month.year}"
    if len(found) > 1:
        return error(
            0,
            "Xã",
            commune,
            f"Có nhiều xã, thị trấn tên «{commune}»: hãy ghi mã xã.",
            f"Several communes are named «{commune}»: give the commune's code.",
        )
    if len(found) != 1:
        return error(
            0,
            "Xã",
            commune,
            f"Không có xã, thị trấn «{commune}» trong danh mục đơn vị của tháng {label}.",
            f"No commune «{commune}» in the unit list of {label}.",
        )
    code = str(found["code"].iloc[0])
    try:
        resolve(
            conn,
            Filters(
                Period.months(month.year, month.month, month.year, month.month), (code,), version
            ),
            scope,
        )
        # Writing takes the whole commune: the head of one of its predecessors sees part of it
        # (its own old commune's records) but may not replace its list.
        if code in partly_visible(conn, version, scope):
            raise OutOfScopeError([code])
    except WelfareDataError:
        return error(
            0,
            "Xã",
            commune,
            f"Tài khoản này không được nhập số liệu của {found['name'].iloc[0]}.",
            f"This account may not load figures of {found['name'].iloc[0]}.",
        )
    return Batch(int(found["unit_id"].iloc[0]), code, str(found["name"].iloc[0]), month)


def plan(
    conn: Connection, read: ReadResult, commune: str, month: date, scope: Scope
) -> Plan[Payment]:
    """Check every row of ``read`` against the database and work out the batch's changes.

    Reads only: the caller decides whether to write (``ingest.load``), in the same transaction.
    """
    month = month.replace(day=1)
    found = find_batch(conn, commune, month, scope)
    result: Plan[Payment] = Plan(None, read.count)
    if isinstance(found, Problem):
        result.problems.append(found)
        return result
    batch = result.batch = found
    if not read.count:
        result.problems.append(no_rows())
        return result
    result.problems.extend(_formula_cells(read))
    rate = _rate(conn, month)
    spool = result.spool = Spool()
    seen = _Seen(spool)
    payments = Payments(spool)
    result.added, result.changed, result.removed = Payments(spool), Changed(spool), Ids(spool)
    counted = 0  # the rows' amounts, for the total row
    names: list[_Named] = []  # the rows whose name is not their CCCD's person's
    for chunk in _batched(read.each_row(), CHUNK_ROWS):
        parsed = [_parse(row, result.problems) for row in chunk]
        counted += _amounts(parsed)
        people = _people(conn, {p["national_id"] for p in parsed if p and p.get("national_id")})
        allowances = _allowances(
            conn, {pid for found in people.values() for pid, _ in found}, batch
        )
        checked: list[Payment] = []
        for raw, values in zip(chunk, parsed, strict=True):
            if values is None:
                continue
            payment = _check_row(
                raw, values, people, allowances, rate, batch, seen, result.problems
            )
            if payment is not None:
                checked.append(payment)
        names.extend(_named(chunk, parsed, people))
        _check_elsewhere(conn, checked, batch, result.problems)
        for payment in checked:
            payments.append(payment)
        seen.flush()
    del seen  # not needed for the comparison (its rows stay in the spool's file)
    _check_stated_total(read, counted, result.problems)
    _check_swapped(names, result.problems)
    _changes(conn, batch, payments, result)
    return result


ItemT = TypeVar("ItemT")


def _batched(rows: Iterable[ItemT], size: int) -> Iterator[list[ItemT]]:
    """``rows`` in lists of ``size`` (the last one shorter)."""
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


class _Named(NamedTuple):
    """A row whose name is not the one recorded for its CCCD's person (name keys)."""

    row: int
    recorded: str
    listed: str
    cccd: object


def _named(
    rows: list[RawRow],
    parsed: list[dict[str, object] | None],
    people: dict[str, list[tuple[int, str]]],
) -> Iterator[_Named]:
    for raw, values in zip(rows, parsed, strict=True):
        if not values or not isinstance(values.get("national_id"), str):
            continue
        persons = people.get(str(values["national_id"]), [])
        name = values.get("full_name")
        if len(persons) == 1 and isinstance(name, str):
            recorded, listed = name_key(persons[0][1]), name_key(name)
            if recorded != listed:
                yield _Named(raw.number, recorded, listed, values.get("national_id"))


def _check_swapped(names: list[_Named], problems: list[Problem]) -> None:
    """Two rows whose CCCDs are swapped: each names the person the other's CCCD belongs to.

    A name that differs from the record is only a warning (a typo, a name written without its
    middle name); two that cross are an error, or each person would be paid the other's amount.
    """
    cccd_of = {named.row: named.cccd for named in names}
    crossing: dict[tuple[str, str], list[int]] = {}  # (record's name, list's name) -> rows
    for named in names:
        crossing.setdefault((named.recorded, named.listed), []).append(named.row)
    for (record, listed), numbers in crossing.items():
        partners = crossing.get((listed, record), [])
        if not partners:
            continue
        for number in numbers:
            other = partners[0]
            problems.append(
                error(
                    number,
                    HEADING["national_id"],
                    cccd_of[number],
                    f"Họ tên ở dòng này là của người mang số CCCD ở dòng {other}, và ngược lại: "
                    "hai số CCCD bị đổi chỗ?",
                    f"The name on this row belongs to the CCCD on row {other}, and the other way "
                    "round: are the two CCCDs swapped?",
                )
            )


# --- one row -----------------------------------------------------------------------------------


def _parse(row: RawRow, problems: list[Problem]) -> dict[str, object] | None:
    """The row's values parsed; None (and its problems recorded) when a required one is bad."""
    values: dict[str, object] = {}
    ok = True
    for column in COLUMNS:
        raw = row.values.get(column.key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if column.required:
                problems.append(
                    error(
                        row.number,
                        HEADING[column.key],
                        raw,
                        f"Thiếu «{HEADING[column.key]}».",
                        f"«{HEADING[column.key]}» is missing.",
                    )
                )
                ok = False
            continue
        try:
            values[column.key] = _value(column.key, raw)
        except ValueError as exc:
            english = str(getattr(exc, "en", exc))
            problems.append(error(row.number, HEADING[column.key], raw, str(exc), english))
            ok = ok and not column.required  # an optional column's bad value still blocks
    return values if ok else None


def _value(key: str, raw: object) -> object:
    if key == "national_id":
        return parse_cccd(raw)
    if key == "amount":
        return parse_money(raw)
    if key == "coefficient":
        return parse_coefficient(raw)
    if key == "paid_on":
        return parse_date(raw)
    if key == "method":
        method = METHODS.get(name_key(raw))
        if method is None:
            raise BadValue(
                f"«{text(raw)}» không phải hình thức chi trả (Tiền mặt hoặc Chuyển khoản).",
                f"«{text(raw)}» is not a payment method (Tiền mặt or Chuyển khoản).",
            )
        return method
    value = text(raw)
    if key == "full_name" and value is not None and is_formula_text(value):
        raise BadValue(
            f"Họ và tên «{value}» bắt đầu bằng ký tự của công thức: không nhận.",
            f"The name «{value}» starts like a formula: refused.",
        )
    return value


def _formula_cells(read: ReadResult, heading: dict[str, str] | None = None) -> list[Problem]:
    """A formula in a cell of the list (never evaluated): an error, but for the total row's."""
    names = {index: key for key, index in read.columns.items()}
    headers = HEADING if heading is None else heading
    return [
        error(
            row,
            headers.get(names.get(column, ""), f"cột {column}"),
            "",
            "Ô có công thức: hãy nhập giá trị, không nhập công thức (công thức không được tính).",
            "The cell holds a formula: type the value instead (formulas are never evaluated).",
        )
        for row, column in read.formulas
        # the total row's "=SUM(…)" is how offices write it: its saved value is checked instead
        if column in names and (read.total is None or row != read.total.number)
    ]


def _amounts(parsed: list[dict[str, object] | None]) -> int:
    """The sum of the rows' amounts (of the rows whose amount could be read)."""
    return sum(int(p["amount"]) for p in parsed if p and "amount" in p)  # type: ignore[call-overload]


def _check_total(
    read: ReadResult, parsed: list[dict[str, object] | None], problems: list[Problem]
) -> None:
    """The "Tổng cộng" row's amount, when the list has one, equals the rows' sum."""
    _check_stated_total(read, _amounts(parsed), problems)


def _check_stated_total(read: ReadResult, counted: int, problems: list[Problem]) -> None:
    """The "Tổng cộng" row's amount, when the list has one, equals ``counted``."""
    if read.total is None:
        return
    raw = read.total.values.get("amount")
    if raw is None:
        return
    try:
        stated = parse_money(raw)
    except ValueError:
        return
    if stated != counted:
        problems.append(
            error(
                read.total.number,
                HEADING["amount"],
                raw,
                f"Dòng Tổng cộng ghi {fmt_int(stated)} đồng nhưng các dòng cộng lại được "
                f"{fmt_int(counted)} đồng.",
                f"The total row says {fmt_int(stated, 'en')} VND but the rows add up to "
                f"{fmt_int(counted, 'en')} VND.",
            )
        )


def _check_row(
    raw: RawRow,
    values: dict[str, object],
    people: dict[str, list[tuple[int, str]]],
    allowances: dict[int, tuple[int, str, int, str, date | None]],
    rate: int | None,
    batch: Batch,
    seen: _Seen,
    problems: list[Problem],
) -> Payment | None:
    n, cccd = raw.number, str(values["national_id"])
    if (before := seen.first(cccd, n)) is not None:
        problems.append(
            error(
                n,
                HEADING["national_id"],
                cccd,
                f"Số CCCD này đã có ở dòng {before}: mỗi người một dòng mỗi tháng.",
                f"This CCCD is already on row {before}: one row per person a month.",
            )
        )
        return None
    persons = people.get(cccd, [])
    if not persons:
        problems.append(
            error(
                n,
                HEADING["national_id"],
                cccd,
                "Không có người nào mang số CCCD này trong cơ sở dữ liệu.",
                "No person with this CCCD is in the database.",
            )
        )
        return None
    # A CCCD recorded for two persons: the one with an allowance here, if only one has.
    entitled = [(pid, name) for pid, name in persons if pid in allowances]
    if len(entitled) > 1:
        problems.append(
            error(
                n,
                HEADING["national_id"],
                cccd,
                "Số CCCD này ghi cho nhiều người cùng hưởng trợ cấp tại xã: sửa hồ sơ trước.",
                "This CCCD is recorded for several beneficiaries of the commune: fix the records.",
            )
        )
        return None
    person_id, stored_name = entitled[0] if entitled else persons[0]
    allowance = allowances.get(person_id)
    label = f"{batch.month.month}/{batch.month.year}"
    if allowance is None:
        problems.append(
            error(
                n,
                HEADING["national_id"],
                cccd,
                f"Người này không hưởng trợ cấp hằng tháng tại {batch.name} trong tháng {label}.",
                f"This person has no monthly allowance in {batch.name} in {label}.",
            )
        )
        return None
    beneficiary_id, group, coefficient_x10, method, died_on = allowance
    name = values.get("full_name")
    if name is not None and name_key(name) != name_key(stored_name):
        problems.append(
            warning(
                n,
                HEADING["full_name"],
                name,
                f"Họ tên khác với cơ sở dữ liệu («{stored_name}»): kiểm tra số CCCD.",
                f"The name differs from the database («{stored_name}»): check the CCCD.",
            )
        )
    given = values.get("coefficient")
    if given is not None and given != coefficient_x10:
        problems.append(
            warning(
                n,
                HEADING["coefficient"],
                raw.values.get("coefficient"),
                f"Hệ số khác với hồ sơ ({fmt_decimal(coefficient_x10 / 10, 1)}).",
                f"The coefficient differs from the record "
                f"({fmt_decimal(coefficient_x10 / 10, 1, 'en')}).",
            )
        )
    if values.get("group") is not None and str(values["group"]) != group:
        problems.append(
            warning(
                n,
                HEADING["group"],
                values["group"],
                f"Mã nhóm khác với hồ sơ ({group}).",
                f"The group differs from the record ({group}).",
            )
        )
    amount = int(values["amount"])  # type: ignore[call-overload]
    if amount >= s.MAX_PAYMENT_VND:
        problems.append(
            error(
                n,
                HEADING["amount"],
                raw.values.get("amount"),
                "Số tiền từ 100 triệu đồng trở lên cho một tháng không thể đúng.",
                "An amount of 100 million VND or more for one month cannot be right.",
            )
        )
        return None
    if rate is not None and amount * 10 != rate * coefficient_x10:
        due = rate * coefficient_x10 // 10
        problems.append(
            warning(
                n,
                HEADING["amount"],
                raw.values.get("amount"),
                f"Khác mức chuẩn × hệ số ({fmt_int(due)} đồng).",
                f"Differs from the standard rate × coefficient ({fmt_int(due, 'en')} VND).",
            )
        )
    if died_on is not None and died_on < batch.month:
        problems.append(
            warning(
                n,
                HEADING["full_name"],
                name,
                f"Hồ sơ ghi người này đã mất ngày {died_on:%d/%m/%Y}: trợ cấp dừng từ tháng sau.",
                f"The record says this person died on {died_on:%d/%m/%Y}: payment stops after.",
            )
        )
    return Payment(
        n,
        beneficiary_id,
        amount,
        values.get("method"),  # type: ignore[arg-type]
        values.get("paid_on"),  # type: ignore[arg-type]
        method,
    )


# --- what the database knows ---------------------------------------------------------------------


def _people(conn: Connection, ids: Iterable[object]) -> dict[str, list[tuple[int, str]]]:
    """{CCCD: [(person id, stored name), …]}: a CCCD recorded twice (a data error the data
    checks list) gives both persons."""
    wanted = sorted({str(i) for i in ids})
    p = s.person
    found: dict[str, list[tuple[int, str]]] = {}
    for chunk in _chunks(wanted):
        stmt = sa.select(p.c.national_id, p.c.id, p.c.full_name).where(p.c.national_id.in_(chunk))
        for cccd, pid, name in conn.execute(stmt.order_by(p.c.id)):
            found.setdefault(str(cccd), []).append((int(pid), str(name)))
    return found


def _allowances(
    conn: Connection, person_ids: Iterable[int], batch: Batch
) -> dict[int, tuple[int, str, int, str, date | None]]:
    """{person id: (beneficiary id, group, coefficient × 10, method, died on)} of allowances in
    force in the batch's month whose unit counts under the batch's commune."""
    b, p = s.allowance_beneficiary, s.person
    mapped = unit_map(version_in_force(batch.month))
    wanted = sorted(set(person_ids))
    out: dict[int, tuple[int, str, int, str, date | None]] = {}
    for chunk in _chunks(wanted):
        stmt = (
            sa.select(
                b.c.person_id,
                b.c.id,
                b.c.group_code,
                b.c.coefficient_x10,
                b.c.payment_method,
                p.c.died_on,
            )
            .join(p, p.c.id == b.c.person_id)
            .join(mapped, mapped.c.base_id == b.c.admin_unit_id)
            .where(
                b.c.person_id.in_(chunk),
                mapped.c.unit_id == batch.unit_id,
                b.c.start_month <= batch.month,
                sa.or_(b.c.end_month.is_(None), b.c.end_month >= batch.month),
            )
            .order_by(b.c.person_id, b.c.id)
        )
        for person_id, ben, group, coefficient, method, died in conn.execute(stmt):
            out.setdefault(
                int(person_id),
                (int(ben), str(group), int(coefficient), sys.intern(str(method)), died),
            )
    return out


def _rate(conn: Connection, month: date) -> int | None:
    """The standard rate (mức chuẩn) in effect in ``month``; None without one."""
    rate = rates_in_effect()
    found = conn.execute(
        sa.select(rate.c.amount_vnd).where(rate_for(rate, sa.literal(month, sa.Date)))
    ).first()
    return None if found is None else int(found[0])


def _check_elsewhere(
    conn: Connection, payments: list[Payment], batch: Batch, problems: list[Problem]
) -> None:
    """A beneficiary already paid for the month by another commune's list: an error."""
    pay = s.allowance_payment
    by_ben = {p.beneficiary_id: p for p in payments}
    for chunk in _chunks(sorted(by_ben)):
        stmt = sa.select(pay.c.beneficiary_id).where(
            pay.c.beneficiary_id.in_(chunk),
            pay.c.month == batch.month,
            pay.c.admin_unit_id != batch.unit_id,
        )
        for (ben,) in conn.execute(stmt).unique():
            row = by_ben[int(ben)]
            problems.append(
                error(
                    row.row,
                    HEADING["national_id"],
                    "",
                    "Người này đã được chi trả tháng này trong danh sách của xã khác.",
                    "This person is already paid for the month on another commune's list.",
                )
            )


class _Stored:
    """The batch's payments a list is compared with, kept in a spool (a long batch: 100.000),
    by beneficiary: their paid payments (the first of each by id is the one the list's row
    keeps or changes, the others are removed), the first planned one (which the list makes
    paid) and the status of the first that blocks the list."""

    def __init__(self, spool: Spool) -> None:
        self._table = Table(
            spool,
            6,
            "pid INTEGER PRIMARY KEY, ben INTEGER NOT NULL, kind TEXT NOT NULL, "
            "amount INTEGER, method TEXT, paid_on INTEGER",
        )
        self._db, self._name = spool.db, self._table.name
        self._taken: dict[int, int] = {}  # beneficiary -> paid id taken, not yet marked

    def append(
        self, pid: int, ben: int, kind: str, amount: int, method: str, paid_on: date | None
    ) -> None:
        """A payment of the batch; ``kind``: "paid", "planned" or the status that blocks."""
        self._table.add((pid, ben, kind, amount, method, paid_on.toordinal() if paid_on else None))

    def extra_paid(self) -> Iterator[int]:
        """The ids of each beneficiary's paid payments after their first, in order; then they
        are left out of the comparison."""
        self._table.flush()
        self._db.execute(f"CREATE INDEX {self._name}_ben ON {self._name} (ben, pid)")
        name = self._name
        later = (
            f"kind = ? AND pid > (SELECT min(f.pid) FROM {name} AS f "  # noqa: S608
            f"WHERE f.ben = {name}.ben AND f.kind = ?)"
        )
        query = f"SELECT pid FROM {name} WHERE {later} ORDER BY pid"  # noqa: S608
        for (pid,) in self._table.values(query, (PAID, PAID)):
            yield int(pid)
        self._db.execute(f"DELETE FROM {name} WHERE {later}", (PAID, PAID))  # noqa: S608

    def find(
        self, ben: int
    ) -> tuple[str | None, tuple[int, int, str, date | None] | None, int | None]:
        """(the status that blocks, (id, amount, method, paid on) of the paid payment — given
        once —, the planned payment's id) of the beneficiary."""
        blocking: str | None = None
        paid: tuple[int, int, str, date | None] | None = None
        planned: int | None = None
        rows = self._db.execute(
            f"SELECT pid, kind, amount, method, paid_on FROM {self._name} "  # noqa: S608
            "WHERE ben = ? ORDER BY pid",
            (ben,),
        )
        for pid, kind, amount, method, paid_on in rows:
            if kind == PAID:
                if ben not in self._taken:
                    day = date.fromordinal(paid_on) if paid_on is not None else None
                    paid = (int(pid), int(amount), str(method), day)
            elif kind == "planned":
                planned = int(pid) if planned is None else planned
            elif kind != "taken" and blocking is None:
                blocking = str(kind)
        return blocking, paid, planned

    def take(self, ben: int, pid: int) -> None:
        """The list's row takes the beneficiary's paid payment: not given again, not removed."""
        self._taken[ben] = pid
        if len(self._taken) >= CHUNK_ROWS:
            self._mark()

    def _mark(self) -> None:
        self._db.executemany(
            f"UPDATE {self._name} SET kind = 'taken' WHERE pid = ?",  # noqa: S608
            [(pid,) for pid in self._taken.values()],
        )
        self._taken.clear()

    def left(self) -> Iterator[int]:
        """The ids of the paid payments no list row took, in order."""
        self._mark()
        query = f"SELECT pid FROM {self._name} WHERE kind = ? ORDER BY pid"  # noqa: S608
        for (pid,) in self._table.values(query, (PAID,)):
            yield int(pid)


def _changes(
    conn: Connection, batch: Batch, payments: Iterable[Payment], result: Plan[Payment]
) -> None:
    """Compare the list with the batch's payments in the database.

    A payment list records what was paid: it replaces the batch's paid payments only. A planned
    payment of someone on the list becomes paid; one of someone left off stays planned. A pending
    payment, or a returned one not paid again, is never changed or removed by a list, and a list
    row for such a beneficiary is an error, to be settled first; a returned payment already paid
    again and a recovered one are history the list leaves alone.
    """
    pay = s.allowance_payment
    in_batch = (pay.c.admin_unit_id == batch.unit_id, pay.c.month == batch.month)
    # The beneficiaries with a returned payment and one paid or pending: paid again. Asked
    # apart, so that the batch's payments are read once, a row at a time (a long batch).
    again = pay.alias("again")
    settled = set(
        conn.scalars(
            sa.select(pay.c.beneficiary_id)
            .distinct()
            .where(
                *in_batch,
                pay.c.status == "returned",
                sa.exists().where(
                    again.c.beneficiary_id == pay.c.beneficiary_id,
                    again.c.admin_unit_id == batch.unit_id,
                    again.c.month == batch.month,
                    again.c.status.in_((PAID, "pending")),
                ),
            )
        )
    )
    stored = conn.execute(
        sa.select(
            pay.c.id,
            pay.c.beneficiary_id,
            pay.c.amount_vnd,
            pay.c.method,
            pay.c.paid_on,
            pay.c.status,
        )
        .where(*in_batch)
        .order_by(pay.c.id)
        # A server-side cursor on PostgreSQL (psycopg otherwise fetches a long batch at once).
        .execution_options(yield_per=CHUNK_ROWS)
    )
    assert result.spool is not None
    batch_held = _Stored(result.spool)  # the batch's payments, in a spool (a long batch)
    held = 0
    for pid, ben, amount, method, paid_on, status in stored:
        held += 1
        kind = str(status)
        if kind == "recovered" or (kind == "returned" and int(ben) in settled):
            continue  # taken back, or paid again: nothing for this list to settle
        batch_held.append(int(pid), int(ben), kind, int(amount), str(method), paid_on)
    result.removed.extend(batch_held.extra_paid())  # a second paid payment of one: removed
    for payment in payments:
        blocking, found, planned = batch_held.find(payment.beneficiary_id)
        if blocking is not None:
            result.problems.append(
                error(
                    payment.row,
                    HEADING["national_id"],
                    "",
                    "Khoản chi tháng này của người này đang ghi "
                    f"«{PAYMENT_STATUSES.label(blocking, 'vi')}»: xử lý khoản đó trước khi nạp "
                    "danh sách.",
                    "This person's payment for the month is recorded as "
                    f"«{PAYMENT_STATUSES.label(blocking, 'en')}»: settle it before loading the "
                    "list.",
                )
            )
            continue
        if found is None and planned is not None:
            result.changed.append((planned, payment))  # now paid
            continue
        if found is None:
            result.added.append(payment)
            continue
        pid, amount, method, paid_on = found
        batch_held.take(payment.beneficiary_id, pid)
        if (amount, method, paid_on) == payment.held(method, paid_on):
            result.unchanged += 1
        else:
            result.changed.append((pid, payment))
    result.removed.extend(batch_held.left())
    if len(result.removed) > max(SHRINK_ALERT_ROWS, held * SHRINK_ALERT_SHARE):
        result.problems.append(
            warning(
                0,
                "",
                "",
                f"Danh sách này bỏ {fmt_int(len(result.removed))} trong {fmt_int(held)} khoản chi "
                "đang có của tháng: kiểm tra tệp có đủ các dòng, các trang không.",
                f"This list drops {fmt_int(len(result.removed), 'en')} of the month's "
                f"{fmt_int(held, 'en')} payments: check that the file has every row and sheet.",
            )
        )


# --- writing ----------------------------------------------------------------------------------


def _touched(conn: Connection, plan: Plan[Payment]) -> IdSet:
    """The beneficiaries whose payment of the batch is added, changed or removed, each once,
    in the plan's spool."""
    assert plan.spool is not None
    pay = s.allowance_payment
    found = IdSet(plan.spool)
    for payment in plan.added:
        found.append(payment.beneficiary_id)
    stored = chain(plan.removed, (pid for pid, _ in plan.changed))
    for chunk in _batched(stored, 900):
        for ben in conn.scalars(sa.select(pay.c.beneficiary_id).where(pay.c.id.in_(chunk))):
            found.append(int(ben))
    return found


def write(conn: Connection, plan: Plan[Payment]) -> IdSet:
    """Make the batch hold exactly the list's rows (in the caller's transaction); returns the
    beneficiaries whose payment was added, changed or removed."""
    assert plan.batch is not None
    touched = _touched(conn, plan)
    pay = s.allowance_payment
    batch = plan.batch
    for gone in _batched(plan.removed, 900):
        conn.execute(sa.delete(pay).where(pay.c.id.in_(gone)))
    update = sa.update(pay).where(pay.c.id == sa.bindparam("payment_id"))
    # A long list's parameters a chunk at a time (so also the inserts below).
    for chunk in _batched(plan.changed, 900):
        stmt = sa.select(pay.c.id, pay.c.method, pay.c.paid_on)
        stmt = stmt.where(pay.c.id.in_([pid for pid, _ in chunk]))
        stored = {int(r[0]): (r[1], r[2]) for r in conn.execute(stmt)}
        rows = []
        for pid, p in chunk:
            amount, method, paid_on = p.held(*stored[pid])
            rows.append(
                {
                    "payment_id": pid,
                    "amount_vnd": amount,
                    "method": method,
                    "paid_on": paid_on,
                    "status": PAID,
                }
            )
        conn.execute(update, rows)
    for added in _batched(plan.added, CHUNK_ROWS):
        conn.execute(
            sa.insert(pay),
            [
                {
                    "beneficiary_id": p.beneficiary_id,
                    "admin_unit_id": batch.unit_id,
                    "month": batch.month,
                    "amount_vnd": p.amount,
                    "method": p.method or p.usual_method,
                    "paid_on": p.paid_on,
                    "status": PAID,
                }
                for p in added
            ],
        )
    return touched


def update_summaries(
    conn: Connection,
    plan: Plan[Payment],
    touched: IdSet,
    before: SummaryStatus,
    now: datetime | None,
) -> Update | None:
    """The summaries brought up to date for what ``write`` changed (None: rebuild them)."""
    assert plan.batch is not None
    return after_payments(conn, plan.batch.unit_id, plan.batch.month, touched, before, now)


def _chunks(values: list, size: int = 900) -> Iterable[list]:  # type: ignore[type-arg]
    """Pieces of an IN list that stay under SQLite's bound-parameter limit."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def batch_month(month: date) -> date:
    """The month a batch is held under: the list's own."""
    return month.replace(day=1)
