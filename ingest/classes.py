"""A commune's vocational classes that started in one month, with their learners (danh sách
học viên các lớp đào tạo nghề cho lao động nông thôn): one row per learner, the class's columns
repeated on each of its rows. Loading the list makes the month's classes of the commune exactly
its classes, and each class's learners exactly its rows. A class is told apart by its name and
opening day; a learner by their CCCD (a person of the commune).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema as s
from data_access.filters import Scope, month_end
from data_access.summaries.freshness import SummaryStatus
from data_access.summaries.incremental import Update, after_units
from vocab import AGRI, NON_AGRI

from . import monthly
from .health_checks import NO, YES, _people
from .normalise import BadValue, name_key, parse_cccd, parse_date, plain_text, text
from .payments import Batch, Plan, _chunks, _formula_cells, find_batch, no_rows
from .problems import Problem, error, warning
from .read import Column, ReadResult

KIND = "classes"
COLUMNS = (
    Column("class_name", ("Tên lớp", "Tên lớp, nghề đào tạo", "Nghề đào tạo"), required=True),
    Column("field", ("Lĩnh vực", "Nhóm nghề"), required=True),
    Column("start", ("Ngày khai giảng", "Ngày bắt đầu"), required=True),
    Column("end", ("Ngày kết thúc", "Ngày bế giảng"), required=True),
    Column("hours", ("Số giờ", "Thời gian đào tạo (giờ)"), required=True),
    Column("partner", ("Cơ sở đào tạo", "Đơn vị đào tạo")),
    Column("full_name", ("Họ và tên học viên", "Họ và tên"), required=True),
    Column(
        "national_id",
        ("Số CCCD", "Số định danh cá nhân", "CCCD", "Số CCCD/ĐDCN"),
        required=True,
    ),
    Column("completed", ("Hoàn thành khóa học", "Tốt nghiệp")),
    Column("employed", ("Có việc làm sau học", "Có việc làm")),
)
HEADING = {c.key: c.headers[0] for c in COLUMNS}
FIELDS_WRITTEN = {
    "nong nghiep": AGRI,
    "nn": AGRI,
    AGRI: AGRI,
    "phi nong nghiep": NON_AGRI,
    "pnn": NON_AGRI,
    NON_AGRI: NON_AGRI,
}
CLASS_VALUES = ("field", "end_date", "hours", "partner")  # a class's columns besides its key


@dataclass
class ClassEntry:
    """A class of the list: its values and its learners {person id: (completed, employed)}."""

    row: int  # its first row
    key: tuple[str, date]
    values: dict[str, object]
    learners: dict[int, tuple[bool, bool]] = field(default_factory=dict)


def batch_month(month: date) -> date:
    """The month a batch is held under: the list's own."""
    return month.replace(day=1)


def _flag(raw: object) -> bool:
    written = name_key(raw)
    if written in YES:
        return True
    if written in NO:
        return False
    raise BadValue(
        f"«{text(raw)}»: ghi Có hoặc Không (hoặc x).", f"«{text(raw)}»: write Có or Không."
    )


def _value(key: str, raw: object) -> object:
    if key == "national_id":
        return parse_cccd(raw)
    if key in ("start", "end"):
        return parse_date(raw)
    if key in ("completed", "employed"):
        return _flag(raw)
    if key == "field":
        found = FIELDS_WRITTEN.get(name_key(raw))
        if found is None:
            raise BadValue(
                f"«{text(raw)}»: ghi Nông nghiệp hoặc Phi nông nghiệp.",
                f"«{text(raw)}»: write Nông nghiệp or Phi nông nghiệp.",
            )
        return found
    if key == "hours":
        if isinstance(raw, float) and not raw.is_integer():
            raise BadValue(f"«{raw}»: số giờ là số nguyên.", f"«{raw}»: hours are a whole number.")
        written = (text(raw) or "").replace(".", "")
        if not written.isdigit() or not 1 <= int(written) <= 5000:
            raise BadValue(
                f"«{text(raw)}» không phải số giờ (1 đến 5.000).",
                f"«{text(raw)}» is not a number of hours (1 to 5,000).",
            )
        return int(written)
    return plain_text(raw)


