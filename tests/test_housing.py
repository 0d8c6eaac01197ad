"""The housing page (Nhà ở): its breakdowns reproduce F7–F9 (13 new builds, 11 repairs,
1.480.000.000 đồng, all socialised) on SQLite and PostgreSQL, progress is read from the grants'
dates, charts carry Vietnamese titles and formats, and the page renders for every commune and
says so when a selection has no grants."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from charts import housing as charts
from charts import palette
from data_access import housing as q
from data_access import schema as s
from data_access.filters import Filters, Period, Scope
from data_access.indicators import indicator_values
from data_access.queries import data_as_of, reference_date
from tests.apptest import metrics, no_exceptions, numeric, open_page

YEAR_2023 = Period.year(2023)
# The published 2023 figures are of 2023 up to the article's cut-off, 30/11/2023; the demo's
# data run on to 30/11/2026.
ARTICLE_2023 = Period.months(2023, 1, 2023, 11)
ARTICLE_LINK = {"tu": "2023-01", "den": "2023-11"}
EVERYONE = Scope.everything()
COMMUNES = ["06895", "06898", "06901", "06904", "06910", "06913", "06916", "06917", "06919"]


def _grant_rows(conn, period: Period) -> pd.DataFrame:
    """The record-level grants approved in ``period`` (tests only: to check the aggregates)."""
    g = s.housing_grant
    stmt = sa.select(
        g.c.approved_on, g.c.started_on, g.c.completed_on, g.c.deadline, g.c.kind
    ).where(g.c.approved_on.between(period.start, period.end_date))
    rows = [tuple(r) for r in conn.execute(stmt)]
    return pd.DataFrame(rows, columns=["approved", "started", "completed", "deadline", "kind"])


# --- queries, on both engines -------------------------------------------------------------------
def test_2023_grants_by_commune_reproduce_the_published_figures(engine: Engine) -> None:
    with engine.connect() as conn:
        communes = q.grants_by_commune(conn, Filters(YEAR_2023), EVERYONE)
    assert list(communes["unit_code"]) == COMMUNES
    assert int(communes["new_builds"].sum()) == 13
    assert int(communes["repairs"].sum()) == 11
    assert int(communes["amount"].sum()) == 1_480_000_000
    assert (communes["new_amount"] + communes["repair_amount"] == communes["amount"]).all()
    assert (communes["new_builds"] + communes["repairs"] == communes["grants"]).all()


def test_commune_figures_equal_the_registrys_per_commune_values(engine: Engine) -> None:
    with engine.connect() as conn:
        communes = q.grants_by_commune(conn, Filters(Period.year(2022)), EVERYONE)
        _, by_unit = indicator_values(conn, Filters(Period.year(2022)), EVERYONE, ["F7", "F9"])
    for code, column in (("F7", "new_builds"), ("F9", "amount")):
        rows = by_unit[by_unit["code"] == code]
        expected = dict(zip(rows["unit_code"], rows["numerator"], strict=True))
        assert dict(zip(communes["unit_code"], communes[column], strict=True)) == expected


def test_2023_money_is_all_socialised_and_2022_had_state_and_mixed_funding(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        y23 = q.grants_by_source(conn, Filters(YEAR_2023), EVERYONE)
        y22 = q.grants_by_source(conn, Filters(Period.year(2022)), EVERYONE)
        total22, _ = indicator_values(conn, Filters(Period.year(2022)), EVERYONE, ["F9", "F9S"])
    assert set(y23["source"]) == {"socialised"}
    assert int(y23["amount"].sum()) == 1_480_000_000
    assert dict(zip(y23["kind"], y23["grants"], strict=True)) == {"new": 13, "repair": 11}
    assert set(y22["source"]) == {"socialised", "state", "mixed"}
    assert int(y22["amount"].sum()) == int(total22.set_index("code").loc["F9", "numerator"])
    socialised = int(y22.loc[y22["source"] == "socialised", "amount"].sum())
    assert socialised / int(y22["amount"].sum()) == pytest.approx(
        total22.set_index("code").loc["F9S", "value"]
    )


def test_target_groups_cover_all_four_groups_and_every_grant(engine: Engine) -> None:
    with engine.connect() as conn:
        groups = q.grants_by_target_group(conn, Filters(YEAR_2023), EVERYONE)
    assert set(groups["group"]) == {"poor", "near_poor", "elderly_alone", "other"}
    assert int(groups["grants"].sum()) == 24
    assert int(groups["amount"].sum()) == 1_480_000_000


def test_progress_in_2023_everything_completed_and_mean_days_match_the_rows(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        progress = q.grant_progress(conn, Filters(YEAR_2023), EVERYONE)
        rows = _grant_rows(conn, YEAR_2023)
    assert int(progress["grants"].sum()) == 24 == int(progress["completed"].sum())
    assert int(progress["waiting"].sum()) == 0 == int(progress["building"].sum())
    days = [(c - a).days for a, c in zip(rows["approved"], rows["completed"], strict=True)]
    weighted = (progress["mean_days"].fillna(0) * progress["completed"]).sum()
    assert weighted / 24 == pytest.approx(sum(days) / len(days))
    late = sum(c > d for c, d in zip(rows["completed"], rows["deadline"], strict=True))
    assert int(progress["late"].sum()) == late
    # Quảng Ninh's goal: every house finished by 30/10/2023.
    assert max(d for d in progress["last_completed"] if d is not None) <= date(2023, 10, 30)
    assert min(d for d in progress["first_approved"] if d is not None) >= date(2023, 1, 1)


def test_progress_is_read_on_the_periods_last_day_not_from_todays_status(engine: Engine) -> None:
    to_april = Period.months(2023, 1, 2023, 4)
    with engine.connect() as conn:
        progress = q.grant_progress(conn, Filters(to_april), EVERYONE)
        rows = _grant_rows(conn, to_april)
        ref = reference_date(to_april, data_as_of(conn))
    assert ref == date(2023, 4, 30)
    done = sum(c is not None and c <= ref for c in rows["completed"])
    started = sum(
        s is not None and s <= ref and not (c is not None and c <= ref)
        for s, c in zip(rows["started"], rows["completed"], strict=True)
    )
    assert int(progress["completed"].sum()) == done
    assert int(progress["building"].sum()) == started
    assert int(progress["waiting"].sum()) == len(rows) - done - started
    assert 0 < done < len(rows)  # the status column says "completed" for all of them


def test_events_by_month_cover_each_month_of_the_period_with_approvals_and_completions(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        year = q.grant_events_by_month(conn, Filters(ARTICLE_2023), EVERYONE)
        q3 = q.grant_events_by_month(conn, Filters(Period.quarter(2023, 3)), EVERYONE)
        rows = _grant_rows(conn, ARTICLE_2023)
        latest = q.grant_events_by_month(conn, Filters(Period.year(2026), version="2025"), EVERYONE)
    # January to November 2023: eleven months, each with both events (zeros included).
    assert len(year) == 22
    assert sorted({m.month for m in year["month"]}) == list(range(1, 12))
    approved = year[year["event"] == "approved"]
    assert int(approved["grants"].sum()) == 24
    by_month = {m.month: int(n) for m, n in zip(approved["month"], approved["grants"], strict=True)}
    assert by_month == {m: sum(a.month == m for a in rows["approved"]) for m in range(1, 12)}
    assert int(year.loc[year["event"] == "completed", "grants"].sum()) == 24
    assert sorted({m.month for m in q3["month"]}) == [7, 8, 9]
    # A year runs to the data's last month: 2026's data end on 30/11/2026.
    assert len(latest) == 22 and sorted({m.month for m in latest["month"]}) == list(range(1, 12))
    assert int(q3["grants"].sum()) == int(
        year[[m.month in (7, 8, 9) for m in year["month"]]]["grants"].sum()
    )


def test_one_commune_and_a_commune_head_see_only_that_commune(engine: Engine) -> None:
    with engine.connect() as conn:
        everything = q.grants_by_commune(conn, Filters(YEAR_2023), EVERYONE)
        filtered = q.grants_by_commune(conn, Filters(YEAR_2023, ("06913",)), EVERYONE)
        head = q.grants_by_commune(conn, Filters(YEAR_2023), Scope.commune("06913"))
        progress = q.grant_progress(conn, Filters(YEAR_2023), Scope.commune("06913"))
        sources = q.grants_by_source(conn, Filters(YEAR_2023), Scope.commune("06913"))
    expected = everything.set_index("unit_code").loc["06913"]
    for frame in (filtered, head, progress):
        assert list(frame["unit_code"]) == ["06913"]
        assert list(frame["unit_name"]) == ["Xã Quảng Tân"]
    assert int(head.iloc[0]["amount"]) == int(expected["amount"])
    assert int(sources["amount"].sum()) == int(expected["amount"])


def test_the_2025_version_rolls_grants_into_two_communes(engine: Engine) -> None:
    with engine.connect() as conn:
        old = q.grants_by_commune(conn, Filters(YEAR_2023), EVERYONE).set_index("unit_code")
        new = q.grants_by_commune(conn, Filters(YEAR_2023, version="2025"), EVERYONE)
        progress = q.grant_progress(conn, Filters(YEAR_2023, version="2025"), EVERYONE)
    assert list(new["unit_code"]) == ["06895", "06913"]
    assert list(new["unit_name"]) == ["Xã Đầm Hà", "Xã Quảng Tân"]
    dam_ha = ["06895", "06904", "06916", "06917", "06919"]
    assert int(new.iloc[0]["amount"]) == int(old.loc[dam_ha, "amount"].sum())
    assert int(new["amount"].sum()) == 1_480_000_000
    assert list(progress["grants"]) == list(new["grants"])


# --- charts and tables (pure) -------------------------------------------------------------------
def _records(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


COMMUNE_FRAME = pd.DataFrame(
    {
        "unit_code": ["06913", "06919"],
        "unit_name": ["Xã Quảng Tân", "Xã Đại Bình"],
        "new_builds": [2, 0],
        "repairs": [1, 0],
        "grants": [3, 0],
        "new_amount": [160_000_000, 0],
        "repair_amount": [40_000_000, 0],
        "amount": [200_000_000, 0],
    }
)
SOURCE_FRAME = pd.DataFrame(
    {
        "source": ["socialised", "socialised"],
        "kind": ["new", "repair"],
        "grants": [13, 11],
        "amount": [1_040_000_000, 440_000_000],
    }
)


def test_communes_chart_stacks_new_builds_and_repairs_per_commune() -> None:
    spec = charts.communes_chart(COMMUNE_FRAME).to_dict()
    enc = spec["encoding"]
    assert spec["title"]["text"] == "Hộ được hỗ trợ nhà ở theo xã: xây mới và sửa chữa"
    assert (enc["x"]["field"], enc["x"]["aggregate"]) == ("households", "sum")
    assert enc["x"]["axis"]["format"] == ",.0f"
    assert enc["color"]["scale"]["domain"] == ["Xây mới", "Sửa chữa, cải tạo"]
    assert enc["tooltip"][-1]["title"] == "Kinh phí"
    new = next(r for r in _records(spec) if r["unit_code"] == "06913" and r["kind"] == "new")
    assert new["kind__label"] == "Xây mới"
    assert (new["households__text"], new["amount__text"], new["share__text"]) == (
        "2 hộ",
        "160 triệu đồng",
        "66,7%",
    )
    assert spec["params"][0]["name"] == "commune_pick"
    # a tap on any part of a commune's bar selects the commune: the code survives the sum
    assert spec["params"][0]["select"]["fields"] == ["unit_code"]
    assert spec["encoding"]["detail"] == {"field": "unit_code", "type": "nominal"}
    assert spec["height"] == {"step": 52}
    table = charts.communes_table(COMMUNE_FRAME)
    assert list(table.columns) == [
        "Mã xã",
        "Xã, thị trấn",
        "Xây mới (hộ)",
        "Sửa chữa, cải tạo (hộ)",
        "Tổng số hộ",
        "Kinh phí xây mới (đồng)",
        "Kinh phí sửa chữa (đồng)",
        "Tổng kinh phí (đồng)",
    ]
    assert table["Tổng kinh phí (đồng)"].tolist() == [200_000_000, 0]


def test_sources_chart_shows_every_source_in_million_dong_with_exact_tooltips() -> None:
    spec = charts.sources_chart(SOURCE_FRAME).to_dict()
    enc = spec["encoding"]
    assert spec["title"]["text"] == "Kinh phí hỗ trợ nhà ở theo nguồn"
    assert enc["y"]["scale"]["domain"] == [
        "Xã hội hóa",
        "Ngân sách nhà nước",
        "Kết hợp ngân sách và xã hội hóa",
    ]
    assert (enc["x"]["field"], enc["x"]["title"]) == ("million", "Kinh phí (triệu đồng)")
    assert enc["x"]["axis"]["format"] == ",.0f"
    assert [t["title"] for t in enc["tooltip"]] == [
        "Nguồn kinh phí",
        "Loại hỗ trợ",
        "Số hộ",
        "Kinh phí",
        "Tỷ lệ trong tổng kinh phí",
    ]
    new = next(r for r in _records(spec) if r["kind"] == "Xây mới")
    assert (new["million"], new["amount__text"], new["share__text"]) == (
        1040,
        "1,04 tỷ đồng",
        "70,3%",
    )
    table = charts.sources_table(SOURCE_FRAME)
    assert table["Tỷ lệ kinh phí (%)"].tolist() == [70.3, 29.7]
    assert int(table["Kinh phí (đồng)"].sum()) == 1_480_000_000
    english = charts.sources_chart(SOURCE_FRAME, "en").to_dict()
    assert english["encoding"]["x"]["title"] == "Funding (VND million)"
    assert _records(english)[0]["amount__text"] == "VND 1.04 billion"


def test_groups_chart_counts_households_in_the_four_vietnamese_groups() -> None:
    frame = pd.DataFrame(
        {
            "group": ["other", "poor"],
            "kind": ["new", "repair"],
            "grants": [4, 2],
            "amount": [310_000_000, 80_000_000],
        }
    )
    spec = charts.groups_chart(frame).to_dict()
    enc = spec["encoding"]
    assert spec["title"]["text"] == "Hộ được hỗ trợ nhà ở theo đối tượng"
    assert enc["y"]["sort"] == [
        "Hộ nghèo",
        "Hộ cận nghèo",
        "Người cao tuổi neo đơn",
        "Đối tượng yếu thế khác",
    ]
    assert (enc["x"]["field"], enc["x"]["title"]) == ("households", "Số hộ")
    assert charts.groups_table(frame)["Đối tượng"].tolist() == [
        "Hộ nghèo",
        "Đối tượng yếu thế khác",
    ]


PROGRESS_FRAME = pd.DataFrame(
    {
        "unit_code": ["06913"],
        "unit_name": ["Xã Quảng Tân"],
        "grants": [4],
        "waiting": [1],
        "building": [1],
        "completed": [2],
        "late": [1],
        "mean_days": [70.5],
        "first_approved": [date(2023, 2, 3)],
        "last_completed": [date(2023, 10, 24)],
    }
)


def test_progress_chart_and_table_show_stages_in_order_with_dates() -> None:
    frame = PROGRESS_FRAME
    spec = charts.progress_chart(frame).to_dict()
    enc = spec["encoding"]
    assert spec["title"]["text"] == "Tình trạng thực hiện theo xã"
    assert enc["color"]["scale"]["domain"] == [
        "Đã phê duyệt, chưa khởi công",
        "Đang xây dựng, sửa chữa",
        "Đã hoàn thành",
    ]
    assert _records(spec)[0]["days__text"] == "71 ngày"
    table = charts.progress_table(frame)
    row = table.iloc[0]
    assert (row["Đã hoàn thành"], row["Quá hạn"]) == (2, 1)
    assert (row["Phê duyệt đầu tiên"], row["Hoàn thành gần nhất"]) == ("3/2/2023", "24/10/2023")
    assert row["Số ngày trung bình từ phê duyệt đến hoàn thành"] == 70.5


def test_events_chart_draws_approvals_and_completions_as_lines_by_month() -> None:
    frame = pd.DataFrame(
        {
            "month": pd.to_datetime(["2023-09-01", "2023-09-01", "2023-10-01", "2023-10-01"]),
            "event": ["approved", "completed", "approved", "completed"],
            "grants": [3, 0, 0, 6],
        }
    )
    spec = charts.events_chart(frame).to_dict()
    line, points = spec["layer"]
    enc = points["encoding"]
    assert spec["title"]["text"] == "Hộ được phê duyệt và hoàn thành theo tháng"
    assert line["mark"]["type"] == "line" and points["mark"]["type"] == "point"
    assert enc["x"]["sort"] == ["T9/2023", "T10/2023"]
    assert enc["color"]["scale"]["domain"] == ["Được phê duyệt", "Hoàn thành"]
    assert (enc["y"]["field"], enc["y"]["title"]) == ("grants", "Số hộ")
    # a tap anywhere near a point selects its month
    assert spec["params"][0]["select"]["fields"] == ["month__key"]
    assert spec["params"][0]["select"]["nearest"] is True
    assert charts.events_table(frame).to_dict("list") == {
        "Tháng": ["Tháng 9/2023", "Tháng 10/2023"],
        "Được phê duyệt": [3, 0],
        "Hoàn thành": [0, 6],
    }


def test_xay_moi_and_sua_chua_keep_their_colours_on_every_housing_chart() -> None:
    """Colours come from charts.palette by code, not from a label's place in a legend."""
    kinds = {"Xây mới": palette.BLUE, "Sửa chữa, cải tạo": palette.ORANGE}
    only_repairs = SOURCE_FRAME[SOURCE_FRAME["kind"] == "repair"]
    for spec in (
        charts.communes_chart(COMMUNE_FRAME).to_dict(),
        charts.sources_chart(SOURCE_FRAME).to_dict(),
        charts.sources_chart(only_repairs).to_dict(),
    ):
        scale = spec["encoding"]["color"]["scale"]
        assert dict(zip(scale["domain"], scale["range"], strict=True)) == kinds
    stages = charts.progress_chart(PROGRESS_FRAME).to_dict()["encoding"]["color"]["scale"]
    assert stages["range"] == [palette.GREY, palette.ORANGE, palette.BLUE]  # waiting is not red


