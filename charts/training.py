"""Charts and their tables for the training and jobs page: DataFrame -> alt.Chart / table.

Each ``*_table`` is exactly what its chart shows, with Vietnamese (or English) headers and
numbers left numeric for Excel; dates in the class list read d/m/yyyy via ``fmt_date``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import altair as alt
import pandas as pd

from i18n import Catalog
from vocab import CLASS_FIELDS, JOB_EVENT_KINDS

from . import palette
from .common import (
    bar_by_commune,
    bottom_legend,
    by_month,
    code_key,
    colour_scale,
    finish,
    level_title,
    sized_by_rows,
    unit_header,
)
from .formatting import D3_INT, fmt_date, fmt_int, fmt_month, fmt_percent

T = Catalog(
    "charts.training",
    {
        "month": ("Tháng", "Month"),
        "commune": ("Xã, thị trấn", "Commune"),
        "field": ("Lĩnh vực", "Field"),
        "measure": ("Chỉ số", "Measure"),
        "people": ("Số người", "People"),
        "classes": ("Số lớp", "Classes"),
        "learners": ("Học viên ghi danh", "Learners enrolled"),
        "completed": ("Hoàn thành khóa học", "Completed the course"),
        "employed": ("Có việc làm sau học", "Employed after the course"),
        "completion": ("Tỷ lệ hoàn thành (lớp đã kết thúc)", "Completion rate (ended classes)"),
        "kind": ("Loại hội nghị", "Kind of event"),
        "events": ("Số hội nghị", "Events"),
        "attendees": ("Số người tham dự", "Attendees"),
        "registered": ("Số người đăng ký việc làm", "Registered for a job"),
        "class_name": ("Tên lớp", "Class"),
        "start": ("Khai giảng", "Starts"),
        "end": ("Kết thúc", "Ends"),
        "hours": ("Số giờ", "Hours"),
        "t_field": ("Học viên theo lĩnh vực đào tạo", "Learners by field of training"),
        "t_commune": ("Học viên theo xã, thị trấn", "Learners by commune"),
        "t_events_month": ("Hội nghị việc làm theo tháng", "Job events per month"),
        "t_events_commune": (
            "Người tham dự hội nghị việc làm theo xã, thị trấn",
            "Job event attendees by commune",
        ),
        "t_commune_area": ("Học viên theo {area}", "Learners by {area}"),
        "t_events_commune_area": (
            "Người tham dự hội nghị việc làm theo {area}",
            "Job event attendees by {area}",
        ),
    },
)

MEASURES = ("learners", "completed", "employed")  # the path of a learner, in order


def learners_by_field(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Grouped bars per field: learners enrolled, completed, and employed after the course."""
    rows = []
    for record in frame.itertuples(index=False):
        for order, measure in enumerate(MEASURES):
            rows.append(
                {
                    "field_label": CLASS_FIELDS.label(record.field, lang),
                    "measure": T(measure, lang),
                    "measure_order": order,
                    "people": int(getattr(record, measure)),
                    "people__text": fmt_int(getattr(record, measure), lang),
                    "classes__text": fmt_int(record.classes, lang),
                }
            )
    data = pd.DataFrame(rows)
    measures = [T(m, lang) for m in MEASURES]
    fields = [CLASS_FIELDS.label(f, lang) for f in frame["field"]]
    chart = (
        alt.Chart(data, title=T("t_field", lang))
        .mark_bar(cornerRadiusEnd=2)
        .encode(
            y=alt.Y("field_label:N", sort=fields, title=None),
            yOffset=alt.YOffset("measure:N", sort=measures),
            x=alt.X("people:Q", title=T("people", lang), axis=alt.Axis(format=D3_INT)),
            color=alt.Color(
                "measure:N",
                title=T("measure", lang),
                sort=measures,
                scale=colour_scale(palette.by_label(T, lang, list(MEASURES))),
                legend=bottom_legend(),
            ),
            tooltip=[
                alt.Tooltip("field_label:N", title=T("field", lang)),
                alt.Tooltip("classes__text:N", title=T("classes", lang)),
                alt.Tooltip("measure:N", title=T("measure", lang)),
                alt.Tooltip("people__text:N", title=T("people", lang)),
            ],
        )
    )
    return finish(sized_by_rows(chart, step=22, offset=True), lang, T("t_field", lang))


def field_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Per field: classes, learners, completed, employed, and the completion rate (0–1)."""
    ended = frame["learners_ended"]
    return pd.DataFrame(
        {
            T("field", lang): [CLASS_FIELDS.label(f, lang) for f in frame["field"]],
            T("classes", lang): frame["classes"].astype("int64"),
            T("learners", lang): frame["learners"].astype("int64"),
            T("completed", lang): frame["completed"].astype("int64"),
            T("employed", lang): frame["employed"].astype("int64"),
            T("completion", lang) + " %": (frame["completed"] / ended.where(ended > 0)).round(4),
        }
    )


def completion_text(frame: pd.DataFrame, lang: str = "vi") -> str:
    """Completed / learners of ended classes, as "93,4%" ("—" when no class has ended)."""
    ended = int(frame["learners_ended"].sum())
    return fmt_percent(frame["completed"].sum() / ended if ended else None, 1, lang)


def employed_text(frame: pd.DataFrame, lang: str = "vi") -> str:
    """Employed after the course / completed, as "70,5%" ("—" when nobody has completed)."""
    done = int(frame["completed"].sum())
    return fmt_percent(frame["employed"].sum() / done if done else None, 1, lang)


def learners_by_commune(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Horizontal bars per commune: learners, stacked by field; tooltip adds classes."""
    data = frame.assign(classes__text=[fmt_int(v, lang) for v in frame["classes"]])
    return bar_by_commune(
        data,
        "learners",
        title=level_title(T, "t_commune", frame, lang),
        value_title=T("learners", lang),
        fmt=lambda v: fmt_int(v, lang),
        lang=lang,
        color="field",
        color_title=T("field", lang),
        categories=CLASS_FIELDS,
        extra_tooltips=[alt.Tooltip("classes__text:N", title=T("classes", lang))],
    )