def plan(
    conn: Connection, read: ReadResult, commune: str, month: date, scope: Scope
) -> Plan[ClassEntry]:
    month = month.replace(day=1)
    found = find_batch(conn, commune, month, scope)
    result: Plan[ClassEntry] = Plan(None, len(read.rows))
    if isinstance(found, Problem):
        result.problems.append(found)
        return result
    batch = result.batch = found
    if not read.rows:
        result.problems.append(no_rows())
        return result
    result.problems.extend(_formula_cells(read, HEADING))
    parsed = [
        (raw, monthly.parse_row(raw, COLUMNS, HEADING, _value, result.problems))
        for raw in read.rows
    ]
    people = _people(conn, {str(v["national_id"]) for _, v in parsed if v}, batch)
    classes: dict[tuple[str, date], ClassEntry] = {}
    for raw, values in parsed:
        if values is None:
            continue
        _row(raw.number, values, batch, people, classes, result.problems)
    if not result.blocked:
        _changes(conn, batch, list(classes.values()), result, read.columns)
    return result


def _row(
    n: int,
    values: dict[str, object],
    batch: Batch,
    people: dict[str, tuple[int, str, date, bool]],
    classes: dict[tuple[str, date], ClassEntry],
    problems: list[Problem],
) -> None:
    start, end, cccd = values["start"], values["end"], str(values["national_id"])
    assert isinstance(start, date) and isinstance(end, date)
    if not monthly.in_month(start, batch):
        problems.append(
            error(
                n,
                HEADING["start"],
                f"{start:%d/%m/%Y}",
                f"Lớp khai giảng ngoài tháng của danh sách ({batch.month:%m/%Y}).",
                f"The class opens outside the list's month ({batch.month:%m/%Y}).",
            )
        )
        return
    if end < start:
        problems.append(
            error(
                n,
                HEADING["end"],
                f"{end:%d/%m/%Y}",
                "Ngày kết thúc trước ngày khai giảng.",
                "The class ends before it opens.",
            )
        )
        return
    person = people.get(cccd)
    if person is None or not person[3]:
        vi = "Không có người nào mang số CCCD này trong cơ sở dữ liệu."
        en = "No person with this CCCD is in the database."
        if person is not None:
            vi = f"Người mang số CCCD này không thuộc {batch.name}."
            en = f"The person with this CCCD does not belong to {batch.name}."
        problems.append(error(n, HEADING["national_id"], cccd, vi, en))
        return
    key = (name_key(values["class_name"]), start)
    class_values = {
        "name": values["class_name"],
        "field": values["field"],
        "start_date": start,
        "end_date": end,
        "hours": values["hours"],
        "partner": values.get("partner") or None,
    }
    entry = classes.setdefault(key, ClassEntry(n, key, class_values))
    differs = [
        HEADING[c]
        for c, k in (("field", "field"), ("end", "end_date"), ("hours", "hours"))
        if entry.values[k] != class_values[k]
    ]
    if differs:
        problems.append(
            error(
                n,
                differs[0],
                "",
                f"Lớp này ở dòng {entry.row} ghi khác ({', '.join(differs)}): các dòng của một "
                "lớp phải giống nhau.",
                f"This class reads differently on row {entry.row}: the rows of one class must "
                "agree.",
            )
        )
        return
    if person[0] in entry.learners:
        problems.append(
            error(
                n,
                HEADING["national_id"],
                cccd,
                "Học viên này đã có trong lớp ở dòng trên.",
                "This learner is already in the class on a row above.",
            )
        )
        return
    if name_key(values["full_name"]) != name_key(person[1]):
        problems.append(
            warning(
                n,
                HEADING["full_name"],
                values["full_name"],
                f"Họ tên khác với cơ sở dữ liệu («{person[1]}»): kiểm tra số CCCD.",
                f"The name differs from the database («{person[1]}»): check the CCCD.",
            )
        )
    entry.learners[person[0]] = (
        bool(values.get("completed", False)),
        bool(values.get("employed", False)),
    )


