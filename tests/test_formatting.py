"""Tests of charts/formatting.py: exact strings in Vietnamese and English."""

from __future__ import annotations

import math
from datetime import date, datetime

import altair as alt
import pytest

from charts.formatting import (
    D3_INT,
    D3_PCT,
    D3_PCT_TRIM,
    MINUS,
    MISSING,
    apply_locale,
    d3_date_format,
    d3_month_format,
    fmt_change_pct,
    fmt_change_pp,
    fmt_date,
    fmt_date_formal,
    fmt_decimal,
    fmt_int,
    fmt_money,
    fmt_money_full,
    fmt_month,
    fmt_month_short,
    fmt_percent,
    fmt_period,
    roman,
    vega_locale,
)


def test_the_minus_sign_is_the_true_minus_not_a_hyphen() -> None:
    assert MINUS == "\u2212"
    assert MISSING == "—"


# --- fmt_int -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("n", "vi", "en"),
    [
        (1911, "1.911", "1,911"),
        (0, "0", "0"),
        (999, "999", "999"),
        (1_234_567, "1.234.567", "1,234,567"),
        (-1911, "−1.911", "−1,911"),
        (1911.5, "1.912", "1,912"),
        (1910.5, "1.911", "1,911"),
        (-0.4, "0", "0"),
    ],
)
def test_fmt_int_groups_thousands_per_language(n: float, vi: str, en: str) -> None:
    assert fmt_int(n) == vi
    assert fmt_int(n, lang="en") == en


@pytest.mark.parametrize("missing", [None, math.nan, math.inf])
def test_fmt_int_shows_a_dash_for_missing_values(missing: float | None) -> None:
    assert fmt_int(missing) == "—"
    assert fmt_int(missing, lang="en") == "—"


def test_pandas_missing_values_show_a_dash() -> None:
    pd = pytest.importorskip("pandas")
    assert fmt_int(pd.NA) == "—"
    assert fmt_percent(pd.NA) == "—"
    assert fmt_money(pd.NaT) == "—"


def test_an_unknown_language_is_an_error() -> None:
    with pytest.raises(ValueError, match="lang"):
        fmt_int(1, lang="fr")
    with pytest.raises(ValueError, match="lang"):
        fmt_period(date(2023, 1, 1), date(2023, 3, 1), lang="VI")


# --- fmt_decimal ---------------------------------------------------------------
def test_fmt_decimal_keeps_fixed_digits() -> None:
    assert fmt_decimal(8.04) == "8,04"
    assert fmt_decimal(8.04, lang="en") == "8.04"
    assert fmt_decimal(8) == "8,00"
    assert fmt_decimal(8.5, digits=3) == "8,500"
    assert fmt_decimal(1234.5) == "1.234,50"
    assert fmt_decimal(1234.5, lang="en") == "1,234.50"
    assert fmt_decimal(7.25, digits=0) == "7"
    assert fmt_decimal(None) == "—"


def test_fmt_decimal_rounds_half_up_on_the_decimal_value() -> None:
    assert fmt_decimal(0.125) == "0,13"  # Babel alone would give "0,12"
    assert fmt_decimal(2.675) == "2,68"  # the float is 2.67499..., its text is not
    assert fmt_decimal(-0.125) == "−0,13"
    assert fmt_decimal(-0.001) == "0,00"


# --- fmt_percent ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("ratio", "digits", "vi", "en"),
    [
        (1.0, 1, "100%", "100%"),
        (0.8041, 1, "80,4%", "80.4%"),
        (0.0804, 2, "8,04%", "8.04%"),
        (0.8, 1, "80%", "80%"),
        (0.99996, 1, "100%", "100%"),
        (0.805, 2, "80,50%", "80.50%"),
        (0.0, 1, "0%", "0%"),
        (-0.012, 1, "−1,2%", "−1.2%"),
        (12.5, 1, "1.250%", "1,250%"),
        (0.8041, 0, "80%", "80%"),
    ],
)
def test_fmt_percent_drops_decimals_only_for_whole_numbers(
    ratio: float, digits: int, vi: str, en: str
) -> None:
    assert fmt_percent(ratio, digits=digits) == vi
    assert fmt_percent(ratio, digits=digits, lang="en") == en


