"""The person lists say what they count: the beneficiary list (everyone on the allowance list in
some month of the period) beside F14's tile (those on it in the reference month), with the
numbers that reconcile them; every list opens from a link (``?ds=``), and the elderly health
visits behind F2 have a list of their own (issue 13, defect 13 and the quality page's links)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine

from auth.store import DEMO_USERS, UserStore
from data_access.filters import Filters, Period, Scope
from data_access.indicators import indicator_values
from data_access.persons import (
    LISTS,
    PEOPLE_BEHIND,
    PersonListNotAllowedError,
    beneficiary_counts,
    beneficiary_list,
    health_visit_list,
)
from tests.apptest import no_exceptions, open_page, sign_in

PASSWORDS = {u[0]: u[1] for u in DEMO_USERS}
LEADER = Scope.everything(persons=True)
HEAD = Scope.commune("06913")
# The published 2023 figures (1.911 beneficiaries) are of 2023 up to the article's cut-off,
# 30/11/2023: the demo's data now run on to 30/11/2026, so "Năm 2023" includes December.
ARTICLE_2023 = Period.months(2023, 1, 2023, 11)


@pytest.fixture
def store(users_url: str) -> UserStore:
    store = UserStore(users_url)
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    return store


@pytest.mark.parametrize(
    ("period", "scope", "expected"),
    [
        (ARTICLE_2023, LEADER, (2020, 1911, 109, 0, date(2023, 11, 1))),
        (ARTICLE_2023, HEAD, (258, 240, 18, 0, date(2023, 11, 1))),
        (Period.quarter(2023, 3), LEADER, (1934, 1906, 28, 0, date(2023, 9, 1))),
        (Period.year(2022), LEADER, (2005, 1902, 103, 0, date(2022, 12, 1))),
    ],
    ids=["2023", "2023-quang-tan", "q3-2023", "2022"],
)
def test_the_beneficiary_list_and_f14_count_different_things_that_add_up(
    engine: Engine, period: Period, scope: Scope, expected: tuple
) -> None:
    filters = Filters(period)
    with engine.connect() as conn:
        counts = beneficiary_counts(conn, filters, scope)
        listed = beneficiary_list(conn, filters, scope).total
        f14, _ = indicator_values(conn, filters, scope, ["F14"], with_units=False)
    assert (
        counts.listed,
        counts.in_reference_month,
        counts.left_before,
        counts.joined_after,
        counts.reference_month,
    ) == expected
    assert counts.listed == listed  # the list's own count
    assert counts.f14 == counts.in_reference_month == int(f14["numerator"][0])  # the tile's
    assert counts.listed == counts.in_reference_month + counts.left_before + counts.joined_after


@pytest.mark.parametrize("period", [Period.year(2023), Period.quarter(2023, 2)], ids=str)
def test_the_health_visit_list_holds_exactly_the_visits_f2_counts(
    engine: Engine, period: Period
) -> None:
    with engine.connect() as conn:
        for scope in (LEADER, HEAD):
            visits = health_visit_list(conn, Filters(period), scope, 1, 200)
            f2, _ = indicator_values(conn, Filters(period), scope, ["F2"], with_units=False)
            assert visits.total == int(f2["numerator"][0]) > 0
        mine = health_visit_list(conn, Filters(period), HEAD, 1, 200)
        with pytest.raises(PersonListNotAllowedError):
            health_visit_list(conn, Filters(period), Scope.everything(persons=False))
    assert set(mine.rows["commune"]) == {"Xã Quảng Tân"}
    assert all(period.start <= d <= period.end_date for d in mine.rows["check_date"])


def test_every_indicator_with_people_behind_it_names_a_list() -> None:
    assert set(PEOPLE_BEHIND.values()) <= set(LISTS)
    assert {"F2", "F14", "F15"} <= set(PEOPLE_BEHIND)  # what communes report upward


def _persons_page(user: str, **params: str):
    at = sign_in(open_page(**params), user, PASSWORDS[user])
    at.switch_page("pages/persons.py")
    at.run()
    no_exceptions(at)
    return at


def test_the_leader_is_told_why_the_list_says_2020_and_the_tile_1911(app_env, store) -> None:
    at = _persons_page("lanhdao", tu="2023-01", den="2023-11")  # the article's 2023
    assert (
        "Danh sách này có 2.020 người có tên trong danh sách hưởng trợ cấp ở ít nhất một tháng "
        "của kỳ đang xem (Tháng 1–11/2023), kể cả 109 người đã thôi hưởng trước tháng chốt số liệu "
        "(Tháng 11/2023). Chỉ tiêu F14 “Đối tượng hưởng trợ cấp xã hội hằng tháng” đếm 1.911 "
        "đối tượng: người có tên trong danh sách của tháng chốt số liệu (Tháng 11/2023)."
    ) in [i.value for i in at.info]
    captions = [c.value for c in at.caption]
    assert "Trang 1/41 · 50 / 2.020 người" in captions
    assert "Trang 1/420 · 50 / 20.992 khoản chi trả" in captions  # payments, not people
    assert "Trang 1/63 · 50 / 3.127 lượt khám" in captions


def test_a_commune_head_gets_the_explanation_for_their_commune(app_env, store) -> None:
    at = _persons_page("quangtan", tu="2023-07", den="2023-09")
    explained = next(i.value for i in at.info if i.value.startswith("Danh sách này"))
    assert "có 241 người" in explained and "kể cả 4 người đã thôi hưởng" in explained
    assert "đếm 237 đối tượng" in explained and "(Tháng 9/2023)" in explained


def _tabs_opened_on(node) -> int | None:
    """The default tab of the first st.tabs under ``node`` (AppTest's element tree)."""
    for child in getattr(node, "children", {}).values():
        proto = getattr(child, "proto", None)
        if hasattr(proto, "tab_container") and proto.HasField("tab_container"):
            return int(proto.tab_container.default_tab_index)
        found = _tabs_opened_on(child)
        if found is not None:
            return found
    return None


@pytest.mark.parametrize("name", list(LISTS))
def test_a_link_opens_the_list_it_names(app_env, store, name: str) -> None:
    at = _persons_page("lanhdao", ds=name, xa="06919", tu="2023-04", den="2023-06")
    assert _tabs_opened_on(at._tree) == list(LISTS).index(name)
    assert all(set(d.value["Xã, thị trấn"]) == {"Xã Đại Bình"} for d in at.dataframe)


def test_an_unknown_list_in_a_link_opens_the_first(app_env, store) -> None:
    at = _persons_page("lanhdao", ds="nope")
    assert _tabs_opened_on(at._tree) == 0
