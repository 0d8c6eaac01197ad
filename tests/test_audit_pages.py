"""The audit trail as the pages write and show it (issue 17 §1), with AppTest on the demo: a
person list on screen is recorded with whose rows it showed, once per session; a list whose
entry cannot be written is not shown; the access log is for district leadership only, and finds
the views of one person's data.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from auth import audit
from auth.session import T as session_text
from auth.store import DEMO_USERS, DEMO_USERS_TREE, UserStore, seed_demo_users
from data_access import schema as s
from data_access.filters import Filters, Period, Scope
from data_access.persons import LISTS, check_records, people_of
from data_access.quality import run_checks
from data_access.quality.check import LIST_LIMIT
from tests.apptest import no_exceptions, open_page, sign_in
from ui import audit as ui_audit

PASSWORDS = {u[0]: u[1] for u in [*DEMO_USERS, *DEMO_USERS_TREE]}
LOG_PAGE = "pages/audit_log.py"
NOT_ALLOWED = "Chỉ lãnh đạo huyện được xem nhật ký truy cập."
NAME = "Họ và tên"


@pytest.fixture
def store(users_url: str) -> UserStore:
    store = UserStore(users_url)
    seed_demo_users(store)
    return store


def views(store: UserStore) -> list[dict[str, object]]:
    rows, _ = audit.search(store.engine, events=[audit.VIEW], limit=10_000)
    return rows[::-1]


def subjects(store: UserStore, entry_id: object) -> list[int]:
    with store.engine.connect() as conn:
        found = conn.execute(
            sa.select(audit.audit_subject.c.person_id).where(
                audit.audit_subject.c.entry_id == entry_id
            )
        ).scalars()
        return sorted(int(p) for p in found)


def names_of(db: Path, people: list[int]) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        found = conn.execute(sa.select(s.person.c.full_name).where(s.person.c.id.in_(people)))
        names = set(found.scalars())
    engine.dispose()
    return names


def views_cannot_be_recorded(store: UserStore) -> None:
    """The user store refuses every new view entry, as a full disk would."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER full BEFORE INSERT ON audit_entry WHEN NEW.event = 'view' "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )


def persons_page(user: str) -> object:
    at = sign_in(open_page(), user, PASSWORDS[user])
    at.switch_page("pages/persons.py").run()
    no_exceptions(at)
    return at


def test_each_person_list_on_screen_is_recorded_with_whose_rows_once_per_session(
    app_env: Path, store: UserStore
) -> None:
    at = persons_page("lanhdao")
    seen = views(store)
    assert [v["target"] for v in seen] == list(LISTS)  # one tab each, all drawn
    tables = at.dataframe  # type: ignore[attr-defined]
    assert len(tables) == len(LISTS)
    for entry, table in zip(seen, tables, strict=True):
        frame = table.value
        assert entry["actor"] == "lanhdao" and entry["row_count"] == len(frame)
        detail = json.loads(str(entry["detail"]))
        assert detail["page"] == 1 and detail["filters"]["tu"] and "search" not in detail
        people = subjects(store, entry["id"])
        assert people and names_of(app_env, people) == set(frame[NAME])
    at.run()  # a rerun draws the same lists: not new views
    assert len(views(store)) == len(LISTS)
    assert audit.verify(store.engine).intact


def test_a_list_whose_view_cannot_be_recorded_is_not_shown(app_env: Path, store: UserStore) -> None:
    views_cannot_be_recorded(store)
    at = persons_page("lanhdao")
    assert not at.dataframe  # type: ignore[attr-defined]
    failed = ui_audit.T("failed", "vi")
    assert [e.value for e in at.error] == [failed]  # type: ignore[attr-defined]
    assert views(store) == []


def test_a_download_is_recorded_before_its_file_is_built() -> None:
    """The builder a download button holds records first; when it cannot, no file is built."""
    engine = sa.create_engine("sqlite://")
    audit.install(engine)
    trail = audit.AuditTrail(engine)
    built: list[int] = []

    def build() -> bytes:
        built.append(1)
        return b"a,b\r\n"

    entry = audit.Entry(audit.DOWNLOAD, "lanhdao", "danh-sach.csv", {"params": {}}, 3, "", (4, 5))
    assert ui_audit._record_then(trail, entry, build) == b"a,b\r\n"
    rows, total = audit.search(engine)
    assert total == 1 and rows[0]["target"] == "danh-sach.csv" and rows[0]["row_count"] == 3
    assert audit.search(engine, persons=[5])[1] == 1
    broken = audit.AuditTrail(sa.create_engine("sqlite:////nonexistent/users.sqlite"))
    with pytest.raises(audit.AuditWriteError):
        ui_audit._record_then(broken, entry, build)
    assert built == [1]