def test_fmt_percent_shows_a_dash_for_none() -> None:
    assert fmt_percent(None) == "—"
    assert fmt_percent(None, lang="en") == "—"


# --- fmt_money -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("vnd", "vi", "en"),
    [
        (1_480_000_000, "1,48 tỷ đồng", "VND 1.48 billion"),
        (2_000_000_000, "2 tỷ đồng", "VND 2 billion"),
        (14_763_500_000, "14,76 tỷ đồng", "VND 14.76 billion"),
        (1_500_000_000, "1,5 tỷ đồng", "VND 1.5 billion"),
        (1_005_000_000, "1,01 tỷ đồng", "VND 1.01 billion"),
        (14_996_000_000, "15 tỷ đồng", "VND 15 billion"),
        (1_234_000_000_000, "1.234 tỷ đồng", "VND 1,234 billion"),
        (750_000_000, "750 triệu đồng", "VND 750 million"),
        (1_500_000, "1,5 triệu đồng", "VND 1.5 million"),
        (1_000_000, "1 triệu đồng", "VND 1 million"),
        (999_994_000, "999,99 triệu đồng", "VND 999.99 million"),
        (999_996_000, "1 tỷ đồng", "VND 1 billion"),
        (500_000, "500.000 đồng", "VND 500,000"),
        (999_999, "999.999 đồng", "VND 999,999"),
        (0, "0 đồng", "VND 0"),
        (-1_500_000, "−1,5 triệu đồng", "−VND 1.5 million"),
        (-500_000, "−500.000 đồng", "−VND 500,000"),
    ],
)
def test_fmt_money_uses_trieu_and_ty(vnd: int, vi: str, en: str) -> None:
    assert fmt_money(vnd) == vi
    assert fmt_money(vnd, lang="en") == en


def test_fmt_money_shows_a_dash_for_none() -> None:
    assert fmt_money(None) == "—"
    assert fmt_money(None, lang="en") == "—"


def test_fmt_money_full_writes_every_dong() -> None:
    assert fmt_money_full(1_480_000_000) == "1.480.000.000 đồng"
    assert fmt_money_full(1_480_000_000, lang="en") == "VND 1,480,000,000"
    assert fmt_money_full(0) == "0 đồng"
    assert fmt_money_full(-500_000) == "−500.000 đồng"
    assert fmt_money_full(-500_000, lang="en") == "−VND 500,000"
    assert fmt_money_full(None) == "—"


# --- changes -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("delta", "vi", "en"),
    [
        (2.5, "+2,5 điểm %", "+2.5 pp"),
        (0, "0 điểm %", "0 pp"),
        (0.0, "0 điểm %", "0 pp"),
        (-1.2, "−1,2 điểm %", "−1.2 pp"),
        (3.0, "+3 điểm %", "+3 pp"),
        (0.04, "0 điểm %", "0 pp"),
        (-0.04, "0 điểm %", "0 pp"),
        (None, "—", "—"),
    ],
)
def test_fmt_change_pp_signs_percentage_points(delta: float | None, vi: str, en: str) -> None:
    assert fmt_change_pp(delta) == vi
    assert fmt_change_pp(delta, lang="en") == en


@pytest.mark.parametrize(
    ("change", "vi", "en"),
    [
        (0.125, "+12,5%", "+12.5%"),
        (-0.03, "−3%", "−3%"),
        (0, "0%", "0%"),
        (1.0, "+100%", "+100%"),
        (None, "—", "—"),
    ],
)
def test_fmt_change_pct_signs_relative_change(change: float | None, vi: str, en: str) -> None:
    assert fmt_change_pct(change) == vi
    assert fmt_change_pct(change, lang="en") == en


def test_changes_accept_more_digits() -> None:
    assert fmt_change_pp(2.345, digits=2) == "+2,35 điểm %"
    assert fmt_change_pct(0.12345, digits=2, lang="en") == "+12.35%"


