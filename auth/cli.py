"""Manage dashboard users from the command line.

    python -m auth.cli add USER --role province|district|commune|viewer|clerk [--name NAME]
        [--commune CODE [--version 2023|2025]] [--province CODE] [--email ADDRESS]
    python -m auth.cli email USER ADDRESS  # where the quarterly briefing goes ("-": nowhere)
    python -m auth.cli reset USER          # new password, clears failed attempts
    python -m auth.cli disable USER | enable USER
    python -m auth.cli role USER --role ROLE [--commune CODE [--version V]] [--province CODE]
    python -m auth.cli unlock USER         # lift a sign-in lock now (or: unlock --client IP)
    python -m auth.cli list                # with each user's lock, if one is in force

reset, disable and role also end the user's open sessions: every tablet they are signed in on
shows the sign-in form at its next tap, and their session cookies stop working.

A commune head's --commune is a GSO code of the units of --version: "2023" (the default: the
units before 1/7/2025) or "2025" (the communes since). Codes are reused after the merger:
``--commune 06913 --version 2025`` is the new Xã Quảng Tân with its four predecessors' history,
``--commune 06913`` the old one. A province role names its province: ``--province 22``. A
data clerk (``--role clerk``) loads the lists of the commune given by ``--commune`` (with its
``--version``), or of every commune when none is given.

Passwords are read from the terminal (never from the command line, where shell history and
process lists would keep them), or from standard input with ``--password-stdin`` for scripts.
The store is ``WELFARE_USERS_URL`` or data/users.sqlite.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence

from data_access.filters import VERSION_DATES

from .store import ROLES, UserStore, UserStoreError, users_url


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu / Password: ")
    if getpass.getpass("Nhập lại / Repeat: ") != first:
        raise UserStoreError("the two passwords differ")
    return first


def operator() -> str:
    """Who runs a command, as the audit trail names them: "cli:" and the system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name and no passwd entry (some containers)
        return "cli"


def _unit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--commune", help="GSO code of the commune (commune heads; a data clerk of one commune)"
    )
    parser.add_argument(
        "--version",
        choices=list(VERSION_DATES),
        help="unit version of --commune: 2023 (default, before 1/7/2025) or 2025",
    )
    parser.add_argument("--province", help="GSO code of the province (province role)")


def _units_of(user: dict[str, object]) -> str:
    """Which units the account's code names, for ``list``: "đơn vị 2023", "tỉnh", "-"."""
    if user["commune_code"]:
        return f"đơn vị {user['unit_version'] or '2023'}"
    if user["province_code"]:
        return "tỉnh"
    return "-"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one user-management command; exit status 0 on success, 2 on a refused request."""
    parser = argparse.ArgumentParser(
        prog="python -m auth.cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    _unit_arguments(add)
    add.add_argument("--name", default="", help="display name")
    add.add_argument("--email", help="where the quarterly briefing is sent (reports.send)")
    add.add_argument("--password-stdin", action="store_true")
    reset = sub.add_parser("reset", help="set a new password")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    for name in ("disable", "enable"):
        sub.add_parser(name, help=f"{name} a user").add_argument("username")
    role = sub.add_parser("role", help="change a user's role")
    role.add_argument("username")
    role.add_argument("--role", required=True, choices=ROLES)
    _unit_arguments(role)
    mail = sub.add_parser("email", help="set (or, with '-', clear) where briefings are sent")
    mail.add_argument("username")
    mail.add_argument("address")
    unlock = sub.add_parser("unlock", help="lift a user's (or a client's) sign-in lock")
    unlock.add_argument("username", nargs="?")
    unlock.add_argument("--client", help="IP address of a client that is throttled")
    sub.add_parser("list", help="list users")
    args = parser.parse_args(argv)

    store = UserStore()
    actor = operator()  # who ran the command, in the audit trail
    try:
        if args.command == "add":
            store.add(
                args.username,
                _password(args),
                args.role,
                args.name,
                args.commune,
                args.version,
                args.province,
                actor=actor,
                email=args.email,
            )
        elif args.command == "email":
            address = None if args.address == "-" else args.address
            store.set_email(args.username.strip().lower(), address, actor=actor)
        elif args.command == "reset":
            store.set_password(args.username.strip().lower(), _password(args), actor=actor)
        elif args.command in ("disable", "enable"):
            store.set_disabled(
                args.username.strip().lower(), args.command == "disable", actor=actor
            )
        elif args.command == "role":
            store.set_role(
                args.username.strip().lower(),
                args.role,
                args.commune,
                args.version,
                args.province,
                actor=actor,
            )
        elif args.command == "unlock":
            cleared = store.unlock(args.username, args.client, actor=actor)
            who = args.username or f"client {args.client}"
            print(f"ok: unlock {who} ({'lock lifted' if cleared else 'was not locked'})")
            return 0
        else:
            locks = store.locked_until()
            for user in store.list_users():
                state = "disabled" if user["disabled"] else "active"
                until = locks.get(str(user["username"]))
                lock = f"locked until {until:%Y-%m-%d %H:%M} UTC" if until else "-"
                unit = user["commune_code"] or user["province_code"] or "-"
                print(
                    f"{user['username']:<20} {user['role']:<9} "
                    f"{unit:<6} {state:<8} {lock:<33} "
                    f"{_units_of(user):<18} {user['display_name']}"
                )
            return 0
    except UserStoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"ok: {args.command} {args.username} ({users_url().split('://')[0]} store)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