@pytest.mark.parametrize("user", ["quangtan", "xem", "xaquangtan", "lanhdaotinh", "nhaplieu"])
def test_only_district_leadership_reads_the_access_log(
    app_env: Path, store: UserStore, user: str
) -> None:
    at = sign_in(open_page(), user, PASSWORDS[user])
    at.switch_page(LOG_PAGE).run()
    no_exceptions(at)
    assert [e.value for e in at.error] == [NOT_ALLOWED]  # type: ignore[attr-defined]
    assert not at.dataframe  # type: ignore[attr-defined]


def test_the_page_is_in_the_bar_for_district_leadership_only() -> None:
    source = Path(__file__).resolve().parent.parent.joinpath("app.py").read_text()
    assert '"pages/audit_log.py"' in source and "user.may_audit" in source


def test_the_access_log_shows_sign_ins_and_views_and_finds_one_persons(
    app_env: Path, store: UserStore
) -> None:
    at = persons_page("lanhdao")
    first = at.dataframe[0].value  # type: ignore[attr-defined]
    someone = str(first[NAME].iloc[0])
    quangtan = persons_page("quangtan")  # another session, another user
    del quangtan
    at.switch_page(LOG_PAGE).run()
    no_exceptions(at)
    log = at.dataframe[0].value  # type: ignore[attr-defined]
    events = list(zip(log["Người dùng"], log["Việc"], strict=True))
    assert events.count(("lanhdao", "Xem danh sách cá nhân")) == len(LISTS)
    assert events.count(("quangtan", "Xem danh sách cá nhân")) == len(LISTS)
    assert ("lanhdao", "Đăng nhập") in events and ("system", "Thay đổi tài khoản") in events
    # one user only
    at.selectbox(key="al_user").set_value("quangtan").run()  # type: ignore[attr-defined]
    only = at.dataframe[0].value  # type: ignore[attr-defined]
    assert set(only["Người dùng"]) == {"quangtan"}
    at.selectbox(key="al_user").set_value(None).run()  # type: ignore[attr-defined]
    # whose data: the people of that name, and the views that showed one of them
    at.text_input(key="al_person").input(someone).run()  # type: ignore[attr-defined]
    no_exceptions(at)
    matched, shown = at.dataframe[0].value, at.dataframe[1].value  # type: ignore[attr-defined]
    assert set(matched[NAME]) == {someone}
    expected, _ = audit.search(store.engine, persons=_ids_named(app_env, someone), limit=10_000)
    assert len(shown) == len(expected) >= 1
    assert {("lanhdao", "Xem danh sách cá nhân")} <= set(
        zip(shown["Người dùng"], shown["Việc"], strict=True)
    )
    # the search itself is recorded, with whom it found
    searches = [v for v in views(store) if v["target"] == "audit_person_search"]
    assert len(searches) == 1 and searches[0]["row_count"] == len(matched)


def _ids_named(db: Path, name: str) -> list[int]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        found = conn.execute(sa.select(s.person.c.id).where(s.person.c.full_name == name))
        ids = [int(i) for i in found.scalars()]
    engine.dispose()
    return ids


def test_the_english_switch_labels_the_log(app_env: Path, store: UserStore) -> None:
    page = sign_in(open_page(lang="en"), "lanhdao", PASSWORDS["lanhdao"])
    page.switch_page(LOG_PAGE).run()
    no_exceptions(page)
    log = page.dataframe[0].value  # type: ignore[attr-defined]
    assert "Signed in" in set(log["Event"]) and "Time (Vietnam)" in log.columns


