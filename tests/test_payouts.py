"""Allowance payouts: monthly amounts and beneficiaries, year to date, Decree 20 groups, bank vs
cash, communes, and payments off standard rate × coefficient — queries on SQLite and
PostgreSQL, chart specs, and the page through app.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from auth.store import DEMO_USERS, UserStore
from charts import palette
from charts import payouts as ch
from charts.common import BAR_ROW_PX
from charts.formatting import fmt_int, fmt_money, fmt_percent
from data_access import payouts as q
from data_access import schema as s
from data_access.errors import OutOfScopeError
from data_access.filters import Filters, Period, Scope
from data_access.indicators import indicator_values
from data_access.persons import PersonListNotAllowedError
from devtools.pgserver import create_database
from tests.apptest import metrics, no_exceptions, open_page, sign_in
from vocab import ALLOWANCE_GROUPS, PAYMENT_METHODS

YEAR_2023 = Filters(Period.year(2023))
# The published 2023 figures (1.911 beneficiaries, 14,83 tỷ đồng) are of 2023 up to the
# article's cut-off, 30/11/2023; the demo's data run on to 30/11/2026.
ARTICLE_2023 = Filters(Period.months(2023, 1, 2023, 11))
ARTICLE_LINK = {"tu": "2023-01", "den": "2023-11"}
EVERYONE = Scope.everything()
COMMUNES = ["06895", "06898", "06901", "06904", "06910", "06913", "06916", "06917", "06919"]
F14_LABEL = "Đối tượng hưởng trợ cấp xã hội hằng tháng"
F15_LABEL = "Kinh phí chi trả trợ cấp xã hội"


def _f(engine: Engine, code: str, filters: Filters = YEAR_2023) -> int:
    with engine.connect() as conn:
        total, _ = indicator_values(conn, filters, EVERYONE, [code])
    return int(total["numerator"].iloc[0])


# --- queries, on both engines ------------------------------------------------------------------


def test_2023_monthly_amounts_add_up_to_f15(engine: Engine) -> None:
    with engine.connect() as conn:
        months = q.monthly(conn, ARTICLE_2023, EVERYONE)
    assert months["month"].tolist() == [date(2023, m, 1) for m in range(1, 12)]
    assert int(months["paid_amount"].sum()) == _f(engine, "F15", ARTICLE_2023)
    assert 14_500_000_000 <= int(months["paid_amount"].sum()) <= 14_990_000_000


def test_1911_beneficiaries_were_paid_in_november_2023(engine: Engine) -> None:
    with engine.connect() as conn:
        months = q.monthly(conn, ARTICLE_2023, EVERYONE)
    november = months[months["month"] == date(2023, 11, 1)].iloc[0]
    assert november["beneficiaries"] == 1911 == _f(engine, "F14", ARTICLE_2023)


def test_cumulative_at_november_equals_the_years_total(engine: Engine) -> None:
    with engine.connect() as conn:
        ytd = q.cumulative(conn, ARTICLE_2023, EVERYONE)
        months = q.monthly(conn, ARTICLE_2023, EVERYONE)
    assert ytd["month"].iloc[-1] == date(2023, 11, 1)
    assert ytd["cumulative_amount"].iloc[-1] == months["paid_amount"].sum()
    assert ytd["cumulative_amount"].iloc[-1] == _f(engine, "F15", ARTICLE_2023)
    assert ytd["cumulative_amount"].is_monotonic_increasing


def test_cumulative_restarts_each_january(engine: Engine) -> None:
    with engine.connect() as conn:
        ytd = q.cumulative(conn, Filters(Period.months(2022, 11, 2023, 2)), EVERYONE)
    by_month = dict(zip(ytd["month"], ytd["cumulative_amount"], strict=True))
    january = int(ytd[ytd["month"] == date(2023, 1, 1)]["paid_amount"].iloc[0])
    assert by_month[date(2023, 1, 1)] == january
    assert by_month[date(2022, 12, 1)] > 12 * 1_100_000_000  # all of 2022, not two months


def test_cumulative_for_a_quarter_counts_from_january(engine: Engine) -> None:
    with engine.connect() as conn:
        q3 = q.cumulative(conn, Filters(Period.quarter(2023, 3)), EVERYONE)
        nine = q.monthly(conn, Filters(Period.months(2023, 1, 2023, 9)), EVERYONE)
    assert q3["month"].tolist() == [date(2023, m, 1) for m in (7, 8, 9)]
    assert q3["cumulative_amount"].iloc[-1] == nine["paid_amount"].sum()


def test_group_totals_add_up_to_the_total(engine: Engine) -> None:
    with engine.connect() as conn:
        groups = q.by_group(conn, YEAR_2023, EVERYONE)
        communes = q.by_commune(conn, YEAR_2023, EVERYONE)
    assert int(groups["paid_amount"].sum()) == _f(engine, "F15")
    # Each beneficiary belongs to one group and one commune: both splits count them once.
    assert groups["beneficiaries"].sum() == communes["beneficiaries"].sum()
    assert set(groups["group_code"]) == set(ALLOWANCE_GROUPS)
    assert groups["paid_amount"].is_monotonic_decreasing


def test_bank_and_cash_add_up_to_the_total_each_month(engine: Engine) -> None:
    with engine.connect() as conn:
        months = q.monthly(conn, Filters(Period.months(2022, 1, 2023, 11)), EVERYONE)
    assert len(months) == 23
    assert (months["bank_amount"] + months["cash_amount"] == months["paid_amount"]).all()
    assert (months["bank_beneficiaries"] < months["beneficiaries"]).all()


def test_the_bank_share_rises_from_2022_to_2023(engine: Engine) -> None:
    with engine.connect() as conn:
        y22 = q.monthly(conn, Filters(Period.year(2022)), EVERYONE)
        y23 = q.monthly(conn, YEAR_2023, EVERYONE)
    share_22 = y22["bank_amount"].sum() / y22["paid_amount"].sum()
    share_23 = y23["bank_amount"].sum() / y23["paid_amount"].sum()
    assert share_22 < share_23
    december, november = q.bank_share(y22), q.bank_share(y23)
    assert december is not None and november is not None and december < november


def test_commune_amounts_add_up_to_the_district(engine: Engine) -> None:
    with engine.connect() as conn:
        communes = q.by_commune(conn, YEAR_2023, EVERYONE)
    assert communes["unit_code"].tolist() == COMMUNES
    assert int(communes["paid_amount"].sum()) == _f(engine, "F15")
    assert (communes["bank_amount"] < communes["paid_amount"]).all()


def test_one_commune_filter_narrows_every_query_to_that_commune(engine: Engine) -> None:
    one = Filters(Period.year(2023), ("06913",))
    with engine.connect() as conn:
        whole = q.by_commune(conn, YEAR_2023, EVERYONE)
        months = q.monthly(conn, one, EVERYONE)
        communes = q.by_commune(conn, one, EVERYONE)
        groups = q.by_group(conn, one, EVERYONE)
    expected = int(whole[whole["unit_code"] == "06913"]["paid_amount"].iloc[0])
    assert communes["unit_code"].tolist() == ["06913"]
    assert int(months["paid_amount"].sum()) == expected == int(groups["paid_amount"].sum())
    assert int(months["paid_amount"].sum()) == _f(engine, "F15", one)


def test_a_quarter_holds_only_its_three_months(engine: Engine) -> None:
    with engine.connect() as conn:
        year = q.monthly(conn, YEAR_2023, EVERYONE)
        q3 = q.monthly(conn, Filters(Period.quarter(2023, 3)), EVERYONE)
    assert q3["month"].tolist() == [date(2023, 7, 1), date(2023, 8, 1), date(2023, 9, 1)]
    assert q3.reset_index(drop=True).equals(year.iloc[6:9].reset_index(drop=True))


def test_a_commune_heads_scope_sees_only_their_commune(engine: Engine) -> None:
    head = Scope.commune("06913")
    with engine.connect() as conn:
        mine = q.monthly(conn, YEAR_2023, head)
        filtered = q.monthly(conn, Filters(Period.year(2023), ("06913",)), EVERYONE)
        communes = q.by_commune(conn, YEAR_2023, head)
        with pytest.raises(OutOfScopeError):
            q.monthly(conn, Filters(Period.year(2023), ("06901",)), head)
    assert mine.equals(filtered)
    assert communes["unit_code"].tolist() == ["06913"]


def test_the_2025_version_rolls_communes_into_their_successors(engine: Engine) -> None:
    with engine.connect() as conn:
        old = q.by_commune(conn, YEAR_2023, EVERYONE)
        new = q.by_commune(conn, Filters(Period.year(2023), version="2025"), EVERYONE)
        merged = q.monthly(conn, Filters(Period.year(2023), ("06913",), "2025"), EVERYONE)
    assert new["unit_code"].tolist() == ["06895", "06913"]
    old_paid = dict(zip(old["unit_code"], old["paid_amount"], strict=True))
    quang_tan = sum(old_paid[c] for c in ["06901", "06910", "06898", "06913"])
    assert new["paid_amount"].tolist() == [sum(old_paid.values()) - quang_tan, quang_tan]
    assert int(merged["paid_amount"].sum()) == quang_tan


def test_2023_has_no_payment_off_the_standard(engine: Engine) -> None:
    with engine.connect() as conn:
        assert q.rate_mismatches(conn, YEAR_2023, EVERYONE).empty
        assert q.mismatch_list(conn, YEAR_2023, Scope.everything(persons=True)).empty


def test_the_check_finds_exactly_the_wrong_amounts_seeded_in_2022(engine: Engine) -> None:
    # data_access.demo plants four wrong 2022 amounts (issue 7), one each in four communes.
    everything = Filters(Period.months(2022, 1, 2023, 11))
    with engine.connect() as conn:
        found = q.rate_mismatches(conn, everything, EVERYONE)
        rows = q.mismatch_list(conn, everything, Scope.everything(persons=True))
    assert found["unit_code"].tolist() == ["06898", "06901", "06910", "06913"]
    assert found["mismatches"].tolist() == [1, 1, 1, 1] and found["without_rate"].sum() == 0
    by_code = {r.unit_code: r for r in rows.itertuples(index=False)}
    assert all(r.month.year == 2022 for r in rows.itertuples(index=False))
    zero = by_code["06898"]  # amount never entered: paid 0, the whole amount short
    assert (zero.paid, zero.difference) == (0, -zero.expected)
    rate_2023 = by_code["06901"]  # December 2022 paid at the 2023 rate of 500.000 đồng
    assert rate_2023.paid == 500_000 * rate_2023.coefficient_x10 // 10
    assert rate_2023.difference == 50_000 * rate_2023.coefficient_x10 // 10
    assert by_code["06910"].difference == 450_000 - 675_000  # hệ số 1,0 paid instead of 1,5
    assert by_code["06913"].difference == 657_000 - 675_000  # 675.000 typed as 657.000
    assert found["difference"].sum() == sum(r.difference for r in rows.itertuples(index=False))


def test_the_person_list_is_refused_to_a_scope_without_persons(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(PersonListNotAllowedError) as err:
        q.mismatch_list(conn, YEAR_2023, Scope.everything(persons=False))
    assert "danh sách" in err.value.message("vi")


def test_group_labels_are_vietnamese_and_unknown_codes_show_as_themselves() -> None:
    assert ALLOWANCE_GROUPS.label("KT_NANG") == "Người khuyết tật nặng"
    assert ALLOWANCE_GROUPS.label("KT_NANG", "en") == "People with severe disabilities"
    assert ALLOWANCE_GROUPS.label("QN_RIENG") == "QN_RIENG"
    assert (
        PAYMENT_METHODS.label("bank") == "Qua tài khoản"
        and PAYMENT_METHODS.label("cheque") == "cheque"
    )


# --- payments off the standard, in a writable copy of the demo, on both engines ---------------

OVERPAID_BY = 123_456
UNDERPAID_BY = 50_000


def _break_payments(engine: Engine) -> dict[str, int]:
    """Make payments wrong: overpaid (06913, November 2023), underpaid (06901, November 2023), a
    returned one with a wrong amount (06895, November 2023), and a copy paid for July 2021, a
    month with no standard rate in force. Returns their ids."""
    pay, unit = s.allowance_payment, s.admin_unit
    changed: dict[str, int] = {}
    with engine.begin() as conn:
        for key, code, delta in (("over", "06913", OVERPAID_BY), ("under", "06901", -UNDERPAID_BY)):
            row = conn.execute(
                sa.select(pay.c.id, pay.c.amount_vnd)
                .join(unit, unit.c.id == pay.c.admin_unit_id)
                .where(unit.c.code == code, pay.c.month == date(2023, 11, 1))
                .order_by(pay.c.id)
                .limit(1)
            ).one()
            conn.execute(
                sa.update(pay).where(pay.c.id == row.id).values(amount_vnd=row.amount_vnd + delta)
            )
            changed[key] = row.id
        returned = conn.execute(
            sa.select(pay.c.id, pay.c.amount_vnd)
            .join(unit, unit.c.id == pay.c.admin_unit_id)
            .where(unit.c.code == "06895", pay.c.month == date(2023, 11, 1))
            .order_by(pay.c.id)
            .limit(1)
        ).one()
        conn.execute(  # sent back by the bank: neither paid nor checked, whatever its amount
            sa.update(pay)
            .where(pay.c.id == returned.id)
            .values(status="returned", amount_vnd=returned.amount_vnd + 1)
        )
        changed["returned"] = returned.id
        template = conn.execute(sa.select(pay).where(pay.c.id == changed["over"])).mappings().one()
        values = {k: v for k, v in template.items() if k != "id"}
        values.update(month=date(2021, 7, 1), paid_on=date(2021, 7, 10))
        changed["no_rate"] = conn.execute(sa.insert(pay).values(**values)).inserted_primary_key[0]
    return changed


def _writable_copy(source: Path, folder: Path) -> Engine:
    path = folder / "demo.sqlite"
    shutil.copy(source, path)
    return sa.create_engine(f"sqlite:///{path}")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def wrong_rates(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, dict[str, int]]]:
    """A writable demo database with three wrong payments, on each engine, and their ids."""
    if request.param == "sqlite":
        source = request.getfixturevalue("demo_sqlite_path")
        engine = _writable_copy(source, tmp_path_factory.mktemp("wrong"))
    else:
        url = create_database(
            request.getfixturevalue("pg_admin_url"),
            "payouts_wrong_rates",
            template=request.getfixturevalue("demo_pg_template"),
        )
        engine = sa.create_engine(url)
    changed = _break_payments(engine)
    yield engine, changed
    engine.dispose()


def test_an_overpaid_and_an_underpaid_payment_are_counted_per_commune(wrong_rates) -> None:
    engine, _ = wrong_rates
    with engine.connect() as conn:
        found = q.rate_mismatches(conn, YEAR_2023, EVERYONE)
    assert found["unit_code"].tolist() == ["06901", "06913"]
    quang_an, quang_tan = found.iloc[0], found.iloc[1]
    assert (quang_an["mismatches"], quang_an["overpaid"], quang_an["underpaid"]) == (
        1,
        0,
        UNDERPAID_BY,
    )
    assert quang_an["difference"] == -UNDERPAID_BY
    assert (quang_tan["mismatches"], quang_tan["overpaid"], quang_tan["difference"]) == (
        1,
        OVERPAID_BY,
        OVERPAID_BY,
    )
    assert found["without_rate"].sum() == 0


def test_only_paid_payments_count_as_paid(wrong_rates, sqlite_engine: Engine) -> None:
    engine, changed = wrong_rates
    november = Filters(Period.months(2023, 11, 2023, 11))
    with engine.connect() as conn:
        broken = q.monthly(conn, november, EVERYONE).iloc[0]
    with sqlite_engine.connect() as conn:
        clean = q.monthly(conn, november, EVERYONE).iloc[0]
        returned = conn.execute(
            sa.select(s.allowance_payment.c.amount_vnd).where(
                s.allowance_payment.c.id == changed["returned"]
            )
        ).scalar_one()
    assert broken["paid_amount"] == clean["paid_amount"] + OVERPAID_BY - UNDERPAID_BY - returned
    assert broken["beneficiaries"] == clean["beneficiaries"] - 1


def test_a_payment_for_a_month_without_a_standard_rate_is_flagged(wrong_rates) -> None:
    engine, _ = wrong_rates
    with engine.connect() as conn:
        found = q.rate_mismatches(conn, Filters(Period.year(2021)), EVERYONE)
    assert found["unit_code"].tolist() == ["06913"]
    assert (found["mismatches"].iloc[0], found["without_rate"].iloc[0]) == (1, 1)
    assert found["difference"].iloc[0] == 0  # unknown, not counted as a difference


def test_the_mismatch_check_respects_filters_and_scope(wrong_rates) -> None:
    engine, _ = wrong_rates
    with engine.connect() as conn:
        q3 = q.rate_mismatches(conn, Filters(Period.quarter(2023, 3)), EVERYONE)
        head = q.rate_mismatches(conn, YEAR_2023, Scope.commune("06901"))
        merged = q.rate_mismatches(conn, Filters(Period.year(2023), version="2025"), EVERYONE)
    assert q3.empty
    assert head["unit_code"].tolist() == ["06901"]
    assert merged["unit_code"].tolist() == ["06913"]  # both communes merged into Quảng Tân
    assert merged["mismatches"].iloc[0] == 2
    assert merged["difference"].iloc[0] == OVERPAID_BY - UNDERPAID_BY


def test_the_paged_list_names_each_wrong_payment(wrong_rates) -> None:
    engine, changed = wrong_rates
    persons = Scope.everything(persons=True)
    with engine.connect() as conn:
        rows = q.mismatch_list(conn, YEAR_2023, persons)
        second_page = q.mismatch_list(conn, YEAR_2023, persons, 1)
        coefficient = conn.execute(
            sa.select(s.allowance_beneficiary.c.coefficient_x10)
            .join(
                s.allowance_payment,
                s.allowance_payment.c.beneficiary_id == s.allowance_beneficiary.c.id,
            )
            .where(s.allowance_payment.c.id == changed["over"])
        ).scalar_one()
    rate = 500_000  # Quảng Ninh's standard rate in 2023 (DOMAIN.md §3)
    assert rows["unit_code"].tolist() == ["06901", "06913"]
    over = rows.iloc[1]
    assert over["expected"] == rate * coefficient // 10
    assert over["paid"] == over["expected"] + OVERPAID_BY
    assert over["difference"] == OVERPAID_BY
    assert over["full_name"] and over["month"] == date(2023, 11, 1)
    assert rows.iloc[0]["difference"] == -UNDERPAID_BY
    assert second_page.empty


# --- charts ------------------------------------------------------------------------------------


@pytest.fixture
def months() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": [date(2023, 1, 1), date(2023, 2, 1)],
            "paid_amount": [1_346_250_000, 1_342_750_000],
            "beneficiaries": [1903, 1899],
            "bank_amount": [446_250_000, 471_000_000],
            "cash_amount": [900_000_000, 871_750_000],
            "bank_beneficiaries": [632, 666],
        }
    )


def _rows(spec: dict) -> list[dict]:
    (rows,) = spec["datasets"].values()
    return rows


def test_amount_chart_shows_millions_on_the_axis_and_exact_money_in_tooltips(months) -> None:
    spec = ch.amount_by_month(months).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["title"]["text"] == "Kinh phí chi trả theo tháng"
    assert spec["encoding"]["y"]["field"] == "paid_amount__million"
    assert spec["encoding"]["y"]["title"] == "Kinh phí (triệu đồng)"
    assert [t["title"] for t in spec["encoding"]["tooltip"]] == [
        "Tháng",
        "Kinh phí",
        "Số đối tượng được chi trả",
    ]
    first = _rows(spec)[0]
    assert first["paid_amount__million"] == 1346.25
    assert (first["paid_amount__text"], first["beneficiaries__text"]) == (
        "1,35 tỷ đồng",
        "1.903",
    )
    assert (first["month__label"], first["month__text"]) == ("T1/2023", "Tháng 1/2023")
    assert spec["params"][0]["name"] == "month_pick"
    assert spec["config"]["locale"]["number"]["decimal"] == ","


def test_every_money_axis_on_the_page_is_in_million_dong(months) -> None:
    """One unit rule: builders get whole đồng; every money axis says "(triệu đồng)"."""
    cumulative = pd.DataFrame(
        {
            "month": [date(2023, 1, 1)],
            "year": [2023],
            "paid_amount": [1_346_250_000],
            "cumulative_amount": [1_346_250_000],
        }
    )
    groups = pd.DataFrame(
        {"group_code": ["KT_NANG"], "paid_amount": [5_183_500_000], "beneficiaries": [589]}
    )
    titles = [
        ch.amount_by_month(months).to_dict()["encoding"]["y"]["title"],
        ch.cumulative_by_month(cumulative).to_dict()["layer"][1]["encoding"]["y"]["title"],
        ch.amount_by_group(groups).to_dict()["encoding"]["x"]["title"],
        ch.amount_by_commune(COMMUNE_FRAME).to_dict()["encoding"]["x"]["title"],
    ]
    assert all(title.endswith("(triệu đồng)") for title in titles), titles


def test_beneficiaries_chart_is_a_line_of_counts_and_a_tap_picks_the_nearest_month(months) -> None:
    spec = ch.beneficiaries_by_month(months).to_dict()
    line, points = spec["layer"]
    assert line["mark"]["type"] == "line" and line["mark"]["aria"] is False
    assert points["encoding"]["y"]["field"] == "beneficiaries"
    assert [r["beneficiaries__text"] for r in _rows(spec)] == ["1.903", "1.899"]
    assert spec["params"][0]["select"] == {
        "type": "point",
        "fields": ["month__key"],
        "nearest": True,
        "on": "click",
    }


def test_cumulative_chart_draws_one_line_per_year() -> None:
    frame = pd.DataFrame(
        {
            "month": [date(2022, 12, 1), date(2023, 1, 1)],
            "year": [2022, 2023],
            "paid_amount": [1_210_725_000, 1_346_250_000],
            "cumulative_amount": [14_467_125_000, 1_346_250_000],
        }
    )
    spec = ch.cumulative_by_month(frame).to_dict()
    line, points = spec["layer"]
    assert line["mark"]["type"] == "line"
    assert points["encoding"]["color"]["field"] == "year_label"
    assert points["encoding"]["color"]["scale"]["range"] == [palette.GREY, palette.SERIES]
    assert [r["year_label"] for r in _rows(spec)] == ["Năm 2022", "Năm 2023"]
    assert _rows(spec)[0]["cumulative_amount__text"] == "14,47 tỷ đồng"
    table = ch.cumulative_table(frame)
    assert list(table.columns) == ["Tháng", "Kinh phí chi trả (đồng)", "Lũy kế từ đầu năm (đồng)"]


def test_method_chart_stacks_bank_and_cash_to_100_percent(months) -> None:
    spec = ch.method_share_by_month(months).to_dict()
    assert spec["encoding"]["y"]["stack"] == "normalize"
    assert spec["encoding"]["y"]["axis"]["format"] == ".0%"
    assert spec["encoding"]["color"]["sort"] == ["Qua tài khoản", "Tiền mặt"]
    rows = _rows(spec)
    assert [(r["method"], r["share__text"]) for r in rows[:2]] == [
        ("Qua tài khoản", "33,1%"),
        ("Tiền mặt", "66,9%"),
    ]
    assert rows[0]["amount__text"] == "446,25 triệu đồng"
    assert spec["params"][0]["name"] == "month_pick"
    assert spec["params"][0]["select"]["fields"] == ["month__key"]
    assert [r["month__key"] for r in rows[:2]] == ["2023-01", "2023-01"]
    table = ch.method_table(months)
    assert table["Tỷ lệ qua tài khoản %"].tolist() == [0.3315, 0.3508]


def test_group_chart_labels_groups_in_vietnamese_and_grows_with_rows() -> None:
    frame = pd.DataFrame(
        {
            "group_code": ["KT_NANG", "QN_RIENG"],
            "paid_amount": [5_183_500_000, 1_000_000],
            "beneficiaries": [589, 1],
        }
    )
    spec = ch.amount_by_group(frame).to_dict()
    assert [r["group_label"] for r in _rows(spec)] == ["Người khuyết tật nặng", "QN_RIENG"]
    assert spec["height"] == {"step": BAR_ROW_PX}
    assert spec["autosize"]["type"] == "fit-x"
    assert "params" not in spec  # a group is not a commune: no tap-to-drill
    assert ch.group_table(frame, "en").columns.tolist() == [
        "Group code",
        "Beneficiary group (Decree 20)",
        "Amount paid (VND)",
        "Beneficiaries paid",
    ]


COMMUNE_FRAME = pd.DataFrame(
    {
        "unit_id": [8],
        "unit_code": ["06913"],
        "unit_name": ["Xã Quảng Tân"],
        "paid_amount": [1_874_250_000],
        "beneficiaries": [258],
        "bank_amount": [784_500_000],
    }
)


def test_commune_chart_selects_communes_and_shows_the_bank_share() -> None:
    frame = COMMUNE_FRAME
    spec = ch.amount_by_commune(frame).to_dict()
    assert spec["params"][0]["name"] == "commune_pick"
    assert spec["params"][0]["select"]["fields"] == ["unit_code"]
    # 52 px rows once (a second sizing had shrunk them to 28 px)
    assert spec["height"] == {"step": 52}
    row = _rows(spec)[0]
    assert (row["paid_amount__text"], row["bank_share__text"]) == ("1,87 tỷ đồng", "41,9%")
    assert ch.commune_table(frame)["Tỷ lệ qua tài khoản %"].tolist() == [0.4186]


def test_mismatch_chart_counts_whole_payments_and_shows_the_difference() -> None:
    frame = pd.DataFrame(
        {
            "unit_id": [5, 8],
            "unit_code": ["06901", "06913"],
            "unit_name": ["Xã Quảng An", "Xã Quảng Tân"],
            "mismatches": [1, 1],
            "without_rate": [0, 0],
            "overpaid": [0, 123_456],
            "underpaid": [50_000, 0],
            "difference": [-50_000, 123_456],
        }
    )
    spec = ch.mismatches_by_commune(frame).to_dict()
    assert spec["encoding"]["x"]["axis"]["tickMinStep"] == 1
    # one series: the palette's blue (red means only "below target")
    assert spec["encoding"]["color"] == {"value": palette.SERIES}
    assert [r["difference__text"] for r in _rows(spec)] == ["−50.000 đồng", "123.456 đồng"]
    assert ch.mismatch_table(frame)["Chênh lệch (đồng)"].tolist() == [-50_000, 123_456]


def test_english_charts_use_english_titles_and_separators(months) -> None:
    spec = ch.amount_by_month(months, "en").to_dict()
    assert spec["title"]["text"] == "Allowance paid per month"
    assert spec["encoding"]["y"]["title"] == "Amount (VND million)"
    assert _rows(spec)[0]["paid_amount__text"] == "VND 1.35 billion"
    assert _rows(spec)[0]["beneficiaries__text"] == "1,903"


# --- the page, through app.py ------------------------------------------------------------------


def _sqlite(path: Path) -> Engine:
    return sa.create_engine(f"sqlite:///{path}")


def test_the_page_shows_1911_beneficiaries_and_the_2023_total(app_env) -> None:
    at = open_page("pages/payouts.py", **ARTICLE_LINK)
    no_exceptions(at)
    shown = metrics(at)
    engine = _sqlite(app_env)
    with engine.connect() as conn:
        share = q.bank_share(q.monthly(conn, ARTICLE_2023, EVERYONE))
    assert shown[F14_LABEL] == "1.911 đối tượng"
    assert shown[F15_LABEL] == fmt_money(_f(engine, "F15", ARTICLE_2023)) == "14,83 tỷ đồng"
    assert shown["Chi trả qua tài khoản"] == fmt_percent(share)
    assert shown["Khoản chi sai mức chuẩn × hệ số"] == "0 khoản"
    assert any("Không có khoản chi sai mức" in m.value for m in at.success)
    engine.dispose()


@pytest.mark.parametrize("code", COMMUNES)
def test_the_page_renders_each_communes_own_figures(app_env, code) -> None:
    at = open_page("pages/payouts.py", xa=code, tu="2023-01", den="2023-12")
    no_exceptions(at)
    engine = _sqlite(app_env)
    one = Filters(Period.year(2023), (code,))
    assert metrics(at)[F14_LABEL] == f"{fmt_int(_f(engine, 'F14', one))} đối tượng"
    assert metrics(at)[F15_LABEL] == fmt_money(_f(engine, "F15", one))
    engine.dispose()


def test_a_period_without_payments_shows_an_empty_state(app_env) -> None:
    engine = _sqlite(app_env)
    with engine.connect() as conn:
        empty_year = next(
            y
            for y in range(2021, 2015, -1)
            if q.monthly(conn, Filters(Period.year(y)), EVERYONE).empty
        )
    engine.dispose()
    at = open_page("pages/payouts.py", tu=f"{empty_year}-01", den=f"{empty_year}-12")
    no_exceptions(at)
    assert any("Không có khoản chi trả trợ cấp nào" in i.value for i in at.info)
    assert F15_LABEL not in metrics(at)


def test_changing_the_period_in_the_link_changes_the_figures(app_env) -> None:
    year = metrics(open_page("pages/payouts.py", tu="2023-01", den="2023-12"))
    q3_page = open_page("pages/payouts.py", tu="2023-07", den="2023-09")
    no_exceptions(q3_page)
    q3 = metrics(q3_page)
    engine = _sqlite(app_env)
    assert q3[F15_LABEL] == fmt_money(_f(engine, "F15", Filters(Period.quarter(2023, 3))))
    assert q3[F15_LABEL] != year[F15_LABEL]
    assert any("Quý III/2023" in c.value for c in q3_page.caption)
    engine.dispose()


def test_the_page_shows_the_2022_wrong_amounts_without_naming_anyone(app_env) -> None:
    at = open_page("pages/payouts.py", tu="2022-01", den="2022-12")
    no_exceptions(at)
    assert metrics(at)["Khoản chi sai mức chuẩn × hệ số"] == "4 khoản"
    assert any("4 khoản chi khác mức" in w.value for w in at.warning)
    table = at.dataframe[-1].value
    assert table["ma_xa"].tolist() == ["06898", "06901", "06910", "06913"]
    assert any("chỉ hiển thị cho tài khoản" in c.value for c in at.caption)


def test_the_page_in_english(app_env) -> None:
    at = open_page("pages/payouts.py", lang="en", **ARTICLE_LINK)
    no_exceptions(at)
    assert metrics(at)["Monthly social-allowance beneficiaries"] == "1,911 beneficiaries"
    assert any("No payment off the standard" in m.value for m in at.success)


PASSWORDS = {u[0]: u[1] for u in DEMO_USERS}


def _signed_in(username: str) -> AppTest:
    # the wrong payments are of November 2023: the article's 2023, in the 2023 units
    at = sign_in(open_page(**ARTICLE_LINK), username, PASSWORDS[username])
    at.switch_page("pages/payouts.py")
    at.run()
    no_exceptions(at)
    return at


def test_wrong_payments_are_listed_only_for_a_scope_that_may_see_persons(
    demo_sqlite_path: Path, tmp_path: Path, users_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _writable_copy(demo_sqlite_path, tmp_path)
    _break_payments(engine)
    engine.dispose()
    store = UserStore(users_url)
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    monkeypatch.setenv("WELFARE_DB_URL", f"sqlite:///{tmp_path / 'demo.sqlite'}")
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        leader = _signed_in("lanhdao")
        assert metrics(leader)["Khoản chi sai mức chuẩn × hệ số"] == "2 khoản"
        assert any("2 khoản chi khác mức" in w.value for w in leader.warning)
        listed = leader.dataframe[-1].value
        assert listed["Chênh lệch (đồng)"].tolist() == [
            "−" + fmt_int(UNDERPAID_BY),
            fmt_int(OVERPAID_BY),
        ]
        assert listed["Họ và tên"].str.len().min() > 0
        head = _signed_in("quangtan")  # a commune head sees only their own commune's payment
        assert head.dataframe[-1].value["Chênh lệch (đồng)"].tolist() == [fmt_int(OVERPAID_BY)]
        viewer = _signed_in("xem")
        assert any("chỉ hiển thị cho tài khoản" in c.value for c in viewer.caption)
        assert "Họ và tên" not in viewer.dataframe[-1].value.columns
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()


@pytest.mark.postgres
def test_the_page_on_postgresql(app_pg_env) -> None:
    at = open_page("pages/payouts.py", **ARTICLE_LINK)
    no_exceptions(at)
    assert metrics(at)[F14_LABEL] == "1.911 đối tượng"
    assert any("Không có khoản chi sai mức" in m.value for m in at.success)
