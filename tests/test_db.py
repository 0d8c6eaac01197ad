"""Opening the database: configuration order, clear errors for bad URLs, read-only connections."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import db
from data_access.demo.engine import demo_engine
from data_access.errors import DatabaseUnavailableError, DatabaseURLError


def test_environment_url_wins_over_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[connections.welfare]\nurl = "sqlite:///from-secrets.sqlite"\n')
    monkeypatch.setenv(db.ENV_VAR, "sqlite:///from-env.sqlite")
    assert db.configured_url(secrets) == "sqlite:///from-env.sqlite"
    monkeypatch.delenv(db.ENV_VAR)
    assert db.configured_url(secrets) == "sqlite:///from-secrets.sqlite"
    assert db.configured_url(tmp_path / "missing.toml") is None


def test_malformed_secrets_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(db.ENV_VAR, raising=False)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[connections.welfare\nurl = ")
    with pytest.raises(DatabaseURLError) as err:
        db.configured_url(secrets)
    assert "secrets.toml" in err.value.message("vi")


@pytest.mark.parametrize("url", ["not a url", "mysql://u@h/db", "://nothing"])
def test_malformed_or_unsupported_url_names_the_url(url: str) -> None:
    with pytest.raises(DatabaseURLError) as err:
        db.make_engine(url)
    assert url.split("://")[0] in err.value.message("vi")


def test_missing_sqlite_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sqlite"
    with pytest.raises(DatabaseUnavailableError) as err:
        db.make_engine(f"sqlite:///{missing}")
    assert str(missing) in err.value.message("vi")


def test_unreachable_postgres_names_the_server_and_hides_the_password() -> None:
    url = "postgresql://reader:s3cret@127.0.0.1:1/welfare"
    with pytest.raises(DatabaseUnavailableError) as err:
        db.make_engine(url)
    message = err.value.message("vi")
    assert "127.0.0.1:1" in message and "s3cret" not in message


def test_writes_through_the_dashboard_connection_fail(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.text("DELETE FROM allowance_payment"))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM allowance_payment")).scalar() > 20000


def test_demo_is_built_atomically_and_opened_read_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "demo.sqlite"
    progress: list[float] = []
    engine = demo_engine(path, progress=lambda f, _m: progress.append(f))
    assert path.is_file() and not path.with_suffix(".sqlite.building").exists()
    assert progress and progress[-1] == pytest.approx(1.0)
    with engine.connect() as conn, pytest.raises(sa.exc.OperationalError):
        conn.execute(sa.text("CREATE TABLE x (a int)"))
    engine.dispose()