# --- dates ---------------------------------------------------------------------
def test_fmt_date_writes_running_text_dates_without_leading_zeros() -> None:
    assert fmt_date(date(2021, 7, 16)) == "16/7/2021"
    assert fmt_date(date(2024, 2, 5)) == "5/2/2024"
    assert fmt_date(date(2023, 12, 31)) == "31/12/2023"
    assert fmt_date(datetime(2021, 7, 16, 23, 59)) == "16/7/2021"
    assert fmt_date(None) == "—"


def test_fmt_date_in_english_uses_short_month_names() -> None:
    assert fmt_date(date(2021, 7, 16), lang="en") == "16 Jul 2021"
    assert fmt_date(date(2024, 2, 5), lang="en") == "5 Feb 2024"
    assert fmt_date(date(2021, 9, 6), lang="en") == "6 Sep 2021"  # not en_GB "Sept"


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2023, 12, 5), "Đầm Hà, ngày 05 tháng 12 năm 2023"),
        (date(2024, 2, 5), "Đầm Hà, ngày 05 tháng 02 năm 2024"),
        (date(2024, 1, 9), "Đầm Hà, ngày 09 tháng 01 năm 2024"),
        (date(2024, 3, 1), "Đầm Hà, ngày 01 tháng 3 năm 2024"),
        (date(2024, 11, 10), "Đầm Hà, ngày 10 tháng 11 năm 2024"),
        (date(2024, 2, 29), "Đầm Hà, ngày 29 tháng 02 năm 2024"),
    ],
)
def test_fmt_date_formal_follows_decree_30_leading_zeros(d: date, expected: str) -> None:
    assert fmt_date_formal(d, "Đầm Hà") == expected


def test_fmt_date_formal_without_a_place_has_no_comma() -> None:
    assert fmt_date_formal(date(2023, 12, 5), "") == "ngày 05 tháng 12 năm 2023"


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "I"), (2, "II"), (3, "III"), (4, "IV"), (9, "IX"), (14, "XIV")],
)
def test_roman_numerals(n: int, expected: str) -> None:
    assert roman(n) == expected


@pytest.mark.parametrize("bad", [0, -1, 4000])
def test_roman_rejects_out_of_range_numbers(bad: int) -> None:
    with pytest.raises(ValueError, match="roman"):
        roman(bad)


def test_fmt_month_and_fmt_month_short() -> None:
    assert fmt_month(date(2023, 11, 20)) == "Tháng 11/2023"
    assert fmt_month(date(2023, 11, 20), lang="en") == "Nov 2023"
    assert fmt_month(date(2024, 1, 1)) == "Tháng 1/2024"
    assert fmt_month_short(date(2023, 11, 20)) == "T11/2023"
    assert fmt_month_short(date(2024, 1, 1)) == "T1/2024"
    assert fmt_month_short(date(2023, 11, 20), lang="en") == "Nov 2023"
    assert fmt_month(None) == "—"
    assert fmt_month_short(None, lang="en") == "—"


# --- fmt_period ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "vi", "en"),
    [
        (date(2023, 1, 1), date(2023, 3, 31), "Quý I/2023", "Q1 2023"),
        (date(2023, 4, 1), date(2023, 6, 30), "Quý II/2023", "Q2 2023"),
        (date(2023, 7, 1), date(2023, 9, 30), "Quý III/2023", "Q3 2023"),
        (date(2023, 10, 15), date(2023, 12, 1), "Quý IV/2023", "Q4 2023"),
        (date(2023, 1, 1), date(2023, 12, 31), "Năm 2023", "2023"),
        (date(2023, 1, 1), date(2023, 6, 30), "6 tháng đầu năm 2023", "H1 2023"),
        (date(2023, 7, 1), date(2023, 12, 31), "6 tháng cuối năm 2023", "H2 2023"),
        (date(2023, 11, 1), date(2023, 11, 30), "Tháng 11/2023", "Nov 2023"),
        (date(2023, 1, 1), date(2023, 11, 30), "Tháng 1–11/2023", "Jan–Nov 2023"),
        (date(2023, 2, 1), date(2023, 4, 30), "Tháng 2–4/2023", "Feb–Apr 2023"),
        (date(2023, 1, 1), date(2023, 9, 30), "Tháng 1–9/2023", "Jan–Sep 2023"),
        (date(2023, 4, 1), date(2023, 9, 30), "Tháng 4–9/2023", "Apr–Sep 2023"),
        (
            date(2022, 7, 1),
            date(2023, 6, 30),
            "Tháng 7/2022 – tháng 6/2023",
            "Jul 2022 – Jun 2023",
        ),
        (
            date(2022, 1, 1),
            date(2023, 12, 31),
            "Tháng 1/2022 – tháng 12/2023",
            "Jan 2022 – Dec 2023",
        ),
    ],
)
def test_fmt_period_names_every_kind_of_range(start: date, end: date, vi: str, en: str) -> None:
    assert fmt_period(start, end) == vi
    assert fmt_period(start, end, lang="en") == en


