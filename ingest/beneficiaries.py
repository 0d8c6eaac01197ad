"""The list of a commune's monthly allowance beneficiaries (danh sách đối tượng hưởng trợ cấp xã
hội hằng tháng, Decree 20/2021): who is on it, in which group, with which coefficient, from which
month, paid how.

A list is one batch: a commune (the unit in force in the month) and the month it stands at. Each
row names a person by CCCD. A person the database does not know is added to the commune (name,
birth date, sex, village, ethnicity); a known person keeps their recorded identity (a name or a
birth date that differs is a warning, to be corrected in the records). A person without an
allowance in force that month in the commune gets one (from "Hưởng từ tháng"); one who has it
gets its group, coefficient, payment method, bank account and last month ("Hưởng đến tháng")
brought to the list's. A list never removes anyone: a beneficiary in force who is missing from
it is a warning ("ghi «Hưởng đến tháng» nếu đã thôi hưởng"), since payments already made refer
to their record and the decision to stop belongs to the commune.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from charts.formatting import fmt_decimal
from data_access import schema as s
from data_access.filters import version_in_force
from data_access.summaries.freshness import SummaryStatus
from data_access.summaries.incremental import Update, after_units
from data_access.units import unit_map
from vocab import ALLOWANCE_GROUPS, BANK, CASH

from .monthly import parse_row
from .normalise import (
    BadValue,
    is_formula_text,
    name_key,
    parse_cccd,
    parse_coefficient,
    parse_date,
    parse_month,
    text,
)
from .payments import METHODS, Batch, Plan, _chunks, _formula_cells, find_batch, no_rows
from .problems import Problem, error, warning
from .read import Column, RawRow, ReadResult

KIND = "beneficiaries"
COLUMNS = (
    Column("full_name", ("Họ và tên", "Họ tên", "Họ và tên đối tượng"), required=True),
    Column("birth", ("Ngày sinh", "Ngày, tháng, năm sinh", "Năm sinh"), required=True),
    Column("sex", ("Giới tính", "Nam/Nữ"), required=True),
    Column(
        "national_id",
        ("Số CCCD", "Số định danh cá nhân", "CCCD", "Số CCCD/ĐDCN", "Số căn cước"),
        required=True,
    ),
    Column("village", ("Thôn", "Thôn, bản", "Thôn, khu phố", "Thôn, bản, khu phố")),
    Column("ethnicity", ("Dân tộc",)),
    Column("group", ("Mã nhóm", "Nhóm đối tượng", "Mã đối tượng"), required=True),
    Column("coefficient", ("Hệ số", "Hệ số trợ cấp"), required=True),
    Column("start", ("Hưởng từ tháng", "Thời điểm hưởng", "Tháng bắt đầu hưởng"), required=True),
    Column("end", ("Hưởng đến tháng", "Tháng cuối được hưởng")),
    Column("method", ("Hình thức chi trả", "Hình thức")),
    Column("account", ("Số tài khoản",)),
    Column("bank", ("Ngân hàng", "Tên ngân hàng")),
)
HEADING = {c.key: c.headers[0] for c in COLUMNS}
# Decree 20/2021 art. 6: the coefficients a group allows (× 10), whatever the age within it
# (../shared/DOMAIN.md §3): one outside them is an error, the age rule inside is not checked.
GROUP_COEFFICIENTS_X10: dict[str, frozenset[int]] = {
    "NCT_NGHEO": frozenset({15, 20}),
    "NCT_80": frozenset({10}),
    "NCT_75_DTTS": frozenset({10}),
    "NCT_CHAM_SOC": frozenset({30}),
    "KT_DBN": frozenset({20, 25}),
    "KT_NANG": frozenset({15, 20}),
    "TE_MCNN": frozenset({15, 25}),
    "TN_16_22": frozenset({15}),
    "DT_DON_THAN": frozenset({10, 20, 30, 40}),  # 1,0 per child being raised
    "HIV": frozenset({15}),
}
SEXES = {"nam": "M", "m": "M", "nu": "F", "f": "F"}  # name keys -> stored
_ACCOUNT = re.compile(r"\d{6,20}")
_YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True)
class Entry:
    """A list row that passed its checks: the person (known or new) and their allowance."""

    row: int
    person_id: int | None  # None: a person the database does not know yet
    full_name: str
    birth_date: date
    sex: str
    national_id: str
    village_id: int | None
    ethnicity: str
    group: str
    coefficient_x10: int
    start_month: date
    end_month: date | None
    method: str
    account: str | None
    bank: str | None
    previous_group: str | None = None  # a kept record's group before the list
    previous_coefficient: int | None = None  # ... and its coefficient
    keep_bank: bool = False  # the list has no bank column: the recorded bank stays

    def record(self) -> tuple[str, int, str, str | None, date | None]:
        """What a list sets on an allowance record it keeps."""
        return self.group, self.coefficient_x10, self.method, self.account, self.end_month


def plan(
    conn: Connection, read: ReadResult, commune: str, month: date, scope: object
) -> Plan[Entry]:
    """Check every row of ``read`` against the database and work out the batch's changes."""
    month = month.replace(day=1)
    found = find_batch(conn, commune, month, scope)  # type: ignore[arg-type]
    result: Plan[Entry] = Plan(None, len(read.rows))
    if isinstance(found, Problem):
        result.problems.append(found)
        return result
    batch = result.batch = found
    if not read.rows:
        result.problems.append(no_rows())
        return result
    result.problems.extend(_formula_cells(read, HEADING))
    units = _units(conn, batch)
    villages = _villages(conn, units)
    parsed = [parse_row(row, COLUMNS, HEADING, _value, result.problems) for row in read.rows]
    people = _people(conn, {str(p["national_id"]) for p in parsed if p}, units)
    records = _records(conn, [pid for pid, *_ in people.values()], month)
    seen: dict[str, int] = {}
    listed: set[int] = set()
    for raw, values in zip(read.rows, parsed, strict=True):
        if values is None:
            continue
        entry = _check_row(raw, values, batch, units, villages, people, records, seen, result)
        if entry is None:
            continue
        record = records.get(entry.person_id) if entry.person_id is not None else None
        if record is None:
            result.added.append(entry)
            continue
        listed.add(record[0])
        entry = _keep_absent(entry, record[2], read.columns)
        if record[2] == entry.record():
            result.unchanged += 1
        else:
            was = replace(entry, previous_group=record[2][0], previous_coefficient=record[2][1])
            result.changed.append((record[0], was))
    _missing(conn, batch, units, listed, result.problems)
    return result


