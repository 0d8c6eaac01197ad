"""Charts reach the browser as Vega-Lite specs converted once per process (``ui.vega``, issue 18).

Every chart of every chart page is drawn from the spec ``st.altair_chart`` would send (the same
JSON and the same Arrow data, compared with Streamlit's own conversion, which validates it
against the Vega-Lite schema), with its drill selection (``commune_pick`` on ``unit_code``,
``month_pick`` on ``month__key``) and its data: the demo's published 2023 figures, read back
from the Arrow datasets the browser receives. The same chart for the same data and language is
converted once, whichever session draws it; a table is formatted once the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import pyarrow as pa
import pytest

# The reference: what st.altair_chart sends, in the pinned Streamlit (validating the spec).
from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
from streamlit.testing.v1 import AppTest

import ui.sections
from charts import payouts as ch
from charts.common import COMMUNE_FIELD, COMMUNE_SELECTION, MONTH_FIELD, MONTH_SELECTION
from tests.apptest import no_exceptions, open_page
from ui import vega
from ui.sections import readable

COMMUNES = ["06895", "06898", "06901", "06904", "06910", "06913", "06916", "06917", "06919"]
# The published 2023 figures are of 2023 up to the article's cut-off, 30/11/2023 (the demo's
# data run on to 30/11/2026): the pages below open on that period.
ARTICLE_LINK = {"tu": "2023-01", "den": "2023-11"}
MONTHS_2023 = [f"2023-{m:02d}" for m in range(1, 12)]
PAGES = ["pages/coverage.py", "pages/housing.py", "pages/training.py", "pages/payouts.py"]

# page -> {chart title: the selection a tap makes on it (None: the chart does not drill)}
CHARTS: dict[str, dict[str, str | None]] = {
    "pages/coverage.py": {
        "Người cao tuổi theo thẻ BHYT còn hạn và nguồn đóng": COMMUNE_SELECTION,
        "Lượt khám, tư vấn sức khỏe người cao tuổi theo tháng": MONTH_SELECTION,
        "Trẻ em có hoàn cảnh đặc biệt và trẻ em có nguy cơ theo xã": COMMUNE_SELECTION,
        "Trẻ em theo nhóm hoàn cảnh và tình trạng trợ giúp": None,
        "Thôn, bản, khu phố có cộng tác viên bảo vệ trẻ em theo xã": COMMUNE_SELECTION,
    },
    "pages/housing.py": {
        "Hộ được hỗ trợ nhà ở theo xã: xây mới và sửa chữa": COMMUNE_SELECTION,
        "Kinh phí hỗ trợ nhà ở theo nguồn": None,
        "Hộ được hỗ trợ nhà ở theo đối tượng": None,
        "Tình trạng thực hiện theo xã": COMMUNE_SELECTION,
        "Hộ được phê duyệt và hoàn thành theo tháng": MONTH_SELECTION,
    },
    "pages/training.py": {
        "Học viên theo lĩnh vực đào tạo": None,
        "Học viên theo xã, thị trấn": COMMUNE_SELECTION,
        "Hội nghị việc làm theo tháng": MONTH_SELECTION,
        "Người tham dự hội nghị việc làm theo xã, thị trấn": COMMUNE_SELECTION,
    },
    "pages/payouts.py": {
        "Kinh phí chi trả theo tháng": MONTH_SELECTION,
        "Số đối tượng được chi trả theo tháng": MONTH_SELECTION,
        "Kinh phí lũy kế từ đầu năm": MONTH_SELECTION,
        "Chi trả qua tài khoản và tiền mặt theo tháng": MONTH_SELECTION,
        "Kinh phí theo nhóm đối tượng": None,
        "Kinh phí chi trả theo xã, thị trấn": COMMUNE_SELECTION,
    },
}
# Drawn only where a payment is pending, returned, planned or recovered (none in 2023).
UNSETTLED_CHARTS = {
    "Khoản chi chờ chi, bị trả lại, đã lập danh sách, đã thu hồi theo tháng": MONTH_SELECTION,
    "Khoản chi chờ chi, bị trả lại, đã lập danh sách, đã thu hồi theo xã": COMMUNE_SELECTION,
}
FIELDS = {COMMUNE_SELECTION: COMMUNE_FIELD, MONTH_SELECTION: MONTH_FIELD}


# --- what a page sends the browser --------------------------------------------------------------


def _drawn(at: AppTest) -> dict[str, tuple[dict[str, Any], list[str], pd.DataFrame]]:
    """{chart title: (spec, selection modes, its one dataset as a frame)} of the page."""
    drawn = {}
    for element in at.get("vega_lite_chart"):
        proto = element.proto
        spec = json.loads(proto.spec)
        assert [d.name for d in proto.datasets] == [spec["data"]["name"]]
        frame = pa.ipc.open_stream(proto.datasets[0].data.data).read_all().to_pandas()
        drawn[spec["title"]["text"]] = (spec, list(proto.selection_mode), frame)
    return drawn


def _total(frame: pd.DataFrame, column: str) -> int:
    return int(frame[column].sum())


@pytest.mark.parametrize("page", PAGES)
def test_every_chart_carries_its_drill_selection_and_its_data(app_env: Path, page: str) -> None:
    at = open_page(page, **ARTICLE_LINK)
    no_exceptions(at)
    drawn = _drawn(at)
    assert sorted(drawn) == sorted(CHARTS[page])
    for title, selection in CHARTS[page].items():
        spec, modes, frame = drawn[title]
        params = {p["name"]: p for p in spec.get("params", [])}
        assert not frame.empty, title
        if selection is None:
            assert modes == [], title
            continue
        assert modes == [selection], title
        assert params[selection]["select"]["fields"] == [FIELDS[selection]], title
        if selection == COMMUNE_SELECTION:
            assert set(frame[COMMUNE_FIELD]) <= set(COMMUNES), title
        else:
            assert sorted(set(frame[MONTH_FIELD])) == MONTHS_2023, title


def test_the_charts_hold_the_published_2023_figures(app_env: Path) -> None:
    """Read back from the Arrow data the browser gets: 3.127 health visits, 13 new houses and
    11 repairs, 7 classes with 193 learners, 1.911 beneficiaries and 14,83 tỷ đồng paid."""
    coverage = _drawn(open_page("pages/coverage.py", **ARTICLE_LINK))
    visits = coverage["Lượt khám, tư vấn sức khỏe người cao tuổi theo tháng"][2]
    assert _total(visits, "visits") == 3127

    housing = _drawn(open_page("pages/housing.py", **ARTICLE_LINK))
    houses = housing["Hộ được hỗ trợ nhà ở theo xã: xây mới và sửa chữa"][2]
    assert houses.groupby("kind")["households"].sum().to_dict() == {"new": 13, "repair": 11}

    training = _drawn(open_page("pages/training.py", **ARTICLE_LINK))
    learners = training["Học viên theo xã, thị trấn"][2]
    assert (_total(learners, "classes"), _total(learners, "learners")) == (7, 193)

    payouts = _drawn(open_page("pages/payouts.py", **ARTICLE_LINK))
    people = payouts["Số đối tượng được chi trả theo tháng"][2].set_index(MONTH_FIELD)
    assert int(people.loc["2023-11", "beneficiaries"]) == 1911
    communes = payouts["Kinh phí chi trả theo xã, thị trấn"][2]
    assert sorted(communes[COMMUNE_FIELD]) == COMMUNES
    assert _total(communes, "paid_amount") == 14_828_500_000
    months = payouts["Kinh phí chi trả theo tháng"][2]
    assert _total(months, "paid_amount") == 14_828_500_000


@pytest.fixture
def converted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, vega.Converted]]]:
    """Every (chart, converted spec) a page draws (the real conversion, recorded)."""
    seen: list[tuple[Any, vega.Converted]] = []

    def record(chart: Any) -> tuple[vega.Converted | None, Any]:
        result, made = vega.spec_of(chart)
        if result is not None:
            seen.append((made if made is not None else chart, result))
        return result, made

    vega.clear()  # every chart built and converted here
    monkeypatch.setattr(ui.sections, "spec_of", record)
    yield seen


def _without_dataset_names(spec: dict[str, Any]) -> tuple[str, list[Any]]:
    """The spec's JSON with its dataset names replaced by their order, and the datasets."""
    spec = dict(spec)
    datasets = spec.pop("datasets", {})
    text = json.dumps(spec, sort_keys=True)
    for number, name in enumerate(datasets):
        text = text.replace(name, f"dataset-{number}")
    return text, list(datasets.values())