# --- the page, through app.py -------------------------------------------------------------------
def test_the_housing_page_shows_the_published_2023_figures(app_env) -> None:
    at = open_page("pages/housing.py", **ARTICLE_LINK)
    no_exceptions(at)
    shown = metrics(at)
    assert shown["Hộ được hỗ trợ xây nhà mới"] == "13 hộ"
    assert shown["Hộ được hỗ trợ sửa chữa, cải tạo nhà"] == "11 hộ"
    assert shown["Kinh phí hỗ trợ nhà ở"] == "1,48 tỷ đồng"
    assert shown["Tỷ lệ kinh phí nhà ở từ xã hội hóa"] == "100%"
    assert len(at.get("vega_lite_chart")) == 5
    communes = numeric(at.dataframe[0].value)
    assert int(communes["Tổng kinh phí (đồng)"].sum()) == 1_480_000_000
    sources = numeric(at.dataframe[1].value)
    assert set(sources["Nguồn kinh phí"]) == {"Xã hội hóa"}


@pytest.mark.parametrize("code", COMMUNES)
def test_the_housing_page_shows_one_communes_grants_or_says_there_are_none(app_env, code) -> None:
    at = open_page("pages/housing.py", xa=code, tu="2023-01", den="2023-12")
    no_exceptions(at)
    engine = sa.create_engine(f"sqlite:///{app_env}")
    with engine.connect() as conn:
        mine = q.grants_by_commune(conn, Filters(YEAR_2023, (code,)), EVERYONE).iloc[0]
    engine.dispose()
    shown = metrics(at)
    assert shown["Hộ được hỗ trợ xây nhà mới"] == f"{int(mine['new_builds'])} hộ"
    assert shown["Hộ được hỗ trợ sửa chữa, cải tạo nhà"] == f"{int(mine['repairs'])} hộ"
    if mine["grants"]:
        assert len(at.get("vega_lite_chart")) == 5
        assert numeric(at.dataframe[0].value)["Mã xã"].tolist() == [code]
    else:
        assert any("Không có hộ nào" in i.value for i in at.info)
        assert len(at.get("vega_lite_chart")) == 0


