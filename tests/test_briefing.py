"""The quarterly briefing's content (reports.briefing) and its page (pages/briefing.py).

Content is built from the demo database on SQLite and PostgreSQL and compared with the data
layer's own answers; the page is driven through app.py with AppTest.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from auth.store import DEMO_USERS, UserStore
from charts import palette
from charts.formatting import fmt_change_pct, fmt_int, fmt_money
from data_access import schema
from data_access.db import make_engine, sqlite_file_url
from data_access.definitions import LOADED_ON_KEY
from data_access.errors import InvalidPeriodError
from data_access.filters import Filters, Period, Scope
from data_access.indicators import INDICATORS, indicator_values, targets
from data_access.queries import measures
from devtools.pgserver import create_database
from reports.briefing import build_briefing
from reports.briefing.layout import section_chart
from reports.briefing.model import Briefing, EmptyReportError
from reports.briefing.periods import default_period, report_periods
from reports.suppression import PRIMARY
from tests.apptest import no_exceptions, open_page, sign_in

Q2, Q3 = Period.quarter(2023, 2), Period.quarter(2023, 3)
AS_OF, FIRST = date(2023, 11, 30), date(2022, 1, 1)
ARTICLE_DAY = AS_OF  # the published 2023 figures are of 2023 up to 30/11/2023 (DOMAIN.md §1)
PAGE = "pages/briefing.py"


# --- the demo database as it stood on the article's day ----------------------------------------
# The demo now runs to 30/11/2026, so "Năm 2023" is a complete year. A briefing covers a quarter
# or a year cut at the data's as-of date; the "11 tháng năm 2023" briefing that tells the
# published results is the one written on 30/11/2023. A copy of the demo database whose load
# declares that day (dataset_info loaded_on, which caps data_as_of) gives exactly that briefing
# from the same rows.


def _declare_load(url: str, day: date) -> None:
    writer = sa.create_engine(url)
    try:
        with writer.begin() as conn:
            info = schema.dataset_info
            conn.execute(info.delete().where(info.c.key == LOADED_ON_KEY))
            conn.execute(info.insert().values(key=LOADED_ON_KEY, value=day.isoformat()))
    finally:
        writer.dispose()


def article_sqlite_copy(demo_sqlite_path: Path, folder: Path) -> Path:
    """A copy of the demo SQLite file whose data end on 30/11/2023."""
    path = folder / "demo-article.sqlite"
    shutil.copyfile(demo_sqlite_path, path)
    _declare_load(f"sqlite:///{path}", ARTICLE_DAY)
    return path


def article_engine(request: pytest.FixtureRequest, engine: Engine, name: str) -> Iterator[Engine]:
    """A read-only engine on a copy of ``engine``'s demo database whose data end on 30/11/2023
    (``name``: the copy's PostgreSQL database, one per test module)."""
    if engine.dialect.name == "sqlite":
        folder = request.getfixturevalue("tmp_path_factory").mktemp(name)
        path = article_sqlite_copy(request.getfixturevalue("demo_sqlite_path"), folder)
        copy = make_engine(sqlite_file_url(path, read_only=True))
    else:
        admin_url = request.getfixturevalue("pg_admin_url")
        # The session's template of the demo, which no test connects to (CREATE DATABASE …
        # TEMPLATE needs a source without sessions; the shared demo may hold a pooled one).
        url = create_database(admin_url, name, template=request.getfixturevalue("demo_pg_template"))
        _declare_load(url, ARTICLE_DAY)
        copy = make_engine(url)
    yield copy
    copy.dispose()


@pytest.fixture(scope="module")
def article(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Engine]:
    yield from article_engine(request, engine, "welfare_article_briefing")


def build(engine: Engine, period: Period, scope: Scope | None = None, **kw) -> Briefing:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return build_briefing(conn, Filters(period), scope or Scope.everything(), **kw)


def values(engine: Engine, period: Period, scope: Scope | None = None) -> dict[str, float]:
    with engine.connect() as conn:
        total, _ = indicator_values(conn, Filters(period), scope or Scope.everything())
    return {r.code: r.value for r in total.itertuples()}


def trend(now: float, before: float) -> str:
    """ "tăng 11,6%" / "giảm 0,3%", the way the summary words a relative change."""
    text = fmt_change_pct(now / before - 1)
    return ("tăng " if text.startswith("+") else "giảm ") + text[1:]


@pytest.fixture(scope="module")
def q3(engine: Engine) -> Briefing:
    return build(engine, Q3)


# --- periods --------------------------------------------------------------------------------


def test_periods_offered_are_quarters_with_data_then_years_never_a_future_quarter() -> None:
    periods = report_periods(FIRST, AS_OF)
    assert [p.label("vi") for p in periods] == [
        "Quý IV/2023 (đến 30/11/2023)",
        "Quý III/2023",
        "Quý II/2023",
        "Quý I/2023",
        "Quý IV/2022",
        "Quý III/2022",
        "Quý II/2022",
        "Quý I/2022",
        "Năm 2023 (đến 30/11/2023)",
        "Năm 2022",
    ]
    assert default_period(periods).label("vi") == "Quý III/2023"
    assert [p.label("en") for p in periods][:2] == ["Q4 2023 (to 30 Nov 2023)", "Q3 2023"]
    at_quarter_end = report_periods(FIRST, date(2023, 9, 30))
    assert at_quarter_end[0].label("vi") == "Quý III/2023"  # Q4 not offered before it starts
    assert default_period(at_quarter_end).label("vi") == "Quý III/2023"


def test_a_future_quarter_or_a_period_that_is_not_a_quarter_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidPeriodError, match="2027"):  # the data end on 30/11/2026
        build(engine, Period.quarter(2027, 1))
    with pytest.raises(InvalidPeriodError):
        build(engine, Period.months(2023, 2, 2023, 5))


