"""Figures are cached per what a user may see, not per who the user is (issue 18, load).

Thirty commune heads of one commune, or thirty district leaders, read one cached copy of each
figure: the account name that travels with a scope is not part of the cache key.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from auth.store import ROLE_COMMUNE, ROLE_DISTRICT, User
from data_access.filters import Filters, Period, Scope
from ui import data

CALLS: list[Scope] = []


def beneficiaries(conn: sa.Connection, filters: Filters, scope: Scope) -> int:
    """A real query, counted each time it reaches the database."""
    CALLS.append(scope)
    return int(conn.execute(sa.text("SELECT count(*) FROM allowance_beneficiary")).scalar_one())


def test_two_users_with_the_same_scope_share_one_cached_result(app_env: Path) -> None:
    CALLS.clear()
    filters = Filters(Period.year(2023))
    first = User("lanhdao", "Lãnh đạo", ROLE_DISTRICT, None).scope()
    second = User("pholanhdao", "Phó lãnh đạo", ROLE_DISTRICT, None).scope()
    assert first.label != second.label
    assert data.run(beneficiaries, filters, first) == data.run(beneficiaries, filters, second)
    assert len(CALLS) == 1 and CALLS[0].label == ""


def test_users_who_may_see_different_communes_never_share_a_result(app_env: Path) -> None:
    CALLS.clear()
    filters = Filters(Period.year(2023))
    district = User("lanhdao", "Lãnh đạo", ROLE_DISTRICT, None).scope()
    quang_tan = User("quangtan", "Chủ tịch", ROLE_COMMUNE, "06913").scope()
    data.run(beneficiaries, filters, district)
    data.run(beneficiaries, filters, quang_tan)
    data.run(beneficiaries, filters, Scope.everything(persons=False))
    assert [c.communes for c in CALLS] == [None, frozenset({"06913"}), None]
    assert [c.persons for c in CALLS] == [True, True, False]
