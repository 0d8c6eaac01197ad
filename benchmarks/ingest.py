"""Time loading a commune's monthly allowance payment list through the writing path (issue 15).

    python -m benchmarks.ingest [--rows 10000 100000] [--engine sqlite postgresql]
                                [--url PG_ADMIN_URL] [--demo DEMO.sqlite] [--out FILE.md]

For each engine and each ``--rows`` N, on a fresh copy of the demo (scale 1, summaries
refreshed), set-up that is not timed: N synthetic beneficiaries join the new commune 06913 (the
unit in force from 1/7/2025) — a person each (a unique 12-digit CCCD the demo does not hold, a
name, a village of the commune) and an allowance record in force in 11/2026, the data's last
month — inserted with executemany; the summaries are refreshed again; then the commune's list
of 11/2026 is written as an office lays it out (title rows, the header "STT, Họ và tên, Số
CCCD, Thôn, Hệ số, Số tiền, Hình thức", the numbered row, a row per payment, "Tổng cộng" with
the exact total, the signature line): the payments the month already holds (820), as paid, and
the N newcomers at the month's standard rate × their coefficient. The list has N + 820 rows, N
of them new to the batch: the usual case, a commune's list for a month, a little larger than N.

Each step then runs alone in a fresh process (``python -m benchmarks.ingest --child STEP``,
results back as JSON), so that its peak resident memory (VmHWM) is its own; the process's RSS
after its imports is its baseline:

1. dry run: ``ingest.load.load_file(path, ..., dry_run=True)`` (the file by its path, as the
   command gives it) — read, check every row, roll back;
2. load: the same, written — read, check, write, log, and the summaries brought up to date in
   whatever way ``load_file`` does it (``Outcome.summaries_seconds``, included in the load);
3. re-load: the same file again (nothing changes, nothing is written);
4. full rebuild: ``data_access.summaries.refresh`` on the loaded database, for comparison, as
   it comes after the load;
5. the same once the planner's statistics are fresh (``ANALYZE`` first, not timed): PostgreSQL's
   autovacuum analyzes the new payments a minute or more after a load, so step 4 there may run
   with the statistics of before the load, step 5 does not.

Seconds are wall-clock (``time.perf_counter``) around the one call. Every step is checked: the
counts of added, changed, removed and unchanged rows, no error, the summaries fresh after it
(``summary_status``), and after the load the batch holds exactly the list's rows. A step that
fails or a check that does not hold ends its case: the table says so, the error follows it, the
other cases still run, and the exit status is 1.

Targets (issue 15): a list of 10.000 rows validated and loaded, summaries included, in ≤ 10 s on
SQLite and on PostgreSQL; 100.000 rows in ≤ 60 s with peak memory that does not grow with the
file. The load is held against the target of ``--rows``; memory by the load's peak above its
baseline, which may exceed the smallest list's of the same engine by ``MEMORY_SLACK_MB`` at most.

SQLite: a temporary copy of the demo (the writer's default journal and synchronous settings).
PostgreSQL: a private server (``devtools.pgserver``: fsync off, so a commit costs less than on a
production server), or databases made and dropped on the server of ``--url`` (an admin URL).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
import xlsxwriter
from sqlalchemy.engine import Connection

from charts.formatting import fmt_decimal, fmt_int
from data_access import schema as s
from data_access.db import parse_url, shown, sqlite_file_url
from data_access.definitions import rate_for, rates_in_effect
from data_access.demo.load import analyze, build_demo, build_demo_file
from data_access.filters import Scope
from data_access.refresh_summaries import full_refresh
from data_access.summaries import summary_status
from devtools.pgserver import create_database, temporary_postgres
from ingest.load import load_file

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ("sqlite", "postgresql")
COMMUNE, COMMUNE_FROM = "06913", date(2025, 7, 1)  # a new commune of the 2025 units
MONTH = date(2026, 11, 1)  # the demo's last month: the batch already holds its payments
TARGETS = ((10_000, 10.0), (100_000, 60.0))  # list rows up to -> seconds for the load
MEMORY_SLACK_MB = 8.0  # "does not grow with the file": peak above baseline, vs the smallest list
STEPS = ("dry-run", "load", "reload", "rebuild", "rebuild-analyzed")
MESSAGE_LINES, MESSAGE_LINE = 30, 400  # how much of a failed child's stderr is shown
EXCEPTION_LINE = re.compile(r"[A-Za-z_][\w.]*(?:Error|Exception|Failure)\b: ")
URL_ENV = "BENCH_INGEST_URL"  # the child's database: kept out of the process list (a password)
HEADER = ("STT", "Họ và tên", "Số CCCD", "Thôn", "Hệ số", "Số tiền", "Hình thức")
METHOD_LABEL = {"bank": "Chuyển khoản", "cash": "Tiền mặt"}
# How the load brought the summaries up to date, as its Outcome says (None: it does not say).
UPDATE = {True: "incremental", False: "full refresh", None: "fresh (how: not said)"}
COLUMNS = (
    "engine",
    "rows in file",
    "new",
    "dry run s",
    "load s",
    "of which summaries s",
    "re-load s",
    "full rebuild s",
    "RSS after imports MB",
    "peak RSS MB",
    "target",
    "met",
)

# Synthetic people: names as a register writes them, and Decree 20 groups with a coefficient
# each can have (only the coefficient is on the list; the group is on the record).
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Lý", "Dương")
MIDDLE = {"M": ("Văn", "Đức", "Hữu", "Minh"), "F": ("Thị", "Thị", "Ngọc", "Thu")}
GIVEN = ("An", "Bình", "Chi", "Dũng", "Hà", "Hải", "Hòa", "Hùng", "Lan", "Mai", "Nam", "Sơn", "Yến")
GROUPS = (("NCT_80", 10), ("KT_NANG", 15), ("KT_NANG", 20), ("KT_DBN", 25), ("NCT_NGHEO", 15))
SYNTHETIC_SERIAL = 500_000  # the last six digits of a synthetic CCCD start here


class Unit(NamedTuple):
    id: int
    code: str
    name: str


class ListRow(NamedTuple):
    """One row of the list: what an office writes for a payment."""

    name: str
    cccd: str
    village: str | None
    coefficient_x10: int
    amount: int
    method: str  # as written: "Chuyển khoản" / "Tiền mặt"


@dataclass(frozen=True)
class Prepared:
    """A case's database and list, ready to be loaded."""

    engine: str
    url: str
    unit: Unit
    month: date
    new: int  # beneficiaries new to the batch
    existing: int  # the batch's payments before the load
    path: Path
    file_mb: float
    setup_seconds: float  # inserts, the refresh after them and the workbook (not timed)

    @property
    def rows_in_file(self) -> int:
        return self.new + self.existing


