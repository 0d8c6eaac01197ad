"""The rules every chart follows, checked on every builder's spec: one palette (red and green
only for "đạt" / "chưa đạt"), one unit rule for money, a tap on a commune or a month drills,
and Vietnamese accessible names with no field name in them."""

from __future__ import annotations

import colorsys
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import pytest

from charts import common, palette
from charts import coverage as cov
from charts import housing as hou
from charts import payouts as pay
from charts import training as tra
from charts.aria import ARIA_FIELD
from data_access.filters import Filters, Period
from ui.filters import DataRange
from ui.sections import _as_month, period_months
from vocab import (
    CARD_FUNDING,
    CIRCUMSTANCES,
    CLASS_FIELDS,
    GRANT_EVENTS,
    GRANT_KINDS,
    GRANT_STAGES,
    JOB_EVENT_KINDS,
    PAYMENT_METHODS,
)

M1, M2 = date(2023, 3, 1), date(2023, 5, 1)
COMMUNES = {"unit_code": ["06913", "06901"], "unit_name": ["Xã Quảng Tân", "Xã Quảng An"]}
MONTHLY_PAYOUTS = pd.DataFrame(
    {
        "month": [M1, M2],
        "paid_amount": [1_346_250_000, 1_342_750_000],
        "beneficiaries": [1903, 1899],
        "bank_amount": [446_250_000, 471_000_000],
        "cash_amount": [900_000_000, 871_750_000],
    }
)

BUILDERS: dict[str, Callable[[str], Any]] = {
    "cards": lambda lang: cov.cards_chart(
        pd.DataFrame(
            {**COMMUNES, "state": [5, 6], "partial": [1, 0], "self": [0, 1], "none": [1, 0]}
        ),
        lang,
    ),
    "visits": lambda lang: cov.visits_chart(
        pd.DataFrame({"month": [M1, M2], **COMMUNES, "visits": [10, 20]}), lang, [M1, M2]
    ),
    "children": lambda lang: cov.children_chart(
        pd.DataFrame(
            {
                **COMMUNES,
                "special_cases": [2, 1],
                "special_supported": [2, 1],
                "at_risk_cases": [3, 0],
                "at_risk_supported": [1, 0],
            }
        ),
        lang,
    ),
    "categories": lambda lang: cov.categories_chart(
        pd.DataFrame(
            {"circumstance": ["special"], "category": ["mo_coi"], "cases": [3], "supported": [2]}
        ),
        lang,
    ),
    "network": lambda lang: cov.network_chart(
        pd.DataFrame(
            {
                **COMMUNES,
                "communes": [1, 1],
                "communes_with_board": [1, 0],
                "board_since": [date(2018, 3, 5), None],
                "villages": [10, 4],
                "villages_with_collaborator": [10, 3],
            }
        ),
        lang,
    ),
    "housing_communes": lambda lang: hou.communes_chart(
        pd.DataFrame(
            {
                **COMMUNES,
                "new_builds": [2, 0],
                "repairs": [1, 1],
                "grants": [3, 1],
                "new_amount": [160_000_000, 0],
                "repair_amount": [40_000_000, 40_000_000],
                "amount": [200_000_000, 40_000_000],
            }
        ),
        lang,
    ),
    "housing_sources": lambda lang: hou.sources_chart(
        pd.DataFrame(
            {"source": ["socialised"], "kind": ["new"], "grants": [2], "amount": [160_000_000]}
        ),
        lang,
    ),
    "housing_progress": lambda lang: hou.progress_chart(
        pd.DataFrame(
            {
                **COMMUNES,
                "grants": [3, 1],
                "waiting": [1, 0],
                "building": [1, 0],
                "completed": [1, 1],
                "late": [0, 0],
                "mean_days": [70.0, None],
                "first_approved": [M1, M1],
                "last_completed": [M2, M2],
            }
        ),
        lang,
    ),
    "housing_events": lambda lang: hou.events_chart(
        pd.DataFrame(
            {
                "month": [M1, M1, M2, M2],
                "event": ["approved", "completed"] * 2,
                "grants": [3, 0, 0, 2],
            }
        ),
        lang,
    ),
    "training_fields": lambda lang: tra.learners_by_field(
        pd.DataFrame(
            {
                "field": ["agri"],
                "classes": [1],
                "classes_ended": [1],
                "learners": [20],
                "learners_ended": [20],
                "completed": [18],
                "employed": [9],
            }
        ),
        lang,
    ),
    "training_communes": lambda lang: tra.learners_by_commune(
        pd.DataFrame(
            {**COMMUNES, "field": ["agri", "non_agri"], "classes": [1, 2], "learners": [20, 30]}
        ),
        lang,
    ),
    "job_events_month": lambda lang: tra.events_by_month(
        pd.DataFrame({"month": [M1], "kind": ["job_fair"], "events": [1], "attendees": [80]}),
        lang,
        [M1, date(2023, 4, 1), M2],
    ),
    "job_events_commune": lambda lang: tra.attendees_by_commune(
        pd.DataFrame(
            {**COMMUNES, "kind": ["job_fair", "recruitment"], "events": [1, 1], "attendees": [9, 8]}
        ),
        lang,
    ),
    "payouts_amount": lambda lang: pay.amount_by_month(MONTHLY_PAYOUTS, lang),
    "payouts_people": lambda lang: pay.beneficiaries_by_month(MONTHLY_PAYOUTS, lang),
    "payouts_ytd": lambda lang: pay.cumulative_by_month(
        MONTHLY_PAYOUTS.assign(year=2023, cumulative_amount=[1_346_250_000, 2_689_000_000]), lang
    ),
    "payouts_method": lambda lang: pay.method_share_by_month(MONTHLY_PAYOUTS, lang),
    "payouts_group": lambda lang: pay.amount_by_group(
        pd.DataFrame(
            {"group_code": ["KT_NANG"], "paid_amount": [5_183_500_000], "beneficiaries": [589]}
        ),
        lang,
    ),
    "payouts_commune": lambda lang: pay.amount_by_commune(
        pd.DataFrame(
            {
                **COMMUNES,
                "paid_amount": [1_874_250_000, 900_000_000],
                "beneficiaries": [258, 120],
                "bank_amount": [784_500_000, 0],
            }
        ),
        lang,
    ),
    "payouts_mismatch": lambda lang: pay.mismatches_by_commune(
        pd.DataFrame({**COMMUNES, "mismatches": [1, 2], "difference": [123_456, -50_000]}), lang
    ),
    "payouts_status_month": lambda lang: pay.status_by_month(
        pd.DataFrame(
            {
                "month": [M1, M1, M2],
                "status": ["paid", "pending", "returned"],
                "payments": [1900, 12, 3],
                "amount": [1_346_250_000, 9_000_000, 2_700_000],
            }
        ),
        lang,
    ),
    "payouts_status_commune": lambda lang: pay.status_by_commune(
        pd.DataFrame(
            {
                **COMMUNES,
                **{
                    f"{status}_{measure}": [n, 2 * n]
                    for n, status in enumerate(
                        ("planned", "paid", "pending", "returned", "recovered"), start=1
                    )
                    for measure in ("amount", "payments")
                },
                "at_risk_amount": [900_000, 1_800_000],
                "at_risk_payments": [1, 2],
            }
        ),
        lang,
    ),
}
# Field names Vega would read out if a chart named itself, and its English words.
NOT_VIETNAMESE = re.compile(r"__|\bunit_|_code\b|_name\b|\b(axis|legend|Title|Vega|chart)\b")


