"""What a person sees of the unit versions (issue 14): the default view is the latest data in the
units in force, and a period the 2023 units cannot split is cut with a plain notice that offers
the new communes."""

from __future__ import annotations

from datetime import date

import pytest

from auth.store import DEMO_USERS, DEMO_USERS_TREE, UserStore, seed_demo_users
from data_access.filters import VERSION_2023, VERSION_2025, Filters, Period
from tests.apptest import metrics, no_exceptions, open_page, sign_in
from ui.filters import DataRange, default_filters, fit_version


def _caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Đang xem"))


def test_the_default_is_the_latest_year_in_the_units_in_force() -> None:
    late = DataRange(date(2022, 1, 1), date(2026, 11, 30))
    early = DataRange(date(2022, 1, 1), date(2023, 11, 30))
    assert default_filters(late) == Filters(Period.year(2026), version=VERSION_2025)
    assert default_filters(early) == Filters(Period.year(2023), version=VERSION_2023)


@pytest.mark.parametrize(
    ("period", "version", "shown", "words"),
    [
        (Period.year(2025), VERSION_2023, Period(date(2025, 1, 1), date(2025, 6, 1)), "rút lại"),
        (Period.year(2026), VERSION_2023, Period(date(2025, 1, 1), date(2025, 6, 1)), "kỳ cuối"),
        (Period.quarter(2025, 2), VERSION_2023, Period.quarter(2025, 2), None),
        (Period.year(2026), VERSION_2025, Period.year(2026), None),
    ],
)
def test_a_period_is_fitted_to_its_unit_version(period, version, shown, words) -> None:
    fitted, note = fit_version(Filters(period, version=version), "vi")
    assert fitted.period == shown and fitted.version == version
    if words is None:
        assert note is None
    else:
        assert note is not None and words in note and "30/6/2025" in note


def test_the_overview_opens_on_2026_in_the_new_communes(app_env) -> None:
    at = open_page()
    no_exceptions(at)
    assert "Năm 2026" in _caption(at) and "30/11/2026" in _caption(at)
    assert at.query_params["dv"] == [VERSION_2025] or at.query_params["dv"] == VERSION_2025
    assert at.selectbox(key="f_dv").value == VERSION_2025
    # the new communes are what can be picked
    assert sorted(at.multiselect(key="f_xa").options) == ["Xã Quảng Tân", "Xã Đầm Hà"]
    assert metrics(at)["Xã, thị trấn có Ban Bảo vệ, chăm sóc trẻ em"] == "100%"


def test_2025_in_the_old_units_is_cut_to_june_and_offers_the_new_communes(app_env) -> None:
    at = open_page(dv="2023", tu="2025-01", den="2025-12")
    no_exceptions(at)
    notes = [i.value for i in at.info if "30/6/2025" in i.value]
    assert len(notes) == 1 and "6 tháng đầu năm 2025" in notes[0]
    assert "6 tháng đầu năm 2025" in _caption(at)
    assert at.query_params["tu"] in ("2025-01", ["2025-01"])
    assert at.query_params["den"] in ("2025-06", ["2025-06"])
    # the offer: the whole year, by the new communes
    at.button(key="version_offer").click()
    at.run()
    no_exceptions(at)
    assert "Năm 2025" in _caption(at)
    assert at.selectbox(key="f_dv").value == VERSION_2025
    assert not [i.value for i in at.info if "30/6/2025" in i.value]


def test_2026_in_the_old_units_says_it_cannot_be_split(app_env) -> None:
    at = open_page(dv="2023", tu="2026-01", den="2026-11")
    no_exceptions(at)
    notes = [i.value for i in at.info if "30/6/2025" in i.value]
    assert len(notes) == 1 and "không tách được" in notes[0]
    assert "6 tháng đầu năm 2025" in _caption(at)


# --- each account opens on its own units ------------------------------------------------------


@pytest.fixture
def accounts(users_url: str) -> dict[str, str]:
    """The demo's sample accounts (the 2023 ones and those of the unit tree) in the test's store."""
    store = UserStore(users_url)
    seed_demo_users(store)
    return {u[0]: u[1] for u in DEMO_USERS} | {u[0]: u[1] for u in DEMO_USERS_TREE}


def _as(user: str, passwords: dict[str, str], **params: str):
    at = sign_in(open_page(**params), user, passwords[user])
    no_exceptions(at)
    return at


def test_the_head_of_a_2023_commune_opens_on_its_last_months(app_env, accounts) -> None:
    """Old Xã Quảng Tân ended on 30/6/2025: its head sees it, in the 2023 units, to June 2025."""
    at = _as("quangtan", accounts)
    assert _caption(at).startswith("Đang xem: Xã Quảng Tân · 6 tháng đầu năm 2025")
    assert at.selectbox(key="f_dv").value == VERSION_2023
    assert not [c.value for c in at.caption if "phần" in c.value.lower()]


def test_the_head_of_the_new_commune_opens_on_2026_and_sees_all_of_it(app_env, accounts) -> None:
    """New Xã Quảng Tân: the whole commune (never "part of"), in the 2025 units, this year."""
    at = _as("xaquangtan", accounts)
    assert _caption(at).startswith("Đang xem: Xã Quảng Tân · Năm 2026")
    assert at.selectbox(key="f_dv").value == VERSION_2025
    assert at.multiselect(key="f_xa").options == ["Xã Quảng Tân"]
    assert not [c.value for c in at.caption if "phần" in c.value.lower()]
    # ... and its predecessors' history, as the four old communes in the 2023 units
    old = _as("xaquangtan", accounts, tu="2023-01", den="2023-11", dv="2023")
    assert sorted(old.multiselect(key="f_xa").options) == [
        "Xã Dực Yên",
        "Xã Quảng An",
        "Xã Quảng Lâm",
        "Xã Quảng Tân",
    ]
