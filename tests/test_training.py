"""Vocational training and job events: classes by field and commune, the class list, events by
kind, month and commune — queries on SQLite and PostgreSQL, chart specs, and the page through
app.py."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from charts import training as ch
from charts.formatting import fmt_int
from data_access import schema as s
from data_access import training as q
from data_access.errors import OutOfScopeError
from data_access.filters import Filters, Period, Scope
from data_access.indicators import indicator_values
from tests.apptest import metrics, no_exceptions, open_page
from vocab import CLASS_FIELDS, JOB_EVENT_KINDS

YEAR_2023 = Filters(Period.year(2023))
# The published 2023 figures are of 2023 up to the article's cut-off, 30/11/2023; the demo's
# data run on to 30/11/2026.
ARTICLE_2023 = Filters(Period.months(2023, 1, 2023, 11))
ARTICLE_LINK = {"tu": "2023-01", "den": "2023-11"}
EVERYONE = Scope.everything()
COMMUNES = ["06895", "06898", "06901", "06904", "06910", "06913", "06916", "06917", "06919"]
F10_LABEL = "Hội nghị giao dịch việc làm, xuất khẩu lao động"
F11_LABEL = "Hội nghị tư vấn, tuyển dụng lao động (TKV)"
F12_LABEL = "Lớp sơ cấp nghề cho lao động nông thôn"
F13_LABEL = "Học viên các lớp sơ cấp nghề"


def _f(engine: Engine, code: str, filters: Filters = YEAR_2023) -> int:
    with engine.connect() as conn:
        total, _ = indicator_values(conn, filters, EVERYONE, [code])
    return int(total["numerator"].iloc[0])


def _kinds(events: pd.DataFrame) -> dict[str, int]:
    return {k: int(v) for k, v in events.groupby("kind")["events"].sum().items()}


# --- queries, on both engines ------------------------------------------------------------------


def test_2023_has_7_classes_4_non_agricultural_and_3_agricultural(engine: Engine) -> None:
    with engine.connect() as conn:
        fields = q.classes_by_field(conn, YEAR_2023, EVERYONE)
    by_field = dict(zip(fields["field"], fields["classes"], strict=True))
    assert by_field == {"non_agri": 4, "agri": 3}
    assert fields["classes"].sum() == _f(engine, "F12") == 7


def test_learners_equal_f13_and_the_learner_path_only_narrows(engine: Engine) -> None:
    with engine.connect() as conn:
        fields = q.classes_by_field(conn, ARTICLE_2023, EVERYONE)
    assert fields["learners"].sum() == _f(engine, "F13", ARTICLE_2023)
    assert 185 <= fields["learners"].sum() <= 199
    assert (fields["learners_ended"] <= fields["learners"]).all()
    assert (fields["completed"] <= fields["learners_ended"]).all()
    assert (fields["employed"] <= fields["completed"]).all()
    # Two 2023 classes run past 30/11/2023: their learners are not yet in the completion base.
    assert fields["classes"].sum() - fields["classes_ended"].sum() == 2


def test_the_class_list_holds_the_classes_started_in_the_period(engine: Engine) -> None:
    with engine.connect() as conn:
        classes = q.class_list(conn, YEAR_2023, EVERYONE)
        fields = q.classes_by_field(conn, YEAR_2023, EVERYONE)
        communes = q.classes_by_commune(conn, YEAR_2023, EVERYONE)
    assert len(classes) == 7
    assert all(date(2023, 1, 1) <= d <= date(2023, 12, 31) for d in classes["start_date"])
    assert classes["start_date"].tolist() == sorted(classes["start_date"])
    assert (classes["end_date"] > classes["start_date"]).all()
    assert (classes["hours"] >= 300).all()  # sơ cấp: 300 hours or more (Decision 46/2015)
    for column in ("learners", "completed"):
        assert classes[column].sum() == fields[column].sum() == communes[column].sum(), column
    assert classes["employed"].sum() == fields["employed"].sum()
    assert Counter(classes["field"]) == {"non_agri": 4, "agri": 3}


def test_2023_had_3_job_fairs_or_labour_export_conferences_and_6_recruitment_events(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        by_month = q.events_by_month(conn, YEAR_2023, EVERYONE)
        by_commune = q.events_by_commune(conn, YEAR_2023, EVERYONE)
    kinds = _kinds(by_month)
    assert kinds["job_fair"] + kinds["labour_export"] == 3 == _f(engine, "F10")
    assert kinds["recruitment"] == 6 == _f(engine, "F11")
    assert _kinds(by_commune) == kinds
    assert by_month["attendees"].sum() == by_commune["attendees"].sum()


@pytest.mark.parametrize(
    ("period", "version"),
    [(Period.months(2022, 1, 2023, 11), "2023"), (Period.months(2022, 1, 2026, 11), "2025")],
    ids=["2023-units", "every-month-across-the-merger"],
)
def test_events_are_bucketed_by_the_month_they_were_held(
    engine: Engine, period: Period, version: str
) -> None:
    e = s.job_event
    with engine.connect() as conn:
        by_month = q.events_by_month(conn, Filters(period, version=version), EVERYONE)
        rows = conn.execute(
            sa.select(e.c.event_date, e.c.kind, e.c.attendees).where(
                e.c.event_date.between(period.start, period.end_date)
            )
        ).all()
    expected: Counter[tuple[date, str]] = Counter()
    attendees: Counter[tuple[date, str]] = Counter()
    for held, kind, people in rows:
        held = held if isinstance(held, date) else date.fromisoformat(str(held))
        expected[(held.replace(day=1), kind)] += 1
        attendees[(held.replace(day=1), kind)] += people
    got = {(m, k): n for m, k, n in by_month[["month", "kind", "events"]].itertuples(index=False)}
    assert got == dict(expected)
    assert {
        (m, k): n for m, k, n in by_month[["month", "kind", "attendees"]].itertuples(index=False)
    } == dict(attendees)
    assert by_month["month"].tolist() == sorted(by_month["month"])


def test_one_commune_filter_narrows_classes_and_events(engine: Engine) -> None:
    one = Filters(Period.year(2023), ("06895",))
    with engine.connect() as conn:
        whole = q.class_list(conn, YEAR_2023, EVERYONE)
        classes = q.class_list(conn, one, EVERYONE)
        events = q.events_by_commune(conn, one, EVERYONE)
        all_events = q.events_by_commune(conn, YEAR_2023, EVERYONE)
    assert set(classes["unit_code"]) == {"06895"}
    assert classes["class_id"].tolist() == whole[whole["unit_code"] == "06895"]["class_id"].tolist()
    assert len(classes) == _f(engine, "F12", one) > 0
    assert set(events["unit_code"]) == {"06895"}
    mine = all_events[all_events["unit_code"] == "06895"]
    assert events["events"].sum() == mine["events"].sum() > 0


def test_a_quarter_holds_only_classes_and_events_that_start_in_it(engine: Engine) -> None:
    q3 = Filters(Period.quarter(2023, 3))
    with engine.connect() as conn:
        year = q.class_list(conn, YEAR_2023, EVERYONE)
        classes = q.class_list(conn, q3, EVERYONE)
        events = q.events_by_month(conn, q3, EVERYONE)
        year_events = q.events_by_month(conn, YEAR_2023, EVERYONE)
    in_q3 = year[[7 <= d.month <= 9 for d in year["start_date"]]]
    assert classes["class_id"].tolist() == in_q3["class_id"].tolist()
    assert 0 < len(classes) < len(year)
    assert all(7 <= m.month <= 9 for m in events["month"])
    q3_rows = year_events[[7 <= m.month <= 9 for m in year_events["month"]]]
    assert events["events"].sum() == q3_rows["events"].sum()


def test_a_commune_heads_scope_sees_only_their_commune(engine: Engine) -> None:
    head = Scope.commune("06913")
    with engine.connect() as conn:
        events = q.events_by_commune(conn, YEAR_2023, head)
        fields = q.classes_by_field(conn, YEAR_2023, head)
        classes = q.class_list(conn, Filters(Period.year(2022)), head)
        with pytest.raises(OutOfScopeError):
            q.class_list(conn, Filters(Period.year(2023), ("06895",)), head)
    assert set(events["unit_code"]) == {"06913"}
    assert fields["field"].tolist() == ["non_agri", "agri"]  # both fields, even when zero
    assert fields["classes"].sum() == _f(engine, "F12", Filters(Period.year(2023), ("06913",)))
    assert set(classes["unit_code"]) <= {"06913"}


def test_the_2025_version_names_the_new_communes(engine: Engine) -> None:
    new = Filters(Period.year(2023), version="2025")
    with engine.connect() as conn:
        classes = q.class_list(conn, new, EVERYONE)
        communes = q.classes_by_commune(conn, new, EVERYONE)
        events = q.events_by_commune(conn, new, EVERYONE)
        old_events = q.events_by_commune(conn, YEAR_2023, EVERYONE)
    assert set(classes["unit_name"]) <= {"Xã Đầm Hà", "Xã Quảng Tân"}
    assert len(classes) == 7 and communes["classes"].sum() == 7
    assert set(events["unit_code"]) <= {"06895", "06913"}
    assert events["attendees"].sum() == old_events["attendees"].sum()
    quang_tan_old = old_events[old_events["unit_code"].isin(["06901", "06910", "06898", "06913"])]
    quang_tan_new = events[events["unit_code"] == "06913"]
    assert quang_tan_new["events"].sum() == quang_tan_old["events"].sum()


def test_a_commune_without_classes_or_events_returns_empty_frames(engine: Engine) -> None:
    with engine.connect() as conn:
        quiet = next(
            c
            for c in COMMUNES
            if q.class_list(conn, Filters(Period.year(2023), (c,)), EVERYONE).empty
            and q.events_by_month(conn, Filters(Period.year(2023), (c,)), EVERYONE).empty
        )
        fields = q.classes_by_field(conn, Filters(Period.year(2023), (quiet,)), EVERYONE)
        communes = q.classes_by_commune(conn, Filters(Period.year(2023), (quiet,)), EVERYONE)
    assert fields["classes"].tolist() == [0, 0] and communes.empty


def test_labels_are_vietnamese_and_unknown_codes_show_as_themselves() -> None:
    assert CLASS_FIELDS.label("agri") == "Nông nghiệp"
    assert CLASS_FIELDS.label("non_agri", "en") == "Non-agricultural"
    assert JOB_EVENT_KINDS.label("recruitment") == "Tư vấn, tuyển dụng (TKV)"
    assert (
        JOB_EVENT_KINDS.label("online_fair") == "online_fair" == CLASS_FIELDS.label("online_fair")
    )


# --- charts ------------------------------------------------------------------------------------


@pytest.fixture
def fields() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "field": ["non_agri", "agri"],
            "classes": [4, 3],
            "classes_ended": [3, 2],
            "learners": [111, 82],
            "learners_ended": [83, 54],
            "completed": [76, 53],
            "employed": [52, 41],
        }
    )


def _rows(spec: dict) -> list[dict]:
    (rows,) = spec["datasets"].values()
    return rows


def test_field_chart_groups_enrolled_completed_and_employed_per_field(fields) -> None:
    spec = ch.learners_by_field(fields).to_dict()
    assert spec["title"]["text"] == "Học viên theo lĩnh vực đào tạo"
    assert spec["encoding"]["y"]["field"] == "field_label"
    assert spec["encoding"]["yOffset"]["field"] == "measure"
    assert spec["encoding"]["color"]["sort"] == [
        "Học viên ghi danh",
        "Hoàn thành khóa học",
        "Có việc làm sau học",
    ]
    rows = _rows(spec)
    assert [(r["field_label"], r["people"]) for r in rows[:3]] == [
        ("Phi nông nghiệp", 111),
        ("Phi nông nghiệp", 76),
        ("Phi nông nghiệp", 52),
    ]
    assert rows[0]["classes__text"] == "4"
    assert spec["autosize"]["type"] == "fit-x"


def test_field_table_and_rates(fields) -> None:
    table = ch.field_table(fields)
    assert table.columns.tolist() == [
        "Lĩnh vực",
        "Số lớp",
        "Học viên ghi danh",
        "Hoàn thành khóa học",
        "Có việc làm sau học",
        "Tỷ lệ hoàn thành (lớp đã kết thúc) %",
    ]
    assert table["Tỷ lệ hoàn thành (lớp đã kết thúc) %"].tolist() == [0.9157, 0.9815]
    assert ch.completion_text(fields) == "94,2%"  # 129 / 137
    assert ch.employed_text(fields) == "72,1%"  # 93 / 129
    assert ch.completion_text(fields.assign(learners_ended=0)) == "—"


def test_commune_chart_stacks_learners_by_field_and_selects_communes() -> None:
    frame = pd.DataFrame(
        {
            "unit_id": [3, 3],
            "unit_code": ["06895", "06895"],
            "unit_name": ["Thị trấn Đầm Hà", "Thị trấn Đầm Hà"],
            "field": ["agri", "non_agri"],
            "classes": [1, 2],
            "learners": [28, 53],
            "completed": [0, 50],
        }
    )
    spec = ch.learners_by_commune(frame).to_dict()
    assert spec["encoding"]["x"]["field"] == "learners"
    assert spec["encoding"]["x"]["aggregate"] == "sum"
    assert spec["encoding"]["color"]["field"] == "field__label"
    assert spec["params"][0]["name"] == "commune_pick"
    # the stacking sum keeps the commune's code, so a tap on either field's part selects it
    assert spec["encoding"]["detail"] == {"field": "unit_code", "type": "nominal"}
    assert spec["height"] == {"step": 52}
    assert [t["title"] for t in spec["encoding"]["tooltip"]][-1] == "Số lớp"
    assert ch.commune_table(frame)["Lĩnh vực"].tolist() == ["Nông nghiệp", "Phi nông nghiệp"]


def test_class_table_writes_dates_the_vietnamese_way() -> None:
    frame = pd.DataFrame(
        {
            "class_id": [13],
            "name": ["Sơ cấp nghề Chăn nuôi gia cầm"],
            "field": ["agri"],
            "unit_code": ["06895"],
            "unit_name": ["Thị trấn Đầm Hà"],
            "start_date": [date(2023, 9, 7)],
            "end_date": [date(2024, 1, 8)],
            "hours": [360],
            "learners": [28],
            "completed": [0],
            "employed": [0],
        }
    )
    row = ch.class_table(frame).iloc[0].to_dict()
    assert row == {
        "Tên lớp": "Sơ cấp nghề Chăn nuôi gia cầm",
        "Lĩnh vực": "Nông nghiệp",
        "Xã, thị trấn": "Thị trấn Đầm Hà",
        "Khai giảng": "7/9/2023",
        "Kết thúc": "8/1/2024",
        "Số giờ": 360,
        "Học viên ghi danh": 28,
        "Hoàn thành khóa học": 0,
    }


def test_event_charts_stack_kinds_and_show_attendees() -> None:
    frame = pd.DataFrame(
        {
            "month": [date(2023, 4, 1), date(2023, 4, 1)],
            "kind": ["job_fair", "recruitment"],
            "events": [1, 2],
            "attendees": [83, 1272],
            "registered": [11, 32],
        }
    )
    spec = ch.events_by_month(frame).to_dict()
    assert spec["encoding"]["y"]["field"] == "events"
    assert spec["encoding"]["color"]["field"] == "kind__label"
    assert spec["encoding"]["y"]["axis"]["tickMinStep"] == 1
    assert spec["params"][0]["name"] == "month_pick"
    assert [(r["kind__label"], r["attendees__text"]) for r in _rows(spec)] == [
        ("Giao dịch việc làm", "83"),
        ("Tư vấn, tuyển dụng (TKV)", "1.272"),
    ]
    assert ch.events_month_table(frame).to_dict("list") == {
        "Tháng": ["Tháng 4/2023"],
        "Giao dịch việc làm": [1],
        "Xuất khẩu lao động": [0],
        "Tư vấn, tuyển dụng (TKV)": [2],
        "Số hội nghị": [3],
        "Số người tham dự": [1355],
    }
    per_commune = frame.drop(columns=["month"]).assign(
        unit_id=5, unit_code="06901", unit_name="Xã Quảng An"
    )
    spec = ch.attendees_by_commune(per_commune, "en").to_dict()
    assert spec["title"]["text"] == "Job event attendees by commune"
    assert [r["events__text"] for r in _rows(spec)] == ["1", "2"]


def test_months_without_job_events_show_as_zero_not_as_missing() -> None:
    """March and June held events, April and May none: four months on the axis, not two side
    by side as if consecutive; the table gives the empty months a zero."""
    frame = pd.DataFrame(
        {
            "month": [date(2023, 3, 1), date(2023, 6, 1)],
            "kind": ["job_fair", "labour_export"],
            "events": [1, 1],
            "attendees": [199, 100],
            "registered": [20, 10],
        }
    )
    months = [date(2023, m, 1) for m in (3, 4, 5, 6)]
    spec = ch.events_by_month(frame, "vi", months).to_dict()
    axis = spec["encoding"]["x"]
    assert axis["scale"]["domain"] == ["T3/2023", "T4/2023", "T5/2023", "T6/2023"]
    by_month = {r["month__key"]: r["events"] for r in _rows(spec) if r["events"] == 0}
    assert by_month == {"2023-04": 0, "2023-05": 0}
    table = ch.events_month_table(frame, "vi", months)
    assert table["Tháng"].tolist() == [
        "Tháng 3/2023",
        "Tháng 4/2023",
        "Tháng 5/2023",
        "Tháng 6/2023",
    ]
    assert table["Số hội nghị"].tolist() == [1, 0, 0, 1]


# --- the page, through app.py ------------------------------------------------------------------


def _sqlite(path: Path) -> Engine:
    return sa.create_engine(f"sqlite:///{path}")


def test_the_page_shows_the_published_2023_training_figures(app_env) -> None:
    at = open_page("pages/training.py", **ARTICLE_LINK)
    no_exceptions(at)
    shown = metrics(at)
    engine = _sqlite(app_env)
    assert shown[F12_LABEL] == "7 lớp"
    assert shown[F10_LABEL] == "3 hội nghị"
    assert shown[F11_LABEL] == "6 hội nghị"
    assert shown[F13_LABEL] == f"{fmt_int(_f(engine, 'F13', ARTICLE_2023))} học viên"
    with engine.connect() as conn:
        fields = q.classes_by_field(conn, ARTICLE_2023, EVERYONE)
    assert shown["Tỷ lệ hoàn thành khóa học"] == ch.completion_text(fields)
    assert shown["Có việc làm sau học"] == ch.employed_text(fields)
    (classes,) = [d.value for d in at.dataframe if "Khai giảng" in d.value.columns]
    assert len(classes) == 7 and classes["Khai giảng"].iloc[0] == "21/3/2023"
    engine.dispose()


@pytest.mark.parametrize("code", COMMUNES)
def test_the_page_renders_each_communes_own_figures(app_env, code) -> None:
    at = open_page("pages/training.py", xa=code, tu="2023-01", den="2023-12")
    no_exceptions(at)
    engine = _sqlite(app_env)
    one = Filters(Period.year(2023), (code,))
    shown = metrics(at)
    assert shown[F12_LABEL] == f"{_f(engine, 'F12', one)} lớp"
    assert shown[F10_LABEL] == f"{_f(engine, 'F10', one)} hội nghị"
    assert shown[F11_LABEL] == f"{_f(engine, 'F11', one)} hội nghị"
    engine.dispose()


def test_a_selection_without_classes_or_events_shows_empty_states(app_env) -> None:
    engine = _sqlite(app_env)
    with engine.connect() as conn:
        quiet = next(
            c
            for c in COMMUNES
            if q.classes_by_field(conn, Filters(Period.year(2023), (c,)), EVERYONE)["classes"].sum()
            == 0
            and q.events_by_month(conn, Filters(Period.year(2023), (c,)), EVERYONE).empty
        )
    engine.dispose()
    at = open_page("pages/training.py", xa=quiet, tu="2023-01", den="2023-12")
    no_exceptions(at)
    infos = [i.value for i in at.info]
    assert any("Không có lớp sơ cấp nghề nào" in i for i in infos)
    assert any("Không có hội nghị việc làm nào" in i for i in infos)
    assert metrics(at)[F12_LABEL] == "0 lớp"
    assert not at.dataframe  # no chart tables, no class list


def test_changing_the_period_in_the_link_changes_the_figures(app_env) -> None:
    at = open_page("pages/training.py", tu="2022-01", den="2022-12")
    no_exceptions(at)
    engine = _sqlite(app_env)
    y2022 = Filters(Period.year(2022))
    shown = metrics(at)
    assert shown[F12_LABEL] == f"{_f(engine, 'F12', y2022)} lớp" != "7 lớp"
    assert shown[F11_LABEL] == f"{_f(engine, 'F11', y2022)} hội nghị" != "6 hội nghị"
    assert any("Năm 2022" in c.value for c in at.caption)
    engine.dispose()


def test_the_page_in_english(app_env) -> None:
    at = open_page("pages/training.py", lang="en", **ARTICLE_LINK)
    no_exceptions(at)
    shown = metrics(at)
    assert shown["Elementary vocational classes for rural workers"] == "7 classes"
    assert shown["Course completion rate"].endswith("%") and "." in shown["Course completion rate"]


@pytest.mark.postgres
def test_the_page_on_postgresql(app_pg_env) -> None:
    at = open_page("pages/training.py", **ARTICLE_LINK)
    no_exceptions(at)
    shown = metrics(at)
    assert (shown[F12_LABEL], shown[F10_LABEL], shown[F11_LABEL]) == (
        "7 lớp",
        "3 hội nghị",
        "6 hội nghị",
    )
