"""The audit trail (issue 17 §1) on SQLite and PostgreSQL user stores: what is recorded (account
changes through the command-line tool, sign-ins, failures and locks, loads), the hash chain and
what ``verify`` finds when an entry is edited, deleted or slipped in, the triggers that refuse
changes, the retention purge, concurrent writers, and the search the log page runs.
"""

from __future__ import annotations

import io
import itertools
import json
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from auth import audit
from auth import cli as auth_cli
from auth.audit import __main__ as audit_cli
from auth.store import MAX_FAILURES, UserStore
from devtools.pgserver import create_database

_databases = itertools.count()
PASSWORD = "mat-khau-du-dai-2023"
T0 = datetime(2026, 11, 30, 8, 0, 0)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[UserStore]:
    """An empty user store (its audit trail empty too), on SQLite and on PostgreSQL; the
    command-line tools use it (``WELFARE_USERS_URL``)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    else:
        url = create_database(request.getfixturevalue("pg_admin_url"), f"audit_{next(_databases)}")
    monkeypatch.setenv("WELFARE_USERS_URL", url)
    store = UserStore(url)
    yield store
    store.engine.dispose()


def entries(store: UserStore) -> list[dict[str, object]]:
    """Every entry, oldest first, its detail decoded."""
    rows, _ = audit.search(store.engine, limit=100_000)
    for row in rows:
        row["detail"] = json.loads(str(row["detail"]))
    return rows[::-1]


def run_cli(monkeypatch: pytest.MonkeyPatch, *argv: str, password: str = PASSWORD) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return auth_cli.main(list(argv))


def raw(store: UserStore, sql: str, **params: object) -> None:
    """Change the log behind the application's back, as someone with the database could: the
    triggers dropped first (they refuse any change)."""
    postgres = store.engine.dialect.name == "postgresql"
    with store.engine.begin() as conn:
        for table in ("audit_entry", "audit_subject"):
            for kind in ("no_update", "no_delete"):
                on = f" ON {table}" if postgres else ""
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_{kind}{on}")
        conn.execute(sa.text(sql), params)


def chain_of(store: UserStore, count: int) -> list[str]:
    """``count`` view entries one minute apart from T0, with subjects; their hashes."""
    trail = audit.AuditTrail(store.engine)
    return [
        trail.record(
            audit.Entry(audit.VIEW, "lanhdao", "beneficiaries", {"n": n}, 2, "10.0.0.9", (n, 100)),
            now=T0 + timedelta(minutes=n),
        )
        for n in range(count)
    ]


def test_account_changes_through_the_cli_are_recorded_with_who_ran_them(
    store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth_cli.getpass, "getuser", lambda: "quantri")
    assert run_cli(monkeypatch, "add", "canbo", "--role", "commune", "--commune", "06913",
                   "--password-stdin") == 0  # fmt: skip
    assert run_cli(monkeypatch, "reset", "canbo", "--password-stdin", password=PASSWORD + "x") == 0
    assert run_cli(monkeypatch, "role", "canbo", "--role", "viewer") == 0
    assert run_cli(monkeypatch, "disable", "canbo") == 0
    assert run_cli(monkeypatch, "enable", "canbo") == 0
    assert run_cli(monkeypatch, "unlock", "canbo") == 0
    # refused requests change nothing, and record nothing
    assert run_cli(monkeypatch, "disable", "khongco") == 2
    assert run_cli(monkeypatch, "reset", "khongco", "--password-stdin") == 2
    assert run_cli(monkeypatch, "add", "canbo", "--role", "viewer", "--password-stdin") == 2
    found = entries(store)
    assert [(e["actor"], e["event"], e["target"], e["detail"]) for e in found] == [
        ("cli:quantri", "account", "canbo",
         {"change": "add", "role": "commune", "commune_code": "06913", "unit_version": "2023"}),
        ("cli:quantri", "account", "canbo", {"change": "reset"}),
        ("cli:quantri", "account", "canbo", {"change": "role", "role": "viewer"}),
        ("cli:quantri", "account", "canbo", {"change": "disable"}),
        ("cli:quantri", "account", "canbo", {"change": "enable"}),
        ("cli:quantri", "account", "canbo", {"change": "unlock"}),
    ]  # fmt: skip
    assert PASSWORD not in json.dumps([str(e) for e in found])  # never a password
    assert audit.verify(store.engine).intact


def test_sign_ins_failures_and_locks_are_recorded_with_the_client(store: UserStore) -> None:
    store.add("lanhdao", PASSWORD, "district")
    assert store.authenticate("LanhDao", PASSWORD, client="10.1.2.3").user is not None
    for _ in range(MAX_FAILURES):
        store.authenticate("lanhdao", "sai-mat-khau-roi", client="10.9.9.9")
    assert store.authenticate("lanhdao", PASSWORD, client="10.9.9.9").user is None  # locked
    assert store.authenticate("khongco", "sai-mat-khau-roi").user is None
    signs = [(e["actor"], e["event"], e["client"]) for e in entries(store)[1:]]
    assert signs == [
        ("lanhdao", "sign_in", "10.1.2.3"),
        *[("lanhdao", "sign_in_failed", "10.9.9.9")] * (MAX_FAILURES - 1),
        ("lanhdao", "sign_in_locked", "10.9.9.9"),  # the failure that locked
        ("lanhdao", "sign_in_locked", "10.9.9.9"),  # refused without a check
        ("khongco", "sign_in_failed", ""),  # an unknown name is recorded as typed
    ]
    assert entries(store)[-2]["detail"]["until"]  # type: ignore[index]


def test_the_chain_links_every_entry_to_the_one_before(store: UserStore) -> None:
    hashes = chain_of(store, 4)
    assert len(set(hashes)) == 4
    verified = audit.verify(store.engine)
    assert verified.intact and verified.entries == 4 and verified.last_hash == hashes[-1]
    with store.engine.connect() as conn:
        prev = conn.execute(sa.select(audit.audit_entry.c.prev_hash).order_by("id")).scalars()
        assert list(prev) == [audit.GENESIS, *hashes[:-1]]


def test_the_application_cannot_change_or_delete_an_entry(store: UserStore) -> None:
    chain_of(store, 2)
    for sql in (
        "UPDATE audit_entry SET actor = 'someone'",
        "DELETE FROM audit_entry WHERE id = (SELECT MIN(id) FROM audit_entry)",
        "DELETE FROM audit_subject",
        "UPDATE audit_subject SET person_id = 7",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as c:
            c.exec_driver_sql(sql)
    if store.engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as c:
            c.exec_driver_sql("TRUNCATE audit_entry CASCADE")
    assert audit.verify(store.engine).intact and len(entries(store)) == 2


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        ("UPDATE audit_entry SET row_count = 999 WHERE id = :second", 1, "content changed"),
        ("UPDATE audit_entry SET detail = :forged WHERE id = :second", 1, "content changed"),
        ("UPDATE audit_entry SET at = :t0 WHERE id = :second", 1, "content changed"),
        ("DELETE FROM audit_subject WHERE entry_id = :second AND person_id = 100", 1, "content"),
        ("DELETE FROM audit_entry WHERE id = :second", 2, "entry before it was removed"),
        ("DELETE FROM audit_entry WHERE id <= :second", 2, "removed without a purge"),
    ],
)
def test_verify_names_the_entry_edited_or_removed(
    store: UserStore, change: str, where: int, message: str
) -> None:
    chain_of(store, 4)
    ids = [int(e["id"]) for e in entries(store)]  # type: ignore[call-overload]
    if "DELETE FROM audit_entry" in change:
        subjects = change.replace("audit_entry WHERE id", "audit_subject WHERE entry_id")
        raw(store, subjects, second=ids[1])
    raw(store, change, second=ids[1], t0=T0, forged='{"n":5}')
    found = audit.verify(store.engine)
    assert not found.intact
    assert [p.entry_id for p in found.problems] == [ids[where]]
    assert message in found.problems[0].message


def test_an_entry_slipped_in_with_a_recomputed_hash_breaks_the_next_link(
    store: UserStore,
) -> None:
    hashes = chain_of(store, 3)
    at = T0 + timedelta(seconds=30)
    forged = audit.digest(hashes[0], at, "x", audit.VIEW, "", "{}", None, "", [])
    # it points at the first entry, as the second does (prev_hash is unique: the second's link
    # must move first), with a hash of its own that is right: the second entry's is not
    raw(
        store,
        "UPDATE audit_entry SET prev_hash = :other WHERE prev_hash = :first",
        other="f" * 64,
        first=hashes[0],
    )
    raw(
        store,
        "INSERT INTO audit_entry (at, actor, event, target, detail, row_count, client, "
        "prev_hash, hash) VALUES (:at, 'x', 'view', '', '{}', NULL, '', :prev, :own)",
        at=at,
        prev=hashes[0],
        own=forged,
    )
    found = audit.verify(store.engine)
    assert not found.intact
    assert {p.message for p in found.problems} >= {"content changed (its hash does not match)"}


def test_the_purge_keeps_the_retention_and_the_chain_verifiable(store: UserStore) -> None:
    hashes = chain_of(store, 5)  # T0 .. T0 + 4 min
    now = datetime(2031, 11, 30, 8, 2, 30)  # five years after T0 + 2,5 min
    assert audit.purge(store.engine, "cli:quantri", years=5, now=now) == 3
    found = entries(store)
    assert [e["event"] for e in found] == ["view", "view", "purge"]
    assert found[-1]["row_count"] == 3 and found[-1]["actor"] == "cli:quantri"
    assert found[-1]["detail"] == {
        "anchor": hashes[2],
        "before": "2026-11-30T08:02:30",
        "deleted": 3,
        "first_kept": found[0]["id"],
    }
    with store.engine.connect() as conn:
        subjects = conn.execute(sa.select(sa.func.count()).select_from(audit.audit_subject))
        assert subjects.scalar() == 4  # the two views kept, two people each
    assert audit.verify(store.engine).intact
    # the triggers are back
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as c:
        c.exec_driver_sql("DELETE FROM audit_entry")
    # everything expired: the purge entry is the chain's start
    later = datetime(2040, 1, 1)
    assert audit.purge(store.engine, "cli:quantri", years=5, now=later) == 3
    assert [e["event"] for e in entries(store)] == ["purge"]
    assert audit.verify(store.engine).intact
    assert audit.purge(store.engine, "cli:quantri", years=5, now=later) == 0
    assert audit.verify(store.engine).intact and len(entries(store)) == 2


def test_cutting_the_start_without_a_purge_is_found_even_after_one(store: UserStore) -> None:
    chain_of(store, 4)
    audit.purge(store.engine, "cli:quantri", years=5, now=datetime(2031, 11, 30, 8, 1, 30))
    first = int(entries(store)[0]["id"])  # type: ignore[call-overload]
    raw(store, "DELETE FROM audit_subject WHERE entry_id = :i", i=first)
    raw(store, "DELETE FROM audit_entry WHERE id = :i", i=first)
    found = audit.verify(store.engine)
    assert [p.message for p in found.problems] == ["entries before it were removed without a purge"]


def test_writers_at_once_never_fork_the_chain(store: UserStore) -> None:
    trails = [audit.AuditTrail(store.engine) for _ in range(4)]
    errors: list[BaseException] = []

    def write(trail: audit.AuditTrail, who: str) -> None:
        try:
            for n in range(25):
                trail.record(audit.Entry(audit.DOWNLOAD, who, f"tep-{n}.csv", row_count=n))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(t, f"u{i}")) for i, t in enumerate(trails)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    verified = audit.verify(store.engine)
    assert verified.intact and verified.entries == 100


def test_a_failed_write_raises_and_writes_nothing(store: UserStore) -> None:
    chain_of(store, 1)
    with pytest.raises(ValueError, match="unknown audit event"):
        audit.AuditTrail(store.engine).record(audit.Entry("looked"))
    store.engine.dispose()
    broken = audit.AuditTrail(sa.create_engine(str(store.engine.url).replace("audit_", "nope_")))
    if store.engine.dialect.name == "sqlite":
        broken = audit.AuditTrail(sa.create_engine("sqlite:////nonexistent/dir/users.sqlite"))
    with pytest.raises(audit.AuditWriteError):
        broken.record(audit.Entry(audit.VIEW, "lanhdao"))
    assert len(entries(store)) == 1


def test_search_filters_by_day_on_vietnam_time_user_person_and_event(store: UserStore) -> None:
    trail = audit.AuditTrail(store.engine)
    late = datetime(2026, 11, 30, 18, 30)  # 1/12 01:30 in Vietnam
    trail.record(audit.Entry(audit.VIEW, "lanhdao", "payments", subjects=(5, 6)), now=late)
    trail.record(audit.Entry(audit.VIEW, "quangtan", "payments", subjects=(6,)), now=T0)
    trail.record(audit.Entry(audit.DOWNLOAD, "quangtan", "a.csv", row_count=3), now=T0)

    def ids(**kw: object) -> list[str]:
        rows, total = audit.search(store.engine, **kw)  # type: ignore[arg-type]
        assert total == len(rows)
        return [f"{r['actor']}:{r['event']}" for r in rows]

    assert ids(since=date(2026, 12, 1), until=date(2026, 12, 1), offset_hours=7) == ["lanhdao:view"]
    assert ids(since=date(2026, 11, 30), until=date(2026, 11, 30), offset_hours=7) == [
        "quangtan:download",
        "quangtan:view",
    ]
    assert ids(actor="quangtan", events=[audit.VIEW]) == ["quangtan:view"]
    assert ids(persons=[6]) == ["quangtan:view", "lanhdao:view"]
    assert ids(persons=[5]) == ["lanhdao:view"]
    assert ids(persons=[7]) == []
    assert audit.actors(store.engine) == ["lanhdao", "quangtan"]
    rows, total = audit.search(store.engine, limit=1)
    assert len(rows) == 1 and total == 3


def test_the_verify_command_says_intact_or_names_the_break(
    store: UserStore, capsys: pytest.CaptureFixture[str]
) -> None:
    chain_of(store, 3)
    assert audit_cli.main(["verify"]) == 0
    assert "3 entries" in capsys.readouterr().out
    second = int(entries(store)[1]["id"])  # type: ignore[call-overload]
    raw(store, "UPDATE audit_entry SET actor = 'khac' WHERE id = :i", i=second)
    assert audit_cli.main(["verify"]) == 1
    out = capsys.readouterr().out
    assert f"entry {second}: content changed" in out and "1 problem(s)" in out


def test_the_purge_command_uses_the_retention_setting(
    store: UserStore, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    trail = audit.AuditTrail(store.engine)
    now = datetime.now()
    trail.record(audit.Entry(audit.VIEW, "a"), now=now - timedelta(days=800))
    trail.record(audit.Entry(audit.VIEW, "b"), now=now - timedelta(days=100))
    assert audit_cli.main(["purge"]) == 0  # default 5 years: nothing
    assert "deleted 0" in capsys.readouterr().out
    monkeypatch.setenv(audit.RETENTION_ENV, "2")
    assert audit_cli.main(["purge"]) == 0
    assert "deleted 1" in capsys.readouterr().out
    assert [(e["actor"], e["event"]) for e in entries(store)][:1] == [("b", "view")]
    assert entries(store)[-1]["event"] == "purge" and entries(store)[-1]["row_count"] == 1
    monkeypatch.setenv(audit.RETENTION_ENV, "0")
    assert audit_cli.main(["purge"]) == 2
    assert "at least 1" in capsys.readouterr().err
    assert audit.verify(store.engine).intact


def test_a_purge_refuses_a_broken_chain_and_never_hides_the_break(store: UserStore) -> None:
    """Entries cut from the start without a purge stay found: a purge (even one with nothing
    to delete) refuses to run over the break, and a purge that deletes nothing moves no
    anchor."""
    chain_of(store, 5)
    assert audit.purge(store.engine, "cli:quantri", years=5, now=T0) == 0  # intact: recorded
    assert entries(store)[-1]["detail"] == {"before": "2021-11-30T08:00:00", "deleted": 0}
    ids = [int(e["id"]) for e in entries(store)]  # type: ignore[call-overload]
    raw(store, "DELETE FROM audit_subject WHERE entry_id <= :i", i=ids[2])
    raw(store, "DELETE FROM audit_entry WHERE id <= :i", i=ids[2])
    audit.install(store.engine)  # the triggers back, as an operator would leave them
    broken = audit.verify(store.engine)
    assert [p.message for p in broken.problems] == [
        "entries before it were removed without a purge"
    ]
    with pytest.raises(audit.ChainBrokenError):
        audit.purge(store.engine, "cli:quantri", years=5, now=T0)
    assert audit.verify(store.engine).problems == broken.problems