@dataclass(frozen=True)
class Step:
    """What one step did in its own process (the child's JSON)."""

    step: str
    seconds: float
    baseline_mb: float  # RSS after the imports
    peak_mb: float  # VmHWM at the end of the step
    written: bool = False
    summaries_seconds: float | None = None
    refresh_failed: bool = False
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    errors: int = 0
    warnings: int = 0
    first_errors: tuple[str, ...] = ()
    batch_payments: int | None = None  # the batch's payments after the step
    summaries_fresh: bool | None = None  # after the step (None: no summary tables)
    # Outcome.incremental where load_file says (True: updated in the load's transaction)
    summaries_incremental: bool | None = None
    summary_rows: int | None = None  # the rebuild's

    @property
    def changes(self) -> int:
        return self.added + self.changed + self.removed


@dataclass(frozen=True)
class CaseResult:
    prepared: Prepared
    steps: dict[str, Step]  # the steps run, in order (up to the one that failed)
    failure: str | None = None  # what went wrong: a step's error, or a check that failed

    @property
    def load(self) -> Step | None:
        return None if self.failure else self.steps["load"]

    @property
    def failed_at(self) -> str:
        return next((name for name in STEPS if name not in self.steps), "checks")


# --- set-up: synthetic beneficiaries and their list ---------------------------------------------