def test_a_period_without_data_gives_a_notice_not_an_empty_report(engine: Engine) -> None:
    with pytest.raises(EmptyReportError) as raised:
        build(engine, Period.quarter(2021, 4))
    assert "Quý IV/2021" in raised.value.message("vi")
    assert "no report" in raised.value.message("en")


# --- figures --------------------------------------------------------------------------------


def test_q3_figures_equal_the_data_layer_with_their_comparisons(engine: Engine, q3) -> None:
    now, before, last_year = (
        values(engine, Q3),
        values(engine, Q2),
        values(engine, Period.quarter(2022, 3)),
    )
    to_date = values(engine, Period.months(2023, 1, 2023, 9))
    for ind in INDICATORS:
        fig = q3.figures[ind.code]
        for cell, expected in (
            (fig.value, now),
            (fig.previous, before),
            (fig.last_year, last_year),
            (fig.year_to_date, to_date),
        ):
            assert cell is not None and cell.marker is None
            assert cell.value == pytest.approx(expected[ind.code], nan_ok=True), ind.code


def test_commune_tables_add_up_to_their_total_rows(engine: Engine, q3) -> None:
    with engine.connect() as conn:
        frame = measures(conn, Filters(Q3), Scope.everything())
    for section in q3.sections:
        assert [r.code for r in section.table.rows] == list(frame["code"])
        for column in section.table.columns:
            if column.unit == "percent":
                continue
            cells = [row.cells[column.key].value for row in section.table.rows]
            assert cells == list(frame[column.key]), column.key
            assert section.table.total.cells[column.key].value == sum(cells), column.key


def test_the_payout_paragraph_is_written_from_the_figures(engine: Engine, q3) -> None:
    now, before = values(engine, Q3), values(engine, Q2)
    last_year = values(engine, Period.quarter(2022, 3))
    expected = (
        f"Quý III/2023, toàn huyện chi trả {fmt_money(now['F15'])} trợ cấp xã hội hằng tháng "
        f"cho {fmt_int(now['F14'])} đối tượng, {trend(now['F15'], before['F15'])} so với "
        f"quý II/2023 và {trend(now['F15'], last_year['F15'])} so với cùng kỳ năm 2022."
    )
    assert q3.section("payouts").summary.startswith(expected)
    assert "Lũy kế 9 tháng năm 2023, kinh phí chi trả đạt 12,13 tỷ đồng" in (
        q3.section("payouts").summary
    )


def test_every_domain_has_a_paragraph_in_vietnamese_number_style(q3) -> None:
    for section in q3.sections:
        assert section.summary.startswith(("Đến 30/9/2023", "Quý III/2023")), section.domain
        assert not re.search(r"\d,\d{3}\b", section.summary)  # no English thousands separators
    assert "741 lượt người cao tuổi" in q3.section("coverage").summary
    assert "97,2% (70/72 trẻ)" in q3.section("coverage").summary
    assert "4 hộ xây nhà mới và 2 hộ sửa chữa" in q3.section("housing").summary


