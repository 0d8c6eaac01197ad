"""The quarterly briefing by e-mail (issue 17 §2), against a local SMTP server started here
(aiosmtpd, STARTTLS required, with a password, its certificate from a throwaway CA): each account
receives its own scope's Word report and Excel annex, a disabled account nothing; a refused send
is retried and reported; bad settings or a briefing that cannot be built send nothing.
"""

from __future__ import annotations

import io
import json
import smtplib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
import sqlalchemy as sa
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from auth import audit
from auth.store import DEMO_USERS, DEMO_USERS_TREE, UserStore, seed_demo_users
from data_access import schema as s
from reports import send

SMTP_USER, SMTP_PASSWORD = "baocao", "mat-khau-smtp-2026"
ADDRESSES = {
    "lanhdao": "lanhdao@damha.example.vn",
    "quangtan": "quangtan@quangtan.example.vn",
    "xaquangtan": "chutich@quangtan.example.vn",
    "xem": "xem@damha.example.vn",  # disabled below: receives nothing
}


@dataclass
class Inbox:
    """What the test server received; ``refuse`` first DATA commands answer 451."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[list[str]] = field(default_factory=list)
    to: list[str] = field(default_factory=list)  # the To headers, decoded as RFC 2047 says
    refuse: int = 0
    logins: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        self.envelopes.append(list(envelope.rcpt_tos))
        raw = message_from_bytes(envelope.content, policy=policy.compat32)  # type: ignore[arg-type]
        self.to.append(str(make_header(decode_header(str(raw["To"])))))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """An SMTP server on 127.0.0.1 that requires STARTTLS and a password; the settings point
    at it."""
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate.configure_cert(context)
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    inbox = Inbox()

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = data.login == SMTP_USER.encode() and data.password == SMTP_PASSWORD.encode()
        inbox.logins += ok
        return AuthResult(success=ok)

    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    for key, value in {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "USER": SMTP_USER,
        "PASSWORD": SMTP_PASSWORD,
        "SENDER": "bao-cao@damha.example.vn",
        "CAFILE": str(cafile),
    }.items():
        monkeypatch.setenv(f"WELFARE_SMTP_{key}", value)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def accounts(app_env: Path, users_url: str) -> UserStore:
    """The demo's accounts, four with an address, one of them disabled."""
    store = UserStore(users_url)
    seed_demo_users(store)
    for name, address in ADDRESSES.items():
        store.set_email(name, address)
    store.set_disabled("xem", True)
    return store


def _attachments(message: EmailMessage) -> dict[str, bytes]:
    return {
        str(part.get_filename()): part.get_payload(decode=True)  # type: ignore[misc]
        for part in message.iter_attachments()
    }


