"""The overview page, run through app.py with AppTest, shows the published figures formatted
the Vietnamese way, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from auth.store import DEMO_USERS, UserStore
from tests.apptest import metrics, no_exceptions, open_page, sign_in
from ui.text import plain

PUBLISHED_2023 = {
    "Người cao tuổi có thẻ BHYT được hỗ trợ": "100%",
    "Trẻ em có hoàn cảnh đặc biệt được trợ giúp": "100%",
    "Trẻ em có nguy cơ được can thiệp, hỗ trợ": "100%",
    "Xã, thị trấn có Ban Bảo vệ, chăm sóc trẻ em": "100%",
    "Thôn, bản, khu phố có cộng tác viên bảo vệ trẻ em": "100%",
    "Hộ được hỗ trợ xây nhà mới": "13 hộ",
    "Hộ được hỗ trợ sửa chữa, cải tạo nhà": "11 hộ",
    "Kinh phí hỗ trợ nhà ở": "1,48 tỷ đồng",
    "Tỷ lệ kinh phí nhà ở từ xã hội hóa": "100%",
    "Hội nghị giao dịch việc làm, xuất khẩu lao động": "3 hội nghị",
    "Hội nghị tư vấn, tuyển dụng lao động (TKV)": "6 hội nghị",
    "Lớp sơ cấp nghề cho lao động nông thôn": "7 lớp",
    "Đối tượng hưởng trợ cấp xã hội hằng tháng": "1.911 đối tượng",
}


def _check_published(shown: dict[str, str]) -> None:
    for label, value in PUBLISHED_2023.items():
        assert shown[label] == value, label
    visits = shown["Lượt người cao tuổi được khám, tư vấn sức khỏe"]
    assert visits.endswith(" lượt") and 3001 <= int(visits.split()[0].replace(".", "")) <= 3300
    learners = shown["Học viên các lớp sơ cấp nghề"]
    assert 185 <= int(learners.split()[0]) <= 199
    paid = shown["Kinh phí chi trả trợ cấp xã hội"]
    assert paid.endswith(" tỷ đồng") and paid.startswith("14,")
    assert 14.50 <= float(paid.split()[0].replace(",", ".")) <= 14.99


# The article's period: 2023 to its cut-off, 30/11/2023 (the demo's data runs on to 2026).
ARTICLE = {"tu": "2023-01", "den": "2023-11"}


def test_overview_shows_the_published_2023_figures(app_env) -> None:
    at = open_page(**ARTICLE)
    no_exceptions(at)
    _check_published(metrics(at))
    assert any("Tháng 1–11/2023" in c.value and "30/11/2026" in c.value for c in at.caption)
    assert any("Dữ liệu mẫu" in i.value for i in at.info)


@pytest.mark.postgres
def test_overview_shows_the_published_2023_figures_on_postgresql(app_pg_env) -> None:
    at = open_page(**ARTICLE)
    no_exceptions(at)
    _check_published(metrics(at))


def test_overview_for_one_commune_shows_that_communes_figures(app_env) -> None:
    at = open_page(xa="06913", **ARTICLE)
    no_exceptions(at)
    shown = metrics(at)
    assert shown["Đối tượng hưởng trợ cấp xã hội hằng tháng"] == "240 đối tượng"
    assert any("Xã Quảng Tân" in c.value for c in at.caption)


def test_english_switch_formats_numbers_the_english_way(app_env) -> None:
    at = open_page(lang="en", **ARTICLE)
    no_exceptions(at)
    shown = metrics(at)
    assert shown["Monthly social-allowance beneficiaries"] == "1,911 beneficiaries"
    assert shown["Housing grant funding"] == "VND 1.48 billion"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"xa": "99999"}, "99999"),
        ({"tu": "2023-13", "den": "2023-11"}, "2023-13"),
        ({"tu": "2023-09", "den": "2023-03"}, "trước tháng bắt đầu"),
        ({"dv": "<script>"}, "<script>"),
        ({"tu": "2031-01", "den": "2031-03"}, "chưa có số liệu"),
        ({"xa": "06913' OR 1=1 --"}, "06913"),
        ({"xa": "![x](https://evil.example/p.png)"}, "evil"),
    ],
)
def test_bad_links_show_a_notice_and_fall_back_to_defaults(app_env, params, fragment) -> None:
    """The notice quotes the link's value as typed: escaped, so Markdown in it stays text."""
    at = open_page(**params)
    no_exceptions(at)
    assert any(plain(fragment) in w.value for w in at.warning), [w.value for w in at.warning]
    assert not any("](" in w.value.replace("\\]\\(", "") for w in at.warning)
    assert len(at.metric) >= 15