def _keep_absent(
    entry: Entry,
    stored: tuple[str, int, str, str | None, date | None],
    present: dict[str, int],
) -> Entry:
    """A kept record's method, account and last month stay as recorded when the list has no
    column for them (an office's list often leaves them out)."""
    _, _, method, account, end = stored
    columns = set(present)
    return replace(
        entry,
        method=entry.method if "method" in columns or "account" in columns else method,
        account=entry.account if "account" in columns else account,
        end_month=entry.end_month if "end" in columns else end,
        keep_bank="bank" not in columns,
    )


def _units(conn: Connection, batch: Batch) -> set[int]:
    """The record-level units that count under the batch's commune (it and its predecessors)."""
    mapped = unit_map(version_in_force(batch.month))
    rows = conn.execute(sa.select(mapped.c.base_id).where(mapped.c.unit_id == batch.unit_id))
    return {int(r[0]) for r in rows}


Villages = dict[str, list[tuple[int, str]]]


def _villages(conn: Connection, units: set[int]) -> Villages:
    """{name key: [(village id, name key of its unit)]} of the villages of the commune and of
    the communes merged into it (two of those may each have a "Thôn 1")."""
    v, u = s.village, s.admin_unit
    rows = conn.execute(
        sa.select(v.c.id, v.c.name, u.c.name)
        .join(u, u.c.id == v.c.admin_unit_id)
        .where(v.c.admin_unit_id.in_(sorted(units)))
    )
    found: Villages = {}
    for vid, name, unit in rows:
        found.setdefault(name_key(name), []).append((int(vid), name_key(unit)))
    return found


def _village(written: str, villages: Villages) -> int | list[str] | None:
    """The village a list names ("Thôn 1", or "Thôn 1 - Quảng An" where two merged communes
    each had one): its id, the names of the communes to choose from, or None (no such)."""
    key = name_key(written)
    candidates = villages.get(key, [])
    if not candidates and re.search(r"\s[-–,]\s*", written):
        village, _, unit = re.split(r"\s*([-–,])\s*", written, maxsplit=1)
        candidates = [c for c in villages.get(name_key(village), []) if c[1] == name_key(unit)]
    if len(candidates) == 1:
        return candidates[0][0]
    return [unit for _, unit in candidates] or None


