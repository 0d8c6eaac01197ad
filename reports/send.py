"""The quarterly briefing by e-mail (issue 17 §2), for each recipient's own scope.

    python -m reports.send --to USER [USER ...] | --to all  [--quarter latest|2023-Q3]
                           [--public] [--dry-run] [--attempts 3] [--retry-delay 30]

For each account named (``all``: every account with an e-mail address), the Word report and the
Excel annex of the quarter are built as that account may see them (``User.scope``: a commune
head receives only their commune's, in their unit version), with a short Vietnamese e-mail body
that lists what needs attention, and sent over SMTP with STARTTLS. ``latest`` is the latest
complete quarter the account's units can show. A disabled account, an account without an e-mail
address and a name with no account receive nothing (each said). Every message is built before
the first is sent: a briefing that cannot be built stops the run with nothing sent. A message
goes whole (both attachments) or not at all; a refused or broken send is retried
(``--attempts``, waiting ``--retry-delay`` seconds, doubling), then reported. Exit status 0 all
sent, 1 some not sent, 2 nothing sent (bad arguments, SMTP settings or a briefing that failed).

SMTP settings, from the environment or ``[smtp]`` in ``.streamlit/secrets.toml``: ``host``,
``port`` (587), ``user``, ``password``, ``sender`` (the From address), ``cafile`` (a private
CA's certificate, if the server's is not publicly trusted), ``starttls`` (default on; without it
no password is sent). Environment names: ``WELFARE_SMTP_HOST``, ``WELFARE_SMTP_PORT``, … .

Each message sent is recorded in the audit trail (``auth.audit``, event "send").
"""

from __future__ import annotations

import argparse
import os
import smtplib
import ssl
import sys
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from auth import audit
from auth.cli import operator
from auth.store import Recipient, UserStoreError, open_existing, users_url
from charts.formatting import fmt_date
from data_access.db import SECRETS_PATH, configured_url, make_engine
from data_access.definitions import data_as_of, first_month
from data_access.demo.engine import demo_engine
from data_access.errors import WelfareDataError
from data_access.filters import Filters, Scope, version_in_force, within_version

from .briefing import build_briefing
from .briefing.model import Briefing
from .briefing.periods import ReportPeriod, report_periods
from .docx_report import build_docx
from .xlsx_annex import build_xlsx

DOCX_MIME = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX_MIME = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
SETTINGS = ("host", "port", "user", "password", "sender", "cafile", "starttls")
TIMEOUT_S = 60
# Python 3.11 folds a long non-ASCII header into encoded words with the space between two words
# left outside them, where RFC 2047 decoders drop it ("Quảng Tân— Xã"). Headers are kept on one
# line instead (up to RFC 5322's 998 characters; a subject is ~200 once encoded).
HEADERS_UNFOLDED = email_policy.SMTP.clone(max_line_length=998)


class SendError(Exception):
    """Nothing can be sent (the message says why)."""


@dataclass(frozen=True)
class Smtp:
    """Where and how to send."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    cafile: str | None = None
    starttls: bool = True


def smtp_settings(secrets_path: Path = SECRETS_PATH) -> Smtp:
    """The SMTP settings: the environment first, then ``[smtp]`` in secrets.toml."""
    found: dict[str, str] = {}
    if secrets_path.is_file():
        try:
            section = tomllib.loads(secrets_path.read_text(encoding="utf-8")).get("smtp", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SendError(f"{secrets_path}: {exc}") from exc
        found.update({k: str(v) for k, v in section.items() if k in SETTINGS})
    for key in SETTINGS:
        value = os.environ.get(f"WELFARE_SMTP_{key.upper()}", "").strip()
        if value:
            found[key] = value
    if not found.get("host") or not found.get("sender"):
        raise SendError("SMTP is not configured: set WELFARE_SMTP_HOST and WELFARE_SMTP_SENDER")
    try:
        port = int(found.get("port", "587"))
    except ValueError as exc:
        raise SendError(f"SMTP port must be a number, not {found['port']!r}") from exc
    starttls = found.get("starttls", "1").lower() not in ("0", "false", "no", "off")
    if found.get("password") and not starttls:
        raise SendError("an SMTP password is never sent without STARTTLS")
    return Smtp(
        found["host"],
        port,
        found["sender"],
        found.get("user"),
        found.get("password"),
        found.get("cafile"),
        starttls,
    )


@dataclass(frozen=True)
class Letter:
    """One recipient's message, built and ready to send."""

    username: str
    email: str
    message: EmailMessage
    attachments: tuple[str, ...]


def _version(scope: Scope, quarter: ReportPeriod) -> str:
    """The units a recipient's briefing is in: their commune's version, else those in force at
    the quarter's end."""
    return scope.version if scope.communes else version_in_force(quarter.nominal.end_date)