def test_the_url_holds_the_canonical_filters(app_env) -> None:
    at = open_page(xa="06913", tu="2023-07", den="2023-09")
    no_exceptions(at)
    assert at.query_params["xa"] == "06913"
    assert (at.query_params["tu"], at.query_params["den"]) == ("2023-07", "2023-09")
    assert any("Quý III/2023" in c.value for c in at.caption)


# --- the first screen: what needs attention, the headline figures, the scope named ------------

BENEFICIARIES = "Đối tượng hưởng trợ cấp xã hội hằng tháng"
PAID = "Kinh phí chi trả trợ cấp xã hội"


@pytest.fixture
def accounts(users_url: str) -> UserStore:
    """The demo's three accounts in the test's own user store: every page asks for sign-in."""
    store = UserStore(users_url)
    for username, password, role, name, commune in DEMO_USERS:
        store.add(username, password, role, name, commune)
    return store


def _signed_in(username: str, **params: str) -> AppTest:
    password = {u[0]: u[1] for u in DEMO_USERS}[username]
    at = sign_in(open_page(**params), username, password)
    no_exceptions(at)
    return at


def _attention(at: AppTest) -> str:
    """The text of the "Cần chú ý" panel (its Markdown lines and captions)."""
    return "\n".join(m.value for m in at.markdown) + "\n" + "\n".join(c.value for c in at.caption)


def test_the_first_screen_lists_what_lags_behind_the_quarters_pace(app_env, accounts) -> None:
    at = _signed_in("lanhdao", tu="2023-07", den="2023-09")
    text = _attention(at)
    assert "**Cần chú ý**" in text
    assert "Tiến độ cần đạt: 75% chỉ tiêu năm sau 9 tháng (Tháng 1–9/2023)." in text
    assert (
        "**Lượt người cao tuổi được khám, tư vấn sức khỏe** — chậm tiến độ  \n"
        "Xã Quảng Lâm: 140/226 lượt (61,9%) · Xã Đầm Hà: 251/387 lượt (64,9%)"
    ) in text
    assert "Toàn huyện: 97,2% · Thị trấn Đầm Hà: 85,7%" in text  # F3, under its 100% target
    assert "Toàn huyện: 4/6 hội nghị (66,7%)" in text  # F11, behind the 75% pace


def test_the_headline_tiles_carry_the_last_quarters(app_env) -> None:
    at = open_page(**ARTICLE)
    no_exceptions(at)
    tiles = {m.label: m.proto for m in at.metric}
    assert list(tiles)[:2] == [BENEFICIARIES, PAID]  # beside the attention list
    assert list(tiles[BENEFICIARIES].chart_data) == [1886, 1887, 1899, 1902, 1907, 1909, 1906]
    assert "Quý I/2022 – Quý III/2023" in tiles[BENEFICIARIES].help


def test_a_commune_head_is_told_their_commune_everywhere(app_env, accounts) -> None:
    at = _signed_in("quangtan", **ARTICLE)
    field = at.multiselect(key="f_xa")
    assert field.proto.placeholder == "Xã Quảng Tân" and field.proto.disabled
    assert any(c.value.startswith("Đang xem: Xã Quảng Tân · Tháng 1–11/2023") for c in at.caption)
    assert not any(c.value.startswith("Đang xem: Toàn huyện") for c in at.caption)
    # ... while the district's figure stands beside the commune's, named as the district's
    assert metrics(at)[BENEFICIARIES] == "240 đối tượng"
    assert "Toàn huyện: 1.911 đối tượng" in [c.value.replace("\\", "") for c in at.caption]


def test_a_commune_heads_lags_are_named_after_the_commune(app_env, accounts) -> None:
    at = _signed_in("quangtan", tu="2023-04", den="2023-06")
    text = _attention(at)
    assert "Xã Quảng Tân: 99,8%" in text and "Xã Quảng Tân: 91,7%" in text
    assert not any("Toàn huyện" in m.value for m in at.markdown)  # the list names the commune


def test_the_district_leader_sees_the_district_and_picks_communes_in_vietnamese(
    app_env, accounts
) -> None:
    at = _signed_in("lanhdao", **ARTICLE)
    field = at.multiselect(key="f_xa")
    assert field.proto.placeholder == "Toàn huyện (9 xã, thị trấn)"
    assert not field.proto.disabled and field.proto.select_all == 0  # no English "Select all"
    assert not any(c.value.startswith("Toàn huyện:") for c in at.caption)  # it is the district


def test_a_topic_page_for_one_commune_shows_the_district_beside_it(app_env) -> None:
    at = open_page("pages/payouts.py", xa="06913", **ARTICLE)
    no_exceptions(at)
    assert metrics(at)[BENEFICIARIES] == "240 đối tượng"
    assert "Toàn huyện: 1.911 đối tượng" in [c.value.replace("\\", "") for c in at.caption]