def _units(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The single-view parts of a spec: itself, or its layers."""
    yield from spec.get("layer", [spec])


def _colours(value: Any) -> Iterator[str]:
    """Every "#rrggbb" anywhere in a spec's encodings and marks."""
    if isinstance(value, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        yield value.lower()
    elif isinstance(value, dict):
        for item in value.values():
            yield from _colours(item)
    elif isinstance(value, list):
        for item in value:
            yield from _colours(item)


def _hue(colour: str) -> tuple[float, float]:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, _, s = colorsys.rgb_to_hls(r, g, b)
    return h * 360, s


def _red_or_green(colour: str) -> bool:
    hue, saturation = _hue(colour)
    return saturation > 0.3 and (hue < 15 or hue > 340 or 80 < hue < 160)


@pytest.fixture(params=list(BUILDERS))
def spec(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(BUILDERS[request.param]("vi").to_dict())


def test_every_chart_draws_only_palette_colours_and_never_red_or_green(spec) -> None:
    used = {c for unit in _units(spec) for c in _colours([unit["encoding"], unit["mark"]])}
    allowed = {c.lower() for c in palette.every_category_colour() | {palette.SERIES}}
    assert used and used <= allowed
    assert not used & {c.lower() for c in palette.STATUS_COLOURS}


def test_no_category_colour_looks_like_the_target_judgement() -> None:
    assert [c for c in palette.every_category_colour() if _red_or_green(c)] == []
    assert _red_or_green(palette.MET) and _red_or_green(palette.BELOW)


def test_every_category_of_the_vocabulary_has_its_colour() -> None:
    for catalog in (
        CARD_FUNDING,
        CIRCUMSTANCES,
        CLASS_FIELDS,
        GRANT_EVENTS,
        GRANT_KINDS,
        GRANT_STAGES,
        JOB_EVENT_KINDS,
        PAYMENT_METHODS,
    ):
        assert set(palette.COLOURS[catalog.name]) == set(catalog.codes()), catalog.name


def test_a_category_keeps_its_colour_whatever_the_order_of_the_rows() -> None:
    """The briefing's housing chart and the Nhà ở page draw "Xây mới" in the same blue: the
    colour follows the code, not the order in which the labels come."""
    frame = pd.DataFrame({**COMMUNES, "kind": ["repair", "new"], "value": [1, 2]})
    for rows in (frame, frame.iloc[::-1]):
        chart = common.bar_by_commune(
            rows, "value", title="t", value_title="v", fmt=str, color="kind", categories=GRANT_KINDS
        )
        scale = chart.to_dict()["encoding"]["color"]["scale"]
        assert dict(zip(scale["domain"], scale["range"], strict=True)) == {
            "Xây mới": palette.BLUE,
            "Sửa chữa, cải tạo": palette.ORANGE,
        }


def test_every_chart_by_commune_or_by_month_drills_on_a_tap(spec) -> None:
    for unit in _units(spec):
        enc = unit["encoding"]
        axes = {enc.get("x", {}).get("field"), enc.get("y", {}).get("field")}
        picks = {p["name"]: p["select"] for p in spec.get("params", []) + unit.get("params", [])}
        if "unit_name" in axes:
            assert picks["commune_pick"]["fields"] == ["unit_code"]
            assert enc["detail"]["field"] == "unit_code"  # kept through the stacking sum
            assert spec["height"] == {"step": common.TAP_ROW_PX}
        elif "month__label" in axes:
            assert picks["month_pick"]["fields"] == ["month__key"]
        else:
            assert "commune_pick" not in picks and "month_pick" not in picks


def test_every_chart_names_itself_and_each_mark_in_vietnamese(spec) -> None:
    title = spec["title"]["text"]
    assert spec["title"]["aria"] is False  # the chart's own label below says it
    assert spec["description"].startswith(f"Biểu đồ: {title}.")
    for unit in _units(spec):
        mark, enc = unit["mark"], unit["encoding"]
        if mark.get("aria") is False:
            continue
        assert mark["ariaRoleDescription"] in {"cột", "điểm"}
        assert enc["description"]["field"] == ARIA_FIELD
        (calc,) = [t for t in unit["transform"] if t.get("as") == ARIA_FIELD]
        spoken = re.findall(r'"([^"]*): "', calc["calculate"])
        assert spoken and not any(NOT_VIETNAMESE.search(s) for s in spoken)
        for channel in ("x", "y"):
            description = enc[channel]["axis"]["description"]
            assert description.startswith(("Trục ngang", "Trục dọc"))
            assert not NOT_VIETNAMESE.search(description)
        if "legend" in enc.get("color", {}):
            assert enc["color"]["legend"]["description"].startswith("Chú giải")


def test_a_chart_in_english_names_itself_in_english() -> None:
    spec = BUILDERS["housing_communes"]("en").to_dict()
    assert spec["description"].startswith("Chart: Households granted housing support")
    assert spec["mark"]["ariaRoleDescription"] == "bar"
    assert spec["encoding"]["x"]["axis"]["description"] == "Horizontal axis: Households"


def test_every_money_axis_is_in_million_dong() -> None:
    titles = []
    for name in (
        "payouts_amount",
        "payouts_ytd",
        "payouts_group",
        "payouts_commune",
        "payouts_status_month",
        "payouts_status_commune",
    ):
        spec = BUILDERS[name]("vi").to_dict()
        for unit in _units(spec):
            for channel in ("x", "y"):
                if unit["encoding"][channel].get("type") == "quantitative":
                    titles.append(unit["encoding"][channel]["title"])
    assert titles and all(t.endswith("(triệu đồng)") for t in titles), titles


def test_a_briefing_money_chart_in_whole_dong_is_drawn_in_million_dong() -> None:
    """The briefing passes whole đồng, as every page does: the builder plots triệu đồng."""
    frame = pd.DataFrame({"month": [M1], "paid_amount": [1_346_250_000]})
    spec = common.by_month(
        frame, "paid_amount", title="t", value_title="Kinh phí", fmt=str, unit="money"
    ).to_dict()
    assert spec["encoding"]["y"]["title"] == "Kinh phí (triệu đồng)"
    (row,) = next(iter(spec["datasets"].values()))
    assert row["paid_amount__million"] == 1346.25


def test_a_tapped_month_is_read_from_its_key_whatever_the_time_zone() -> None:
    assert _as_month("2023-03") == date(2023, 3, 1)
    # Streamlit gave a date field back as the tablet's local midnight in epoch ms (UTC+7:
    # the day before, 17:00 UTC); a key is text and cannot drift to February.
    assert _as_month(1_677_603_600_000) is None
    assert _as_month("2023-13") is None and _as_month(None) is None


def test_a_chart_by_month_shows_every_month_of_the_period_up_to_the_data() -> None:
    year = Filters(Period.year(2023))
    data = DataRange(first=date(2022, 1, 1), as_of=date(2023, 11, 30))
    months = period_months(year, data)
    assert months[0] == date(2023, 1, 1) and months[-1] == date(2023, 11, 1)
    assert len(months) == 11  # December has no data yet: not drawn as a zero


def test_every_builder_is_a_chart_streamlit_can_draw() -> None:
    for name, build in BUILDERS.items():
        assert isinstance(build("vi"), alt.Chart | alt.LayerChart), name