def _cells(xlsx: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    return "\n".join(
        str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v
    )


def _commune_names(db: Path, version_from: str) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        names = conn.execute(
            sa.select(s.admin_unit.c.name).where(
                s.admin_unit.c.kind.in_(("xa", "thi_tran")),
                s.admin_unit.c.valid_from < date.fromisoformat(version_from),
            )
        ).scalars()
        found = set(names)
    engine.dispose()
    return found


def test_each_account_receives_its_own_scope_and_a_disabled_one_nothing(
    smtp: Inbox, accounts: UserStore, app_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert send.main(["--to", "all", "--quarter", "2026-Q3", "--retry-delay", "0"]) == 0
    out = capsys.readouterr().out
    # the head of the old Xã Quảng Tân (units ended 30/6/2025) cannot be sent Quý III/2026
    assert "skipped quangtan: the 2023 units cannot show Quý III/2026" in out
    assert send.main(["--to", "quangtan", "--quarter", "2025-Q2", "--retry-delay", "0"]) == 0
    # as RFC 2047 decodes the header (Python's own address parser splits an encoded word
    # that holds a parenthesis, which mail clients do not)
    assert smtp.to == [
        "Lãnh đạo huyện (mẫu) <lanhdao@damha.example.vn>",
        "Chủ tịch UBND xã Quảng Tân mới (mẫu) <chutich@quangtan.example.vn>",
        "Chủ tịch UBND xã Quảng Tân (mẫu) <quangtan@quangtan.example.vn>",
    ]
    assert smtp.envelopes == [[ADDRESSES[n]] for n in ("lanhdao", "xaquangtan", "quangtan")]
    assert all(m["Date"] and m["Message-ID"].endswith("@damha.example.vn>") for m in smtp.messages)
    assert smtp.logins == 3  # over STARTTLS (the server requires it for AUTH)
    assert "skipped xem: account disabled" in out
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects == [
        "Kết quả thực hiện công tác an sinh xã hội Quý III/2026 — Địa bàn huyện Đầm Hà (cũ)",
        "Kết quả thực hiện công tác an sinh xã hội Quý III/2026 của xã Quảng Tân — Xã Quảng Tân",
        "Kết quả thực hiện công tác an sinh xã hội Quý II/2025 của xã Quảng Tân — Xã Quảng Tân",
    ]
    files = [sorted(_attachments(m)) for m in smtp.messages]
    assert files == [
        ["bao-cao-2026-Q3.docx", "bao-cao-2026-Q3.xlsx"],
        ["bao-cao-2026-Q3-06913.docx", "bao-cao-2026-Q3-06913.xlsx"],
        ["bao-cao-2025-Q2-06913.docx", "bao-cao-2025-Q2-06913.xlsx"],
    ]
    # the commune head of the 2023 units: their commune only, no other commune's figures
    old_head = _attachments(smtp.messages[2])
    annex = _cells(old_head["bao-cao-2025-Q2-06913.xlsx"])
    others = _commune_names(app_env, "2025-07-01") - {"Xã Quảng Tân"}
    assert "Xã Quảng Tân" in annex and not [n for n in others if n in annex]
    report = "\n".join(
        p.text for p in docx.Document(io.BytesIO(old_head["bao-cao-2025-Q2-06913.docx"])).paragraphs
    )
    assert "Quý II/2025" in report and not [n for n in others if n in report]
    # the district leader's annex names several communes
    district = _cells(_attachments(smtp.messages[0])["bao-cao-2026-Q3.xlsx"])
    assert sum(name in district for name in _commune_names(app_env, "2099-01-01")) >= 2
    # the body: in Vietnamese, names the files and what needs attention
    text = smtp.messages[2].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.startswith("Kính gửi Chủ tịch UBND xã Quảng Tân (mẫu),")
    assert "- bao-cao-2025-Q2-06913.docx: báo cáo (Word);" in text
    # what needs attention, from the figures: nothing lags in that commune's Quý II/2025; in
    # the district's Quý III/2026 one indicator, in two communes
    assert "Không có chỉ tiêu nào cần chú ý trong kỳ." in text
    district_text = smtp.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert (
        "Những điểm cần chú ý:\n- Trẻ em có hoàn cảnh đặc biệt được trợ giúp (thấp hơn chỉ tiêu): "
        "Xã Quảng Tân: 97,6%, chỉ tiêu 100%; Xã Đầm Hà: 98,5%, chỉ tiêu 100%\n"
    ) in district_text.replace("\r\n", "\n")  # lines as SMTP sends them: CRLF
    # each message sent is in the audit trail
    rows, total = audit.search(accounts.engine, events=[audit.SEND])
    assert total == 3 and sorted(str(r["target"]) for r in rows) == [
        "lanhdao",
        "quangtan",
        "xaquangtan",
    ]
    assert sorted(json.loads(str(r["detail"]))["quarter"] for r in rows) == [
        "2025-Q2",
        "2026-Q3",
        "2026-Q3",
    ]


def test_a_refused_send_is_retried_then_reported(
    smtp: Inbox, accounts: UserStore, capsys: pytest.CaptureFixture[str]
) -> None:
    smtp.refuse = 2  # the first two attempts are refused, the third goes
    argv = ["--quarter", "2026-Q3", "--retry-delay", "0"]
    assert send.main(["--to", "lanhdao", "--attempts", "3", *argv]) == 0
    assert len(smtp.messages) == 1 and len(_attachments(smtp.messages[0])) == 2
    smtp.refuse = 10  # every attempt refused: reported, exit 1, nothing half-sent
    assert send.main(["--to", "xaquangtan", "--attempts", "2", *argv]) == 1
    err = capsys.readouterr().err
    assert "NOT SENT to xaquangtan <chutich@quangtan.example.vn>" in err and "451" in err
    assert len(smtp.messages) == 1
    assert audit.search(accounts.engine, events=[audit.SEND])[1] == 1


def test_a_briefing_that_cannot_be_built_sends_nothing(
    smtp: Inbox, accounts: UserStore, capsys: pytest.CaptureFixture[str]
) -> None:
    # a quarter the data do not reach yet: nothing, not an older quarter in its place
    assert send.main(["--to", "lanhdao", "xaquangtan", "--quarter", "2027-Q1"]) == 2
    assert "nothing was sent" in capsys.readouterr().err
    assert smtp.messages == []


def test_without_settings_or_tls_nothing_is_sent(
    smtp: Inbox, accounts: UserStore, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("WELFARE_SMTP_STARTTLS", "0")
    assert send.main(["--to", "lanhdao", "--quarter", "2026-Q3"]) == 2
    assert "never sent without STARTTLS" in capsys.readouterr().err
    monkeypatch.delenv("WELFARE_SMTP_STARTTLS")
    monkeypatch.delenv("WELFARE_SMTP_HOST")
    assert send.main(["--to", "lanhdao", "--quarter", "2026-Q3"]) == 2
    assert "SMTP is not configured" in capsys.readouterr().err
    assert smtp.messages == []


def test_a_server_whose_certificate_is_not_trusted_gets_nothing(
    smtp: Inbox, accounts: UserStore, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.delenv("WELFARE_SMTP_CAFILE")  # the test CA is not in the system's store
    assert send.main(["--to", "lanhdao", "xaquangtan", "--quarter", "2026-Q3"]) == 2
    err = capsys.readouterr().err
    assert "CERTIFICATE_VERIFY_FAILED" in err and "2 message(s) not sent, the run stopped" in err
    assert smtp.messages == [] and smtp.logins == 0


def test_the_demo_accounts_are_the_ones_used() -> None:
    assert {u[0] for u in [*DEMO_USERS, *DEMO_USERS_TREE]} >= set(ADDRESSES)


def test_unknown_names_missing_stores_and_the_demo_are_refused(
    smtp: Inbox, accounts: UserStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    argv = ["--quarter", "2026-Q3", "--retry-delay", "0"]
    assert send.main(["--to", "lanhdao", "khongco", *argv]) == 1  # lanhdao's goes, the rest said
    assert "skipped khongco: no such account" in capsys.readouterr().out
    assert len(smtp.messages) == 1
    monkeypatch.delenv("WELFARE_DB_URL")  # the built-in demo: only when asked for
    assert send.main(["--to", "lanhdao", *argv]) == 2
    assert "--demo" in capsys.readouterr().err
    monkeypatch.setenv("WELFARE_USERS_URL", f"sqlite:///{tmp_path / 'nowhere' / 'users.sqlite'}")
    assert send.main(["--to", "all", *argv]) == 2
    assert "no user store" in capsys.readouterr().err
    assert len(smtp.messages) == 1


@pytest.mark.parametrize(
    ("today", "as_of", "expected"),
    [
        (date(2026, 12, 3), date(2026, 11, 30), "2026-Q3"),
        (date(2026, 10, 5), date(2026, 9, 30), "2026-Q3"),
        (date(2026, 10, 5), date(2026, 8, 31), None),  # September not loaded yet: refused
        (date(2027, 1, 5), date(2026, 11, 30), None),  # never the previous quarter again
        (date(2027, 1, 5), date(2026, 12, 31), "2026-Q4"),
    ],
)
def test_latest_is_the_quarter_just_ended_and_only_once_the_data_cover_it(
    today: date, as_of: date, expected: str | None
) -> None:
    if expected is None:
        with pytest.raises(send.SendError, match="not covered yet"):
            send.run_quarter("latest", date(2022, 1, 1), as_of, today)
    else:
        assert send.run_quarter("latest", date(2022, 1, 1), as_of, today).key == expected


def test_a_message_the_server_accepted_is_never_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The goodbye (QUIT) failing after the server took the message is not a failed send."""
    sent: list[EmailMessage] = []

    class GoodbyeFails:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def starttls(self, **kwargs: object) -> None:
            pass

        def login(self, *args: object) -> None:
            pass

        def send_message(self, message: EmailMessage) -> None:
            sent.append(message)

        def quit(self) -> None:
            raise smtplib.SMTPResponseException(421, b"closing")

        def close(self) -> None:
            pass

    monkeypatch.setattr(send.smtplib, "SMTP", GoodbyeFails)
    settings = send.Smtp("127.0.0.1", 25, "a@b.vn", "u", "p")
    assert send.deliver(settings, EmailMessage(), attempts=3, delay_s=0) is None
    assert len(sent) == 1


def test_a_refused_password_is_not_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 535 at sign-in ends the run (every further try could lock the sender's account)."""
    tries: list[int] = []

    class WrongPassword:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def starttls(self, **kwargs: object) -> None:
            pass

        def login(self, *args: object) -> None:
            tries.append(1)
            raise smtplib.SMTPAuthenticationError(535, b"5.7.8 Authentication failed")

        def quit(self) -> None:
            pass

        def close(self) -> None:
            pass

    monkeypatch.setattr(send.smtplib, "SMTP", WrongPassword)
    settings = send.Smtp("127.0.0.1", 25, "a@b.vn", "u", "p")
    with pytest.raises(send.FatalSendError, match="535"):
        send.deliver(settings, EmailMessage(), attempts=3, delay_s=0)
    assert tries == [1]


def test_smtp_settings_come_from_secrets_toml_and_the_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in send.SETTINGS:
        monkeypatch.delenv(f"WELFARE_SMTP_{key.upper()}", raising=False)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[smtp]\nhost = "smtp.quangninh.example.vn"\nport = 2525\nsender = "UBND <a@b.vn>"\n'
        'user = "baocao"\npassword = "pw"\nunknown = "ignored"\n',
        encoding="utf-8",
    )
    found = send.smtp_settings(secrets)
    assert (found.host, found.port, found.sender, found.user, found.password) == (
        "smtp.quangninh.example.vn",
        2525,
        "UBND <a@b.vn>",
        "baocao",
        "pw",
    )
    assert found.starttls and found.cafile is None
    monkeypatch.setenv("WELFARE_SMTP_HOST", "relay.example.vn")
    assert send.smtp_settings(secrets).host == "relay.example.vn"
    # a relay inside the office network: no password, so STARTTLS may be turned off
    secrets.write_text('[smtp]\nhost = "relay"\nsender = "a@b.vn"\nstarttls = "off"\n')
    monkeypatch.delenv("WELFARE_SMTP_HOST")
    assert send.smtp_settings(secrets).starttls is False
    secrets.write_text("[smtp\nhost = ")
    with pytest.raises(send.SendError, match=r"secrets\.toml"):
        send.smtp_settings(secrets)
