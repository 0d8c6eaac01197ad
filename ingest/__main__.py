"""The import's commands: load a commune's list, or write the template an office fills in.

``python -m ingest load FILE --commune CODE --month YYYY-MM [--dry-run]``: load a commune's
monthly allowance payment list into the welfare database (``ingest.load``).

Writes through ``--url`` or ``WELFARE_WRITER_URL`` (the writer role; the dashboard's own
connection only reads). Prints the problems found (sheet row, column, value, message) and what
was (or, with ``--dry-run``, would be) added, changed and removed. Exit status: 0 loaded or
nothing to change, 1 the file has errors (nothing written), 2 bad arguments, 3 the batch is
being loaded by another session, or the database needs its schema brought up to date.

``python -m ingest template KIND [-o FILE] [--commune NAME] [--month YYYY-MM]``: write the
Excel template of a kind of list (``ingest.template``; today only ``payments``) to FILE
(default ``mau-chi-tra.xlsx``, with the month when one is given), the committee's name and the
month filled in when given, and print where. Needs no database. Exit status: 0 written, 2 an
unknown kind or a file that cannot be written.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from auth.audit import AuditWriteError
from auth.cli import operator
from auth.store import UserStore, users_url
from charts.formatting import fmt_decimal, fmt_int
from data_access.filters import Scope

from .connection import WRITER_ENV
from .load import KINDS as LOAD_KINDS
from .load import BatchBusyError, Outcome, SchemaOutOfDateError, import_entry, load_file
from .problems import problem_table
from .template import KINDS, UnknownKindError, default_file_name, template


def _month(text: str) -> date:
    try:
        year, month = (int(x) for x in text.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"tháng phải viết YYYY-MM, không phải «{text}»") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="nạp một danh sách chi trả (Excel)")
    load.add_argument("file", type=Path)
    load.add_argument("--kind", default="payments", choices=sorted(LOAD_KINDS))
    load.add_argument("--commune", required=True, help="mã hoặc tên xã, thị trấn")
    load.add_argument("--month", required=True, type=_month, help="tháng chi trả, YYYY-MM")
    load.add_argument("--sheet", help="tên trang tính (mặc định: trang đầu)")
    load.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi")
    load.add_argument("--user", default=getpass.getuser(), help="người nạp (ghi vào nhật ký)")
    load.add_argument("--url", default=os.environ.get(WRITER_ENV), help=f"mặc định ${WRITER_ENV}")
    template_cmd = commands.add_parser("template", help="ghi tệp Excel mẫu của một loại danh sách")
    template_cmd.add_argument("kind", metavar="KIND", help=f"loại danh sách: {', '.join(KINDS)}")
    template_cmd.add_argument(
        "-o", "--output", type=Path, help="tệp ghi ra (mặc định theo loại, ví dụ mau-chi-tra.xlsx)"
    )
    template_cmd.add_argument("--commune", help="tên xã, phường ghi trên mẫu (mặc định: để trống)")
    template_cmd.add_argument("--month", type=_month, help="tháng của danh sách, YYYY-MM")
    args = parser.parse_args(argv)
    if args.command == "template":
        return _write_template(template_cmd, args)
    if not args.url:
        parser.error(f"cần --url hoặc biến môi trường {WRITER_ENV} (kết nối có quyền ghi)")
    # A file is read from the disk as it is unpacked, not held whole (a long list); a pipe
    # (`<(…)`, /dev/stdin) can be opened once only: read into memory now.
    source: bytes | Path = args.file
    try:
        if args.file.is_file():
            with args.file.open("rb"):
                pass
        else:
            source = args.file.read_bytes()
    except OSError as exc:
        parser.error(f"không đọc được tệp {args.file}: {exc.strerror}")
    writer = sa.create_engine(args.url)
    try:
        outcome = load_file(
            writer,
            source,
            file_name=args.file.name,
            commune=args.commune,
            month=args.month,
            scope=Scope.everything(),
            user=args.user,
            kind=args.kind,
            sheet=args.sheet,
            dry_run=args.dry_run,
        )
    except (BatchBusyError, SchemaOutOfDateError) as exc:
        print(exc, file=sys.stderr)
        return 3
    finally:
        writer.dispose()
    plan = outcome.plan
    if plan.problems:
        print(problem_table(plan.problems).to_string(index=False, na_rep=""))
    where = f"{plan.batch.name}, tháng {args.month:%m/%Y}" if plan.batch else args.commune
    counts = (
        f"thêm {fmt_int(len(plan.added))}, sửa {fmt_int(len(plan.changed))}, "
        f"xóa {fmt_int(len(plan.removed))}, giữ nguyên {fmt_int(plan.unchanged)}"
    )
    if plan.blocked:
        print(f"{where}: tệp có lỗi, không ghi gì.")
        return 1
    if outcome.written:
        _record_import(outcome, args)
    if outcome.dry_run:
        print(f"{where}: chạy thử, không ghi gì; nếu nạp sẽ {counts}.")
    elif outcome.refresh_failed:
        print(
            f"{where}: đã nạp ({counts}); chưa cập nhật được bảng tổng hợp (trang vẫn đọc số "
            "liệu gốc): chạy python -m data_access.refresh_summaries."
        )
    elif outcome.written:
        seconds = fmt_decimal(outcome.summaries_seconds or 0, 1)
        how = "phần danh sách thay đổi" if outcome.incremental else "dựng lại toàn bộ"
        print(f"{where}: đã nạp ({counts}); bảng tổng hợp cập nhật ({how}) trong {seconds} giây.")
    else:
        print(f"{where}: không có gì thay đổi ({counts}).")
    return 0


def _record_import(outcome: Outcome, args: argparse.Namespace) -> None:
    """Write the load to the audit trail of the application's database (``auth.audit``); a
    failure is said, not hidden (the list is loaded: its own import log has it)."""
    options = {"file_name": args.file.name, "commune": args.commune, "month": args.month}
    # who ran the command (the system user), as for account changes; --user, the uploader the
    # import log names, goes in the entry's detail
    entry = import_entry(
        outcome, None, user=args.user, kind=args.kind, sheet=args.sheet, actor=operator(), **options
    )
    try:
        UserStore().audit.record(entry)
    except (AuditWriteError, sa.exc.DBAPIError) as exc:
        print(
            f"cảnh báo: không ghi được nhật ký truy cập ({users_url().split('://')[0]}): {exc}",
            file=sys.stderr,
        )


def _write_template(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        data = template(args.kind, unit_name=args.commune, month=args.month)
        path = args.output or Path(default_file_name(args.kind, args.month))
    except UnknownKindError as exc:
        parser.error(str(exc))
    try:
        path.write_bytes(data)
    except OSError as exc:
        parser.error(f"không ghi được tệp {path}: {exc.strerror}")
    label = KINDS[args.kind].label
    print(f"Đã ghi mẫu {label} vào {path.resolve()} (trang «Hướng dẫn» giải thích từng cột).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