def test_a_commune_quarter_without_grants_shows_an_empty_state(app_env) -> None:
    engine = sa.create_engine(f"sqlite:///{app_env}")
    with engine.connect() as conn:
        year = q.grants_by_commune(conn, Filters(YEAR_2023), EVERYONE).set_index("unit_code")
        empty = None
        for quarter in (1, 2, 3):
            frame = q.grants_by_commune(conn, Filters(Period.quarter(2023, quarter)), EVERYONE)
            for code, grants in zip(frame["unit_code"], frame["grants"], strict=True):
                if grants == 0 and year.loc[code, "grants"] > 0 and empty is None:
                    empty = (code, quarter)
    engine.dispose()
    assert empty is not None, "the demo has a commune with grants in 2023 but not every quarter"
    code, quarter = empty
    first = 3 * quarter - 2
    at = open_page("pages/housing.py", xa=code, tu=f"2023-{first:02}", den=f"2023-{first + 2:02}")
    no_exceptions(at)
    assert metrics(at)["Hộ được hỗ trợ xây nhà mới"] == "0 hộ"
    assert any("Không có hộ nào được phê duyệt" in i.value for i in at.info)
    assert len(at.get("vega_lite_chart")) == 0 and len(at.dataframe) == 0


def test_the_housing_page_speaks_english(app_env) -> None:
    at = open_page("pages/housing.py", lang="en", **ARTICLE_LINK)
    no_exceptions(at)
    shown = metrics(at)
    assert shown["Households granted a new house"] == "13 households"
    assert shown["Housing grant funding"] == "VND 1.48 billion"
    assert "Total funding (VND)" in numeric(at.dataframe[0].value).columns


@pytest.mark.postgres
def test_the_housing_page_renders_on_postgresql(app_pg_env) -> None:
    at = open_page("pages/housing.py", **ARTICLE_LINK)
    no_exceptions(at)
    assert metrics(at)["Kinh phí hỗ trợ nhà ở"] == "1,48 tỷ đồng"
    assert len(at.get("vega_lite_chart")) == 5