def _people(
    conn: Connection, ids: set[str], units: set[int]
) -> dict[str, tuple[int, str, date, str, int]]:
    """{CCCD: (person id, name, birth date, sex, unit)}: of a CCCD recorded twice (the data
    checks list such pairs), the first person of the commune's ``units``, else the first."""
    p = s.person
    out: dict[str, tuple[int, str, date, str, int]] = {}
    for chunk in _chunks(sorted(ids)):
        stmt = sa.select(
            p.c.national_id, p.c.id, p.c.full_name, p.c.birth_date, p.c.sex, p.c.admin_unit_id
        ).where(p.c.national_id.in_(chunk))
        for cccd, pid, name, birth, sex, unit in conn.execute(stmt.order_by(p.c.id)):
            found = out.get(str(cccd))
            if found is None or (found[4] not in units and int(unit) in units):
                out[str(cccd)] = (int(pid), str(name), birth, str(sex), int(unit))
    return out


Record = tuple[int, int, tuple[str, int, str, str | None, date | None]]


def _records(conn: Connection, person_ids: list[int], month: date) -> dict[int, Record]:
    """{person id: (beneficiary id, unit, what a list sets)} of allowances in force in
    ``month`` (the latest, if several)."""
    b = s.allowance_beneficiary
    out: dict[int, Record] = {}
    for chunk in _chunks(sorted(set(person_ids))):
        stmt = (
            sa.select(
                b.c.person_id,
                b.c.id,
                b.c.admin_unit_id,
                b.c.group_code,
                b.c.coefficient_x10,
                b.c.payment_method,
                b.c.bank_account,
                b.c.end_month,
            )
            .where(
                b.c.person_id.in_(chunk),
                b.c.start_month <= month,
                sa.or_(b.c.end_month.is_(None), b.c.end_month >= month),
            )
            .order_by(b.c.person_id, b.c.start_month, b.c.id)
        )
        for pid, ben, unit, group, coef, method, account, end in conn.execute(stmt):
            kept = (str(group), int(coef), str(method), account, end)
            out[int(pid)] = (int(ben), int(unit), kept)
    return out


def _bad(vi: str, en: str) -> BadValue:
    return BadValue(vi, en)


def _value(key: str, raw: object) -> object:
    if key == "national_id":
        return parse_cccd(raw)
    if key == "coefficient":
        return parse_coefficient(raw)
    if key in ("start", "end"):
        return parse_month(raw)
    if key == "birth":
        return _birth(raw)
    if key == "method":
        method = METHODS.get(name_key(raw))
        if method is None:
            raise _bad(
                f"«{text(raw)}» không phải hình thức chi trả (Tiền mặt hoặc Chuyển khoản).",
                f"«{text(raw)}» is not a payment method (Tiền mặt or Chuyển khoản).",
            )
        return method
    if key == "sex":
        sex = SEXES.get(name_key(raw))
        if sex is None:
            raise _bad(f"«{text(raw)}»: ghi Nam hoặc Nữ.", f"«{text(raw)}»: write Nam or Nữ.")
        return sex
    if key == "group":
        return _group(raw)
    value = text(raw) or ""
    if key == "account":
        digits = value.replace(" ", "").replace(".", "").replace("-", "")
        if not _ACCOUNT.fullmatch(digits):
            raise _bad(
                f"Số tài khoản «{value}» phải gồm 6 đến 20 chữ số.",
                f"Account number «{value}» must have 6 to 20 digits.",
            )
        return digits
    if is_formula_text(value):
        raise _bad(
            f"«{value}» bắt đầu bằng ký tự của công thức: không nhận.",
            f"«{value}» starts like a formula: refused.",
        )
    return value


def _birth(raw: object) -> date:
    """A birth date, or a year alone ("1945": recorded as 1/1/1945, as civil records do)."""
    written = text(raw) or ""
    if _YEAR.fullmatch(written) and 1900 <= int(written) <= date.today().year:
        return date(int(written), 1, 1)
    born = parse_date(raw)
    if not date(1900, 1, 1) <= born <= date.today():
        raise _bad(
            f"Ngày sinh {born:%d/%m/%Y} không thể đúng.", f"Birth date {born:%d/%m/%Y} cannot be."
        )
    return born


def _group(raw: object) -> str:
    """A Decree 20 group by its code ("NCT_80") or its name, any case or diacritics."""
    written = text(raw) or ""
    codes = list(ALLOWANCE_GROUPS.keys())
    wanted = written.upper().replace(" ", "_")
    if wanted in codes:
        return wanted
    key = name_key(written)
    for code in codes:
        if name_key(ALLOWANCE_GROUPS(code, "vi")) == key:
            return code
    raise _bad(
        f"«{written}» không phải nhóm đối tượng của Nghị định 20 (ghi mã, ví dụ NCT_80).",
        f"«{written}» is not a Decree 20 group (write its code, e.g. NCT_80).",
    )


