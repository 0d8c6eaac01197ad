"""The commune view shows one commune against its target and previous period, and beside the
district: its share of each count, its rank among the communes, and rates per 1.000 people.
A commune head lands on their commune; nothing on the page speaks English in Vietnamese."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.engine import Engine

from auth.store import DEMO_USERS, UserStore
from data_access.errors import OutOfScopeError
from data_access.filters import VERSION_2025, Filters, Period, Scope
from data_access.indicators import district_totals, indicator_values
from data_access.standing import STANDING_COLUMNS, commune_standing, rank_of
from tests.apptest import no_exceptions, open_page, sign_in

COMMUNES = ["06895", "06898", "06901", "06904", "06910", "06913", "06916", "06917", "06919"]


def test_district_totals_ignore_a_commune_scope_but_return_only_the_total(engine: Engine) -> None:
    filters = Filters(Period.quarter(2023, 3))
    with engine.connect() as conn:
        for_head = district_totals(conn, filters, Scope.commune("06913"))
        everything, _ = indicator_values(conn, filters, Scope.everything())
    assert list(for_head.columns) == ["code", "numerator", "denominator", "value"]
    assert for_head["numerator"].tolist() == everything["numerator"].tolist()


def test_without_a_commune_the_page_asks_for_one(app_env) -> None:
    at = open_page("pages/commune.py")
    no_exceptions(at)
    assert any("chọn một xã" in i.value for i in at.info)
    assert at.selectbox(key="commune_pick") is not None


@pytest.mark.parametrize("code", COMMUNES)
def test_each_commune_sits_beside_the_district_and_its_previous_quarter(app_env, code) -> None:
    at = open_page("pages/commune.py", xa=code, tu="2023-07", den="2023-09")
    no_exceptions(at)
    table = at.table[0].value
    row = table[table["Chỉ tiêu"] == "Đối tượng hưởng trợ cấp xã hội hằng tháng"].iloc[0]
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{app_env}")
    with engine.connect() as conn:
        q3 = Filters(Period.quarter(2023, 3), (code,))
        mine, _ = indicator_values(conn, q3, Scope.everything(), ["F14"])
        before, _ = indicator_values(
            conn, q3.with_period(Period.quarter(2023, 2)), Scope.everything(), ["F14"]
        )
        whole, _ = indicator_values(
            conn, Filters(Period.quarter(2023, 3)), Scope.everything(), ["F14"]
        )
    engine.dispose()
    district = at.table[1].value
    beside = district[district["Chỉ tiêu"] == row["Chỉ tiêu"]].iloc[0]
    assert row["Xã"] == f"{int(mine['numerator'][0]):,}".replace(",", ".") + " đối tượng"
    assert row["Kỳ trước"] == f"{int(before['numerator'][0]):,}".replace(",", ".") + " đối tượng"
    assert beside["Xã"] == row["Xã"]
    assert (
        beside["Toàn huyện"] == f"{int(whole['numerator'][0]):,}".replace(",", ".") + " đối tượng"
    )


# --- issue 13, defect 10: the commune view opens on the user's commune; counts compare -------

PASSWORDS = {u[0]: u[1] for u in DEMO_USERS}
F2 = "Lượt người cao tuổi được khám, tư vấn sức khỏe"
YEAR_2023 = Filters(Period.year(2023), ("06913",))


@pytest.fixture
def store(users_url: str) -> UserStore:
    store = UserStore(users_url)
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    return store


def _unescaped(text: str) -> str:
    """Markdown text as read: escapes dropped."""
    return re.sub(r"\\(.)", r"\1", text)


def _row(frame, label: str):
    return frame[frame["Chỉ tiêu"] == label].iloc[0]


def test_rank_counts_only_communes_with_a_value_and_shares_ties() -> None:
    assert rank_of(5.0, [7.0, 5.0, None, 1.0]) == (2, 4)
    assert rank_of(None, [7.0, 5.0]) == (None, 2)
    assert rank_of(9.0, []) == (1, 1)


def test_standing_gives_share_rank_and_rates_per_1000_people(engine: Engine) -> None:
    with engine.connect() as conn:
        standing = commune_standing(conn, YEAR_2023, Scope.commune("06913"))
        _, by_unit = indicator_values(conn, Filters(Period.year(2023)), Scope.everything(), ["F2"])
    assert list(standing.columns) == STANDING_COLUMNS  # a position, never another commune's figure
    f2 = standing.set_index("code").loc["F2"]
    assert (f2["value"], f2["district_value"]) == (450, 3127)
    assert (f2["population"], f2["district_population"]) == (5571, 41217)  # admin_unit.population
    assert f2["share"] == pytest.approx(450 / 3127)
    assert f2["per_1000"] == pytest.approx(450 / 5571 * 1000)
    assert f2["district_per_1000"] == pytest.approx(3127 / 41217 * 1000)
    # ranked per 1.000 people (2nd, after Quảng An), not by raw count: Thị trấn Đầm Hà has
    # more visits (635) but fewer per 1.000 people, so by count Quảng Tân would be 3rd
    assert (f2["rank"], f2["ranked"]) == (2, 9)
    visits = by_unit.set_index("unit_code")["value"]
    assert visits["06895"] > visits["06913"] and (visits > visits["06913"]).sum() == 2
    f1 = standing.set_index("code").loc["F1"]
    assert pd_none(f1["share"]) and pd_none(f1["per_1000"]) and f1["rank"] == 1  # a rate


def pd_none(value: object) -> bool:
    return value is None or value != value  # None or NaN


def test_standing_refuses_another_commune_and_a_partial_commune_gets_no_rate(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        with pytest.raises(OutOfScopeError):
            commune_standing(conn, Filters(Period.year(2023), ("06901",)), Scope.commune("06913"))
        partial = commune_standing(
            conn, Filters(Period.year(2023), ("06913",), VERSION_2025), Scope.commune("06913")
        ).set_index("code")
    # 2025's Xã Quảng Tân holds four 2023 communes; the head sees one: no population for the part
    assert pd_none(partial.loc["F2", "population"]) and pd_none(partial.loc["F2", "per_1000"])
    assert partial.loc["F2", "share"] == pytest.approx(450 / 3127)


def test_a_commune_head_lands_on_their_commune_with_share_rank_and_rates(app_env, store) -> None:
    at = sign_in(open_page(), "quangtan", PASSWORDS["quangtan"])
    at.switch_page("pages/commune.py")
    at.run()
    no_exceptions(at)
    # The account names the 2023 Xã Quảng Tân, which ended on 30/6/2025 (the data run to
    # 30/11/2026): it lands on its unit's last months, in the 2023 units.
    assert [s.value for s in at.subheader] == ["Xã Quảng Tân — 6 tháng đầu năm 2025"]
    assert "commune_pick" not in [s.key for s in at.selectbox]
    assert at.query_params["dv"] == "2023"
    # The published 2023 figures are of January to 30/11/2023, the article's cut-off.
    at.query_params["tu"], at.query_params["den"] = "2023-01", "2023-11"
    at.run()
    no_exceptions(at)
    assert [s.value for s in at.subheader] == ["Xã Quảng Tân — Tháng 1–11/2023"]
    assert "commune_pick" not in [s.key for s in at.selectbox]
    results, district = at.table[0].value, at.table[1].value
    assert list(results.columns[:4]) == ["Chỉ tiêu", "Xã", "Chỉ tiêu năm", "Đánh giá"]
    mine = _row(results, F2)
    # Eleven months are not the whole year: a count is not judged against the annual target
    # (indicators.covers_target_year); the previous period is the eleven months before,
    # Tháng 2–12/2022: 376 elderly health visits of the 2023 unit 06913 in the rows
    # (SELECT count(*) FROM health_check JOIN admin_unit ... WHERE code = '06913' AND
    # kind IN ELDERLY_CHECK_KINDS AND check_date BETWEEN '2022-02-01' AND '2022-12-31').
    assert (mine["Xã"], mine["Chỉ tiêu năm"], mine["Đánh giá"], mine["Kỳ trước"]) == (
        "450 lượt",
        "406 lượt",
        "—",
        "376 lượt",
    )
    assert any(_unescaped(c.value).startswith("Kỳ trước: Tháng 2–12/2022.") for c in at.caption)
    f1 = _row(results, "Người cao tuổi có thẻ BHYT được hỗ trợ")  # a rate is judged any time
    assert (f1["Xã"], f1["Chỉ tiêu năm"], f1["Đánh giá"]) == ("100%", "100%", "Đạt")
    assert dict(_row(district, F2)) == {
        "Chỉ tiêu": F2,
        "Xã": "450 lượt",
        "Toàn huyện": "3.127 lượt",
        "Tỷ trọng của xã trong toàn huyện": "14,4%",
        "Xếp thứ trong toàn huyện": "2/9",
        "Xã, trên 1.000 dân": "80,8 lượt",
        "Toàn huyện, trên 1.000 dân": "75,9 lượt",
    }
    f14 = _row(district, "Đối tượng hưởng trợ cấp xã hội hằng tháng")
    assert (f14["Tỷ trọng của xã trong toàn huyện"], f14["Xếp thứ trong toàn huyện"]) == (
        "12,6%",
        "7/9",
    )
    f1 = _row(district, "Người cao tuổi có thẻ BHYT được hỗ trợ")  # a rate: no share, no rate
    assert (f1["Tỷ trọng của xã trong toàn huyện"], f1["Xã, trên 1.000 dân"]) == ("—", "—")
    assert any("xã 5.571 người, toàn huyện 41.217 người" in _unescaped(c.value) for c in at.caption)


def test_the_district_leadership_is_asked_in_vietnamese_never_choose_an_option(
    app_env, store
) -> None:
    at = sign_in(open_page(), "lanhdao", PASSWORDS["lanhdao"])
    at.switch_page("pages/commune.py")
    at.run()
    no_exceptions(at)
    pick = at.selectbox(key="commune_pick")
    assert pick.value is None and pick.proto.placeholder == "Chọn xã, thị trấn"
    # The default view is Năm 2026 in the units in force since 1/7/2025: the two new communes.
    assert dict(at.query_params) == {"tu": "2026-01", "den": "2026-12", "dv": "2025"}
    assert pick.options == ["Xã Đầm Hà", "Xã Quảng Tân"]
    empty = [s for s in at.selectbox if s.value is None]
    assert all(s.proto.placeholder and "Choose" not in s.proto.placeholder for s in empty)
    pick.set_value("06913").run()
    no_exceptions(at)
    assert [s.value for s in at.subheader] == ["Xã Quảng Tân — Năm 2026"]
    # A 2023 period opens in the 2023 units: the nine communes of the district to choose from.
    at.query_params.clear()
    at.query_params["tu"], at.query_params["den"] = "2023-01", "2023-11"
    at.run()
    no_exceptions(at)
    pick = at.selectbox(key="commune_pick")
    assert pick.value is None and pick.proto.placeholder == "Chọn xã, thị trấn"
    assert len(pick.options) == 9
