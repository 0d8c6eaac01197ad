"""A commune's job events of one month (phiên giao dịch việc làm, tư vấn xuất khẩu lao động,
tuyển dụng): loading the list makes the month's events of the commune exactly its rows
(``ingest.monthly``). An event is told apart by its day, its kind and its partner.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Connection

from data_access import schema as s
from data_access.definitions import MAX_EVENT_PEOPLE
from data_access.filters import Scope
from vocab import JOB_EVENT_KINDS, JOB_FAIR, LABOUR_EXPORT, RECRUITMENT

from . import monthly
from .monthly import Record, update_summaries
from .normalise import BadValue, name_key, parse_date, plain_text, text
from .payments import Plan, _formula_cells, find_batch
from .problems import Problem, error, warning
from .read import Column, ReadResult

KIND = "job_events"
COLUMNS = (
    Column("day", ("Ngày tổ chức", "Ngày"), required=True),
    Column("kind", ("Loại hoạt động", "Loại hình", "Hình thức"), required=True),
    Column("partner", ("Đơn vị phối hợp", "Doanh nghiệp, đơn vị", "Đối tác"), required=True),
    Column("attendees", ("Số người tham dự", "Số lượt người tham gia"), required=True),
    Column("registered", ("Số người đăng ký", "Số người đăng ký làm việc")),
)
HEADING = {c.key: c.headers[0] for c in COLUMNS}
KINDS_WRITTEN = {  # what an office writes, as name keys -> the stored kind
    "giao dich viec lam": JOB_FAIR,
    "phien giao dich viec lam": JOB_FAIR,
    "hoi cho viec lam": JOB_FAIR,
    "xuat khau lao dong": LABOUR_EXPORT,
    "tu van xuat khau lao dong": LABOUR_EXPORT,
    "xkld": LABOUR_EXPORT,
    "tuyen dung": RECRUITMENT,
    "tu van tuyen dung": RECRUITMENT,
    **{name_key(JOB_EVENT_KINDS(k, "vi")): k for k in (JOB_FAIR, LABOUR_EXPORT, RECRUITMENT)},
}
__all__ = ["COLUMNS", "KIND", "plan", "update_summaries", "write"]


def _value(key: str, raw: object) -> object:
    if key == "day":
        return parse_date(raw)
    if key == "kind":
        codes = set(JOB_EVENT_KINDS.keys())
        found = KINDS_WRITTEN.get(name_key(raw)) or (str(raw) if raw in codes else None)
        if found is None:
            raise BadValue(
                f"«{text(raw)}» không phải loại hoạt động (Giao dịch việc làm, Xuất khẩu lao "
                "động, Tuyển dụng).",
                f"«{text(raw)}» is not a kind of event (job fair, labour export, recruitment).",
            )
        return found
    if key in ("attendees", "registered"):
        if isinstance(raw, float) and not raw.is_integer():
            raise BadValue(f"«{raw}»: số người là số nguyên.", f"«{raw}»: a whole number.")
        written = text(raw) or ""
        digits = written.replace(".", "")
        if not digits.isdigit() or not 0 <= int(digits) <= MAX_EVENT_PEOPLE:
            raise BadValue(
                f"«{written}» không phải số người (0 đến 100.000).",
                f"«{written}» is not a number of people (0 to 100,000).",
            )
        return int(digits)
    return plain_text(raw)


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
    records: list[Record] = []
    seen: dict[tuple[object, ...], int] = {}
    for raw in read.rows:
        values = monthly.parse_row(raw, COLUMNS, HEADING, _value, result.problems)
        if values is None:
            continue
        day = values["day"]
        assert isinstance(day, date)
        if not monthly.in_month(day, batch):
            result.problems.append(
                error(
                    raw.number,
                    HEADING["day"],
                    f"{day:%d/%m/%Y}",
                    f"Ngày này không thuộc tháng của danh sách ({month:%m/%Y}).",
                    f"This day is not in the list's month ({month:%m/%Y}).",
                )
            )
            continue
        key = (day, values["kind"], name_key(values["partner"]))
        if key in seen:
            result.problems.append(
                error(
                    raw.number,
                    HEADING["partner"],
                    values["partner"],
                    f"Hoạt động này đã có ở dòng {seen[key]} (cùng ngày, loại, đơn vị).",
                    f"This event is already on row {seen[key]} (same day, kind and partner).",
                )
            )
            continue
        seen[key] = raw.number
        attendees, registered = int(str(values["attendees"])), values.get("registered")
        if isinstance(registered, int) and registered > attendees:
            result.problems.append(
                warning(
                    raw.number,
                    HEADING["registered"],
                    registered,
                    "Số người đăng ký nhiều hơn số người tham dự.",
                    "More people registered than attended.",
                )
            )
        stored = {
            "event_date": day,
            "kind": values["kind"],
            "partner": values["partner"],
            "attendees": attendees,
        }
        if "registered" in read.columns:  # a list without the column keeps what is recorded
            stored["registered"] = int(str(registered or 0))
        records.append(Record(raw.number, key, stored))
    if not result.blocked:
        monthly.changes(
            conn,
            s.job_event,
            "event_date",
            batch,
            lambda r: (r.event_date, r.kind, name_key(r.partner)),
            records,
            result,
        )
    return result


def write(conn: Connection, plan: Plan[Record]) -> list[int]:
    return monthly.write(conn, s.job_event, plan)


def batch_month(month: date) -> date:
    """The month a batch is held under: the list's own."""
    return month.replace(day=1)
