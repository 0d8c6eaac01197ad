"""Pure chart builders shared by the pages and the briefing: DataFrame -> alt.Chart.

Every chart with a commune or a month axis is built here, so that each one drills the same way:
a tap on a commune's bar selects its code (``COMMUNE_SELECTION``, field ``unit_code``), a tap on
a month selects its "YYYY-MM" key (``MONTH_SELECTION``, field ``month__key``: text, so that no
time zone can move it), and ``ui.sections.chart_with_data`` turns the selection into filters.
Colours come from ``charts.palette``, money follows the unit rule of ``charts`` (axes in triệu
đồng, exact amounts in tooltips), and ``finish`` gives every chart its locale and Vietnamese
accessible names (``charts.aria``).

Tooltips show text formatted by ``charts.formatting`` (so "1.911" and "1,48 tỷ đồng" read the
same as the tiles, whatever the renderer's locale); axes use d3 formats under the Vietnamese
``config.locale``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

import altair as alt
import pandas as pd

from i18n import Catalog

from . import palette
from .aria import accessible
from .formatting import (
    D3_INT,
    D3_PCT_INT,
    apply_locale,
    fmt_month,
    fmt_month_short,
    fmt_percent,
)

Formatter = Callable[[float], str]
ChartT = TypeVar("ChartT", alt.Chart, alt.LayerChart)

T = Catalog(
    "charts.common",
    {
        "commune": ("Xã, thị trấn", "Commune"),
        "province": ("Tỉnh, thành phố", "Province"),
        "district": ("Huyện, thị xã, thành phố", "District"),
        "month": ("Tháng", "Month"),
        "share_in_commune": ("Tỷ lệ trong xã", "Share in the commune"),
        "share_in_province": ("Tỷ lệ trong tỉnh", "Share in the province"),
        "share_in_district": ("Tỷ lệ trong huyện", "Share in the district"),
        # what a chart's title says its bars are, above the communes: "… theo tỉnh, thành phố"
        "code_commune": ("Mã xã", "Commune code"),
        "code_province": ("Mã tỉnh", "Province code"),
        "code_district": ("Mã huyện", "District code"),
        "by_province": ("tỉnh, thành phố", "province"),
        "by_district": ("huyện", "district"),
        "million_axis": ("{what} (triệu đồng)", "{what} (VND million)"),
    },
)

CHART_HEIGHT = 300  # fits a landscape tablet with the filter row and tiles above
BAR_ROW_PX = 28  # one horizontal bar per row, tall enough to read on a tablet
TAP_ROW_PX = 52  # a commune bar is a drill-down target: 52 px rows draw 47 px bars (≥ 44 px)
BAND_PADDING = 0.1  # the gap between bars, as a share of a row: keeps tap bars above 44 px
AXIS_LEGEND_PX = 120  # room for the month axis, its labels and a legend below the plot
LABEL_LIMIT_PX = 260  # Vietnamese labels are long ("Trẻ em có hoàn cảnh đặc biệt"): don't cut
POINT_SIZE = 80  # a line's month points: visible; a tap goes to the nearest point anyway
MILLION = 1_000_000  # money axes are in triệu đồng (see the unit rule in charts/__init__.py)
COMMUNE_SELECTION = "commune_pick"  # selection names the pages read for tap-to-drill
MONTH_SELECTION = "month_pick"
COMMUNE_FIELD = "unit_code"  # what a commune tap selects: the commune's code
MONTH_FIELD = "month__key"  # what a month tap selects: "2023-03"
PALETTE = list(palette.CATEGORY_COLOURS)  # colours of categories without a code, in order


def level_of(frame: pd.DataFrame) -> str:
    """The level a frame's rows are ("commune", "district", "province": the ``level`` column
    that ``data_access.levels.at_level`` adds); "commune" without it."""
    if "level" in frame.columns and len(frame):
        return str(frame["level"].iloc[0])
    return "commune"


def unit_header(frame: pd.DataFrame, lang: str = "vi") -> str:
    """The heading of a table's unit column at the frame's level: "Xã, thị trấn", "Tỉnh, thành
    phố" or "Huyện, thị xã, thành phố"."""
    return T(level_of(frame), lang)