def test_the_year_to_date_briefing_tells_the_published_2023_results(article: Engine) -> None:
    year = build(article, Period.year(2023))  # written on 30/11/2023: the article's 11 months
    assert year.title == "Kết quả thực hiện công tác an sinh xã hội 11 tháng năm 2023"
    text = " ".join(s.summary for s in year.sections)
    for phrase in (
        "13 hộ xây nhà mới",
        "11 hộ sửa chữa, cải tạo nhà ở",
        "tổng kinh phí 1,48 tỷ đồng, trong đó 100% từ nguồn xã hội hóa",
        "3 hội nghị giao dịch việc làm, xuất khẩu lao động",
        "6 hội nghị tư vấn, tuyển dụng lao động",
        "7 lớp sơ cấp nghề cho lao động nông thôn (4 lớp phi nông nghiệp, 3 lớp nông nghiệp)",
        "cho 1.911 đối tượng",
    ):
        assert phrase in text, phrase
    paid = re.search(r"chi trả (\d+,\d+) tỷ đồng", text)
    assert paid and 14.50 <= float(paid.group(1).replace(",", ".")) <= 14.99


def test_a_partial_quarter_is_compared_over_the_same_months(article: Engine) -> None:
    q4 = build(article, Period.quarter(2023, 4))  # on 30/11/2023, Q4 had two months of data
    assert q4.report.partial and q4.title.endswith("Quý IV/2023 (đến 30/11/2023)")
    july_august = values(article, Period.months(2023, 7, 2023, 8))
    assert q4.figures["F15"].previous.value == july_august["F15"]
    assert "so với 2 tháng đầu quý III/2023" in q4.section("payouts").summary


def test_lagging_communes_are_below_target_or_behind_the_plans_pace(engine: Engine, q3) -> None:
    coverage = {lag.code: lag for lag in q3.section("coverage").lags}
    assert [name for name, _ in coverage["F3"].communes] == ["Thị trấn Đầm Hà"]
    assert coverage["F3"].rule == "below_target"
    with engine.connect() as conn:
        _, ytd = indicator_values(
            conn, Filters(Period.months(2023, 1, 2023, 9)), Scope.everything()
        )
        goals = targets(conn, Filters(Q3), Scope.everything(), 2023)
    goal = {
        int(r.unit_id): r.value
        for r in goals.itertuples()
        if r.code == "F2" and r.unit_id == r.unit_id
    }
    behind = sorted(
        r.unit_name
        for r in ytd[ytd["code"] == "F2"].itertuples()
        if r.numerator / goal[r.unit_id] < 9 / 12
    )
    assert behind and [name for name, _ in coverage["F2"].communes] == behind
    assert coverage["F2"].rule == "behind_schedule"


def test_a_commune_heads_briefing_is_about_their_commune_only(engine: Engine) -> None:
    mine = build(engine, Q3, Scope.commune("06913"))
    assert mine.communes == [("06913", "Xã Quảng Tân")]
    assert mine.title.endswith("Quý III/2023 của xã Quảng Tân")  # lower case mid-sentence
    assert mine.figures["F14"].value.value == values(engine, Q3, Scope.commune("06913"))["F14"]
    assert mine.section("payouts").summary.startswith("Quý III/2023, xã Quảng Tân chi trả")


def test_communes_chosen_in_the_filter_bar_are_respected(engine: Engine) -> None:
    with engine.connect() as conn:
        two = build_briefing(conn, Filters(Q3, ("06901", "06913")), Scope.everything())
    assert [code for code, _ in two.communes] == ["06901", "06913"]
    assert two.title.endswith("của 2 xã, thị trấn được chọn")
    assert two.section("payouts").table.total.name == "Tổng cộng"


def test_the_english_briefing_formats_numbers_the_english_way(engine: Engine) -> None:
    english = build(engine, Q3, lang="en")
    now = values(engine, Q3)
    assert english.title == "Social welfare results, Q3 2023"
    assert english.section("payouts").summary.startswith(
        f"In Q3 2023, the district paid {fmt_money(now['F15'], 'en')} in monthly social "
        f"allowances to {fmt_int(now['F14'], 'en')} beneficiaries"
    )