def find_unit(conn: Connection, code: str = COMMUNE, valid_from: date = COMMUNE_FROM) -> Unit:
    u = s.admin_unit
    found = conn.execute(
        sa.select(u.c.id, u.c.code, u.c.name).where(u.c.code == code, u.c.valid_from == valid_from)
    ).one()
    return Unit(int(found.id), str(found.code), str(found.name))


def standard_rate(conn: Connection, month: date) -> int:
    """The standard rate (mức chuẩn) in effect in ``month``, as the checks read it."""
    rate = rates_in_effect()
    found = conn.execute(
        sa.select(rate.c.amount_vnd).where(rate_for(rate, sa.literal(month, sa.Date)))
    ).scalar_one()
    return int(found)


def commune_villages(conn: Connection, unit_id: int) -> list[tuple[int, int, str]]:
    """(village id, its unit id, name) of the commune: its own villages and its predecessors'
    (villages stay with the 2023 units; the new commune took them over)."""
    v, succ = s.village, s.admin_unit_succession
    predecessors = sa.select(succ.c.old_unit_id).where(succ.c.new_unit_id == unit_id)
    rows = conn.execute(
        sa.select(v.c.id, v.c.admin_unit_id, v.c.name)
        .where(sa.or_(v.c.admin_unit_id == unit_id, v.c.admin_unit_id.in_(predecessors)))
        .order_by(v.c.id)
    ).all()
    if not rows:
        raise RuntimeError(f"unit {unit_id} has no village")
    return [(int(r.id), int(r.admin_unit_id), str(r.name)) for r in rows]


