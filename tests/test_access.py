"""Sign-in, roles and commune scope: each role sees exactly its scope; personal data is masked;
lock-out after 5 failures; passwords only ever stored as argon2 hashes."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from auth import session as auth_session
from auth.store import DEMO_USERS, LOCKOUT, MAX_FAILURES, UserStore, UserStoreError, app_user
from data_access.filters import Filters, Period, Scope
from data_access.persons import PersonListNotAllowedError, beneficiary_list, mask
from i18n import choose
from tests.apptest import metrics, no_exceptions, open_page, sign_in
from vocab import (
    ALLOWANCE_GROUPS,
    CLASS_FIELDS,
    GRANT_KINDS,
    GRANT_SOURCES,
    GRANT_STATUSES,
    GRANT_TARGET_GROUPS,
    PAYMENT_METHODS,
    PAYMENT_STATUSES,
)

PASSWORDS = {u[0]: u[1] for u in DEMO_USERS}
F14 = "Đối tượng hưởng trợ cấp xã hội hằng tháng"


@pytest.fixture
def store(users_url: str) -> UserStore:
    store = UserStore(users_url)
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    return store


# --- the store --------------------------------------------------------------------------------


def test_password_is_stored_only_as_an_argon2_hash(store: UserStore) -> None:
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(app_user.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in stored)
    assert not any(p in h for h in stored for p in PASSWORDS.values())


def test_unknown_user_and_wrong_password_look_the_same(store: UserStore) -> None:
    wrong = store.authenticate("lanhdao", "not-the-password")
    unknown = store.authenticate("nobody-here", "not-the-password")
    assert wrong == unknown
    assert wrong.user is None and wrong.locked is False


def test_five_failures_lock_the_name_even_with_the_right_password(store: UserStore) -> None:
    now = datetime(2023, 12, 1, 8, 0)
    for _ in range(MAX_FAILURES):
        assert store.authenticate("quangtan", "wrong-password!", now).user is None
    refused = store.authenticate("quangtan", PASSWORDS["quangtan"], now)
    assert refused.user is None and refused.locked
    later = store.authenticate("quangtan", PASSWORDS["quangtan"], now + LOCKOUT + timedelta(1))
    assert later.user is not None and later.user.commune_code == "06913"


def test_unknown_names_lock_out_the_same_way(store: UserStore) -> None:
    now = datetime(2023, 12, 1, 8, 0)
    results = [store.authenticate("ghost", "x" * 12, now) for _ in range(MAX_FAILURES)]
    assert results[-1].locked and not results[0].locked


def test_disabled_user_cannot_sign_in_and_reset_clears_failures(store: UserStore) -> None:
    store.set_disabled("xem", True)
    assert store.authenticate("xem", PASSWORDS["xem"]).user is None
    store.set_disabled("xem", False)
    for _ in range(3):
        store.authenticate("xem", "wrong-password!")
    store.set_password("xem", "a-brand-new-password")
    assert store.authenticate("xem", "a-brand-new-password").user is not None


def test_store_refuses_bad_requests(store: UserStore) -> None:
    with pytest.raises(UserStoreError):
        store.add("lanhdao", "another-password", "district")
    with pytest.raises(UserStoreError):
        store.add("newhead", "long-enough-pass", "commune")  # no commune
    with pytest.raises(UserStoreError):
        store.add("short", "short", "viewer")
    with pytest.raises(UserStoreError):
        store.add("x'; DROP TABLE app_user; --", "long-enough-pass", "viewer")
    assert store.count() == 3


def test_roles_map_to_scopes(store: UserStore) -> None:
    users = {name: store.get(name) for name in PASSWORDS}
    assert users["lanhdao"].scope() == Scope(None, persons=True)
    assert users["quangtan"].scope() == Scope(frozenset({"06913"}), persons=True)
    assert users["xem"].scope() == Scope(None, persons=False)
    # the unit version is part of a commune scope: 06913 is another commune in the 2025 units
    assert users["quangtan"].scope() != Scope(frozenset({"06913"}), persons=True, version="2025")
    store.add("xaquangtan", "long-enough-pass", "commune", "", "06913", "2025")
    store.add("tinh", "long-enough-pass", "province", "", None, None, "22")
    assert store.get("xaquangtan").scope() == Scope.commune("06913", version="2025")
    assert store.get("tinh").scope() == Scope(None, persons=True, province="22")


def test_cli_adds_lists_and_disables_users_without_echoing_the_password(users_url: str) -> None:
    env = {"WELFARE_USERS_URL": users_url, "PATH": "/usr/bin:/bin"}
    root = Path(__file__).resolve().parent.parent
    add = subprocess.run(
        [
            sys.executable,
            "-m",
            "auth.cli",
            "add",
            "canbo",
            "--role",
            "commune",
            "--commune",
            "06901",
            "--name",
            "Cán bộ Quảng An",
            "--password-stdin",
        ],
        input="very-secret-pass\n",
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        check=True,
    )
    assert "very-secret-pass" not in add.stdout + add.stderr
    subprocess.run(
        [sys.executable, "-m", "auth.cli", "disable", "canbo"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )
    listed = subprocess.run(
        [sys.executable, "-m", "auth.cli", "list"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert re.search(r"canbo\s+commune\s+06901\s+disabled", listed)
    bad = subprocess.run(
        [sys.executable, "-m", "auth.cli", "add", "x", "--role", "commune", "--password-stdin"],
        input="very-secret-pass\n",
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "commune" in bad.stderr


# --- the data layer ----------------------------------------------------------------------------


def test_person_lists_are_refused_to_aggregate_only_roles(engine) -> None:
    with engine.connect() as conn, pytest.raises(PersonListNotAllowedError):
        beneficiary_list(conn, Filters(Period.year(2023)), Scope.everything(persons=False))


def test_person_lists_are_scoped_and_masked(engine) -> None:
    with engine.connect() as conn:
        page = beneficiary_list(conn, Filters(Period.year(2023)), Scope.commune("06913"), 1, 200)
        sneaky = beneficiary_list(
            conn, Filters(Period.year(2023)), Scope.commune("06913"), 1, 200, "%"
        )
    assert set(page.rows["commune"]) == {"Xã Quảng Tân"}
    assert page.total > 200 and len(page.rows) == 200
    assert all(re.fullmatch(r"•{8}\d{4}", v) for v in page.rows["national_id"])
    assert all(v == "" or re.fullmatch(r"•+\d{4}", v) for v in page.rows["bank_account"])
    assert sneaky.total == 0  # '%' is searched for literally, not as a wildcard


def test_mask_keeps_only_the_last_four_characters() -> None:
    assert mask("022163001234") == "••••••••1234"
    assert mask(None) == "" and mask("12") == "••"


# --- the app ----------------------------------------------------------------------------------


# The article's period, 2023 to 30/11/2023 (the demo's data runs on to 2026).
ARTICLE = {"tu": "2023-01", "den": "2023-11"}


def test_demo_without_accounts_opens_without_sign_in_and_shows_no_person_lists(app_env) -> None:
    at = open_page(**ARTICLE)
    no_exceptions(at)
    assert metrics(at)[F14] == "1.911 đối tượng"
    # the address exists (a link to it must not say "Page not found"), but the page refuses
    at.switch_page("pages/persons.py").run()
    no_exceptions(at)
    assert [e.value for e in at.error] == [PersonListNotAllowedError().message("vi")]
    assert not at.dataframe


def test_with_accounts_every_page_asks_for_sign_in_first(app_env, store) -> None:
    for page in (None, "pages/payouts.py", "pages/commune.py"):
        at = open_page(page)
        no_exceptions(at)
        assert not at.metric
        assert at.text_input(key="sign_in_user") is not None


def test_wrong_password_and_unknown_user_get_the_same_message(app_env, store) -> None:
    wrong = sign_in(open_page(), "lanhdao", "nope-nope-nope")
    unknown = sign_in(open_page(), "ai-do", "nope-nope-nope")
    assert [e.value for e in wrong.error] == [e.value for e in unknown.error]
    assert "không đúng" in wrong.error[0].value and not wrong.metric


def test_sql_injection_in_the_sign_in_form_is_harmless(app_env, store) -> None:
    at = sign_in(open_page(), "' OR '1'='1' --", "' OR '1'='1' --")
    no_exceptions(at)
    assert not at.metric and store.count() == 3


def test_commune_head_sees_only_own_commune_whatever_the_url_says(app_env, store) -> None:
    at = sign_in(open_page(xa="06901", **ARTICLE), "quangtan", PASSWORDS["quangtan"])
    no_exceptions(at)
    assert metrics(at)[F14] == "240 đối tượng"
    assert any("06901" in w.value for w in at.warning)
    assert at.multiselect(key="f_xa").options == ["Xã Quảng Tân"]
    at.switch_page("pages/commune.py")
    at.run()
    no_exceptions(at)


def test_commune_head_sees_own_people_only(app_env, store) -> None:
    at = sign_in(open_page(), "quangtan", PASSWORDS["quangtan"])
    at.switch_page("pages/persons.py")
    at.run()
    no_exceptions(at)
    frame = at.dataframe[0].value
    assert set(frame["Xã, thị trấn"]) == {"Xã Quảng Tân"}
    assert all(re.fullmatch(r"•{8}\d{4}", v) for v in frame["Số CCCD"])


def test_viewer_sees_district_figures_but_never_a_name(app_env, store) -> None:
    at = sign_in(open_page(**ARTICLE), "xem", PASSWORDS["xem"])
    no_exceptions(at)
    assert metrics(at)[F14] == "1.911 đối tượng"
    at.switch_page("pages/persons.py").run()  # hidden from the bar; the page itself refuses
    no_exceptions(at)
    assert [e.value for e in at.error] == [PersonListNotAllowedError().message("vi")]
    assert not at.dataframe


def test_district_leader_sees_person_lists_of_all_communes(app_env, store) -> None:
    at = sign_in(open_page(), "lanhdao", PASSWORDS["lanhdao"])
    at.switch_page("pages/persons.py")
    at.run()
    no_exceptions(at)
    assert at.dataframe[0].value["Xã, thị trấn"].nunique() > 1


# The person lists' columns that hold stored codes: (list's tab, vi header, en header, vocabulary).
CODED_COLUMNS = [
    (0, "Nhóm đối tượng", "Group", ALLOWANCE_GROUPS),
    (0, "Hình thức nhận", "Paid by", PAYMENT_METHODS),
    (1, "Loại hỗ trợ", "Kind", GRANT_KINDS),
    (1, "Đối tượng", "Target group", GRANT_TARGET_GROUPS),
    (1, "Nguồn kinh phí", "Funding", GRANT_SOURCES),
    (1, "Trạng thái", "Status", GRANT_STATUSES),
    (2, "Lĩnh vực", "Field", CLASS_FIELDS),
    (3, "Hình thức", "Method", PAYMENT_METHODS),
    (3, "Trạng thái", "Status", PAYMENT_STATUSES),
]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_person_lists_show_labels_never_stored_codes(app_env, store, lang: str) -> None:
    at = sign_in(open_page(lang=lang), "lanhdao", PASSWORDS["lanhdao"])
    at.switch_page("pages/persons.py")
    at.run()
    no_exceptions(at)
    frames = [d.value for d in at.dataframe]
    assert len(frames) == 5  # beneficiaries, housing grants, learners, payments, health visits
    for tab, vi, en, vocabulary in CODED_COLUMNS:
        shown = set(frames[tab][choose(lang, vi, en)])
        assert shown, (tab, vi)
        assert shown <= set(vocabulary.labels(lang).values()), (tab, vi, shown)
        assert not shown & set(vocabulary.codes()), (tab, vi, shown)


def test_idle_session_expires(app_env, store, monkeypatch) -> None:
    at = sign_in(open_page(), "lanhdao", PASSWORDS["lanhdao"])
    assert at.metric
    monkeypatch.setattr(auth_session, "IDLE_TIMEOUT_S", -1)
    at.run()
    assert not at.metric and any("hết hạn" in i.value for i in at.info)


def test_production_database_without_accounts_refuses_to_start(
    demo_sqlite_path, users_url, tmp_path, monkeypatch
) -> None:
    copy = tmp_path / "prod.sqlite"
    shutil.copy(demo_sqlite_path, copy)
    writer = sa.create_engine(f"sqlite:///{copy}")
    with writer.begin() as conn:
        conn.execute(sa.text("UPDATE dataset_info SET value = 'production' WHERE key = 'source'"))
    writer.dispose()
    monkeypatch.setenv("WELFARE_DB_URL", f"sqlite:///{copy}")
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    at = open_page()
    no_exceptions(at)
    assert not at.metric
    assert any("python -m auth.cli add" in e.value for e in at.error)
    assert not any("Dữ liệu mẫu" in i.value for i in at.info)


def test_html_in_a_name_is_shown_as_text(
    demo_sqlite_path, users_url, tmp_path, monkeypatch, store
) -> None:
    evil = "<img src=x onerror=alert(1)>"
    copy = tmp_path / "evil.sqlite"
    shutil.copy(demo_sqlite_path, copy)
    writer = sa.create_engine(f"sqlite:///{copy}")
    with writer.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE person SET full_name = :n WHERE id = (SELECT person_id FROM "
                "allowance_beneficiary WHERE end_month IS NULL ORDER BY id LIMIT 1)"
            ),
            {"n": evil},
        )
    writer.dispose()
    monkeypatch.setenv("WELFARE_DB_URL", f"sqlite:///{copy}")
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    at = sign_in(open_page(), "lanhdao", PASSWORDS["lanhdao"])
    at.switch_page("pages/persons.py")
    at.run()
    at.text_input(key="search_beneficiaries").input("<img")
    at.run()
    no_exceptions(at)
    assert list(at.dataframe[0].value["Họ và tên"]) == [evil]
    assert not any(evil in m.value for m in at.markdown)  # never passed to markdown/HTML


def test_a_display_name_with_markdown_is_shown_as_typed(app_env, users_url: str) -> None:
    """An account's display name is stored text: it never becomes a link or an image."""
    store = UserStore(users_url)
    name = "[Lãnh đạo](https://example.invalid/login) ![x](https://example.invalid/p.png)"
    store.add("lanhdao2", "long-enough-pass", "district", name)
    at = sign_in(open_page(), "lanhdao2", "long-enough-pass")
    no_exceptions(at)
    shown = [t.value for t in at.sidebar.text]
    assert any(v.startswith(name + " · ") for v in shown), shown
    assert not any("example.invalid" in m.value for m in at.sidebar.markdown)
