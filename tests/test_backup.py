"""Backups of what the application writes (issue 17 §4): ``python -m auth.backup save`` then
``restore`` into a new user store, on SQLite and on PostgreSQL, gives back the same accounts (a
user signs in with the same password), the same audit trail (it still verifies, and goes on),
and the import log; a store that is not empty, a file that is not a backup and a backup whose
trail was edited are refused with nothing written; a save that fails leaves no file.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from auth import audit, backup
from auth.audit import __main__ as audit_cli
from auth.store import UserStore, app_user
from data_access import schema as s
from devtools.pgserver import create_database

_databases = itertools.count()
PASSWORD = "mat-khau-du-dai-2023"


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> UserStore:
    """A SQLite user store with two accounts, sign-ins, a person-list view and a purge."""
    url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    monkeypatch.setenv("WELFARE_USERS_URL", url)
    return filled_store(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UserStore]:
    """``source``'s store on SQLite or on PostgreSQL (saved there from one REPEATABLE READ
    snapshot)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    else:
        url = create_database(request.getfixturevalue("pg_admin_url"), f"bk_{next(_databases)}")
    store = filled_store(url)
    yield store
    store.engine.dispose()


def filled_store(url: str) -> UserStore:
    store = UserStore(url)
    old = audit.Entry(audit.VIEW, "lanhdao", "payments", {"page": 1}, 2, "", (11, 12))
    store.audit.record(old, now=datetime(2020, 1, 1))
    store.add("lanhdao", PASSWORD, "district", "Lãnh đạo")
    store.add("quangtan", PASSWORD, "commune", "Xã", "06913")
    store.authenticate("lanhdao", PASSWORD, client="10.0.0.1")
    store.authenticate("lanhdao", "sai-mat-khau-roi")
    store.audit.record(audit.Entry(audit.VIEW, "quangtan", "beneficiaries", None, 1, "", (13,)))
    audit.purge(store.engine, "cli:quantri", years=5)  # the 2020 view goes: the chain is cut
    return store


@pytest.fixture
def welfare(demo_sqlite_path: Path, tmp_path: Path) -> str:
    """A writable copy of the demo with one import-log row."""
    path = tmp_path / "welfare.sqlite"
    shutil.copy(demo_sqlite_path, path)
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        unit = conn.execute(sa.select(s.admin_unit.c.id).limit(1)).scalar_one()
        conn.execute(
            s.import_log.insert().values(
                id=7, kind="payments", admin_unit_id=unit, month=date(2026, 11, 1),
                file_name="chi-tra-11-2026.xlsx", sha256="a" * 64, user_name="nhaplieu",
                loaded_at=datetime(2026, 12, 1, 8), rows_in_file=820, added=0, changed=1,
                removed=0, unchanged=819,
            )
        )  # fmt: skip
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def target_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty user store to restore into."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
    else:
        yield create_database(request.getfixturevalue("pg_admin_url"), f"bk_{next(_databases)}")


def rows(url: str, table: sa.Table) -> list[dict[str, object]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).mappings()
        result = [dict(r) for r in found]
    engine.dispose()
    return result


def without_ids(found: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: v for k, v in row.items() if k != "id"} for row in found]


def test_a_backup_restores_the_accounts_and_the_trail_into_a_new_store(
    any_source: UserStore, welfare: str, target_url: str, tmp_path: Path
) -> None:
    source = any_source
    source_url = source.engine.url.render_as_string(hide_password=False)
    file = tmp_path / "sao-luu" / "ung-dung.sqlite"
    saved = backup.save(file, source_url, welfare)
    assert file.is_file() and (file.stat().st_mode & 0o077) == 0  # password hashes: owner only
    assert saved.rows == {"app_user": 2, "audit_entry": 6, "audit_subject": 1, "import_log": 1}
    assert audit.verify(source.engine).intact
    assert saved.last_hash == audit.verify(source.engine).last_hash

    done = backup.restore(file, target_url, None)
    assert done.rows == {"app_user": 2, "audit_entry": 6, "audit_subject": 1}
    for table in (app_user, audit.audit_subject):
        assert rows(target_url, table) == rows(source_url, table)
    restored = rows(target_url, audit.audit_entry)
    assert restored[:-1] == rows(source_url, audit.audit_entry)
    assert (restored[-1]["event"], restored[-1]["target"]) == ("restore", "ung-dung.sqlite")
    store = UserStore(target_url)
    assert store.authenticate("lanhdao", PASSWORD).user is not None  # the same password
    store.add("moi", PASSWORD, "viewer")  # ids go on after the restored ones
    verified = audit.verify(store.engine)
    assert verified.intact and verified.entries == 9  # + restore, sign-in, add
    store.engine.dispose()


def test_the_import_log_goes_back_where_it_is_missing_once(
    source: UserStore, welfare: str, tmp_path: Path
) -> None:
    file = tmp_path / "b.sqlite"
    backup.save(file, str(source.engine.url), welfare)
    logged = without_ids(rows(welfare, s.import_log))
    engine = sa.create_engine(welfare)
    with engine.begin() as conn:
        conn.execute(s.import_log.delete())
    engine.dispose()
    done = backup.restore(file, f"sqlite:///{tmp_path / 'r.sqlite'}", welfare)
    # the same rows, numbered by the database they go back into (INSERT is all it needs)
    assert done.rows["import_log"] == 1 and without_ids(rows(welfare, s.import_log)) == logged
    again = backup.restore(file, f"sqlite:///{tmp_path / 'r2.sqlite'}", welfare)
    assert again.rows["import_log"] == 0 and without_ids(rows(welfare, s.import_log)) == logged