def test_fmt_period_rejects_an_end_before_the_start() -> None:
    with pytest.raises(ValueError, match="after"):
        fmt_period(date(2023, 5, 1), date(2023, 4, 30))


def test_fmt_period_ignores_the_day_within_a_month() -> None:
    assert fmt_period(date(2023, 3, 31), date(2023, 3, 1)) == "Tháng 3/2023"


# --- charts --------------------------------------------------------------------
def test_vega_locale_vietnamese_numbers_and_names() -> None:
    loc = vega_locale("vi")
    assert loc["number"]["decimal"] == ","
    assert loc["number"]["thousands"] == "."
    assert loc["number"]["grouping"] == [3]
    assert loc["number"]["currency"] == ["", " đồng"]
    assert loc["time"]["months"][0] == "tháng 1"
    assert loc["time"]["months"][11] == "tháng 12"
    assert loc["time"]["shortMonths"][0] == "Th1"
    assert loc["time"]["days"][0] == "Chủ nhật"
    assert loc["time"]["shortDays"] == ["CN", "T2", "T3", "T4", "T5", "T6", "T7"]
    assert loc["time"]["date"] == "%-d/%-m/%Y"
    assert set(loc["time"]) == {
        "dateTime",
        "date",
        "time",
        "periods",
        "days",
        "shortDays",
        "months",
        "shortMonths",
    }


def test_vega_locale_english() -> None:
    loc = vega_locale("en")
    assert loc["number"]["decimal"] == "."
    assert loc["number"]["thousands"] == ","
    assert loc["number"]["currency"] == ["VND ", ""]
    assert loc["time"]["shortMonths"][8] == "Sep"
    assert len(loc["time"]["months"]) == 12
    assert len(loc["time"]["days"]) == 7


def test_vega_locale_returns_a_fresh_copy() -> None:
    vega_locale("vi")["time"]["months"][0] = "changed"
    assert vega_locale("vi")["time"]["months"][0] == "tháng 1"


def test_d3_constants_and_helpers() -> None:
    assert D3_INT == ",.0f"
    assert D3_PCT == ".1%"
    assert D3_PCT_TRIM == ".1~%"
    assert d3_date_format("vi") == "%-d/%-m/%Y"
    assert d3_date_format("en") == "%-d %b %Y"
    assert d3_month_format("vi") == "T%-m/%Y"
    assert d3_month_format("en") == "%b %Y"


def _chart() -> alt.Chart:
    data = alt.Data(values=[{"x": 1, "y": 1911}])
    return alt.Chart(data).mark_bar().encode(x="x:Q", y="y:Q")


def test_apply_locale_puts_vietnamese_separators_into_the_chart_config() -> None:
    spec = apply_locale(_chart(), "vi").to_dict()
    number = spec["config"]["locale"]["number"]
    assert number["decimal"] == ","
    assert number["thousands"] == "."
    assert spec["config"]["locale"]["time"]["months"][10] == "tháng 11"


def test_apply_locale_keeps_existing_config_and_the_original_chart() -> None:
    chart = _chart().configure_axis(labelFontSize=13)
    localized = apply_locale(chart, "en")
    config = localized.to_dict()["config"]
    assert config["axis"] == {"labelFontSize": 13}
    assert config["locale"]["number"]["thousands"] == ","
    assert "locale" not in chart.to_dict()["config"]


def test_apply_locale_works_on_layered_charts() -> None:
    layered = _chart() + _chart().mark_line()
    spec = apply_locale(layered, "vi").to_dict()
    assert spec["config"]["locale"]["number"]["thousands"] == "."