def test_the_public_briefing_words_small_counts_as_fewer_than_five(engine: Engine) -> None:
    public = build(engine, Q3, public=True)
    housing = public.section("housing").summary
    assert "dưới 5 hộ xây nhà mới và dưới 5 hộ sửa chữa" in housing
    assert "420 triệu" not in housing  # the money would give the hidden counts away
    assert public.figures["F7"].value.marker == PRIMARY
    assert not public.figures["F9"].value.shown
    assert not public.figures["F3"].value.shown  # 70 of 72: the 2 not supported are hidden
    assert "70/72" not in public.section("coverage").summary


def test_a_second_quarter_year_to_date_does_not_give_the_quarter_away(engine: Engine) -> None:
    public = build(engine, Q2, public=True)
    repairs = public.figures["F8"]  # Q1: 2 repairs (hidden), Q2: 7 (shown); Jan–Jun = 9
    assert repairs.previous.marker == PRIMARY and repairs.value.shown
    assert not repairs.year_to_date.shown
    first = build(engine, Period.quarter(2023, 1), public=True)
    for fig in first.figures.values():
        assert fig.year_to_date == fig.value, fig.code


# --- the page -------------------------------------------------------------------------------


def _plain(value: str) -> str:
    """Text as read on screen: Markdown escapes ("\\(") removed."""
    return re.sub(r"\\(.)", r"\1", value)