@pytest.mark.parametrize("page", PAGES)
def test_each_spec_is_the_one_st_altair_chart_sends(app_env: Path, converted, page: str) -> None:
    no_exceptions(open_page(page))  # the first view: Năm 2026
    first_view = {**CHARTS[page], **(UNSETTLED_CHARTS if page == "pages/payouts.py" else {})}
    assert len(converted) == len(first_view)
    for chart, done in converted:
        assert _without_dataset_names(done.spec()) == _without_dataset_names(
            _convert_altair_to_vega_lite_spec(chart)
        )


def test_a_warm_view_converts_no_chart_and_another_session_reuses_them(app_env: Path) -> None:
    vega.clear()
    before = vega.conversions
    at = open_page("pages/payouts.py")
    no_exceptions(at)
    first = vega.conversions - before
    # the first view (Năm 2026) also draws where the payments stand: two charts more
    assert first == len(CHARTS["pages/payouts.py"]) + len(UNSETTLED_CHARTS)
    at.run()  # the same view again (a rerun)
    other = open_page("pages/payouts.py")  # a second session, same data and language
    no_exceptions(other)
    assert vega.conversions - before == first
    english = open_page("pages/payouts.py", lang="en")
    no_exceptions(english)
    assert vega.conversions - before == 2 * first  # another language: other titles, locale