def code_header(frame: pd.DataFrame, lang: str = "vi") -> str:
    """The heading of a table's code column at the frame's level ("Mã xã", "Mã tỉnh", …)."""
    return T(f"code_{level_of(frame)}", lang)


def code_key(frame: pd.DataFrame) -> str:
    """The code column's heading in tables whose downloads have always named it "ma_xa": per
    level, "ma_xa", "ma_tinh" or "ma_huyen"."""
    return {"province": "ma_tinh", "district": "ma_huyen"}.get(level_of(frame), "ma_xa")


def level_slug(frame: pd.DataFrame) -> str:
    """The level as a download's name says it: "xa", "tinh" or "huyen" ("chi-tra-theo-tinh")."""
    return {"province": "tinh", "district": "huyen"}.get(level_of(frame), "xa")


def level_title(catalog: Catalog, key: str, frame: pd.DataFrame, lang: str = "vi") -> str:
    """A chart's title at the frame's level: ``key`` for communes; above them ``key_area``,
    whose ``{area}`` says what the bars are ("Kinh phí chi trả theo tỉnh, thành phố")."""
    level = level_of(frame)
    if level == "commune":
        return catalog(key, lang)
    return catalog(f"{key}_area", lang, area=T(f"by_{level}", lang))


def sized_by_rows(chart: ChartT, step: int = BAR_ROW_PX, offset: bool = False) -> ChartT:
    """A horizontal bar chart ``step`` px per bar, however many rows it has.

    Streamlit fits a chart's whole height (title, axes, legend) into its ``height``, so a fixed
    height squeezes many bars until every other label is dropped; fitting only the width lets
    the height grow with the rows. ``offset``: the step is per bar of a grouped (yOffset) chart.
    """
    height = alt.Step(step, **{"for": "offset"}) if offset else alt.Step(step)
    return chart.properties(
        height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )


def finish(chart: ChartT, lang: str, title: str, drill: str | None = None) -> ChartT:
    """The last step of every builder: accessible names in ``lang`` and the number locale.

    ``drill``: "commune", "province", "district" or "month" when a tap on the chart narrows
    the page.
    """
    described = apply_locale(accessible(chart, lang, title, drill), lang)
    config = described.config.to_dict(validate=False)
    # A bar fills its row but for BAND_PADDING: Streamlit's theme draws bars at 85% of their
    # band, which turned a 52 px row into a 40 px bar.
    config["bar"] = {**config.get("bar", {}), "discreteBandSize": {"band": 1}}
    return described.configure(**config)


def with_text(frame: pd.DataFrame, column: str, fmt: Formatter) -> pd.DataFrame:
    """``frame`` with ``<column>__text``: the column formatted for tooltips."""
    out = frame.copy()
    out[f"{column}__text"] = [fmt(v) for v in out[column]]
    return out


def value_axis(unit: str, title: str) -> alt.Axis:
    """The value axis: whole counts, per cents, or money in triệu đồng."""
    if unit == "percent":
        return alt.Axis(format=D3_PCT_INT, title=title)
    # Whole-number ticks for counts: small counts otherwise repeat ("0 0 1 1 2").
    return alt.Axis(format=D3_INT, tickMinStep=1, title=title)


def plotted(data: pd.DataFrame, value: str, unit: str, title: str, lang: str) -> tuple[str, str]:
    """The field a chart plots for ``value`` and its axis title (money: triệu đồng).

    Money is passed to the builders in whole đồng; the axis shows triệu đồng, everywhere.
    """
    if unit != "money":
        return value, title
    data[f"{value}__million"] = data[value] / MILLION
    return f"{value}__million", T("million_axis", lang, what=title)


def colour_scale(colours: Mapping[str, str]) -> alt.Scale:
    """A colour scale from {label: colour} (``charts.palette``), in that order."""
    domain, colour_range = palette.scale_domain(colours)
    return alt.Scale(domain=domain, range=colour_range)