def commune_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Per commune and field: classes, learners and those who completed."""
    return pd.DataFrame(
        {
            code_key(frame): frame["unit_code"],
            unit_header(frame, lang): frame["unit_name"],
            T("field", lang): [CLASS_FIELDS.label(f, lang) for f in frame["field"]],
            T("classes", lang): frame["classes"].astype("int64"),
            T("learners", lang): frame["learners"].astype("int64"),
            T("completed", lang): frame["completed"].astype("int64"),
        }
    )


def class_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The classes started in the period: name, field, commune, dates (d/m/yyyy), hours, people."""
    return pd.DataFrame(
        {
            T("class_name", lang): frame["name"],
            T("field", lang): [CLASS_FIELDS.label(f, lang) for f in frame["field"]],
            T("commune", lang): frame["unit_name"],
            T("start", lang): [fmt_date(d, lang) for d in frame["start_date"]],
            T("end", lang): [fmt_date(d, lang) for d in frame["end_date"]],
            T("hours", lang): frame["hours"].astype("int64"),
            T("learners", lang): frame["learners"].astype("int64"),
            T("completed", lang): frame["completed"].astype("int64"),
        }
    )


def _every_month(frame: pd.DataFrame, months: Sequence[date] | None) -> pd.DataFrame:
    """Events per month and kind, with a zero row for each month of ``months`` without one."""
    frame = frame.assign(month=[pd.Timestamp(m).date() for m in frame["month"]])
    empty = sorted(set(months or ()) - set(frame["month"]))
    if not empty:
        return frame.sort_values(["month", "kind"]).reset_index(drop=True)
    zeros = pd.DataFrame(
        {"month": empty, "kind": JOB_EVENT_KINDS.codes()[0], "events": 0, "attendees": 0}
    )
    both = pd.concat([frame[["month", "kind", "events", "attendees"]], zeros])
    return both.sort_values(["month", "kind"]).reset_index(drop=True)


def events_by_month(
    frame: pd.DataFrame, lang: str = "vi", months: Sequence[date] | None = None
) -> alt.Chart | alt.LayerChart:
    """Bars per month: job events, stacked by kind; tooltip adds attendees.

    ``months``: every month of the period, so that a month without events shows as zero and the
    months with events are not drawn side by side as if consecutive.
    """
    data = _every_month(frame, months)
    data["attendees__text"] = [fmt_int(v, lang) for v in data["attendees"]]
    return by_month(
        data,
        "events",
        title=T("t_events_month", lang),
        value_title=T("events", lang),
        fmt=lambda v: fmt_int(v, lang),
        lang=lang,
        months=months,
        color="kind",
        color_title=T("kind", lang),
        categories=JOB_EVENT_KINDS,
        extra_tooltips=[alt.Tooltip("attendees__text:N", title=T("attendees", lang))],
    )


def events_month_table(
    frame: pd.DataFrame, lang: str = "vi", months: Sequence[date] | None = None
) -> pd.DataFrame:
    """Per month (every month of ``months``, zeros included): events of each kind, all events
    and attendees."""
    data = _every_month(frame, months)
    wide = (
        data.pivot_table(index="month", columns="kind", values="events", aggfunc="sum")
        .reindex(columns=JOB_EVENT_KINDS.codes())
        .fillna(0)
        .astype("int64")
        .sort_index()
    )
    attendees = data.groupby("month")["attendees"].sum().reindex(wide.index).astype("int64")
    table = pd.DataFrame({T("month", lang): [fmt_month(m, lang) for m in wide.index]})
    for kind in JOB_EVENT_KINDS.codes():
        table[JOB_EVENT_KINDS.label(kind, lang)] = wide[kind].to_numpy()
    table[T("events", lang)] = wide.sum(axis=1).to_numpy()
    table[T("attendees", lang)] = attendees.to_numpy()
    return table


def attendees_by_commune(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Horizontal bars per commune: job event attendees, stacked by kind; tooltip adds events."""
    data = frame.assign(events__text=[fmt_int(v, lang) for v in frame["events"]])
    return bar_by_commune(
        data,
        "attendees",
        title=level_title(T, "t_events_commune", frame, lang),
        value_title=T("attendees", lang),
        fmt=lambda v: fmt_int(v, lang),
        lang=lang,
        color="kind",
        color_title=T("kind", lang),
        categories=JOB_EVENT_KINDS,
        extra_tooltips=[alt.Tooltip("events__text:N", title=T("events", lang))],
    )


def events_commune_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Per commune and kind: events and attendees."""
    return pd.DataFrame(
        {
            code_key(frame): frame["unit_code"],
            unit_header(frame, lang): frame["unit_name"],
            T("kind", lang): [JOB_EVENT_KINDS.label(k, lang) for k in frame["kind"]],
            T("events", lang): frame["events"].astype("int64"),
            T("attendees", lang): frame["attendees"].astype("int64"),
        }
    )
