"""The commune view shows one commune beside the district and its own previous period."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from data_access.filters import Filters, Period, Scope
from data_access.indicators import district_totals, indicator_values
from tests.apptest import no_exceptions, open_page

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
    table = at.dataframe[0].value
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
    assert row["Xã"] == f"{int(mine['numerator'][0]):,}".replace(",", ".") + " đối tượng"
    assert row["Kỳ trước"] == f"{int(before['numerator'][0]):,}".replace(",", ".") + " đối tượng"
    assert row["Toàn huyện"] == f"{int(whole['numerator'][0]):,}".replace(",", ".") + " đối tượng"