def _check_row(
    raw: RawRow,
    values: dict[str, object],
    batch: Batch,
    units: set[int],
    villages: Villages,
    people: dict[str, tuple[int, str, date, str, int]],
    records: dict[int, Record],
    seen: dict[str, int],
    result: Plan[Entry],
) -> Entry | None:
    n, problems = raw.number, result.problems
    cccd = str(values["national_id"])
    if cccd in seen:
        problems.append(
            error(
                n,
                HEADING["national_id"],
                cccd,
                f"Số CCCD này đã có ở dòng {seen[cccd]}: mỗi người một dòng.",
                f"This CCCD is already on row {seen[cccd]}: one row per person.",
            )
        )
        return None
    seen[cccd] = n
    group, coefficient = str(values["group"]), int(str(values["coefficient"]))
    if coefficient not in GROUP_COEFFICIENTS_X10[group]:
        allowed = ", ".join(fmt_decimal(c / 10, 1) for c in sorted(GROUP_COEFFICIENTS_X10[group]))
        problems.append(
            error(
                n,
                HEADING["coefficient"],
                fmt_decimal(coefficient / 10, 1),
                f"Nhóm {group} có hệ số {allowed} (Nghị định 20/2021), không phải hệ số này.",
                f"Group {group} has coefficient {allowed} (Decree 20/2021), not this one.",
            )
        )
        return None
    start, end = values["start"], values.get("end")
    assert isinstance(start, date)
    if start > batch.month:
        problems.append(
            error(
                n,
                HEADING["start"],
                f"{start:%m/%Y}",
                f"Hưởng từ sau tháng của danh sách ({batch.month:%m/%Y}): đưa vào danh sách "
                "tháng đó.",
                f"Starts after the list's month ({batch.month:%m/%Y}): put it on that month's "
                "list.",
            )
        )
        return None
    if isinstance(end, date) and end < batch.month:
        problems.append(
            error(
                n,
                HEADING["end"],
                f"{end:%m/%Y}",
                f"Đã thôi hưởng trước tháng của danh sách ({batch.month:%m/%Y}).",
                f"The allowance ended before the list's month ({batch.month:%m/%Y}).",
            )
        )
        return None
    village_id = None
    if values.get("village") and str(values["national_id"]) not in people:  # a new person's
        found = _village(str(values["village"]), villages)
        if not isinstance(found, int):
            vi = f"Không có thôn này ở {batch.name}."
            en = f"No such village in {batch.name}."
            if found:
                vi = "Có thôn tên này ở nhiều xã cũ: ghi kèm tên xã cũ, ví dụ «Thôn 1 - Quảng An»."
                en = "Several former communes have a village of this name: add the former "
                en += "commune's name, e.g. «Thôn 1 - Quảng An»."
            problems.append(error(n, HEADING["village"], values["village"], vi, en))
            return None
        village_id = found
    account = values.get("account")
    method = values.get("method") or (BANK if account else CASH)
    if method == BANK and not account:
        problems.append(
            warning(
                n,
                HEADING["account"],
                "",
                "Chi trả qua tài khoản nhưng chưa ghi số tài khoản.",
                "Paid by bank but no account number is given.",
            )
        )
    name, birth, sex = str(values["full_name"]), values["birth"], str(values["sex"])
    assert isinstance(birth, date)
    known = people.get(cccd)
    person_id = None
    if known is not None:
        person_id, stored_name, stored_birth, stored_sex, unit = known
        if unit not in units:
            problems.append(
                error(
                    n,
                    HEADING["national_id"],
                    cccd,
                    f"Người mang số CCCD này thuộc xã khác, không thuộc {batch.name}.",
                    f"The person with this CCCD belongs to another commune, not {batch.name}.",
                )
            )
            return None
        record = records.get(person_id)
        if record is not None and record[1] not in units:
            problems.append(
                error(
                    n,
                    HEADING["national_id"],
                    cccd,
                    "Người này đang hưởng trợ cấp tại xã khác.",
                    "This person is on another commune's allowance list.",
                )
            )
            return None
        differs = [
            label
            for label, same in (
                ("họ tên", name_key(name) == name_key(stored_name)),
                ("ngày sinh", birth == stored_birth or birth == date(stored_birth.year, 1, 1)),
                ("giới tính", sex == stored_sex),
            )
            if not same
        ]
        if differs:
            problems.append(
                warning(
                    n,
                    HEADING["national_id"],
                    cccd,
                    f"Khác hồ sơ ({', '.join(differs)}: «{stored_name}», "
                    f"{stored_birth:%d/%m/%Y}): giữ hồ sơ; kiểm tra số CCCD.",
                    f"Differs from the record ({', '.join(differs)}): the record is kept; check "
                    "the CCCD.",
                )
            )
    return Entry(
        row=n,
        person_id=person_id,
        full_name=name,
        birth_date=birth,
        sex=sex,
        national_id=cccd,
        village_id=village_id,
        ethnicity=str(values.get("ethnicity") or ""),
        group=group,
        coefficient_x10=coefficient,
        start_month=start,
        end_month=end if isinstance(end, date) else None,
        method=str(method),
        account=str(account) if account else None,
        bank=str(values["bank"]) if values.get("bank") else None,
    )


