"""A tile's change reads the way it went: a fall points down, no change has no arrow, the colour
follows whether the move is good for that indicator, and beside the change stands what it is
compared with. Read from st.metric's own message (its arrow and colour), as the browser draws it.
"""

from __future__ import annotations

import pytest
from streamlit.proto.Metric_pb2 import Metric
from streamlit.testing.v1 import AppTest

from data_access.indicators import BY_CODE, Indicator
from tests.apptest import no_exceptions, open_page
from ui.tiles import change_shown

UP, DOWN, NO_ARROW = (
    Metric.MetricDirection.UP,
    Metric.MetricDirection.DOWN,
    Metric.MetricDirection.NONE,
)
GREEN, RED, GREY = Metric.MetricColor.GREEN, Metric.MetricColor.RED, Metric.MetricColor.GRAY
SPECIAL_CHILDREN = "Trẻ em có hoàn cảnh đặc biệt được trợ giúp"  # F3
REPAIRS = "Hộ được hỗ trợ sửa chữa, cải tạo nhà"  # F8
BOARDS = "Xã, thị trấn có Ban Bảo vệ, chăm sóc trẻ em"  # F5
BENEFICIARIES = "Đối tượng hưởng trợ cấp xã hội hằng tháng"  # F14
OFF_RATE = Indicator(  # a figure that should fall: payments off the standard rate
    "X1",
    "Khoản chi trả sai mức chuẩn",
    "Payments off the standard rate",
    "count",
    "payouts",
    "payouts",
    "payments",
    higher_is_better=False,
    unit_vi="khoản",
    unit_en="payments",
)


@pytest.fixture(scope="module")
def q3(demo_sqlite_path, tmp_path_factory):  # type: ignore[no-untyped-def]
    """The overview of Quý III/2023 (the district), opened once for the module."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WELFARE_DB_URL", f"sqlite:///{demo_sqlite_path}")
    mp.setenv("WELFARE_USERS_URL", f"sqlite:///{tmp_path_factory.mktemp('users')}/users.sqlite")
    mp.delenv("WELFARE_DEMO_USERS", raising=False)
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    at = open_page(tu="2023-07", den="2023-09")
    no_exceptions(at)
    yield {m.label: m.proto for m in at.metric}
    st.cache_data.clear()
    st.cache_resource.clear()
    mp.undo()


def test_a_fall_points_down_in_red_when_higher_is_better(q3) -> None:  # type: ignore[no-untyped-def]
    # F3 fell from 100% to 97,2%; the "−" of "−2,8 điểm %" once read as a green rise.
    f3 = q3[SPECIAL_CHILDREN]
    assert f3.body == "97,2%" and f3.delta == "−2,8 điểm %"
    assert (f3.direction, f3.color) == (DOWN, RED)
    f8 = q3[REPAIRS]  # 2 repairs against 4: "−2"
    assert (f8.delta, f8.direction, f8.color) == ("−2", DOWN, RED)


def test_no_change_has_no_arrow_and_is_grey(q3) -> None:  # type: ignore[no-untyped-def]
    f5 = q3[BOARDS]  # 100% both years
    assert (f5.delta, f5.direction, f5.color) == ("Không đổi", NO_ARROW, GREY)


def test_a_figure_neither_good_nor_bad_moves_in_grey(q3) -> None:  # type: ignore[no-untyped-def]
    f14 = q3[BENEFICIARIES]  # beneficiaries follow need: up, but neither good nor bad
    assert (f14.delta, f14.direction, f14.color) == ("+7", UP, GREY)


def test_every_change_says_what_it_is_compared_with(q3) -> None:  # type: ignore[no-untyped-def]
    for label, metric in q3.items():
        assert metric.delta, label
        assert metric.delta_description == "so với cùng kỳ năm 2022", label
        assert "Quý III/2022" in metric.help, label


def test_a_rise_of_a_figure_that_should_fall_is_red_and_a_fall_green() -> None:
    rise, fall = change_shown(OFF_RATE, 5, "vi"), change_shown(OFF_RATE, -3, "vi")
    assert (rise.text, rise.arrow, rise.colour) == ("+5", "up", "red")
    assert (fall.text, fall.arrow, fall.colour) == ("−3", "down", "green")
    assert change_shown(OFF_RATE, 0.2, "vi").arrow == "off"  # shows as 0: no change


def _off_rate_tiles() -> None:
    """A page with two tiles of a lower-is-better figure: one rose (X1), one fell (X2)."""
    from dataclasses import replace

    import pandas as pd

    from data_access.indicators import BY_CODE
    from tests.test_tiles import OFF_RATE
    from ui.tiles import TileContext, tile

    BY_CODE["X1"], BY_CODE["X2"] = OFF_RATE, replace(OFF_RATE, code="X2")
    try:
        context = TileContext("vi", "so với cùng kỳ năm 2022", "", None, {}, "")
        head = pd.DataFrame(
            [
                {"code": code, "value": 12, "target": None, "meets_target": None, "change": change}
                for code, change in (("X1", 5), ("X2", -3))
            ]
        )
        tile(head, "X1", context)
        tile(head, "X2", context)
    finally:
        del BY_CODE["X1"], BY_CODE["X2"]


def test_on_screen_a_rise_of_a_figure_that_should_fall_is_red() -> None:
    at = AppTest.from_function(_off_rate_tiles).run()
    no_exceptions(at)
    rose, fell = (m.proto for m in at.metric)
    assert (rose.delta, rose.direction, rose.color) == ("+5", UP, RED)
    assert (fell.delta, fell.direction, fell.color) == ("−3", DOWN, GREEN)
    assert "X1" not in BY_CODE


def test_a_tile_with_nothing_to_compare_with_shows_no_change(app_env) -> None:
    at = open_page(tu="2022-01", den="2022-12")  # the data begins in January 2022
    no_exceptions(at)
    paid = {m.label: m.proto for m in at.metric}["Kinh phí chi trả trợ cấp xã hội"]
    assert paid.body == "14,47 tỷ đồng"
    assert (paid.delta, paid.direction, paid.delta_description) == ("", NO_ARROW, "")