def _changes(
    conn: Connection,
    batch: Batch,
    entries: list[ClassEntry],
    result: Plan[ClassEntry],
    present_columns: dict[str, int],
) -> None:
    """Compare with the classes of the batch's unit that opened in the month."""
    vc, en = s.vocational_class, s.enrolment
    stored = conn.execute(
        sa.select(vc).where(
            vc.c.admin_unit_id == batch.unit_id,
            vc.c.start_date.between(batch.month, month_end(batch.month)),
        )
    ).all()
    held = {(name_key(r.name), r.start_date): r for r in stored}
    learners: dict[int, dict[int, tuple[bool, bool]]] = {int(r.id): {} for r in stored}
    for chunk in _chunks(sorted(learners)):
        rows = conn.execute(
            sa.select(en.c.class_id, en.c.person_id, en.c.completed, en.c.employed_after).where(
                en.c.class_id.in_(chunk)
            )
        )
        for cid, pid, done, employed in rows:
            learners[int(cid)][int(pid)] = (bool(done), bool(employed))
    present = set(present_columns)
    for entry in entries:
        row = held.pop(entry.key, None)
        if row is not None:  # columns the list leaves out keep what is recorded
            if "partner" not in present:
                entry.values["partner"] = row.partner
            recorded = learners[int(row.id)]
            for pid, (done, employed) in list(entry.learners.items()):
                was = recorded.get(pid, (False, False))
                entry.learners[pid] = (
                    done if "completed" in present else was[0],
                    employed if "employed" in present else was[1],
                )
        if row is None:
            result.added.append(entry)
        elif all(getattr(row, k) == entry.values[k] for k in CLASS_VALUES) and (
            learners[int(row.id)] == entry.learners
        ):
            result.unchanged += 1
        else:
            result.changed.append((int(row.id), entry))
    result.removed.extend(int(r.id) for r in held.values())
    monthly.removal_warning(result)


def write(conn: Connection, plan: Plan[ClassEntry]) -> list[int]:
    """Make the month's classes and their learners the list's; returns the unit."""
    assert plan.batch is not None
    vc, en = s.vocational_class, s.enrolment
    gone = [*plan.removed, *(cid for cid, _ in plan.changed)]
    for chunk in _chunks(gone):
        conn.execute(sa.delete(en).where(en.c.class_id.in_(chunk)))
    for chunk in _chunks(list(plan.removed)):
        conn.execute(sa.delete(vc).where(vc.c.id.in_(chunk)))
    kept = []
    for cid, entry in plan.changed:
        conn.execute(sa.update(vc).where(vc.c.id == cid).values(**entry.values))
        kept.append((cid, entry))
    for entry in plan.added:
        cid = conn.execute(
            sa.insert(vc)
            .values(admin_unit_id=plan.batch.unit_id, **entry.values)
            .returning(vc.c.id)
        ).scalar_one()
        kept.append((int(cid), entry))
    rows = [
        {"class_id": cid, "person_id": pid, "completed": done, "employed_after": employed}
        for cid, entry in kept
        for pid, (done, employed) in entry.learners.items()
    ]
    if rows:
        conn.execute(sa.insert(en), rows)
    return [plan.batch.unit_id]


def update_summaries(
    conn: Connection,
    plan: Plan[ClassEntry],
    touched: list[int],
    before: SummaryStatus,
    now: datetime | None,
) -> Update | None:
    """The unit's summary rows recomputed in the load's transaction (None: rebuild)."""
    del plan
    return after_units(conn, touched, before, now)