def _missing(
    conn: Connection, batch: Batch, units: set[int], listed: set[int], problems: list[Problem]
) -> None:
    """Beneficiaries in force in the month in the commune that the list leaves out: a warning
    each (the list does not stop them)."""
    b, p = s.allowance_beneficiary, s.person
    stmt = (
        sa.select(b.c.id, p.c.full_name)
        .join(p, p.c.id == b.c.person_id)
        .where(
            b.c.admin_unit_id.in_(sorted(units)),
            b.c.start_month <= batch.month,
            sa.or_(b.c.end_month.is_(None), b.c.end_month >= batch.month),
        )
        .order_by(b.c.id)
    )
    for ben, name in conn.execute(stmt):
        if int(ben) not in listed:
            problems.append(
                warning(
                    0,
                    HEADING["full_name"],
                    name,
                    "Đang hưởng trợ cấp nhưng không có trong danh sách: nếu đã thôi hưởng, ghi "
                    "«Hưởng đến tháng» trong danh sách.",
                    "Receiving the allowance but not on the list: if it has ended, give its last "
                    "month («Hưởng đến tháng»).",
                )
            )


# --- writing ----------------------------------------------------------------------------------


def write(conn: Connection, plan: Plan[Entry]) -> list[int]:
    """Add the new persons and allowance records, bring the kept ones to the list's values;
    returns the units whose records changed."""
    assert plan.batch is not None
    batch = plan.batch
    p, b = s.person, s.allowance_beneficiary
    units = {batch.unit_id}
    for entry in plan.added:
        person_id = entry.person_id
        if person_id is None:
            person_id = conn.execute(
                sa.insert(p)
                .values(
                    full_name=entry.full_name,
                    birth_date=entry.birth_date,
                    sex=entry.sex,
                    ethnicity=entry.ethnicity,
                    admin_unit_id=batch.unit_id,
                    village_id=entry.village_id,
                    national_id=entry.national_id,
                )
                .returning(p.c.id)
            ).scalar_one()
        conn.execute(
            sa.insert(b).values(
                person_id=person_id,
                admin_unit_id=batch.unit_id,
                group_code=entry.group,
                coefficient_x10=entry.coefficient_x10,
                start_month=entry.start_month,
                end_month=entry.end_month,
                payment_method=entry.method,
                bank_account=entry.account,
                bank_name=entry.bank,
            )
        )
    for ben, entry in plan.changed:
        values: dict[str, object] = {
            "group_code": entry.group,
            "coefficient_x10": entry.coefficient_x10,
            "payment_method": entry.method,
            "bank_account": entry.account,
            "end_month": entry.end_month,
        }
        if not entry.keep_bank:
            values["bank_name"] = entry.bank
        unit = conn.execute(
            sa.update(b).where(b.c.id == ben).values(**values).returning(b.c.admin_unit_id)
        ).scalar_one()
        units.add(int(unit))
    # A new coefficient changes the expected amount of every payment of the record (the rate
    # check), under whichever unit made it: those units' rows are recomputed too.
    recoefficient = [
        ben for ben, e in plan.changed if e.previous_coefficient not in (None, e.coefficient_x10)
    ]
    pay = s.allowance_payment
    for chunk in _chunks(recoefficient):
        paid_by = sa.select(pay.c.admin_unit_id).where(pay.c.beneficiary_id.in_(chunk)).distinct()
        units.update(int(u) for u in conn.scalars(paid_by))
    return sorted(units)


def update_summaries(
    conn: Connection,
    plan: Plan[Entry],
    touched: list[int],
    before: SummaryStatus,
    now: datetime | None,
) -> Update | None:
    """The units' rows recomputed; None (rebuild everything) when a kept record changes group:
    the payment tables count its payments under the group."""
    if any(entry.previous_group not in (None, entry.group) for _, entry in plan.changed):
        return None
    return after_units(conn, touched, before, now)


def batch_month(month: date) -> date:
    """The month a batch is held under: the list's own."""
    return month.replace(day=1)
