"""A commune's housing grants of one year (danh sách hộ được hỗ trợ xây mới, sửa chữa nhà ở):
the list of the programme year, with each grant's progress. Loading it makes the year's grants of
the commune exactly its rows (``ingest.monthly``, over the year): a grant is told apart by its
household (found by the CCCD of a member, normally the head) and its kind (new build or repair);
its amount, funding, target group, dates and progress are brought to the list's. The status
follows the dates: completed with a completion day, building with a start day, else approved.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema as s
from data_access.definitions import MAX_GRANT_VND
from data_access.filters import Scope, version_in_force
from data_access.units import unit_map
from vocab import GRANT_KINDS, GRANT_SOURCES, GRANT_TARGET_GROUPS

from . import monthly
from .monthly import Record, update_summaries
from .normalise import (
    BadValue,
    name_key,
    parse_cccd,
    parse_date,
    parse_money,
    plain_text,
    text,
)
from .payments import Batch, Plan, _chunks, _formula_cells, find_batch
from .problems import Problem, error, warning
from .read import Column, ReadResult

KIND = "housing"
COLUMNS = (
    Column("full_name", ("Họ và tên chủ hộ", "Chủ hộ", "Họ và tên"), required=True),
    Column(
        "national_id",
        ("Số CCCD chủ hộ", "Số CCCD", "Số định danh cá nhân", "CCCD"),
        required=True,
    ),
    Column("kind", ("Hình thức hỗ trợ", "Xây mới/Sửa chữa"), required=True),
    Column("amount", ("Số tiền hỗ trợ", "Kinh phí hỗ trợ", "Số tiền"), required=True),
    Column("source", ("Nguồn kinh phí", "Nguồn vốn"), required=True),
    Column("target", ("Đối tượng", "Diện hỗ trợ", "Thuộc diện"), required=True),
    Column("approved_on", ("Ngày phê duyệt", "Ngày quyết định"), required=True),
    Column("deadline", ("Hạn hoàn thành", "Thời hạn hoàn thành"), required=True),
    Column("started_on", ("Ngày khởi công", "Ngày khởi công, sửa chữa")),
    Column("completed_on", ("Ngày hoàn thành", "Ngày bàn giao")),
)
HEADING = {c.key: c.headers[0] for c in COLUMNS}
WRITTEN = {  # what an office writes, as name keys -> the stored code
    "kind": {
        "xay moi": "new",
        "lam moi": "new",
        "sua chua": "repair",
        "cai tao": "repair",
        **{name_key(GRANT_KINDS(k, "vi")): k for k in GRANT_KINDS},
    },
    "source": {
        "xhh": "socialised",
        "ngan sach": "state",
        "nsnn": "state",
        "ket hop": "mixed",
        **{name_key(GRANT_SOURCES(k, "vi")): k for k in GRANT_SOURCES},
    },
    "target": {
        "ho ngheo": "poor",
        "ngheo": "poor",
        "can ngheo": "near_poor",
        "nguoi cao tuoi neo don": "elderly_alone",
        "khac": "other",
        **{name_key(GRANT_TARGET_GROUPS(k, "vi")): k for k in GRANT_TARGET_GROUPS},
    },
}
WRITTEN_VI = {
    "kind": "Xây mới hoặc Sửa chữa",
    "source": "Ngân sách, Xã hội hóa hoặc Kết hợp",
    "target": "Hộ nghèo, Hộ cận nghèo, Người cao tuổi neo đơn hoặc Khác",
}
__all__ = ["COLUMNS", "KIND", "plan", "update_summaries", "write"]


def _value(key: str, raw: object) -> object:
    if key == "national_id":
        return parse_cccd(raw)
    if key == "amount":
        amount = parse_money(raw)
        if not 0 < amount < MAX_GRANT_VND:
            raise BadValue(
                f"Số tiền {amount:,} đồng không thể đúng (từ 1 đồng đến dưới 1 tỷ).".replace(
                    ",", "."
                ),
                f"An amount of {amount:,} đồng cannot be right (1 to under 1 billion).",
            )
        return amount
    if key in ("approved_on", "deadline", "started_on", "completed_on"):
        return parse_date(raw)
    if key in WRITTEN:
        found = WRITTEN[key].get(name_key(raw))
        if found is None:
            raise BadValue(
                f"«{text(raw)}»: ghi {WRITTEN_VI[key]}.",
                f"«{text(raw)}»: write one of {WRITTEN_VI[key]}.",
            )
        return found
    return plain_text(raw)


def _households(
    conn: Connection, cccds: set[str], batch: Batch
) -> dict[str, tuple[int, int | None, str, bool, int, int | None]]:
    """{CCCD: (person id, household id, name, of the commune, unit, village)}."""
    p, mapped = s.person, unit_map(version_in_force(batch.month))
    ours = sa.select(mapped.c.base_id).where(mapped.c.unit_id == batch.unit_id)
    out: dict[str, tuple[int, int | None, str, bool, int, int | None]] = {}
    for chunk in _chunks(sorted(cccds)):
        stmt = sa.select(
            p.c.national_id,
            p.c.id,
            p.c.household_id,
            p.c.full_name,
            p.c.admin_unit_id.in_(ours),
            p.c.admin_unit_id,
            p.c.village_id,
        ).where(p.c.national_id.in_(chunk))
        for cccd, pid, household, name, local, unit, village in conn.execute(stmt.order_by(p.c.id)):
            hh = int(household) if household is not None else None
            found = out.get(str(cccd))
            if found is None or (not found[3] and local):  # a CCCD recorded twice: ours first
                out[str(cccd)] = (int(pid), hh, str(name), bool(local), int(unit), village)
    return out


def plan(
    conn: Connection, read: ReadResult, commune: str, month: date, scope: Scope
) -> Plan[Record]:
    """The grants of the year of ``month`` (the commune in force in ``month``)."""
    found = find_batch(conn, commune, month.replace(day=1), scope)
    result: Plan[Record] = Plan(None, len(read.rows))
    if isinstance(found, Problem):
        result.problems.append(found)
        return result
    year = month.year
    # One batch a year: two lists of months of one year are one list.
    batch = result.batch = replace(found, month=date(year, 1, 1))
    if not monthly.start(result, len(read.rows)):
        return result
    result.problems.extend(_formula_cells(read, HEADING))
    parsed = [
        (raw, monthly.parse_row(raw, COLUMNS, HEADING, _value, result.problems))
        for raw in read.rows
    ]
    people = _households(conn, {str(v["national_id"]) for _, v in parsed if v}, found)
    records: list[Record] = []
    seen: dict[tuple[object, ...], int] = {}
    today = date.today()
    u = s.admin_unit
    since, until = conn.execute(
        sa.select(u.c.valid_from, u.c.valid_to).where(u.c.id == found.unit_id)
    ).one()
    # The year's grants of this unit: those approved while it existed (a 2025 list of a new
    # commune holds July to December; its predecessors' lists, January to June).
    valid_from = max(_day(since) or date(year, 1, 1), date(year, 1, 1))
    valid_to = min(_day(until) or date(year, 12, 31), date(year, 12, 31))
    dates_listed = "started_on" in read.columns and "completed_on" in read.columns
    for raw, values in parsed:
        if values is None:
            continue
        n, cccd = raw.number, str(values["national_id"])
        person = people.get(cccd)
        approved, deadline = values["approved_on"], values["deadline"]
        started, completed = values.get("started_on"), values.get("completed_on")
        assert isinstance(approved, date) and isinstance(deadline, date)
        problem = None
        if person is None:
            problem = (
                "national_id",
                cccd,
                "Không có người nào mang số CCCD này trong cơ sở dữ liệu.",
                "No person with this CCCD is in the database.",
            )
        elif not person[3]:
            problem = (
                "national_id",
                cccd,
                f"Người mang số CCCD này không thuộc {found.name}.",
                f"The person with this CCCD does not belong to {found.name}.",
            )
        elif approved.year != year:
            problem = (
                "approved_on",
                f"{approved:%d/%m/%Y}",
                f"Ngày phê duyệt không thuộc năm của danh sách ({year}).",
                f"The approval day is not in the list's year ({year}).",
            )
        elif not valid_from <= approved <= valid_to:
            problem = (
                "approved_on",
                f"{approved:%d/%m/%Y}",
                f"{found.name} chỉ có từ {valid_from:%d/%m/%Y} đến {valid_to:%d/%m/%Y} trong năm "
                "này: khoản hỗ trợ phê duyệt ngày này thuộc danh sách của đơn vị khi đó.",
                f"{found.name} exists from {valid_from:%d/%m/%Y} to {valid_to:%d/%m/%Y} this "
                "year: a grant approved on this day belongs to the list of the unit of that time.",
            )
        elif deadline < approved:
            problem = (
                "deadline",
                f"{deadline:%d/%m/%Y}",
                "Hạn hoàn thành trước ngày phê duyệt.",
                "The deadline is before the approval.",
            )
        elif isinstance(started, date) and not approved <= started <= today:
            problem = (
                "started_on",
                f"{started:%d/%m/%Y}",
                "Ngày khởi công phải từ ngày phê duyệt đến hôm nay.",
                "The start must lie between the approval and today.",
            )
        elif isinstance(completed, date) and not (
            isinstance(started, date) and started <= completed <= today
        ):
            problem = (
                "completed_on",
                f"{completed:%d/%m/%Y}",
                "Ngày hoàn thành phải sau ngày khởi công (ghi cả ngày khởi công) và không sau "
                "hôm nay.",
                "The completion must follow the start (give the start too) and not be after today.",
            )
        if problem is not None:
            result.problems.append(error(n, HEADING[problem[0]], *problem[1:]))
            continue
        assert person is not None
        household = person[1]
        key = (household if household is not None else f"new:{person[0]}", values["kind"])
        if key in seen:
            result.problems.append(
                error(
                    n,
                    HEADING["national_id"],
                    cccd,
                    f"Hộ này đã có ở dòng {seen[key]} với cùng hình thức hỗ trợ.",
                    f"This household is already on row {seen[key]} with the same kind of grant.",
                )
            )
            continue
        seen[key] = n
        if name_key(values["full_name"]) != name_key(person[2]):
            result.problems.append(
                warning(
                    n,
                    HEADING["full_name"],
                    values["full_name"],
                    f"Họ tên khác với cơ sở dữ liệu («{person[2]}»): kiểm tra số CCCD.",
                    f"The name differs from the database («{person[2]}»): check the CCCD.",
                )
            )
        grant: dict[str, object] = {
            "household_id": household,
            "kind": values["kind"],
            "amount_vnd": values["amount"],
            "funding_source": values["source"],
            "target_group": values["target"],
            "approved_on": approved,
            "deadline": deadline,
            # a member without a household: one is made for them (``write``)
            "_person": (person[0], person[4], person[5], person[2]),
        }
        if dates_listed or household is None:  # else the recorded progress stays
            grant["started_on"] = started
            grant["completed_on"] = completed
            grant["status"] = "completed" if completed else "building" if started else "approved"
        records.append(Record(n, key, grant))
    if not result.blocked:
        monthly.changes(
            conn,
            s.housing_grant,
            "approved_on",
            batch,
            lambda r: (int(r.household_id), r.kind),
            [_stored(r) for r in records],
            result,
            period=(valid_from, valid_to),
        )
        # keep the person of a new household with the record it will be written from
        by_row = {r.row: r for r in records}
        result.added = [by_row[r.row] for r in result.added]
    return result


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _stored(record: Record) -> Record:
    """The record as ``monthly.changes`` compares it: without the person behind a new
    household (a record with a household yet to be made is always new)."""
    values = {k: v for k, v in record.values.items() if k != "_person"}
    return Record(record.row, record.key, values)


def write(conn: Connection, plan: Plan[Record]) -> list[int]:
    """Make the year's grants the list's; a member without a household gets one first."""
    assert plan.batch is not None
    h, p = s.household, s.person
    ready = []
    made: dict[int, int] = {}  # person -> the household made for them in this load
    for record in plan.added:
        values = dict(record.values)
        pid, unit, village, name = values.pop("_person")
        if values["household_id"] is None:
            if pid not in made:
                made[pid] = conn.execute(
                    sa.insert(h)
                    .values(admin_unit_id=unit, village_id=village, head_name=name)
                    .returning(h.c.id)
                ).scalar_one()
                conn.execute(sa.update(p).where(p.c.id == pid).values(household_id=made[pid]))
            values["household_id"] = made[pid]
        ready.append(Record(record.row, record.key, values))
    plan.added = ready
    plan.changed = [(rid, _stored(r)) for rid, r in plan.changed]
    return monthly.write(conn, s.housing_grant, plan)


def batch_month(month: date) -> date:
    """The month a batch is held under: a year's list is one batch (its January)."""
    return date(month.year, 1, 1)