def synthetic_people(count: int, taken: set[str]) -> Iterator[tuple[str, str, date]]:
    """``count`` (CCCD, sex, birth date), the CCCD unique and not in ``taken``.

    A CCCD as issued: province 022, a digit for the century and sex (0 a man, 1 a woman born in
    the 1900s), the year of birth, six digits. Person i is born in 1930 + (i // 2) % 30 and has
    serial SYNTHETIC_SERIAL + i // 60, so no two are equal.
    """
    made = i = 0
    while made < count:
        sex = "M" if i % 2 == 0 else "F"
        year = 1930 + (i // 2) % 30
        serial = SYNTHETIC_SERIAL + i // 60
        cccd = f"022{0 if sex == 'M' else 1}{year % 100:02d}{serial:06d}"
        born = date(year, 1 + serial % 12, 1 + serial % 28)
        i += 1
        if cccd in taken:
            continue
        made += 1
        yield cccd, sex, born


def synthetic_name(i: int, sex: str) -> str:
    middle = MIDDLE[sex][(i // len(FAMILY)) % len(MIDDLE[sex])]
    return f"{FAMILY[i % len(FAMILY)]} {middle} {GIVEN[(i // 7) % len(GIVEN)]}"


def add_beneficiaries(conn: Connection, unit: Unit, count: int, month: date) -> list[ListRow]:
    """Add ``count`` people of the commune, each an allowance beneficiary in force in ``month``
    (from that month, no end), and return their list rows (rate × coefficient)."""
    p, ben = s.person, s.allowance_beneficiary
    villages = commune_villages(conn, unit.id)
    taken = {
        str(x)
        for x in conn.execute(sa.select(p.c.national_id).where(p.c.national_id.is_not(None)))
        .scalars()
        .all()
    }
    rate = standard_rate(conn, month)
    people: list[dict[str, Any]] = []
    for i, (cccd, sex, born) in enumerate(synthetic_people(count, taken)):
        village_id, village_unit, _ = villages[i % len(villages)]
        people.append(
            {
                "full_name": synthetic_name(i, sex),
                "birth_date": born,
                "sex": sex,
                "ethnicity": "Kinh",
                "household_id": None,
                "admin_unit_id": village_unit,  # people stay with their 2023 unit and village
                "village_id": village_id,
                "national_id": cccd,
                "died_on": None,
            }
        )
    if not people:
        return []
    person_ids = (
        conn.execute(sa.insert(p).returning(p.c.id, sort_by_parameter_order=True), people)
        .scalars()
        .all()
    )
    records: list[dict[str, Any]] = []
    rows: list[ListRow] = []
    for i, (person, person_id) in enumerate(zip(people, person_ids, strict=True)):
        group, coefficient = GROUPS[i % len(GROUPS)]
        method = "bank" if i % 5 < 3 else "cash"
        records.append(
            {
                "person_id": int(person_id),
                "admin_unit_id": unit.id,
                "group_code": group,
                "coefficient_x10": coefficient,
                "start_month": month,
                "end_month": None,
                "payment_method": method,
                "bank_account": f"9{i:012d}" if method == "bank" else None,
                "bank_name": "Agribank" if method == "bank" else None,
            }
        )
        village = villages[i % len(villages)][2]
        rows.append(
            ListRow(
                person["full_name"],
                person["national_id"],
                village,
                coefficient,
                rate * coefficient // 10,
                METHOD_LABEL[method],
            )
        )
    conn.execute(sa.insert(ben), records)
    return rows


def batch_rows(conn: Connection, unit_id: int, month: date) -> list[ListRow]:
    """The batch's payments as list rows, as they were paid, in the order of the beneficiaries."""
    pay, ben, p, v = s.allowance_payment, s.allowance_beneficiary, s.person, s.village
    stmt = (
        sa.select(
            p.c.full_name,
            p.c.national_id,
            v.c.name,
            ben.c.coefficient_x10,
            pay.c.amount_vnd,
            pay.c.method,
        )
        .join(ben, ben.c.id == pay.c.beneficiary_id)
        .join(p, p.c.id == ben.c.person_id)
        .join(v, v.c.id == p.c.village_id, isouter=True)
        .where(pay.c.admin_unit_id == unit_id, pay.c.month == month)
        .order_by(pay.c.beneficiary_id, pay.c.id)
    )
    return [
        ListRow(
            str(r[0]),
            str(r[1]),
            None if r[2] is None else str(r[2]),
            int(r[3]),
            int(r[4]),
            METHOD_LABEL[str(r[5])],
        )
        for r in conn.execute(stmt)
    ]


def batch_payments(conn: Connection, unit_id: int, month: date) -> int:
    pay = s.allowance_payment
    stmt = sa.select(sa.func.count()).where(pay.c.admin_unit_id == unit_id, pay.c.month == month)
    return int(conn.execute(stmt).scalar_one())


def write_list(path: Path, unit: Unit, month: date, rows: Sequence[ListRow]) -> None:
    """The list as a commune office lays it out, saved as Excel saves it: its texts in the
    file's shared strings (XlsxWriter; openpyxl writes each text in its cell)."""
    # Names come from the database too (the batch's payments): text stays text, never a formula.
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    sheet = book.add_worksheet("Danh sách")
    blank = [None] * (len(HEADER) - 3)
    lines: list[Sequence[object]] = [
        [f"UBND {unit.name.upper()}", None, None, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"],
        [None, None, None, "Độc lập - Tự do - Hạnh phúc"],
        [],
        [f"DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG - THÁNG {month.month} NĂM {month.year}"],
        [None, None, None, None, None, "Đơn vị tính: đồng"],
        list(HEADER),
        [f"({n})" for n in range(1, len(HEADER) + 1)],
    ]
    for number, row in enumerate(rows, start=1):
        lines.append(
            [
                number,
                row.name,
                row.cccd,
                row.village,
                row.coefficient_x10 / 10,
                row.amount,
                row.method,
            ]
        )
    lines.append([None, "Tổng cộng", None, None, None, sum(r.amount for r in rows), None])
    lines.append([])
    lines.append([None, "Người lập biểu", *blank, "TM. ỦY BAN NHÂN DÂN"])
    for index, line in enumerate(lines):
        for column, value in enumerate(line):
            if value is not None:
                sheet.write(index, column, value)
    book.close()


def prepare(engine_name: str, url: str, count: int, workdir: Path) -> Prepared:
    """Add ``count`` beneficiaries to the commune, refresh the summaries, write the list."""
    started = time.perf_counter()
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            unit = find_unit(conn)
            existing = batch_rows(conn, unit.id, MONTH)
            new = add_beneficiaries(conn, unit, count, MONTH)
        # The beneficiaries were registered long before the list comes: the planner knows them
        # (as the demo builder leaves it). The load's own payments are not analyzed here.
        analyze(engine)
        full_refresh(
            engine
        )  # fresh summaries before the load, as an operator's refresh leaves them
    finally:
        engine.dispose()
    path = workdir / f"chi-tra-{unit.code}-{MONTH:%Y-%m}-{engine_name}-{count}.xlsx"
    write_list(path, unit, MONTH, existing + new)
    return Prepared(
        engine=engine_name,
        url=url,
        unit=unit,
        month=MONTH,
        new=len(new),
        existing=len(existing),
        path=path,
        file_mb=path.stat().st_size / 1024 / 1024,
        setup_seconds=time.perf_counter() - started,
    )


# --- the timed steps, each in a child process ----------------------------------------------------


def memory_mb(field: str) -> float:
    """This process's VmRSS or VmHWM in MB (ru_maxrss where /proc is not there)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == field:
                return int(value.split()[0]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(step: str, url: str, path: Path, commune: str, month: date) -> dict[str, Any]:
    """Run one step and say what it did (the JSON a child prints)."""
    baseline = memory_mb("VmRSS")
    engine = sa.create_engine(url)
    try:
        if step.startswith("rebuild"):
            if step == "rebuild-analyzed":
                analyze(engine)  # fresh planner statistics, untimed
            started = time.perf_counter()
            result = full_refresh(engine)
            seconds = time.perf_counter() - started
            return asdict(
                Step(step, seconds, baseline, memory_mb("VmHWM"), summary_rows=result.rows)
            )
        started = time.perf_counter()
        outcome = load_file(
            engine,
            path,  # as the command line gives it: read from the disk, not held whole
            file_name=path.name,
            commune=commune,
            month=month,
            scope=Scope.everything(),
            user="benchmark",
            dry_run=step == "dry-run",
        )
        seconds = time.perf_counter() - started
        peak = memory_mb("VmHWM")
        plan = outcome.plan
        errors = [p for p in plan.problems if p.severity == "error"]
        count = fresh = None
        with engine.connect() as conn:
            if plan.batch is not None:
                count = batch_payments(conn, plan.batch.unit_id, month)
            status = summary_status(conn)
            fresh = None if status is None else status.fresh
        return asdict(
            Step(
                step,
                seconds,
                baseline,
                peak,
                written=outcome.written,
                summaries_seconds=outcome.summaries_seconds,
                refresh_failed=outcome.refresh_failed,
                added=len(plan.added),
                changed=len(plan.changed),
                removed=len(plan.removed),
                unchanged=plan.unchanged,
                errors=len(errors),
                warnings=len(plan.problems) - len(errors),
                first_errors=tuple(f"row {p.row}, {p.column}: {p.en}" for p in errors[:5]),
                batch_payments=count,
                summaries_fresh=fresh,
                summaries_incremental=getattr(outcome, "incremental", None),
            )
        )
    finally:
        engine.dispose()


def run_step(step: str, prepared: Prepared) -> Step:
    """Run ``step`` in a fresh ``python -m benchmarks.ingest --child`` process."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.ingest",
        "--child",
        step,
        "--file",
        str(prepared.path),
        "--commune",
        prepared.unit.code,
        "--month",
        f"{prepared.month:%Y-%m}",
    ]
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=os.environ | {URL_ENV: prepared.url},
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        # The traceback's last lines, each cut short: an error's SQL and its parameters can run
        # to megabytes (a statement with a parameter per row).
        tail = [line[:MESSAGE_LINE] for line in done.stderr.splitlines()[-MESSAGE_LINES:]]
        raise RuntimeError(
            f"step {step} ({prepared.engine}, {prepared.new} new rows) failed with exit code "
            f"{done.returncode}:\n" + "\n".join(tail)
        )
    found = json.loads(lines[-1])
    found["first_errors"] = tuple(found["first_errors"])
    return Step(**found)


def expect(condition: bool, what: str, prepared: Prepared, step: Step) -> None:
    """Stop the run, loudly, when a step did not do what it should."""
    if not condition:
        raise AssertionError(
            f"{prepared.engine}, {fmt_int(prepared.new)} new rows, {step.step}: {what} "
            f"({step}); errors: {'; '.join(step.first_errors) or 'none'}"
        )


def check(prepared: Prepared, steps: dict[str, Step]) -> None:
    """Each step did what it should; after the load the batch holds exactly the list's rows."""
    rows, new, old = prepared.rows_in_file, prepared.new, prepared.existing
    for name in ("dry-run", "load", "reload"):
        step = steps[name]
        expect(step.errors == 0, "the list has errors", prepared, step)
    dry, load, again = steps["dry-run"], steps["load"], steps["reload"]
    expect(not dry.written, "a dry run wrote", prepared, dry)
    expect(
        (dry.added, dry.changed, dry.removed, dry.unchanged) == (new, 0, 0, old),
        f"the dry run should add {new} and keep {old}",
        prepared,
        dry,
    )
    expect(dry.batch_payments == old, "the dry run changed the batch", prepared, dry)
    expect(load.written and not load.refresh_failed, "the load did not write", prepared, load)
    expect(
        (load.added, load.changed, load.removed, load.unchanged) == (new, 0, 0, old),
        f"the load should add {new} and keep {old}",
        prepared,
        load,
    )
    expect(
        load.batch_payments == rows,
        f"the batch holds {load.batch_payments} payments, the list {rows} rows",
        prepared,
        load,
    )
    expect(not again.written and again.changes == 0, "the re-load changed", prepared, again)
    expect(again.unchanged == rows, f"the re-load should keep {rows}", prepared, again)
    expect(again.batch_payments == rows, "the re-load changed the batch", prepared, again)
    for step in (dry, load, again):  # fresh before the load (set-up): never stale after a step
        expect(step.summaries_fresh is True, "the summaries are not fresh", prepared, step)
    for name in ("rebuild", "rebuild-analyzed"):
        rebuilt = steps[name]
        expect((rebuilt.summary_rows or 0) > 0, "the rebuild wrote no row", prepared, rebuilt)


def run_case(engine_name: str, url: str, count: int, workdir: Path) -> CaseResult:
    """Prepare the case on the database at ``url``, run its steps in turn, check them. A step
    that fails, or a check, ends the case: its result says why (and stderr at once)."""
    prepared = prepare(engine_name, url, count, workdir)
    steps: dict[str, Step] = {}
    try:
        for step in STEPS:
            steps[step] = run_step(step, prepared)
            seconds = fmt_decimal(steps[step].seconds, 2)
            print(f"  {engine_name} {fmt_int(count)}: {step} {seconds} s", file=sys.stderr)
        check(prepared, steps)
    except (RuntimeError, AssertionError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr, flush=True)
        return CaseResult(prepared, steps, failure=str(exc))
    return CaseResult(prepared, steps)


def short(failure: str) -> str:
    """A failure in one line: the exception the child raised, else the message's first line."""
    lines = failure.splitlines()
    raised = [line for line in lines if EXCEPTION_LINE.match(line)]
    return (raised[-1] if raised else lines[0])[:MESSAGE_LINE]


# --- databases ---------------------------------------------------------------------------------


def sqlite_copy(template: Path, path: Path) -> str:
    """A writable copy of the demo file ``template`` at ``path``: its URL."""
    shutil.copyfile(template, path)
    return sqlite_file_url(path, read_only=False).render_as_string(hide_password=False)


@contextlib.contextmanager
def postgres_demo(admin_url: str, name: str) -> Iterator[str]:
    """The demo built into a new database ``name`` on the server of ``admin_url``; dropped
    afterwards."""
    url = create_database(admin_url, name)
    engine = sa.create_engine(url)
    try:
        build_demo(engine)
    finally:
        engine.dispose()
    try:
        yield url
    finally:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                quoted = conn.dialect.identifier_preparer.quote(name)
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quoted}")
        finally:
            admin.dispose()


def sqlite_template(workdir: Path, given: Path | None) -> Path:
    """The demo file the SQLite cases copy: ``given``, or one built here."""
    if given is not None:
        return given
    path = workdir / "demo.sqlite"
    build_demo_file(path)
    return path


# --- the report ---------------------------------------------------------------------------------


def target_seconds(rows: int) -> float | None:
    return next((seconds for limit, seconds in TARGETS if rows <= limit), None)


def _s(seconds: float | None) -> str:
    return "–" if seconds is None else fmt_decimal(seconds, 2)


def _mb(value: float) -> str:
    return fmt_decimal(value, 0)


def above_baseline(step: Step) -> float:
    return step.peak_mb - step.baseline_mb


def verdicts(results: Sequence[CaseResult]) -> list[tuple[str, str]]:
    """(target, met) of each case: the load's time, and memory against the smallest list of
    the same engine that ran."""
    out = []
    for result in results:
        prepared, load = result.prepared, result.load
        limit = target_seconds(prepared.new)
        same = [r for r in results if r.prepared.engine == prepared.engine and r.load]
        smallest = min(same, key=lambda r: r.prepared.new, default=result)
        judged = smallest is not result
        target = "–" if limit is None else f"≤ {fmt_int(limit)} s"
        if judged:
            target += ", flat RSS"
        if load is None or smallest.load is None:
            out.append((target, f"FAILED at {result.failed_at} (below)"))
            continue
        growth = above_baseline(load) - above_baseline(smallest.load)
        missed = []
        if limit is not None and load.seconds > limit:
            missed.append("time")
        if judged and growth > MEMORY_SLACK_MB:
            missed.append(f"RSS +{_mb(growth)} MB vs {fmt_int(smallest.prepared.new)}")
        met = ("no: " + ", ".join(missed)) if missed else ("yes" if limit or judged else "–")
        out.append((target, met))
    return out


def _cell(steps: dict[str, Step], name: str, what: str) -> str:
    """A step's seconds (``what`` "seconds" or "summaries_seconds") or peak MB ("peak_mb",
    "baseline_mb"); "–" for a step that did not run."""
    step = steps.get(name)
    if step is None:
        return "–"
    value = getattr(step, what)
    return _mb(value) if what.endswith("_mb") else _s(value)


def markdown(results: Sequence[CaseResult]) -> str:
    """The results table, then each step's peak memory and the set-up, then any failure."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for result, (target, met) in zip(results, verdicts(results), strict=True):
        p, steps = result.prepared, result.steps
        cells = [
            p.engine,
            fmt_int(p.rows_in_file),
            fmt_int(p.new),
            _cell(steps, "dry-run", "seconds"),
            _cell(steps, "load", "seconds"),
            _cell(steps, "load", "summaries_seconds"),
            _cell(steps, "reload", "seconds"),
            _cell(steps, "rebuild", "seconds"),
            _cell(steps, "load", "baseline_mb"),
            _cell(steps, "load", "peak_mb"),
            target,
            met,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Peak RSS (VmHWM) of each step's own process, MB (dry run … rebuild after ANALYZE); the "
        "full rebuild's seconds once the planner's statistics are fresh; the list; the set-up "
        "(not timed):",
        "",
        "| engine | rows in file | dry run | load | re-load | full rebuild | rebuild after "
        "ANALYZE | full rebuild after ANALYZE s | file MB | warnings | summaries after the load "
        "| set-up s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        p, steps = result.prepared, result.steps
        load = steps.get("load")
        cells = [
            p.engine,
            fmt_int(p.rows_in_file),
            *(_cell(steps, name, "peak_mb") for name in STEPS),
            _cell(steps, "rebuild-analyzed", "seconds"),
            fmt_decimal(p.file_mb, 1),
            "–" if load is None else fmt_int(load.warnings),
            "–" if load is None else UPDATE[load.summaries_incremental],
            _s(p.setup_seconds),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    failed = [r for r in results if r.failure]
    if failed:
        lines += ["", "Failures:", ""]
        lines += [
            f"- {r.prepared.engine}, {fmt_int(r.prepared.new)} new rows, at {r.failed_at}: "
            f"{short(r.failure or '')}"
            for r in failed
        ]
    return "\n".join(lines)


def context_lines(engines: Sequence[str], admin_url: str | None) -> list[str]:
    """What the figures depend on: the machine, the versions, the server's settings."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    lines = [
        f"benchmarks.ingest · {datetime.now():%Y-%m-%d %H:%M} · commit {_commit()} · "
        f"{os.cpu_count()} CPUs · load average {load[0]:.1f} · Python {platform.python_version()}"
        f" · SQLAlchemy {sa.__version__} · XlsxWriter {xlsxwriter.__version__}",
        f"Commune {COMMUNE} (from {COMMUNE_FROM:%d/%m/%Y}), list of {MONTH:%m/%Y}; each step in "
        "its own process; seconds are wall-clock around the one call.",
    ]
    if "sqlite" in engines:
        lines.append(f"SQLite {sqlite3.sqlite_version} (a temporary file, default journal).")
    if "postgresql" in engines and admin_url:
        engine = sa.create_engine(admin_url)
        try:
            with engine.connect() as conn:
                settings = conn.execute(
                    sa.text(
                        "SELECT name, current_setting(name) FROM pg_settings "
                        "WHERE name IN :names ORDER BY name"
                    ).bindparams(sa.bindparam("names", expanding=True)),
                    {"names": ["server_version", "shared_buffers", "fsync", "synchronous_commit"]},
                ).all()
        finally:
            engine.dispose()
        lines.append(
            f"PostgreSQL at {shown(admin_url)}: "
            + ", ".join(f"{name}={value}" for name, value in settings)
        )
    return lines


def _commit() -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if done.returncode == 0:
            return done.stdout.strip() + (" (modified)" if dirty.stdout.strip() else "")
    return "unknown"


# --- command line -------------------------------------------------------------------------------


def _month(text: str) -> date:
    try:
        year, month = (int(x) for x in text.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"a month is YYYY-MM, not {text!r}") from exc


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ingest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[10_000, 100_000], help="new rows per list"
    )
    parser.add_argument("--engine", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--url", help="a PostgreSQL admin URL (default: a private server)")
    parser.add_argument("--demo", type=Path, help="a built demo SQLite file to copy")
    parser.add_argument("--out", type=Path, help="write the Markdown report here too")
    # A child process: one step on the database of $BENCH_INGEST_URL.
    parser.add_argument("--child", choices=STEPS, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--commune", default=COMMUNE, help=argparse.SUPPRESS)
    parser.add_argument("--month", type=_month, default=MONTH, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.rows):
        parser.error("--rows must be positive")
    return args


def run(args: argparse.Namespace) -> tuple[str, bool]:
    """Every case of ``args``: the report, and whether every case ran and passed its checks."""
    results: list[CaseResult] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        admin_url = None
        if "postgresql" in args.engine:
            admin_url = (
                parse_url(args.url).render_as_string(hide_password=False)
                if args.url
                else stack.enter_context(temporary_postgres())
            )
        for engine_name in args.engine:
            template = sqlite_template(workdir, args.demo) if engine_name == "sqlite" else None
            for count in args.rows:
                print(f"{engine_name}, {fmt_int(count)} new rows: set-up", file=sys.stderr)
                if template is not None:
                    copy = workdir / f"case-{count}.sqlite"
                    url = sqlite_copy(template, copy)
                    results.append(run_case(engine_name, url, count, workdir))
                    copy.unlink()
                else:
                    assert admin_url is not None
                    name = f"bench_ingest_{os.getpid()}_{count}"
                    with postgres_demo(admin_url, name) as url:
                        results.append(run_case(engine_name, url, count, workdir))
        report = "\n".join([*context_lines(args.engine, admin_url), "", markdown(results)])
    return report, all(r.failure is None for r in results)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        url = os.environ.get(URL_ENV)
        if not url or args.file is None:
            print(f"--child needs --file and ${URL_ENV}", file=sys.stderr)
            return 2
        print(json.dumps(child(args.child, url, args.file, args.commune, args.month)))
        return 0
    report, passed = run(args)
    print(report)
    if args.out:
        args.out.write_text(report + "\n", encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