def category_labels(
    data: pd.DataFrame,
    column: str,
    categories: Catalog | None,
    lang: str,
    colours: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, str]]:
    """The label field of a colour column and its {label: colour}; adds ``<column>__rank``.

    With ``categories`` (a vocabulary catalog) the column holds codes: labels and colours come
    from the catalog and the palette. Without, the column holds labels, coloured by ``colours``
    ({label: colour}, in legend order) or else in order of appearance.
    """
    if categories is not None:
        present = set(data[column])
        codes = [c for c in categories.codes() if c in present]
        codes += sorted(set(data[column]) - set(codes))
        data[f"{column}__label"] = [categories.label(c, lang) for c in data[column]]
        rank = {c: i for i, c in enumerate(codes)}
        data[f"{column}__rank"] = [rank[c] for c in data[column]]
        return f"{column}__label", palette.by_label(categories, lang, codes)
    seen = list(dict.fromkeys(data[column]))
    shown = dict(colours) if colours is not None else {}
    labels = [*shown, *(v for v in seen if v not in shown)]
    data[f"{column}__rank"] = [labels.index(v) for v in data[column]]
    return column, {
        label: shown.get(label, PALETTE[i % len(PALETTE)]) for i, label in enumerate(labels)
    }


def bottom_legend(columns: int | None = None) -> alt.Legend:
    """A legend under the plot that does not cut Vietnamese labels."""
    if columns:
        return alt.Legend(orient="bottom", labelLimit=LABEL_LIMIT_PX, columns=columns)
    return alt.Legend(orient="bottom", labelLimit=LABEL_LIMIT_PX)


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
    categories: Catalog | None = None,
    colours: Mapping[str, str] | None = None,
    extra_tooltips: Sequence[alt.Tooltip] = (),
    level: str | None = None,
) -> alt.Chart:
    """Horizontal bars, one per commune, 52 px a row; a tap on any part selects the commune.

    A frame rolled up above the communes (its ``level`` column "province" or "district":
    ``data_access.levels.at_level``) draws a bar per province or district, named so in the
    tooltip and the accessible description; the tap selects the area's code the same way.
    ``level``: the rows' level when ``frame`` (reshaped by the caller) has lost that column.

    ``color``: stack each bar by this column, holding codes of ``categories`` (labels and colours
    from the vocabulary and the palette) or labels coloured by ``colours`` ({label: colour}, in
    legend order). Stacked bars' tooltips add the part's share of its commune.
    ``unit``: "count", "percent" or "money" (``value`` in whole đồng, plotted in triệu đồng).
    """
    level = level or level_of(frame)
    data = with_text(frame, value, fmt)
    field, axis_title = plotted(data, value, unit, value_title, lang)
    pick = alt.selection_point(name=COMMUNE_SELECTION, fields=[code_column], on="click")
    tooltip: list[Any] = [
        alt.Tooltip(f"{name_column}:N", title=T(level, lang)),
        alt.Tooltip(f"{value}__text:N", title=value_title),
    ]
    encoding: dict[str, Any] = {
        "y": alt.Y(
            f"{name_column}:N",
            sort=alt.EncodingSortField(field=field, op="sum", order="descending"),
            title=None,
            scale=alt.Scale(paddingInner=BAND_PADDING),
            axis=alt.Axis(labelLimit=LABEL_LIMIT_PX, labelOverlap=False),
        ),
        "x": alt.X(
            f"sum({field}):Q", title=axis_title, axis=value_axis(unit, axis_title), stack="zero"
        ),
        # the code travels with every bar, so that a tap can select it (the sum groups by it)
        "detail": alt.Detail(f"{code_column}:N"),
        "opacity": alt.condition(pick, alt.value(1.0), alt.value(0.45)),
    }
    if color:
        label, shown = category_labels(data, color, categories, lang, colours)
        totals = data.groupby(code_column)[value].transform("sum")
        data["share__text"] = [
            fmt_percent(v / t if t else None, 1, lang)
            for v, t in zip(data[value], totals, strict=True)
        ]
        encoding["color"] = alt.Color(
            f"{label}:N",
            title=color_title,
            sort=list(shown),
            scale=colour_scale(shown),
            legend=bottom_legend(),
        )
        encoding["order"] = alt.Order(f"{color}__rank:Q", sort="ascending")
        tooltip.insert(1, alt.Tooltip(f"{label}:N", title=color_title))
        tooltip.append(alt.Tooltip("share__text:N", title=T(f"share_in_{level}", lang)))
    else:
        encoding["color"] = alt.value(palette.SERIES)
    encoding["tooltip"] = [*tooltip, *extra_tooltips]
    chart = alt.Chart(data, title=title).mark_bar(cornerRadiusEnd=2).encode(**encoding)
    return finish(sized_by_rows(chart.add_params(pick), step=TAP_ROW_PX), lang, title, level)


