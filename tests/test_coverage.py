"""The coverage page (Bao phủ): its breakdowns add up to the registry's F1–F6 on SQLite and
PostgreSQL, respect filters and scope, its charts carry Vietnamese titles and formats, and the
page renders for the whole district and for every commune."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from charts import coverage as charts
from charts import palette
from data_access import coverage as q
from data_access import schema as s
from data_access.errors import OutOfScopeError
from data_access.filters import Filters, Period, Scope, add_months, month_end
from data_access.indicators import indicator_values
from data_access.queries import ELDERLY_CHECK_KINDS
from tests.apptest import metrics, no_exceptions, numeric, open_page
from vocab import CHILD_CATEGORIES

YEAR_2023 = Period.year(2023)
# The published 2023 figures are of 2023 up to the article's cut-off, 30/11/2023; the demo's
# data run on to 30/11/2026.
ARTICLE_2023 = Period.months(2023, 1, 2023, 11)
ARTICLE_LINK = {"tu": "2023-01", "den": "2023-11"}
EVERYONE = Scope.everything()
COMMUNES = ["06895", "06898", "06901", "06904", "06910", "06913", "06916", "06917", "06919"]


def _registry(conn, filters: Filters, scope: Scope = EVERYONE) -> dict[str, tuple[int, int]]:
    total, _ = indicator_values(conn, filters, scope, ["F1", "F2", "F3", "F4", "F5", "F6"])
    return {r.code: (r.numerator, r.denominator) for r in total.itertuples()}


# --- queries, on both engines -------------------------------------------------------------------
def test_bhyt_cards_by_commune_add_up_to_f1_and_every_elderly_person_is_covered_in_2023(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        cards = q.elderly_cards(conn, Filters(YEAR_2023), EVERYONE)
        f1 = _registry(conn, Filters(YEAR_2023))["F1"]
    assert list(cards["unit_code"]) == COMMUNES
    assert (int(cards["covered"].sum()), int(cards["elderly"].sum())) == f1
    assert (cards["covered"] == cards["elderly"]).all()
    assert (cards["covered_share"] == 1.0).all()
    parts = cards["state"] + cards["partial"] + cards["self"] + cards["none"]
    assert (parts == cards["elderly"]).all()
    assert (cards["state"] > 0).all() and (cards["partial"] > 0).all()


def test_in_2022_some_elderly_had_no_valid_card_and_the_shares_match_the_registry(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        cards = q.elderly_cards(conn, Filters(Period.year(2022)), EVERYONE)
        _, by_unit = indicator_values(conn, Filters(Period.year(2022)), EVERYONE, ["F1"])
    assert cards["none"].sum() > 0
    registry = dict(zip(by_unit["unit_code"], by_unit["value"], strict=True))
    for code, share in zip(cards["unit_code"], cards["covered_share"], strict=True):
        assert share == pytest.approx(registry[code]), code
        assert share < 1.0, code


def test_health_visits_by_month_sum_to_f2_per_commune_and_in_total(engine: Engine) -> None:
    with engine.connect() as conn:
        visits = q.health_visits_by_month(conn, Filters(ARTICLE_2023), EVERYONE)
        total, by_unit = indicator_values(conn, Filters(ARTICLE_2023), EVERYONE, ["F2"])
    assert int(visits["visits"].sum()) == int(total["numerator"][0])
    assert 3001 <= int(visits["visits"].sum()) <= 3300  # "hơn 3.000 lượt"
    per_commune = visits.groupby("unit_code")["visits"].sum().to_dict()
    assert per_commune == dict(zip(by_unit["unit_code"], by_unit["numerator"], strict=True))
    # The article's data run to 30/11/2023: eleven months, all first days of months.
    months = sorted(set(visits["month"]))
    assert [m.date() for m in months] == [date(2023, m, 1) for m in range(1, 12)]


def test_month_buckets_match_date_ranges_for_one_commune_and_one_quarter(engine: Engine) -> None:
    """Year/month extraction must bucket exactly like explicit date ranges, on both engines."""
    h, u = s.health_check, s.admin_unit
    with engine.connect() as conn:
        visits = q.health_visits_by_month(
            conn, Filters(Period.quarter(2023, 3), communes=("06913",)), EVERYONE
        )
        unit_id = conn.execute(
            sa.select(u.c.id).where(u.c.code == "06913", u.c.valid_to.is_not(None))
        ).scalar_one()
        expected = {}
        for first in (date(2023, 7, 1), date(2023, 8, 1), date(2023, 9, 1)):
            expected[first] = conn.execute(
                sa.select(sa.func.count()).where(
                    h.c.admin_unit_id == unit_id,
                    h.c.kind.in_(ELDERLY_CHECK_KINDS),
                    h.c.check_date >= first,
                    h.c.check_date < add_months(first, 1),
                )
            ).scalar_one()
    assert set(visits["unit_code"]) == {"06913"}
    assert set(visits["unit_name"]) == {"Xã Quảng Tân"}
    assert {m.date(): int(v) for m, v in zip(visits["month"], visits["visits"], strict=True)} == (
        expected
    )


def test_the_quarters_of_2023_hold_all_the_years_visits(engine: Engine) -> None:
    with engine.connect() as conn:
        year = int(q.health_visits_by_month(conn, Filters(YEAR_2023), EVERYONE)["visits"].sum())
        quarters = [
            q.health_visits_by_month(conn, Filters(Period.quarter(2023, n)), EVERYONE)
            for n in (1, 2, 3, 4)
        ]
    for n, frame in enumerate(quarters, start=1):
        assert {m.month for m in frame["month"]} <= {3 * n - 2, 3 * n - 1, 3 * n}
    assert sum(int(f["visits"].sum()) for f in quarters) == year


def test_child_cases_add_up_to_f3_and_f4_by_commune_and_by_category(engine: Engine) -> None:
    with engine.connect() as conn:
        communes = q.child_cases_by_commune(conn, Filters(YEAR_2023), EVERYONE)
        categories = q.child_cases_by_category(conn, Filters(YEAR_2023), EVERYONE)
        registry = _registry(conn, Filters(YEAR_2023))
    assert registry["F3"] == (
        int(communes["special_supported"].sum()),
        int(communes["special_cases"].sum()),
    )
    assert registry["F4"] == (
        int(communes["at_risk_supported"].sum()),
        int(communes["at_risk_cases"].sum()),
    )
    by_circumstance = categories.groupby("circumstance")[["cases", "supported"]].sum()
    assert tuple(by_circumstance.loc["special"]) == registry["F3"][::-1]
    assert tuple(by_circumstance.loc["at_risk"]) == registry["F4"][::-1]
    assert set(categories["category"]) <= set(CHILD_CATEGORIES)
    assert list(categories["circumstance"]).index("at_risk") > 0  # special circumstances first


def test_every_commune_has_a_board_and_every_village_a_collaborator_in_2023(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        network = q.protection_network(conn, Filters(YEAR_2023), EVERYONE)
        registry = _registry(conn, Filters(YEAR_2023))
    assert registry["F5"] == (int(network["communes_with_board"].sum()), 9)
    assert registry["F6"] == (
        int(network["villages_with_collaborator"].sum()),
        int(network["villages"].sum()),
    )
    assert (network["communes"] == 1).all()
    assert all(isinstance(d, date) and d <= date(2020, 12, 31) for d in network["board_since"])
    # Xã Đầm Hà has the nine named thôn of DOMAIN.md §2.
    assert int(network.loc[network["unit_code"] == "06916", "villages"].iloc[0]) == 9


def test_a_commune_head_sees_only_quang_tan(engine: Engine) -> None:
    head = Scope.commune("06913")
    with engine.connect() as conn:
        cards = q.elderly_cards(conn, Filters(YEAR_2023), head)
        visits = q.health_visits_by_month(conn, Filters(YEAR_2023), head)
        children = q.child_cases_by_commune(conn, Filters(YEAR_2023), head)
        network = q.protection_network(conn, Filters(YEAR_2023), head)
        whole = q.elderly_cards(conn, Filters(YEAR_2023), EVERYONE)
        with pytest.raises(OutOfScopeError):
            q.elderly_cards(conn, Filters(YEAR_2023, communes=("06901",)), head)
    for frame in (cards, visits, children, network):
        assert set(frame["unit_code"]) == {"06913"}
        assert set(frame["unit_name"]) == {"Xã Quảng Tân"}
    assert cards.iloc[0]["elderly"] == whole.set_index("unit_code").loc["06913", "elderly"]


def test_one_commune_filter_returns_that_communes_figures(engine: Engine) -> None:
    one = Filters(YEAR_2023, communes=("06901",))
    with engine.connect() as conn:
        children = q.child_cases_by_commune(conn, one, EVERYONE)
        everything = q.child_cases_by_commune(conn, Filters(YEAR_2023), EVERYONE)
        categories = q.child_cases_by_category(conn, one, EVERYONE)
    assert list(children["unit_code"]) == ["06901"]
    expected = everything.set_index("unit_code").loc["06901"]
    assert int(children.iloc[0]["special_cases"]) == int(expected["special_cases"])
    assert int(categories["cases"].sum()) == int(
        expected["special_cases"] + expected["at_risk_cases"]
    )


def test_the_2025_version_shows_two_communes_holding_all_nine_units(engine: Engine) -> None:
    with engine.connect() as conn:
        old = q.protection_network(conn, Filters(YEAR_2023), EVERYONE)
        new = q.protection_network(conn, Filters(YEAR_2023, version="2025"), EVERYONE)
        cards_old = q.elderly_cards(conn, Filters(YEAR_2023), EVERYONE)
        cards_new = q.elderly_cards(conn, Filters(YEAR_2023, version="2025"), EVERYONE)
        visits = q.health_visits_by_month(conn, Filters(YEAR_2023, version="2025"), EVERYONE)
    assert list(new["unit_code"]) == ["06895", "06913"]
    assert list(new["unit_name"]) == ["Xã Đầm Hà", "Xã Quảng Tân"]
    assert list(new["communes"]) == [5, 4] and list(new["communes_with_board"]) == [5, 4]
    assert int(new["villages"].sum()) == int(old["villages"].sum())
    assert new["board_since"].iloc[0] == min(
        old.set_index("unit_code").loc[["06895", "06904", "06916", "06917", "06919"]]["board_since"]
    )
    assert int(cards_new["elderly"].sum()) == int(cards_old["elderly"].sum())
    assert set(visits["unit_code"]) == {"06895", "06913"}


def test_a_period_before_a_boards_founding_counts_it_as_missing(engine: Engine) -> None:
    """Point-in-time: the reference date decides whether a board existed."""
    with engine.connect() as conn:
        now = q.protection_network(conn, Filters(YEAR_2023), EVERYONE)
        month = add_months(max(now["board_since"]), -1)  # the month before the last board
        then = q.protection_network(conn, Filters(Period(month, month)), EVERYONE)
    existed = {
        c
        for c, d in zip(now["unit_code"], now["board_since"], strict=True)
        if d <= month_end(month)
    }
    assert 0 < len(existed) < 9
    assert int(then["communes_with_board"].sum()) == len(existed)
    assert set(then.loc[then["board_since"].notna(), "unit_code"]) == existed


# --- charts and tables (pure) -------------------------------------------------------------------
CARDS = pd.DataFrame(
    {
        "unit_code": ["06913", "06919"],
        "unit_name": ["Xã Quảng Tân", "Xã Đại Bình"],
        "elderly": [1200, 250],
        "state": [700, 150],
        "partial": [450, 90],
        "self": [20, 0],
        "none": [30, 10],
        "covered": [1150, 240],
        "covered_share": [1150 / 1200, 0.96],
    }
)


def _records(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


def test_cards_chart_stacks_communes_by_funding_in_a_fixed_order_with_shares() -> None:
    spec = charts.cards_chart(CARDS).to_dict()
    enc = spec["encoding"]
    assert spec["title"]["text"] == "Người cao tuổi theo thẻ BHYT còn hạn và nguồn đóng"
    assert spec["mark"]["type"] == "bar"
    assert (enc["y"]["field"], enc["y"]["type"]) == ("unit_name", "nominal")
    assert (enc["x"]["field"], enc["x"]["aggregate"], enc["x"]["type"]) == (
        "persons",
        "sum",
        "quantitative",
    )
    assert enc["x"]["axis"]["format"] == ",.0f" and enc["x"]["title"] == "Số người cao tuổi"
    assert enc["color"]["scale"]["domain"] == [
        "Nhà nước đóng",
        "Nhà nước hỗ trợ một phần",
        "Tự đóng",
        "Chưa có thẻ còn hạn",
    ]
    assert [t["title"] for t in enc["tooltip"]] == [
        "Xã, thị trấn",
        "Nguồn đóng thẻ BHYT",
        "Số người cao tuổi",
        "Tỷ lệ trong xã",
    ]
    assert spec["params"][0]["name"] == "commune_pick"
    assert spec["params"][0]["select"]["fields"] == ["unit_code"]
    state_qt = next(
        r for r in _records(spec) if r["unit_code"] == "06913" and r["funding"] == "state"
    )
    assert state_qt["funding__label"] == "Nhà nước đóng"
    assert (state_qt["persons__text"], state_qt["share__text"]) == ("700", "58,3%")
    assert spec["config"]["locale"]["number"]["thousands"] == "."


# Every chart by commune: a tap on any part of a bar selects the commune (its code is kept
# through the stacking sum), rows are 52 px, and the chart names itself in Vietnamese.
BY_COMMUNE = {
    "cards": lambda lang: charts.cards_chart(CARDS, lang),
    "children": lambda lang: charts.children_chart(CHILDREN, lang),
    "network": lambda lang: charts.network_chart(NETWORK, lang),
}


@pytest.mark.parametrize("chart", list(BY_COMMUNE))
def test_a_tap_on_any_part_of_a_communes_bar_selects_that_commune(chart: str) -> None:
    spec = BY_COMMUNE[chart]("vi").to_dict()
    assert spec["params"][0]["select"] == {"type": "point", "fields": ["unit_code"], "on": "click"}
    assert spec["encoding"]["x"]["aggregate"] == "sum"
    assert spec["encoding"]["detail"] == {"field": "unit_code", "type": "nominal"}
    assert spec["height"] == {"step": 52}
    assert spec["encoding"]["y"]["scale"]["paddingInner"] == 0.1  # bars of 46,8 px
    assert spec["config"]["bar"]["discreteBandSize"] == {"band": 1}
    assert spec["description"].startswith(f"Biểu đồ: {spec['title']['text']}. Chạm vào cột")


def test_coverage_charts_take_their_colours_from_the_one_palette() -> None:
    cards = charts.cards_chart(CARDS).to_dict()["encoding"]["color"]["scale"]
    assert dict(zip(cards["domain"], cards["range"], strict=True)) == {
        "Nhà nước đóng": palette.BLUE,
        "Nhà nước hỗ trợ một phần": palette.LIGHT_BLUE,
        "Tự đóng": palette.ORANGE,
        "Chưa có thẻ còn hạn": palette.GREY,  # missing is grey, never the "below target" red
    }
    network = charts.network_chart(NETWORK).to_dict()["encoding"]["color"]["scale"]
    assert network["range"] == [palette.BLUE, palette.GREY]
    helped = charts.categories_chart(CATEGORIES).to_dict()["encoding"]["color"]["scale"]
    assert helped["range"] == [palette.BLUE, palette.GREY]


def test_cards_table_holds_the_charts_numbers_and_the_covered_percentage() -> None:
    table = charts.cards_table(CARDS)
    assert list(table.columns) == [
        "Mã xã",
        "Xã, thị trấn",
        "Người cao tuổi",
        "Nhà nước đóng",
        "Nhà nước hỗ trợ một phần",
        "Tự đóng",
        "Chưa có thẻ còn hạn",
        "Có thẻ BHYT được hỗ trợ",
        "Tỷ lệ có thẻ được hỗ trợ (%)",
    ]
    assert list(table["Tỷ lệ có thẻ được hỗ trợ (%)"]) == [95.8, 96.0]
    english = charts.cards_table(CARDS, "en")
    assert "With a state-supported card (%)" in english.columns


VISITS = pd.DataFrame(
    {
        "month": pd.to_datetime(["2023-09-01", "2023-09-01", "2023-10-01"]),
        "unit_code": ["06913", "06919", "06913"],
        "unit_name": ["Xã Quảng Tân", "Xã Đại Bình", "Xã Quảng Tân"],
        "visits": [1204, 30, 45],
    }
)


def test_visits_chart_shows_the_district_total_per_month_and_months_without_visits() -> None:
    """One bar per month for the whole selection (not nine communes stacked in one bar); the
    months of the period without a visit are on the axis too."""
    months = [date(2023, m, 1) for m in (8, 9, 10, 11)]
    spec = charts.visits_chart(VISITS, "vi", months).to_dict()
    enc = spec["encoding"]
    assert spec["title"]["text"] == "Lượt khám, tư vấn sức khỏe người cao tuổi theo tháng"
    assert (enc["x"]["field"], enc["x"]["type"]) == ("month__label", "ordinal")
    assert enc["x"]["scale"]["domain"] == ["T8/2023", "T9/2023", "T10/2023", "T11/2023"]
    assert enc["y"]["field"] == "visits" and enc["y"]["title"] == "Lượt khám"
    assert enc["color"] == {"value": palette.SERIES}  # one colour: the district's total
    assert spec["params"][0]["name"] == "month_pick"
    assert spec["params"][0]["select"]["fields"] == ["month__key"]
    rows = {r["month__key"]: (r["month__text"], r["visits__text"]) for r in _records(spec)}
    assert rows == {
        "2023-08": ("Tháng 8/2023", "0"),
        "2023-09": ("Tháng 9/2023", "1.234"),
        "2023-10": ("Tháng 10/2023", "45"),
        "2023-11": ("Tháng 11/2023", "0"),
    }


def test_visits_table_is_months_by_communes_with_a_total() -> None:
    table = charts.visits_table(VISITS)
    assert list(table.columns) == ["Tháng", "Xã Quảng Tân", "Xã Đại Bình", "Tổng"]
    assert table.to_dict("list") == {
        "Tháng": ["Tháng 9/2023", "Tháng 10/2023"],
        "Xã Quảng Tân": [1204, 45],
        "Xã Đại Bình": [30, 0],
        "Tổng": [1234, 45],
    }
    months = [date(2023, m, 1) for m in (8, 9, 10)]
    assert charts.visits_table(VISITS, "vi", months)["Tổng"].tolist() == [0, 1234, 45]


CHILDREN = pd.DataFrame(
    {
        "unit_code": ["06913"],
        "unit_name": ["Xã Quảng Tân"],
        "special_cases": [8],
        "special_supported": [6],
        "at_risk_cases": [12],
        "at_risk_supported": [12],
    }
)
CATEGORIES = pd.DataFrame(
    {
        "circumstance": ["at_risk", "special", "special"],
        "category": ["bo_hoc", "mo_coi", "bi_xam_hai"],
        "cases": [12, 5, 3],
        "supported": [12, 3, 3],
    }
)


def test_children_chart_shows_cases_by_circumstance_and_how_many_were_helped() -> None:
    spec = charts.children_chart(CHILDREN).to_dict()
    enc = spec["encoding"]
    assert spec["title"]["text"] == "Trẻ em có hoàn cảnh đặc biệt và trẻ em có nguy cơ theo xã"
    assert enc["color"]["scale"]["domain"] == [
        "Trẻ em có hoàn cảnh đặc biệt",
        "Trẻ em có nguy cơ",
    ]
    assert enc["tooltip"][-1]["title"] == "Đã được trợ giúp, can thiệp"
    special = next(r for r in _records(spec) if r["circumstance__label"].endswith("đặc biệt"))
    assert special["supported__text"] == "6 (75%)"
    table = charts.children_table(CHILDREN)
    assert table.iloc[0]["Tỷ lệ được trợ giúp (%)"] == 75.0
    assert table.iloc[0]["Tỷ lệ được can thiệp (%)"] == 100.0


def test_categories_chart_lists_special_circumstances_first_split_by_help() -> None:
    spec = charts.categories_chart(CATEGORIES).to_dict()
    enc = spec["encoding"]
    assert spec["title"]["text"] == "Trẻ em theo nhóm hoàn cảnh và tình trạng trợ giúp"
    assert enc["y"]["sort"] == ["Mồ côi", "Bị xâm hại", "Bỏ học"]
    assert enc["color"]["scale"]["domain"] == [
        "Đã được trợ giúp, can thiệp",
        "Chưa được trợ giúp, can thiệp",
    ]
    assert "params" not in spec  # no drill: a category is not a filter
    not_yet = next(
        r for r in _records(spec) if r["category"] == "Mồ côi" and r["status"].startswith("Chưa")
    )
    assert (not_yet["children"], not_yet["share__text"]) == (2, "40%")
    table = charts.categories_table(CATEGORIES)
    assert list(table["Nhóm"]) == ["Mồ côi", "Bị xâm hại", "Bỏ học"]
    assert list(table["Tỷ lệ được trợ giúp, can thiệp (%)"]) == [60.0, 100.0, 100.0]


NETWORK = pd.DataFrame(
    {
        "unit_code": ["06913", "06919"],
        "unit_name": ["Xã Quảng Tân", "Xã Đại Bình"],
        "communes": [1, 1],
        "communes_with_board": [1, 0],
        "board_since": [date(2018, 3, 5), None],
        "villages": [10, 4],
        "villages_with_collaborator": [10, 3],
    }
)


def test_network_chart_and_table_name_the_board_and_its_date() -> None:
    frame = NETWORK
    spec = charts.network_chart(frame).to_dict()
    assert spec["title"]["text"] == "Thôn, bản, khu phố có cộng tác viên bảo vệ trẻ em theo xã"
    boards = {r["unit_code"]: r["board__text"] for r in _records(spec)}
    assert boards == {"06913": "Có (5/3/2018)", "06919": "Chưa có"}
    table = charts.network_table(frame)
    assert list(table["Ban Bảo vệ, chăm sóc trẻ em"]) == ["Có", "Chưa có"]
    assert list(table["Ngày thành lập Ban"]) == ["5/3/2018", ""]
    assert list(table["Tỷ lệ thôn có cộng tác viên (%)"]) == [100.0, 75.0]
    english = charts.network_chart(frame, "en").to_dict()
    assert english["title"]["text"] == "Villages with a child-protection collaborator, by commune"


# --- the page, through app.py -------------------------------------------------------------------
def test_the_coverage_page_shows_f1_to_f6_for_the_district_in_2023(app_env) -> None:
    at = open_page("pages/coverage.py", **ARTICLE_LINK)
    no_exceptions(at)
    shown = metrics(at)
    for label in (
        "Người cao tuổi có thẻ BHYT được hỗ trợ",
        "Trẻ em có hoàn cảnh đặc biệt được trợ giúp",
        "Trẻ em có nguy cơ được can thiệp, hỗ trợ",
        "Xã, thị trấn có Ban Bảo vệ, chăm sóc trẻ em",
        "Thôn, bản, khu phố có cộng tác viên bảo vệ trẻ em",
    ):
        assert shown[label] == "100%", label
    visits = shown["Lượt người cao tuổi được khám, tư vấn sức khỏe"]
    assert visits.endswith(" lượt") and 3001 <= int(visits.split()[0].replace(".", "")) <= 3300
    assert len(at.get("vega_lite_chart")) == 5
    cards = numeric(at.dataframe[0].value)
    assert len(cards) == 9 and set(cards["Tỷ lệ có thẻ được hỗ trợ (%)"]) == {100.0}
    visits_table = numeric(at.dataframe[1].value)
    assert int(visits_table["Tổng"].sum()) == int(visits.split()[0].replace(".", ""))
    assert [s.value for s in at.subheader] == [
        "Người cao tuổi: thẻ BHYT và khám sức khỏe",
        "Trẻ em có hoàn cảnh đặc biệt và trẻ em có nguy cơ",
        "Mạng lưới bảo vệ, chăm sóc trẻ em",
    ]


@pytest.mark.parametrize("code", COMMUNES)
def test_the_coverage_page_shows_one_communes_own_figures(app_env, code) -> None:
    at = open_page("pages/coverage.py", xa=code, tu="2023-01", den="2023-12")
    no_exceptions(at)
    engine = sa.create_engine(f"sqlite:///{app_env}")
    with engine.connect() as conn:
        total, _ = indicator_values(conn, Filters(YEAR_2023, (code,)), EVERYONE, ["F2"])
    engine.dispose()
    visits = int(total["numerator"][0])
    shown = metrics(at)
    assert shown["Lượt người cao tuổi được khám, tư vấn sức khỏe"] == (
        f"{visits:,}".replace(",", ".") + " lượt"
    )
    assert len(at.get("vega_lite_chart")) == 5
    for table in at.dataframe:
        frame = table.value
        if "Mã xã" in frame.columns:
            assert set(frame["Mã xã"]) == {code}
    assert int(numeric(at.dataframe[1].value)["Tổng"].sum()) == visits


def test_the_coverage_page_speaks_english_and_shows_the_2025_communes(app_env) -> None:
    # a 2023 period in the 2025 units: each new commune holds its 2023 units (in 2026 each has
    # a board of its own, and the table has no 2023 units to count)
    at = open_page("pages/coverage.py", lang="en", dv="2025", **ARTICLE_LINK)
    no_exceptions(at)
    assert metrics(at)["Elderly with a state-supported health-insurance card"] == "100%"
    network = numeric(at.dataframe[-1].value)
    assert list(network["Commune"]) == ["Xã Đầm Hà", "Xã Quảng Tân"]
    assert list(network["Communes (2023)"]) == [5, 4]


@pytest.mark.postgres
def test_the_coverage_page_renders_on_postgresql(app_pg_env) -> None:
    at = open_page("pages/coverage.py")
    no_exceptions(at)
    assert metrics(at)["Người cao tuổi có thẻ BHYT được hỗ trợ"] == "100%"
    assert len(at.get("vega_lite_chart")) == 5