# --- the conversion itself, on charts built from known frames ------------------------------------


def _communes(paid: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": [1, 2],
            "unit_code": ["06913", "06901"],
            "unit_name": ["Xã Quảng Tân", "Xã Quảng An"],
            "paid_amount": paid,
            "beneficiaries": [240, 180],
            "bank_amount": [1_000_000_000, 500_000_000],
        }
    )


def _dataset(done: vega.Converted) -> pd.DataFrame:
    (data,) = done.datasets.values()
    return pa.ipc.open_stream(data).read_all().to_pandas()


def test_a_chart_is_converted_once_per_data_and_language() -> None:
    paid = [1_850_000_000, 1_350_000_000]
    vega.clear()
    before = vega.conversions
    first = vega.vega_lite_spec(ch.amount_by_commune(_communes(paid)))
    again = vega.vega_lite_spec(ch.amount_by_commune(_communes(list(paid))))
    assert first is not None and again is first  # rebuilt from equal data: not converted again
    assert vega.conversions - before == 1
    english = vega.vega_lite_spec(ch.amount_by_commune(_communes(paid), "en"))
    other = vega.vega_lite_spec(ch.amount_by_commune(_communes([paid[0], paid[1] + 1])))
    assert english is not None and other is not None
    assert vega.conversions - before == 3
    assert json.loads(english.spec_json)["title"] != json.loads(first.spec_json)["title"]
    assert _dataset(first)["paid_amount"].tolist() == paid
    assert _dataset(other)["paid_amount"].tolist() == [1_850_000_000, 1_350_000_001]
    assert first.selections == {COMMUNE_SELECTION}
    spec = first.spec()
    assert spec["params"][0]["select"]["fields"] == [COMMUNE_FIELD]
    assert spec["data"] == {"name": next(iter(first.datasets))}
    assert spec["datasets"] == first.datasets


def test_a_month_chart_selects_the_months_key() -> None:
    months = pd.DataFrame(
        {
            "month": [date(2023, 2, 1), date(2023, 3, 1)],
            "paid_amount": [1_300_000_000, 1_310_000_000],
            "beneficiaries": [1905, 1911],
            "bank_amount": [500_000_000, 510_000_000],
            "cash_amount": [800_000_000, 800_000_000],
            "bank_beneficiaries": [800, 810],
        }
    )
    done = vega.vega_lite_spec(ch.beneficiaries_by_month(months))
    assert done is not None and done.selections == {MONTH_SELECTION}
    frame = _dataset(done)
    assert frame[MONTH_FIELD].tolist() == ["2023-02", "2023-03"]
    assert frame["beneficiaries"].tolist() == [1905, 1911]


def test_the_spec_handed_out_is_a_fresh_copy() -> None:
    done = vega.vega_lite_spec(ch.amount_by_commune(_communes([5, 6])))
    assert done is not None
    spec = done.spec()
    spec["encoding"]["x"]["title"] = "changed"
    del spec["datasets"]
    assert done.spec()["encoding"]["x"]["title"] != "changed"
    assert "datasets" in done.spec()


def test_frames_equal_in_values_but_not_in_types_are_different_data() -> None:
    ints = pd.DataFrame({"a": [1, 2]})
    assert vega.frame_digest(ints) == vega.frame_digest(pd.DataFrame({"a": [1, 2]}))
    assert vega.frame_digest(ints) != vega.frame_digest(pd.DataFrame({"a": [1.0, 2.0]}))
    assert vega.frame_digest(ints) != vega.frame_digest(pd.DataFrame({"b": [1, 2]}))
    assert vega.frame_digest(ints) != vega.frame_digest(pd.DataFrame({"a": [1, 2]}, index=[1, 0]))