def run_quarter(asked: str, first: date, as_of: date, today: date) -> ReportPeriod:
    """The one quarter this run reports on, for every recipient.

    ``latest``: the calendar quarter that ended last before ``today`` (on the 5th of January,
    the fourth quarter), which the data must cover to its last day; ``YYYY-Qn``: that quarter,
    which must have data.

    :raises SendError: the data do not cover it (nothing is sent: an older quarter is never
        sent in its place).
    """
    quarters = [p for p in report_periods(first, max(today, as_of)) if p.kind == "quarter"]
    if asked == "latest":
        ended = [p for p in quarters if p.nominal.end_date < today]
        if not ended:
            raise SendError("no quarter has ended yet")
        chosen = ReportPeriod("quarter", ended[0].nominal, as_of)
        if chosen.partial:
            raise SendError(
                f"the data end on {fmt_date(as_of)}: {chosen.label('vi')} is not covered yet"
            )
        return chosen
    for period in quarters:
        if period.key == asked:
            chosen = ReportPeriod("quarter", period.nominal, as_of)
            if chosen.nominal.start > as_of:
                raise SendError(f"--quarter {asked}: no data yet (the data end on {as_of})")
            return chosen
    raise SendError(f"--quarter {asked}: not a quarter with data (YYYY-Qn, e.g. 2023-Q3)")


def attention(briefing: Briefing) -> list[str]:
    """The e-mail's list of what needs attention: each lagging indicator and its communes."""
    lines = []
    own = briefing.issuer is not None
    for section in briefing.sections:
        for lag in section.lags:
            communes = "; ".join(
                detail if own else f"{name}: {detail}" for name, detail in lag.communes
            )
            lines.append(f"- {lag.label} ({lag.rule_label.lower()}): {communes}")
    return lines


def body(briefing: Briefing, name: str, files: Sequence[str]) -> str:
    """The e-mail's text, in Vietnamese."""
    lines = [
        f"Kính gửi {name},",
        "",
        f"Gửi kèm {briefing.title[0].lower()}{briefing.title[1:]} ({briefing.where}), số liệu "
        f"đến ngày {fmt_date(briefing.as_of)}:",
        f"- {files[0]}: báo cáo (Word);",
        f"- {files[1]}: phụ lục số liệu (Excel).",
        "",
    ]
    needs = attention(briefing)
    if needs:
        lines += ["Những điểm cần chú ý:", *needs]
    else:
        lines.append("Không có chỉ tiêu nào cần chú ý trong kỳ.")
    lines += [
        "",
        "Thư gửi tự động từ bảng điều khiển an sinh xã hội; vui lòng không trả lời thư này.",
    ]
    return "\n".join(lines)


class OutsideUnits(Exception):
    """A recipient's units cannot show the run's quarter (a commune of the units before
    1/7/2025 asked for a later quarter): they are skipped, with a line."""


def letter(
    engine: Engine,
    recipient: Recipient,
    report: ReportPeriod,
    public: bool,
    sender: str,
    today: date,
) -> Letter:
    """The message for one recipient, its attachments built for their scope.

    :raises OutsideUnits: their units cannot show ``report``.
    """
    assert recipient.user is not None and recipient.email
    scope = recipient.user.scope()
    version = _version(scope, report)
    if within_version(report.nominal, version) != report.nominal:
        raise OutsideUnits(f"the {version} units cannot show {report.label('vi')}")
    with engine.connect() as conn:
        filters = Filters(report.nominal, (), version)
        briefing = build_briefing(conn, filters, scope, public)
    commune = f"-{sorted(scope.communes)[0]}" if scope.communes else ""
    stem = f"bao-cao-{report.key}{commune}{'-cong-khai' if public else ''}"
    files = (f"{stem}.docx", f"{stem}.xlsx")
    message = EmailMessage(policy=HEADERS_UNFOLDED)
    message["Subject"] = f"{briefing.title} — {briefing.where}"
    message["From"] = sender
    message["To"] = formataddr((recipient.user.display_name, recipient.email))
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    message.set_content(body(briefing, recipient.user.display_name, files))
    message.add_attachment(
        build_docx(briefing, today), maintype=DOCX_MIME[0], subtype=DOCX_MIME[1], filename=files[0]
    )
    message.add_attachment(
        build_xlsx(briefing, today), maintype=XLSX_MIME[0], subtype=XLSX_MIME[1], filename=files[1]
    )
    return Letter(recipient.username, recipient.email, message, files)


class FatalSendError(Exception):
    """A failure no retry mends (the server refused the sign-in, its certificate, or the
    message for good): the run stops; nothing more is tried."""


