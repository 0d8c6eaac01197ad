"""Pure chart builders shared by the pages: DataFrame -> alt.Chart, Vietnamese titles and formats.

Tooltips show text formatted by ``charts.formatting`` (so "1.911" and "1,48 tỷ đồng" read the
same as the tiles, whatever the renderer's locale); axes use d3 formats under the Vietnamese
``config.locale`` from ``apply_locale``.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd

from i18n import Catalog

from .formatting import D3_INT, D3_PCT_INT, apply_locale, fmt_month, fmt_month_short

Formatter = Callable[[float], str]

T = Catalog(
    "charts.common",
    {
        "commune": ("Xã, thị trấn", "Commune"),
        "month": ("Tháng", "Month"),
    },
)

CHART_HEIGHT = 300  # fits a landscape tablet with the filter row and tiles above
BAR_ROW_PX = 28  # one horizontal bar per row, tall enough to read on a tablet
TAP_ROW_PX = 48  # a commune bar is a drill-down target: keep it above the 44 px touch minimum
AXIS_LEGEND_PX = 120  # room for the month axis, its labels and a legend below the plot
LABEL_LIMIT_PX = 260  # Vietnamese labels are long ("Trẻ em có hoàn cảnh đặc biệt"): don't cut
COMMUNE_SELECTION = "commune_pick"  # selection names the pages read for tap-to-drill
MONTH_SELECTION = "month_pick"
# Nine communes need nine distinguishable colours: Tableau 10.
PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
]


def sized_by_rows(chart: alt.Chart, step: int = BAR_ROW_PX, offset: bool = False) -> alt.Chart:
    """A horizontal bar chart ``step`` px per bar, however many rows it has.

    Streamlit fits a chart's whole height (title, axes, legend) into its ``height``, so a fixed
    height squeezes many bars until every other label is dropped; fitting only the width lets
    the height grow with the rows. ``offset``: the step is per bar of a grouped (yOffset) chart.
    """
    height = alt.Step(step, **{"for": "offset"}) if offset else alt.Step(step)
    return chart.properties(
        height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )


def _with_text(frame: pd.DataFrame, column: str, fmt: Formatter) -> pd.DataFrame:
    out = frame.copy()
    out[f"{column}__text"] = [fmt(v) for v in out[column]]
    return out


def _value_axis(unit: str, title: str) -> alt.Axis:
    # Whole-number ticks for counts: small counts otherwise repeat ("0 0 1 1 2").
    if unit == "count":
        return alt.Axis(format=D3_INT, tickMinStep=1, title=title)
    return alt.Axis(format=D3_PCT_INT if unit == "percent" else D3_INT, title=title)


def bar_by_commune(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    value_title: str,
    fmt: Formatter,
    lang: str = "vi",
    unit: str = "count",
    name_column: str = "unit_name",
    code_column: str = "unit_code",
    color: str | None = None,
    color_title: str = "",
) -> alt.Chart:
    """Horizontal bars, one per commune (stacked by ``color`` when given); tap selects a commune."""
    data = _with_text(frame, value, fmt)
    pick = alt.selection_point(name=COMMUNE_SELECTION, fields=[code_column], on="click")
    tooltip = [
        alt.Tooltip(f"{name_column}:N", title=T("commune", lang)),
        alt.Tooltip(f"{value}__text:N", title=value_title),
    ]
    encoding: dict[str, object] = {
        "y": alt.Y(
            f"{name_column}:N",
            sort="-x",
            title=None,
            axis=alt.Axis(labelLimit=LABEL_LIMIT_PX, labelOverlap=False),
        ),
        "x": alt.X(
            f"sum({value}):Q" if color else f"{value}:Q",
            title=value_title,
            axis=_value_axis(unit, value_title),
        ),
        "tooltip": tooltip,
        "opacity": alt.condition(pick, alt.value(1.0), alt.value(0.45)),
    }
    if color:
        encoding["color"] = alt.Color(
            f"{color}:N",
            title=color_title,
            scale=alt.Scale(range=PALETTE),
            legend=alt.Legend(orient="bottom", labelLimit=LABEL_LIMIT_PX),
        )
        tooltip.insert(1, alt.Tooltip(f"{color}:N", title=color_title))
    else:
        encoding["color"] = alt.value(PALETTE[0])
    chart = alt.Chart(data, title=title).mark_bar(cornerRadiusEnd=2).encode(**encoding)
    return sized_by_rows(apply_locale(chart.add_params(pick), lang), step=TAP_ROW_PX)


def by_month(
    frame: pd.DataFrame,
    value: str,
    *,
    title: str,
    value_title: str,
    fmt: Formatter,
    lang: str = "vi",
    unit: str = "count",
    month_column: str = "month",
    color: str | None = None,
    color_title: str = "",
    mark: str = "bar",
) -> alt.Chart:
    """Values per month as bars (stacked by ``color``) or lines; tap selects a month."""
    data = _with_text(frame, value, fmt)
    data[f"{month_column}__text"] = [
        fmt_month(pd.Timestamp(m).date(), lang) for m in data[month_column]
    ]
    data[f"{month_column}__label"] = [
        fmt_month_short(pd.Timestamp(m).date(), lang) for m in data[month_column]
    ]
    order = list(dict.fromkeys(data.sort_values(month_column)[f"{month_column}__label"]))
    pick = alt.selection_point(name=MONTH_SELECTION, fields=[month_column], on="click")
    tooltip = [
        alt.Tooltip(f"{month_column}__text:N", title=T("month", lang)),
        alt.Tooltip(f"{value}__text:N", title=value_title),
    ]
    encoding: dict[str, object] = {
        "x": alt.X(
            f"{month_column}__label:O", sort=order, title=None, axis=alt.Axis(labelAngle=-45)
        ),
        "y": alt.Y(
            f"{value}:Q",
            title=value_title,
            axis=_value_axis(unit, value_title),
            stack=True if mark == "bar" else None,
        ),
        "tooltip": tooltip,
    }
    if color:
        encoding["color"] = alt.Color(
            f"{color}:N",
            title=color_title,
            scale=alt.Scale(range=PALETTE),
            legend=alt.Legend(orient="bottom", labelLimit=LABEL_LIMIT_PX),
        )
        tooltip.insert(1, alt.Tooltip(f"{color}:N", title=color_title))
    else:
        encoding["color"] = alt.value(PALETTE[0])
    # Streamlit fits title, axes and legend inside the height: leave them room below the plot.
    base = alt.Chart(data, title=title, height=CHART_HEIGHT + (AXIS_LEGEND_PX if color else 60))
    if mark == "line":
        chart = base.mark_line(point=alt.OverlayMarkDef(size=80)).encode(**encoding)
    else:
        encoding["opacity"] = alt.condition(pick, alt.value(1.0), alt.value(0.45))
        chart = base.mark_bar().encode(**encoding)
    return apply_locale(chart.add_params(pick), lang)