def test_a_chart_with_data_below_the_top_is_left_to_st_altair_chart() -> None:
    """A layer with data of its own: Altair would need the data to infer types there."""
    left = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q")
    right = alt.Chart(pd.DataFrame({"x": [2]})).mark_point().encode(x="x:Q")
    assert vega.vega_lite_spec(alt.layer(left, right)) is None
    frame = pd.DataFrame({"x": [1]})
    twice = alt.LayerChart(data=frame, layer=[alt.Chart().mark_point().encode(x="x:Q")])
    twice.layer[0].data = frame  # the top's frame held by a layer too
    assert vega.vega_lite_spec(twice) is None
    assert vega.vega_lite_spec(alt.Chart("data.csv").mark_point()) is None


def test_a_field_without_a_type_gets_it_from_the_frame() -> None:
    chart = alt.Chart(pd.DataFrame({"x": [1, 2], "y": ["a", "b"]})).mark_bar().encode(x="x", y="y")
    done = vega.vega_lite_spec(chart)
    assert done is not None
    encoding = done.spec()["encoding"]
    assert (encoding["x"]["type"], encoding["y"]["type"]) == ("quantitative", "nominal")


BUILDS: list[str] = []


def counted_amount_by_commune(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """``charts.payouts.amount_by_commune``, counting its calls."""
    BUILDS.append(lang)
    return ch.amount_by_commune(frame, lang)


def test_a_built_chart_is_built_once_per_arguments() -> None:
    paid = [1_850_000_000, 1_350_000_000]
    vega.clear()
    BUILDS.clear()
    first, made = vega.spec_of(vega.built(counted_amount_by_commune, _communes(paid)))
    assert first is not None and made is not None
    again, not_made = vega.spec_of(vega.built(counted_amount_by_commune, _communes(list(paid))))
    assert again is first and not_made is None
    assert BUILDS == ["vi"]
    vega.spec_of(vega.built(counted_amount_by_commune, _communes(paid), lang="en"))
    vega.spec_of(vega.built(counted_amount_by_commune, _communes([paid[0], paid[1] + 1])))
    assert BUILDS == ["vi", "en", "vi"]
    direct = vega.vega_lite_spec(ch.amount_by_commune(_communes(paid)))
    assert direct is not None and direct.spec_json == first.spec_json
    assert _dataset(first)["paid_amount"].tolist() == paid


def test_a_builder_that_cannot_be_named_is_built_every_time() -> None:
    BUILDS.clear()
    lazy = vega.built(lambda frame: counted_amount_by_commune(frame), _communes([1, 2]))
    for _ in range(2):
        done, made = vega.spec_of(lazy)
        assert done is not None and made is not None
    assert BUILDS == ["vi", "vi"]


def test_a_table_is_formatted_once_per_values_and_language(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = ui.sections._readable

    def counted(table: pd.DataFrame, lang: str) -> pd.DataFrame:
        calls.append(lang)
        return real(table, lang)

    monkeypatch.setattr(ui.sections, "_readable", counted)
    ui.sections._shown.clear()
    table = pd.DataFrame({"Xã": ["Xã Quảng Tân"], "Số đối tượng": [1911], "Tỷ lệ (%)": [58.25]})
    shown = readable(table, "vi")
    assert shown.iloc[0].tolist() == ["Xã Quảng Tân", "1.911", "58,3"]
    shown.iloc[0, 1] = "changed"  # the caller's copy, not the cached one
    assert readable(table.copy(), "vi").iloc[0].tolist() == ["Xã Quảng Tân", "1.911", "58,3"]
    assert readable(table, "en").iloc[0].tolist() == ["Xã Quảng Tân", "1,911", "58.3"]
    assert calls == ["vi", "en"]


def test_the_caches_stay_within_their_entries_and_bytes() -> None:
    cache = vega.Lru(size=3, max_bytes=100)
    for number in range(5):
        cache.put(number, str(number), 10)
    assert (len(cache), cache.bytes, cache.get(1), cache.get(2)) == (3, 30, None, "2")
    cache.put("big", "x" * 80, 80)  # 3, the least recently used, goes: 4 entries were too many
    assert (len(cache), cache.bytes, cache.get(3), cache.get(4)) == (3, 100, None, "4")
    cache.put("huge", "x" * 200, 200)  # more than the budget alone: nothing is kept
    assert (len(cache), cache.bytes) == (0, 0)
