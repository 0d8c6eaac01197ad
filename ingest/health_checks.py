"""A commune's elderly health checks of one month (khám sức khỏe định kỳ, khám tư vấn cho người
cao tuổi): loading the list makes the month's checks of the commune exactly its rows
(``ingest.monthly``). A check is told apart by the person (by CCCD), the day and the kind.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema as s
from data_access.definitions import ELDERLY_CHECK_KINDS, elderly_born_by
from data_access.filters import Scope, version_in_force
from data_access.units import unit_map

from . import monthly
from .monthly import Record, update_summaries
from .normalise import BadValue, name_key, parse_cccd, parse_date, plain_text, text
from .payments import Batch, Plan, _chunks, _formula_cells, find_batch
from .problems import Problem, error, warning
from .read import Column, ReadResult

KIND = "health_checks"
COLUMNS = (
    Column("full_name", ("Họ và tên", "Họ tên"), required=True),
    Column(
        "national_id",
        ("Số CCCD", "Số định danh cá nhân", "CCCD", "Số CCCD/ĐDCN", "Số căn cước"),
        required=True,
    ),
    Column("day", ("Ngày khám", "Ngày"), required=True),
    Column("kind", ("Hình thức khám", "Loại khám"), required=True),
    Column("medicine", ("Cấp thuốc miễn phí", "Được cấp thuốc")),
)
HEADING = {c.key: c.headers[0] for c in COLUMNS}
PERIODIC, CONSULT = ELDERLY_CHECK_KINDS
KINDS_WRITTEN = {
    "dinh ky": PERIODIC,
    "kham dinh ky": PERIODIC,
    "kham suc khoe dinh ky": PERIODIC,
    "tu van": CONSULT,
    "kham tu van": CONSULT,
    "tu van suc khoe": CONSULT,
    PERIODIC: PERIODIC,
    CONSULT: CONSULT,
}
YES = {"co", "x", "1", "yes", "true", "da cap", "có"}
NO = {"khong", "0", "no", "false", ""}
__all__ = ["COLUMNS", "KIND", "plan", "update_summaries", "write"]


def _value(key: str, raw: object) -> object:
    if key == "national_id":
        return parse_cccd(raw)
    if key == "day":
        return parse_date(raw)
    if key == "kind":
        found = KINDS_WRITTEN.get(name_key(raw)) or KINDS_WRITTEN.get(str(raw))
        if found is None:
            raise BadValue(
                f"«{text(raw)}» không phải hình thức khám (Định kỳ hoặc Tư vấn).",
                f"«{text(raw)}» is not a kind of check (Định kỳ or Tư vấn).",
            )
        return found
    if key == "medicine":
        written = name_key(raw)
        if written in YES:
            return True
        if written in NO:
            return False
        raise BadValue(
            f"«{text(raw)}»: ghi Có hoặc Không (hoặc x).", f"«{text(raw)}»: write Có or Không."
        )
    return plain_text(raw)


def _people(
    conn: Connection, cccds: set[str], batch: Batch
) -> dict[str, tuple[int, str, date, bool]]:
    """{CCCD: (person id, name, birth date, of the commune)} (the first person of a CCCD)."""
    p, mapped = s.person, unit_map(version_in_force(batch.month))
    ours = sa.select(mapped.c.base_id).where(mapped.c.unit_id == batch.unit_id)
    out: dict[str, tuple[int, str, date, bool]] = {}
    for chunk in _chunks(sorted(cccds)):
        stmt = sa.select(
            p.c.national_id,
            p.c.id,
            p.c.full_name,
            p.c.birth_date,
            p.c.admin_unit_id.in_(ours),
        ).where(p.c.national_id.in_(chunk))
        for cccd, pid, name, birth, local in conn.execute(stmt.order_by(p.c.id)):
            found = out.get(str(cccd))
            if found is None or (not found[3] and local):  # a CCCD recorded twice: ours first
                out[str(cccd)] = (int(pid), str(name), birth, bool(local))
    return out


def plan(
    conn: Connection, read: ReadResult, commune: str, month: date, scope: Scope
) -> Plan[Record]:
    month = month.replace(day=1)
    found = find_batch(conn, commune, month, scope)
    result: Plan[Record] = Plan(None, len(read.rows))
    if isinstance(found, Problem):
        result.problems.append(found)
        return result
    batch = result.batch = found
    if not monthly.start(result, len(read.rows)):
        return result
    result.problems.extend(_formula_cells(read, HEADING))
    parsed = [
        (raw, monthly.parse_row(raw, COLUMNS, HEADING, _value, result.problems))
        for raw in read.rows
    ]
    people = _people(conn, {str(v["national_id"]) for _, v in parsed if v}, batch)
    records: list[Record] = []
    seen: dict[tuple[object, ...], int] = {}
    for raw, values in parsed:
        if values is None:
            continue
        n, cccd, day = raw.number, str(values["national_id"]), values["day"]
        assert isinstance(day, date)
        person = people.get(cccd)
        problem = None
        if not monthly.in_month(day, batch):
            problem = error(
                n,
                HEADING["day"],
                f"{day:%d/%m/%Y}",
                f"Ngày khám không thuộc tháng của danh sách ({month:%m/%Y}).",
                f"The day is not in the list's month ({month:%m/%Y}).",
            )
        elif person is None:
            problem = error(
                n,
                HEADING["national_id"],
                cccd,
                "Không có người nào mang số CCCD này trong cơ sở dữ liệu.",
                "No person with this CCCD is in the database.",
            )
        elif not person[3]:
            problem = error(
                n,
                HEADING["national_id"],
                cccd,
                f"Người mang số CCCD này không thuộc {batch.name}.",
                f"The person with this CCCD does not belong to {batch.name}.",
            )
        if problem is not None:
            result.problems.append(problem)
            continue
        assert person is not None
        key = (person[0], day, values["kind"])
        if key in seen:
            result.problems.append(
                error(
                    n,
                    HEADING["national_id"],
                    cccd,
                    f"Lượt khám này đã có ở dòng {seen[key]} (cùng người, ngày, hình thức).",
                    f"This check is already on row {seen[key]} (same person, day and kind).",
                )
            )
            continue
        seen[key] = n
        if name_key(values["full_name"]) != name_key(person[1]):
            result.problems.append(
                warning(
                    n,
                    HEADING["full_name"],
                    values["full_name"],
                    f"Họ tên khác với cơ sở dữ liệu («{person[1]}»): kiểm tra số CCCD.",
                    f"The name differs from the database («{person[1]}»): check the CCCD.",
                )
            )
        if person[2] > elderly_born_by(day):
            result.problems.append(
                warning(
                    n,
                    HEADING["national_id"],
                    cccd,
                    "Người này chưa đủ 60 tuổi vào ngày khám: lượt khám vẫn được ghi.",
                    "This person is under 60 on the day of the check: it is recorded anyway.",
                )
            )
        stored: dict[str, object] = {
            "person_id": person[0],
            "check_date": day,
            "kind": values["kind"],
        }
        if "medicine" in read.columns:  # a list without the column keeps what is recorded
            stored["free_medicine"] = bool(values.get("medicine", False))
        records.append(Record(n, key, stored))
    if not result.blocked:
        monthly.changes(
            conn,
            s.health_check,
            "check_date",
            batch,
            lambda r: (int(r.person_id), r.check_date, r.kind),
            records,
            result,
        )
    return result


def write(conn: Connection, plan: Plan[Record]) -> list[int]:
    return monthly.write(conn, s.health_check, plan)


def batch_month(month: date) -> date:
    """The month a batch is held under: the list's own."""
    return month.replace(day=1)
