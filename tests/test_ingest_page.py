"""The page "Nhập số liệu" (issue 15 §6), with AppTest: who sees it, what a clerk is offered,
and the writer connection it needs. (An upload is driven in a browser:
tests/browser/test_ingest_upload.py; AppTest cannot fill a file uploader.)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from auth.store import (
    DEMO_USERS,
    DEMO_USERS_TREE,
    ROLE_CLERK,
    UserStore,
    UserStoreError,
    seed_demo_users,
)
from data_access.db import sqlite_file_url
from data_access.filters import version_in_force
from ingest.connection import WRITER_ENV, writer_url
from tests.apptest import no_exceptions, open_page, sign_in

PASSWORDS = {u[0]: u[1] for u in [*DEMO_USERS, *DEMO_USERS_TREE]}
PAGE = "pages/ingest.py"
TITLE = "Nhập số liệu"
NOT_CLERK = "Trang này dành cho cán bộ nhập liệu. Tài khoản của bạn không được nhập số liệu."
NO_WRITER = "Chưa cấu hình kết nối ghi số liệu"


@pytest.fixture
def store(users_url: str) -> UserStore:
    store = UserStore(users_url)
    seed_demo_users(store)
    return store


def _as(username: str) -> object:
    at = sign_in(open_page(), username, PASSWORDS[username])
    at.switch_page(PAGE).run()
    no_exceptions(at)
    return at


@pytest.mark.parametrize("username", ["lanhdao", "quangtan", "xem", "xaquangtan", "lanhdaotinh"])
def test_leaders_and_viewers_are_refused_and_do_not_see_it_in_the_bar(
    app_env: Path, store: UserStore, username: str
) -> None:
    at = _as(username)
    assert [e.value for e in at.error] == [NOT_CLERK]  # type: ignore[attr-defined]
    assert not at.get("file_uploader")  # type: ignore[attr-defined]


def test_the_page_is_in_the_bar_for_a_clerk_only() -> None:
    """app.py lists the page as visible for a clerk (``User.may_load``), hidden otherwise."""
    source = Path(__file__).resolve().parent.parent.joinpath("app.py").read_text()
    assert '"pages/ingest.py"' in source and "user.may_load" in source


def test_a_commune_clerk_gets_their_commune_last_month_and_the_uploader(
    app_env: Path, store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(WRITER_ENV, sqlite_file_url(app_env, read_only=False).render_as_string())
    at = _as("nhaplieu")
    assert not at.error  # type: ignore[attr-defined]
    assert [t.value for t in at.title] == [TITLE]  # type: ignore[attr-defined]
    commune = at.selectbox(key="ingest_commune")  # type: ignore[attr-defined]
    assert commune.options == ["Xã Quảng Tân"]  # the clerk's one commune (2025 units)
    month = at.selectbox(key="ingest_month")  # type: ignore[attr-defined]
    assert month.index == 1  # last month: the usual list
    assert len(at.get("file_uploader")) == 1  # type: ignore[attr-defined]
    assert len(at.get("download_button")) == 1  # the template of that commune and month  # type: ignore[attr-defined]


def test_without_a_writer_connection_the_page_says_so(
    app_env: Path, store: UserStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard runs on a named database (not the built-in demo) and no writer is set."""
    monkeypatch.delenv(WRITER_ENV, raising=False)
    at = _as("nhaplieu")
    assert any(NO_WRITER in w.value for w in at.warning)  # type: ignore[attr-defined]
    assert not at.get("file_uploader")  # type: ignore[attr-defined]


def test_the_writer_url_comes_from_the_environment_then_secrets_then_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = tmp_path / "secrets.toml"
    monkeypatch.delenv(WRITER_ENV, raising=False)
    monkeypatch.setenv("WELFARE_DB_URL", "postgresql://reader@db/welfare")
    assert writer_url(secrets) is None  # a named database needs a named writer
    secrets.write_text('[connections.welfare_writer]\nurl = "postgresql://writer@db/welfare"\n')
    assert writer_url(secrets) == "postgresql://writer@db/welfare"
    monkeypatch.setenv(WRITER_ENV, "postgresql://other@db/welfare")
    assert writer_url(secrets) == "postgresql://other@db/welfare"


def test_a_clerk_of_one_commune_or_of_all(users_url: str) -> None:
    store = UserStore(users_url)
    store.add("xa", "mat-khau-du-dai-1", ROLE_CLERK, "Nhập liệu xã", "06913", "2025")
    store.add("huyen", "mat-khau-du-dai-2", ROLE_CLERK, "Nhập liệu huyện", None)
    one, every = store.get("xa"), store.get("huyen")
    assert one is not None and every is not None
    assert one.may_load and every.may_load
    assert one.scope().communes == frozenset({"06913"}) and one.scope().version == "2025"
    assert every.scope().communes is None
    assert not one.scope().persons and not every.scope().persons
    with pytest.raises(UserStoreError):
        store.add("bad", "mat-khau-du-dai-3", ROLE_CLERK, "x", None, "2025")
    # a clerk named without a version loads today's lists: the units in force now
    store.add("moi", "mat-khau-du-dai-4", ROLE_CLERK, "Nhập liệu", "06913")
    fresh = store.get("moi")
    assert fresh is not None and fresh.scope().version == version_in_force(date.today())