def test_a_sign_in_that_cannot_be_recorded_does_not_sign_in(
    app_env: Path, store: UserStore
) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER full BEFORE INSERT ON audit_entry WHEN NEW.event = 'sign_in' "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    at = sign_in(open_page(), "lanhdao", PASSWORDS["lanhdao"])
    no_exceptions(at)
    assert [e.value for e in at.error] == [session_text("busy", "vi")]  # type: ignore[attr-defined]
    assert at.text_input(key="sign_in_user") is not None and not at.metric  # type: ignore[attr-defined]


def test_the_log_names_every_kind_of_entry() -> None:
    """pages/audit_log.py labels each event auth.audit can write (its Catalog, in order)."""
    source = Path(__file__).resolve().parent.parent.joinpath(LOG_PAGE).read_text()
    block = source[source.index("EVENTS = Catalog(") :]
    block = block[: block.index("\n)\n")]
    assert re.findall(r'^        "(\w+)": \(', block, re.M) == list(audit.EVENTS)


@pytest.mark.parametrize("period", [(2022, 1, 2023, 11), (2025, 1, 2026, 11)])
def test_every_check_list_names_whose_rows_it_shows(engine: sa.Engine, period: tuple) -> None:
    """The audit trail's "whose" for a data check's list: the people ``people_of`` finds for its
    rows are exactly the people named in them (the grants: the household's first person)."""
    scope = Scope.everything(persons=True)
    version = "2023" if period[0] < 2025 else "2025"
    filters = Filters(Period.months(*period), (), version)
    with engine.connect() as conn:
        findings = run_checks(conn, filters, scope, LIST_LIMIT)
        checked = 0
        for found in findings:
            if found.rows is None or found.rows.empty or "full_name" not in found.rows:
                continue
            people = people_of(conn, filters, scope, check_records(found.rows))
            names = set(
                conn.execute(
                    sa.select(s.person.c.full_name).where(s.person.c.id.in_(people))
                ).scalars()
            )
            shown = {n for n in found.rows["full_name"] if isinstance(n, str)}
            assert names == shown, found.code
            checked += 1
    assert checked >= 5  # the seeded problems of each period


def test_the_data_checks_lists_are_recorded_together_with_whose_rows(
    app_env: Path, store: UserStore
) -> None:
    at = sign_in(open_page(tu="2022-01", den="2023-11"), "lanhdao", PASSWORDS["lanhdao"])
    at.switch_page("pages/quality.py").run()
    no_exceptions(at)
    seen = [v for v in views(store) if str(v["target"]).startswith("check:")]
    assert len(seen) >= 5
    assert len({v["at"] for v in seen}) == 1  # one transaction, one moment
    with_people = [v for v in seen if subjects(store, v["id"])]
    assert len(with_people) >= 5
    at.run()
    assert len([v for v in views(store) if str(v["target"]).startswith("check:")]) == len(seen)


def _payouts_list(user: str) -> object:
    """The payouts page over 1/2022–11/2023 (the demo's four off-rate payments of 2022)."""
    at = sign_in(open_page(), user, PASSWORDS[user])
    at.query_params.update(tu="2022-01", den="2023-11")
    at.switch_page("pages/payouts.py").run()
    no_exceptions(at)
    return at


def _tables_with_names(at: object) -> list[object]:
    return [t.value for t in at.dataframe if NAME in t.value.columns]  # type: ignore[attr-defined]


def test_the_payouts_off_rate_list_is_recorded_with_whose_rows(
    app_env: Path, store: UserStore
) -> None:
    at = _payouts_list("lanhdao")
    (table,) = _tables_with_names(at)
    (entry,) = [v for v in views(store) if v["target"] == "payouts_mismatch"]
    assert entry["actor"] == "lanhdao" and entry["row_count"] == len(table) == 4
    assert json.loads(str(entry["detail"]))["page"] == 1
    assert names_of(app_env, subjects(store, entry["id"])) == set(table[NAME])
    at.run()  # a rerun: not a new view
    assert len([v for v in views(store) if v["target"] == "payouts_mismatch"]) == 1


def test_the_payouts_off_rate_list_is_not_shown_unrecorded(app_env: Path, store: UserStore) -> None:
    views_cannot_be_recorded(store)
    at = _payouts_list("lanhdao")
    assert _tables_with_names(at) == []
    assert ui_audit.T("failed", "vi") in [e.value for e in at.error]  # type: ignore[attr-defined]
    assert views(store) == []