def _markdown(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(_plain(m.value) for m in at.markdown)


def test_page_opens_on_the_latest_complete_quarter(app_env) -> None:
    # The data run to 30/11/2026: the latest complete quarter is Q3/2026, in the units in force
    # then (the two communes of 1/7/2025, whose area is the former district's).
    at = open_page(PAGE)
    no_exceptions(at)
    picker = at.selectbox(key="bc_ky")
    assert picker.value == "2026-Q3"
    assert "Quý IV/2026 (đến 30/11/2026)" in picker.options and "Năm 2026 (đến 30/11/2026)" in (
        picker.options
    )
    assert not any("2027" in option for option in picker.options)
    assert at.query_params["dv"] == "2025"
    assert at.multiselect(key="bc_xa").options == ["Xã Đầm Hà", "Xã Quảng Tân"]
    assert at.subheader[0].value == "Kết quả thực hiện công tác an sinh xã hội Quý III/2026"
    assert any(
        _plain(c.value).startswith(
            "Địa bàn huyện Đầm Hà (cũ) · Quý III/2026 · số liệu đến 30/11/2026"
        )
        for c in at.caption
    )
    text = _markdown(at)
    # Paid in 7–9/2026: SELECT SUM(amount_vnd) FROM allowance_payment WHERE status = 'paid'
    # AND month BETWEEN '2026-07-01' AND '2026-09-01' -> 4.905.000.000 đồng.
    assert (
        "Quý III/2026, địa bàn huyện Đầm Hà (cũ) chi trả 4,9 tỷ đồng trợ cấp xã hội hằng tháng"
        in text
    )
    headline = at.dataframe[0].value
    assert sum("Chỉ tiêu" in d.value.columns for d in at.dataframe) == 1  # one headline table
    row = headline[headline["Chỉ tiêu"] == "Đối tượng hưởng trợ cấp xã hội hằng tháng"]
    # On the list in 9/2026: SELECT COUNT(DISTINCT beneficiary_id) FROM allowance_payment
    # WHERE month = '2026-09-01' -> 1.943.
    assert (row.iloc[0]["Đơn vị tính"], row.iloc[0]["Quý III/2026"]) == ("đối tượng", "1.943")
    assert [b.label for b in at.get("download_button")] == ["Tải báo cáo Word", "Tải phụ lục Excel"]


def test_the_year_to_date_link_shows_the_published_figures(
    app_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page as it stood on 30/11/2023: the year to date was the article's 11 months.
    article = article_sqlite_copy(app_env, tmp_path)
    monkeypatch.setenv("WELFARE_DB_URL", f"sqlite:///{article}")
    at = open_page(PAGE, ky="2023")
    no_exceptions(at)
    headline = at.dataframe[0].value.set_index("Chỉ tiêu")
    column = "Năm 2023 (đến 30/11/2023)"
    assert headline.loc["Hộ được hỗ trợ xây nhà mới", column] == "13"
    assert headline.loc["Kinh phí hỗ trợ nhà ở", column] == "1,48 tỷ đồng"
    assert headline.loc["Đối tượng hưởng trợ cấp xã hội hằng tháng", column] == "1.911"


@pytest.mark.parametrize("link", ["2031-Q1", "2027-Q1", "2023-Q5", "<b>2023</b>"])
def test_a_bad_or_future_period_link_gives_a_notice(app_env, link: str) -> None:
    at = open_page(PAGE, ky=link)  # 2027-Q1: the quarter after the data's (to 30/11/2026)
    no_exceptions(at)
    assert any("không có trong danh sách" in w.value for w in at.warning)
    assert at.selectbox(key="bc_ky").value == "2026-Q3"


def test_a_bad_unit_version_link_gives_the_same_notice_as_every_other_page(app_env) -> None:
    at = open_page(PAGE)
    at.query_params["dv"] = "1999"  # after the overview's filter bar has written the URL
    at.run()
    no_exceptions(at)
    notices = [w.value for w in at.warning]
    assert any("phiên bản «1999» không có" in n and "đã dùng mặc định" in n for n in notices)
    assert at.subheader[0].value == "Kết quả thực hiện công tác an sinh xã hội Quý III/2026"


def test_the_print_layout_has_print_css_and_static_tables(app_env) -> None:
    at = open_page(PAGE)
    assert at.dataframe and not at.table
    at.toggle(key="bc_print").set_value(True).run()
    no_exceptions(at)
    css = [h.proto.body for h in at.get("html")]
    assert any("@media print" in body and "page-break-before" in body for body in css)
    assert at.table and not at.dataframe  # static tables print in full


def test_the_public_switch_hides_small_counts_on_the_page(app_env) -> None:
    at = open_page(PAGE)
    at.toggle(key="bc_public").set_value(True).run()
    no_exceptions(at)
    text = _markdown(at)
    assert "dưới 5 hộ xây nhà mới" in text
    housing = next(d.value for d in at.dataframe if "Hộ xây nhà mới" in d.value.columns).set_index(
        "Xã, thị trấn"
    )
    # Q3/2026 (the default): SELECT kind, COUNT(*) FROM housing_grant WHERE approved_on
    # BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY kind -> 2 new, 2 repairs. The total row of
    # the 2025 units names their area, the former district's.
    assert housing.loc["Địa bàn huyện Đầm Hà (cũ)", "Hộ xây nhà mới"] == "<5"
    assert "Kinh phí hỗ trợ (đồng)" not in housing.columns


def test_the_page_speaks_english(app_env) -> None:
    at = open_page(PAGE, lang="en")
    no_exceptions(at)
    assert at.title[0].value == "Quarterly briefing"
    # The default view (Q3/2026, the 2025 units): 4.916.100.000 đồng paid (SQL in the test above).
    assert "In Q3 2026, the former Đầm Hà district area paid VND 4.9 billion" in _markdown(at)


def test_a_commune_head_gets_their_communes_briefing(app_env, users_url) -> None:
    store = UserStore(users_url)
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    password = next(u[1] for u in DEMO_USERS if u[0] == "quangtan")
    at = sign_in(open_page(), "quangtan", password)
    at.switch_page(PAGE)
    at.run()
    no_exceptions(at)
    # Their unit (the 2023 Xã Quảng Tân) ended on 30/6/2025: its latest complete quarter.
    assert at.subheader[0].value.endswith("Quý II/2025 của xã Quảng Tân")
    assert at.selectbox(key="bc_ky").value == "2025-Q2"
    assert at.multiselect(key="bc_xa").options == ["Xã Quảng Tân"]
    for frame in at.dataframe[1:]:
        if "Xã, thị trấn" in frame.value.columns:
            assert list(frame.value["Xã, thị trấn"]) == ["Xã Quảng Tân", "Tổng cộng"]
    assert "Thị trấn Đầm Hà" not in _markdown(at)


def test_the_page_asks_for_sign_in_when_accounts_exist(app_env, users_url) -> None:
    store = UserStore(users_url)
    username, password, role, name, commune = DEMO_USERS[0]
    store.add(username, password, role, name, commune)
    at = open_page(PAGE)
    no_exceptions(at)
    assert at.text_input(key="sign_in_user") is not None
    assert not at.dataframe


def test_the_briefings_housing_chart_colours_kinds_as_the_housing_page_does(engine: Engine) -> None:
    """Xây mới and Sửa chữa keep one colour across the product (they used to swap here)."""
    year = build(engine, Period.year(2023))
    spec = section_chart(year, "housing").to_dict()  # type: ignore[union-attr]
    scale = spec["encoding"]["color"]["scale"]
    kinds = {"Xây mới": palette.BLUE, "Sửa chữa, cải tạo": palette.ORANGE}
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == kinds