def month_fields(data: pd.DataFrame, month_column: str, lang: str) -> list[str]:
    """Add a month's key ("2023-03"), tooltip text and axis label; return the labels in order."""
    months = [pd.Timestamp(m).date() for m in data[month_column]]
    data[MONTH_FIELD] = [f"{m:%Y-%m}" for m in months]
    data["month__text"] = [fmt_month(m, lang) for m in months]
    data["month__label"] = [fmt_month_short(m, lang) for m in months]
    return [fmt_month_short(m, lang) for m in sorted(set(months))]


def month_axis(labels: Sequence[str], months: Sequence[date] | None, lang: str) -> alt.X:
    """The month axis: every month of ``months`` (empty months included) or those with data."""
    domain = [fmt_month_short(m, lang) for m in months] if months else list(labels)
    return alt.X(
        "month__label:O",
        sort=domain,
        scale=alt.Scale(domain=domain, paddingInner=BAND_PADDING),
        title=None,
        axis=alt.Axis(labelAngle=-45),
    )


def month_pick(nearest: bool = False) -> Any:
    """The month selection: a tap on a bar (or, ``nearest``, near a line's point)."""
    return alt.selection_point(
        name=MONTH_SELECTION, fields=[MONTH_FIELD], on="click", nearest=nearest
    )


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
    months: Sequence[date] | None = None,
    color: str | None = None,
    color_title: str = "",
    categories: Catalog | None = None,
    colours: Mapping[str, str] | None = None,
    mark: str = "bar",
    extra_tooltips: Sequence[alt.Tooltip] = (),
) -> alt.Chart | alt.LayerChart:
    """Values per month as bars (stacked by ``color``) or lines; a tap selects a month.

    ``months``: every month the chart must show, those without data as empty (zero) slots; by
    default only the months in ``frame``. ``unit`` "money": ``value`` in whole đồng, plotted in
    triệu đồng. Lines get points, and a tap anywhere selects the nearest point's month.
    """
    data = with_text(frame, value, fmt)
    labels = month_fields(data, month_column, lang)
    field, axis_title = plotted(data, value, unit, value_title, lang)
    tooltip: list[Any] = [
        alt.Tooltip("month__text:N", title=T("month", lang)),
        alt.Tooltip(f"{value}__text:N", title=value_title),
    ]
    encoding: dict[str, Any] = {
        "x": month_axis(labels, months, lang),
        "y": alt.Y(
            f"{field}:Q",
            title=axis_title,
            axis=value_axis(unit, axis_title),
            stack="zero" if mark == "bar" else None,
        ),
    }
    if color:
        label, shown = category_labels(data, color, categories, lang, colours)
        encoding["color"] = alt.Color(
            f"{label}:N",
            title=color_title,
            sort=list(shown),
            scale=colour_scale(shown),
            legend=bottom_legend(),
        )
        encoding["order"] = alt.Order(f"{color}__rank:Q", sort="ascending")
        tooltip.insert(1, alt.Tooltip(f"{label}:N", title=color_title))
    else:
        encoding["color"] = alt.value(palette.SERIES)
    tooltips = [*tooltip, *extra_tooltips]
    # Streamlit fits title, axes and legend inside the height: leave them room below the plot.
    height = CHART_HEIGHT + (AXIS_LEGEND_PX if color else 60)
    if mark == "line":
        base = alt.Chart(data).encode(**encoding)
        line = base.mark_line(aria=False)
        points = base.mark_point(filled=True, size=POINT_SIZE, opacity=1).encode(tooltip=tooltips)
        points = points.add_params(month_pick(nearest=True))
        layered = alt.LayerChart(layer=[line, points], title=title, height=height)
        return finish(layered, lang, title, "month")
    pick = month_pick()
    encoding["opacity"] = alt.condition(pick, alt.value(1.0), alt.value(0.45))
    encoding["tooltip"] = tooltips
    chart = alt.Chart(data, title=title, height=height).mark_bar().encode(**encoding)
    return finish(chart.add_params(pick), lang, title, "month")
