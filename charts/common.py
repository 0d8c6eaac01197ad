"""Pure chart builders shared by the pages: DataFrame -> alt.Chart, Vietnamese titles and formats.

Tooltips show text formatted by ``charts.formatting`` (so "1.911" and "1,48 tỷ đồng" read the
same as the tiles, whatever the renderer's locale); axes use d3 formats under the Vietnamese
``config.locale`` from ``apply_locale``.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd

from .formatting import D3_INT, D3_PCT_INT, apply_locale, fmt_month, fmt_month_short

Formatter = Callable[[float], str]

CHART_HEIGHT = 300  # fits a landscape tablet with the filter row and tiles above
COMMUNE_SELECTION = "commune_pick"  # selection names the pages read for tap-to-drill
MONTH_SELECTION = "month_pick"
PALETTE = ["#1f6f8b", "#e07a1f", "#5aa469", "#b5495b", "#7d5ba6", "#8c8c8c"]


def _with_text(frame: pd.DataFrame, column: str, fmt: Formatter) -> pd.DataFrame:
    out = frame.copy()
    out[f"{column}__text"] = [fmt(v) for v in out[column]]
    return out


def _axis_format(unit: str) -> str:
    return D3_PCT_INT if unit == "percent" else D3_INT


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
        alt.Tooltip(f"{name_column}:N", title="Xã, thị trấn" if lang == "vi" else "Commune"),
        alt.Tooltip(f"{value}__text:N", title=value_title),
    ]
    encoding: dict[str, object] = {
        "y": alt.Y(f"{name_column}:N", sort="-x", title=None),
        "x": alt.X(
            f"sum({value}):Q" if color else f"{value}:Q",
            title=value_title,
            axis=alt.Axis(format=_axis_format(unit)),
        ),
        "tooltip": tooltip,
        "opacity": alt.condition(pick, alt.value(1.0), alt.value(0.45)),
    }
    if color:
        encoding["color"] = alt.Color(
            f"{color}:N",
            title=color_title,
            scale=alt.Scale(range=PALETTE),
            legend=alt.Legend(orient="bottom"),
        )
        tooltip.insert(1, alt.Tooltip(f"{color}:N", title=color_title))
    else:
        encoding["color"] = alt.value(PALETTE[0])
    chart = (
        alt.Chart(
            data, title=title, height=max(CHART_HEIGHT // 2, 28 * frame[name_column].nunique())
        )
        .mark_bar(cornerRadiusEnd=2)
        .encode(**encoding)
        .add_params(pick)
    )
    return apply_locale(chart, lang)


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
        alt.Tooltip(f"{month_column}__text:N", title="Tháng" if lang == "vi" else "Month"),
        alt.Tooltip(f"{value}__text:N", title=value_title),
    ]
    encoding: dict[str, object] = {
        "x": alt.X(
            f"{month_column}__label:O", sort=order, title=None, axis=alt.Axis(labelAngle=-45)
        ),
        "y": alt.Y(
            f"{value}:Q",
            title=value_title,
            axis=alt.Axis(format=_axis_format(unit)),
            stack=True if mark == "bar" else None,
        ),
        "tooltip": tooltip,
    }
    if color:
        encoding["color"] = alt.Color(
            f"{color}:N",
            title=color_title,
            scale=alt.Scale(range=PALETTE),
            legend=alt.Legend(orient="bottom"),
        )
        tooltip.insert(1, alt.Tooltip(f"{color}:N", title=color_title))
    else:
        encoding["color"] = alt.value(PALETTE[0])
    base = alt.Chart(data, title=title, height=CHART_HEIGHT)
    if mark == "line":
        chart = base.mark_line(point=alt.OverlayMarkDef(size=80)).encode(**encoding)
    else:
        encoding["opacity"] = alt.condition(pick, alt.value(1.0), alt.value(0.45))
        chart = base.mark_bar().encode(**encoding)
    return apply_locale(chart.add_params(pick), lang)