def deliver(
    smtp: Smtp,
    message: EmailMessage,
    attempts: int,
    delay_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """Send one message, retrying what may pass later (a refusal 4xx, a lost connection);
    None when sent, else the last reason it was not.

    A message counts as sent once the server accepted it (``send_message`` returned): what
    goes wrong after that (the goodbye) is not retried, or the message would arrive twice.

    :raises FatalSendError: the sign-in or the certificate was refused, or the message was
        refused for good (5xx).
    """
    reason = "not tried"
    for attempt in range(attempts):
        if attempt:
            sleep(delay_s * 2 ** (attempt - 1))
        server = None
        try:
            server = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT_S)
            if smtp.starttls:
                server.starttls(context=ssl.create_default_context(cafile=smtp.cafile))
            if smtp.user and smtp.password:
                server.login(smtp.user, smtp.password)
            server.send_message(message)
        except (smtplib.SMTPAuthenticationError, ssl.SSLCertVerificationError) as exc:
            raise FatalSendError(f"{type(exc).__name__}: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise FatalSendError(f"{type(exc).__name__}: {exc}") from exc
            reason = f"{type(exc).__name__}: {exc}"
            continue
        except (smtplib.SMTPException, OSError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            continue
        finally:
            if server is not None:
                try:
                    server.quit()
                except (smtplib.SMTPException, OSError):
                    server.close()  # accepted or not, the connection is done with
        return None
    return reason


def _welfare_engine(demo: bool) -> Engine:
    """The welfare database (read-only); the built-in demo only when asked for.

    :raises SendError: no database is configured and the demo was not asked for.
    """
    url = configured_url()
    if url is not None:
        return make_engine(url)
    if not demo:
        raise SendError(
            "no welfare database configured (WELFARE_DB_URL): the demo's figures are sent only "
            "with --demo or --dry-run"
        )
    return demo_engine()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports.send",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--to", nargs="+", required=True, help="user names, or: all")
    parser.add_argument("--quarter", default="latest", help="latest (default) or YYYY-Qn")
    parser.add_argument("--public", action="store_true", help="the public edition")
    parser.add_argument("--dry-run", action="store_true", help="build and list, send nothing")
    parser.add_argument(
        "--demo", action="store_true", help="send the built-in demo's figures (no database set)"
    )
    parser.add_argument("--attempts", type=int, default=3)
    parser.add_argument("--retry-delay", type=float, default=30.0, help="seconds, doubling")
    args = parser.parse_args(argv)
    if args.attempts < 1 or args.retry_delay < 0:
        parser.error("--attempts must be at least 1 and --retry-delay not negative")
    try:
        store = open_existing(users_url())
    except UserStoreError as exc:
        print(f"error: {exc}; nothing was sent", file=sys.stderr)
        return 2
    every = [n.lower() for n in args.to] == ["all"]
    recipients = store.recipients(None if every else args.to)
    ready: list[Recipient] = []
    refused = 0  # named but not sendable: unknown, disabled, no address
    for r in recipients:
        if r.user is None and not r.disabled:
            print(f"skipped {r.username}: no such account")
            refused += 1
        elif r.disabled:
            print(f"skipped {r.username}: account disabled")
            refused += 0 if every else 1
        elif not r.email:
            print(f"skipped {r.username}: no e-mail address (python -m auth.cli email)")
            refused += 0 if every else 1
        else:
            ready.append(r)
    if every and not ready:
        print("error: no account has an e-mail address; nothing was sent", file=sys.stderr)
        return 2
    letters: list[Letter] = []
    try:
        smtp = None if args.dry_run else smtp_settings()
        engine = _welfare_engine(args.demo or args.dry_run)
        sender = smtp.sender if smtp else "bao-cao@localhost"
        today = date.today()
        with engine.connect() as conn:
            as_of, first = data_as_of(conn), first_month(conn)
        if as_of is None or first is None:
            raise SendError("the welfare database holds no data")
        report = run_quarter(args.quarter, first, as_of, today)
        for r in ready:
            try:
                letters.append(letter(engine, r, report, args.public, sender, today))
            except OutsideUnits as exc:
                print(f"skipped {r.username}: {exc}")
    except (SendError, WelfareDataError, sa.exc.DBAPIError, ValueError) as exc:
        said = exc.message("vi") if isinstance(exc, WelfareDataError) else str(exc)
        print(f"error: {said}; nothing was sent", file=sys.stderr)
        return 2
    failed = 0
    for number, built in enumerate(letters):
        files = ", ".join(built.attachments)
        what = f"{built.username} <{built.email}>: {built.message['Subject']} [{files}]"
        if smtp is None:
            print(f"would send to {what}")
            continue
        try:
            reason = deliver(smtp, built.message, args.attempts, args.retry_delay)
        except FatalSendError as exc:
            left = len(letters) - number
            print(f"error: {exc}; {left} message(s) not sent, the run stopped", file=sys.stderr)
            return 1 if number else 2
        if reason is not None:
            failed += 1
            print(f"NOT SENT to {what} after {args.attempts} attempts: {reason}", file=sys.stderr)
            continue
        print(f"sent to {what}")
        detail = {
            "to": built.email,
            "subject": built.message["Subject"],
            "files": built.attachments,
            "quarter": report.key,
        }
        entry = audit.Entry(audit.SEND, operator(), built.username, detail, len(built.attachments))
        try:
            store.audit.record(entry)
        except audit.AuditWriteError as exc:  # sent: say it, do not hide it
            print(f"warning: the audit trail did not record it: {exc}", file=sys.stderr)
    if not letters:
        print("no message to send")
    return 1 if failed or refused else 0


if __name__ == "__main__":
    raise SystemExit(main())
