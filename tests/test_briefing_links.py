"""The briefing page keeps every choice in the URL, so a link reproduces the view it was copied
from: period (?ky=), communes (?xa=), edition (?ban=) and print layout (?in=). A value the
page cannot use gets a notice and the default. Driven through app.py with AppTest.
"""

from __future__ import annotations

import pytest

from auth.store import DEMO_USERS, UserStore
from tests.apptest import no_exceptions, open_link, open_page, sign_in

PAGE = "pages/briefing.py"
SHARED = {"ky": "2023-Q2", "xa": "06913", "ban": "cong-khai", "in": "1"}


def test_a_shared_link_reproduces_period_commune_edition_and_print_layout(app_env) -> None:
    at = open_link(PAGE, **SHARED)
    no_exceptions(at)
    assert not at.warning
    assert at.selectbox(key="bc_ky").value == "2023-Q2"
    assert at.multiselect(key="bc_xa").value == ["06913"]
    assert at.toggle(key="bc_public").value and at.toggle(key="bc_print").value
    assert at.subheader[0].value == (
        "Kết quả thực hiện công tác an sinh xã hội Quý II/2023 của xã Quảng Tân"
    )
    assert any(
        c.value == "Xã Quảng Tân · Quý II/2023 · số liệu đến 30/11/2026 · bản công khai"
        for c in at.caption
    )
    # A 2023 period without ?dv= keeps meaning the 2023 units (as ?tu= does on every page):
    # 06913 is the 2023 Xã Quảng Tân, one of the nine communes, not the commune of 1/7/2025.
    assert at.query_params.get("dv", "2023") == "2023"
    assert len(at.multiselect(key="bc_xa").options) == 9
    assert at.table and not at.dataframe  # the print layout's static tables
    assert {k: at.query_params[k] for k in SHARED} == SHARED


def test_each_choice_made_on_the_page_goes_into_the_url(app_env) -> None:
    at = open_page(PAGE)
    no_exceptions(at)
    assert at.query_params["ky"] == "2026-Q3"  # the period shown is always in the link
    assert "ban" not in at.query_params and "in" not in at.query_params
    at.selectbox(key="bc_ky").set_value("2026-Q1").run()
    # The default view is in the units of 1/7/2025: Xã Đầm Hà (06895) and Xã Quảng Tân (06913).
    at.multiselect(key="bc_xa").set_value(["06895", "06913"]).run()
    at.toggle(key="bc_public").set_value(True).run()
    at.toggle(key="bc_print").set_value(True).run()
    no_exceptions(at)
    shared = {k: at.query_params[k] for k in ("ky", "xa", "ban", "in")}
    assert shared == {"ky": "2026-Q1", "xa": "06895,06913", "ban": "cong-khai", "in": "1"}
    at.toggle(key="bc_public").set_value(False).run()
    at.toggle(key="bc_print").set_value(False).run()
    assert "ban" not in at.query_params and "in" not in at.query_params  # the defaults


@pytest.mark.parametrize(
    ("param", "value", "notice"),
    [
        ("ban", "xyz", "Bản «xyz» không có"),
        ("ban", "<b>x</b>", "không có (chỉ có noi-bo hoặc cong-khai)"),
        ("in", "2", "Giá trị bản in «2» không hợp lệ"),
    ],
)
def test_a_bad_edition_or_print_value_gives_a_notice_and_the_default(
    app_env, param: str, value: str, notice: str
) -> None:
    at = open_page(PAGE, **{param: value})
    no_exceptions(at)
    assert any(notice in w.value for w in at.warning), [w.value for w in at.warning]
    assert not at.toggle(key="bc_public").value and not at.toggle(key="bc_print").value
    assert param not in at.query_params  # the bad value leaves the link
    assert at.dataframe and not at.table


def test_a_commune_heads_commune_field_names_their_commune(app_env, users_url) -> None:
    store = UserStore(users_url)
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    password = next(u[1] for u in DEMO_USERS if u[0] == "quangtan")
    at = sign_in(open_page(), "quangtan", password)
    at.switch_page(PAGE)
    at.run()
    no_exceptions(at)
    field = at.multiselect(key="bc_xa")
    assert field.placeholder == "Xã Quảng Tân" and field.disabled  # never "Toàn huyện"
    assert any(c.value.startswith("Xã Quảng Tân · ") for c in at.caption)
    headings = [m.value for m in at.markdown]
    assert "**Chỉ tiêu cần chú ý**" in headings and "**Xã, thị trấn cần chú ý**" not in headings
