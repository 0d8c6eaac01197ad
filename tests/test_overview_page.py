"""The overview page, run through app.py with AppTest, shows the published figures formatted
the Vietnamese way, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.apptest import metrics, no_exceptions, open_page

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


def test_overview_shows_the_published_2023_figures(app_env) -> None:
    at = open_page()
    no_exceptions(at)
    _check_published(metrics(at))
    assert any("Năm 2023" in c.value and "30/11/2023" in c.value for c in at.caption)
    assert any("Dữ liệu mẫu" in i.value for i in at.info)


@pytest.mark.postgres
def test_overview_shows_the_published_2023_figures_on_postgresql(app_pg_env) -> None:
    at = open_page()
    no_exceptions(at)
    _check_published(metrics(at))


def test_overview_for_one_commune_shows_that_communes_figures(app_env) -> None:
    at = open_page(xa="06913", tu="2023-01", den="2023-12")
    no_exceptions(at)
    shown = metrics(at)
    assert shown["Đối tượng hưởng trợ cấp xã hội hằng tháng"] == "240 đối tượng"
    assert any("Xã Quảng Tân" in c.value for c in at.caption)


def test_english_switch_formats_numbers_the_english_way(app_env) -> None:
    at = open_page(lang="en")
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
    ],
)
def test_bad_links_show_a_notice_and_fall_back_to_defaults(app_env, params, fragment) -> None:
    at = open_page(**params)
    no_exceptions(at)
    assert any(fragment in w.value for w in at.warning), [w.value for w in at.warning]
    assert len(at.metric) >= 15


def test_the_url_holds_the_canonical_filters(app_env) -> None:
    at = open_page(xa="06913", tu="2023-07", den="2023-09")
    no_exceptions(at)
    assert at.query_params["xa"] == "06913"
    assert (at.query_params["tu"], at.query_params["den"]) == ("2023-07", "2023-09")
    assert any("Quý III/2023" in c.value for c in at.caption)