def test_a_store_that_is_not_empty_is_refused_and_left_alone(
    source: UserStore, target_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "b.sqlite"
    backup.save(file, str(source.engine.url), None)
    other = UserStore(target_url)
    other.add("khac", PASSWORD, "viewer")
    before = rows(target_url, audit.audit_entry)
    other.engine.dispose()
    with pytest.raises(backup.BackupError, match="already holds"):
        backup.restore(file, target_url, None)
    assert rows(target_url, audit.audit_entry) == before
    assert [u["username"] for u in rows(target_url, app_user)] == ["khac"]


def test_a_file_that_is_not_a_backup_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = f"sqlite:///{tmp_path / 'r.sqlite'}"
    monkeypatch.setenv("WELFARE_USERS_URL", target)
    junk = tmp_path / "notes.sqlite"
    junk.write_bytes(b"not a database at all")
    assert backup.main(["restore", str(junk)]) == 2
    assert "not a backup" in capsys.readouterr().err
    empty = tmp_path / "empty.sqlite"
    sa.create_engine(f"sqlite:///{empty}").connect().close()
    assert backup.main(["restore", str(empty)]) == 2
    assert backup.main(["restore", str(tmp_path / "missing.sqlite")]) == 2
    assert "no file" in capsys.readouterr().err
    assert rows(target, app_user) == []


def test_a_backup_whose_trail_was_edited_restores_nothing(
    source: UserStore, tmp_path: Path
) -> None:
    file = tmp_path / "b.sqlite"
    backup.save(file, str(source.engine.url), None)
    edited = sa.create_engine(f"sqlite:///{file}")
    with edited.begin() as conn:
        conn.execute(sa.text("UPDATE audit_entry SET actor = 'ai-do' WHERE event = 'sign_in'"))
    edited.dispose()
    target = f"sqlite:///{tmp_path / 'r.sqlite'}"
    with pytest.raises(backup.BackupError, match="not what it was when saved"):
        backup.restore(file, target, None)
    assert rows(target, app_user) == [] and rows(target, audit.audit_entry) == []


def test_a_save_that_fails_leaves_no_file(source: UserStore, tmp_path: Path) -> None:
    file = tmp_path / "b.sqlite"
    file.write_bytes(b"yesterday's backup")
    with pytest.raises(sa.exc.DBAPIError):
        backup.save(file, str(source.engine.url), f"sqlite:///{tmp_path / 'none' / 'w.sqlite'}")
    assert file.read_bytes() == b"yesterday's backup"  # the last good one stays
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".b.sqlite")) == []


def test_the_command_says_what_it_saved(
    source: UserStore, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv("WELFARE_DB_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    assert backup.main(["save", str(tmp_path / "b.sqlite")]) == 0
    out = capsys.readouterr().out
    assert "app_user 2, audit_entry 6, audit_subject 1" in out
    assert "import log not included" in out


def test_a_save_reads_one_moment_of_a_sqlite_store(source: UserStore) -> None:
    """Entries written while a backup reads are not half in it: the reads share a snapshot."""
    reader = backup._snapshot(source.engine)
    try:
        before = backup._count(reader, audit.audit_entry)
        source.audit.record(audit.Entry(audit.VIEW, "lanhdao", "payments", subjects=(99,)))
        assert backup._count(reader, audit.audit_entry) == before
        assert backup._count(reader, audit.audit_subject) == 1
    finally:
        reader.close()
    with source.engine.connect() as conn:
        assert backup._count(conn, audit.audit_entry) == before + 1


def test_a_broken_trail_is_saved_as_broken_and_restored_as_it_was(
    source: UserStore, tmp_path: Path
) -> None:
    with source.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_entry_no_update")
        conn.exec_driver_sql("UPDATE audit_entry SET actor = 'ai-do' WHERE event = 'sign_in'")
    file = tmp_path / "b.sqlite"
    saved = backup.save(file, str(source.engine.url), None)
    assert not saved.intact
    target = f"sqlite:///{tmp_path / 'r.sqlite'}"
    done = backup.restore(file, target, None)
    assert not done.intact and len(rows(target, app_user)) == 2
    restored = UserStore(target)
    assert [p.message for p in audit.verify(restored.engine).problems] == [
        "content changed (its hash does not match)"
    ]
    restored.engine.dispose()


def test_a_backup_made_before_a_column_existed_still_restores(
    source: UserStore, tmp_path: Path
) -> None:
    file = tmp_path / "b.sqlite"
    backup.save(file, str(source.engine.url), None)
    older = sa.create_engine(f"sqlite:///{file}")
    with older.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE app_user DROP COLUMN email")
    older.dispose()
    target = f"sqlite:///{tmp_path / 'r.sqlite'}"
    backup.restore(file, target, None)
    assert [(u["username"], u["email"]) for u in rows(target, app_user)] == [
        ("lanhdao", None),
        ("quangtan", None),
    ]


def test_the_commands_refuse_a_store_that_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none" / "users.sqlite"
    monkeypatch.setenv("WELFARE_USERS_URL", f"sqlite:///{missing}")
    assert backup.main(["save", str(tmp_path / "b.sqlite")]) == 2
    assert audit_cli.main(["verify"]) == 2
    assert audit_cli.main(["purge"]) == 2
    assert capsys.readouterr().err.count("no user store") == 3
    assert not missing.exists() and not (tmp_path / "b.sqlite").exists()
