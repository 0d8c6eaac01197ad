"""Accessible names for charts, in the reader's language: no field name is ever read out.

Vega writes an ARIA label on the chart, each mark, axis and legend. Left alone it builds them in
English from field names ("Vega visualization", "unit_name: Xã Quảng Tân; category__rank: 0",
"X-axis titled …"). ``accessible`` gives each its own text instead:

- the chart: a sentence naming it and, when it drills, what a tap does (``description``);
- each bar or point: its tooltip, "Xã, thị trấn: Xã Quảng Tân; Số hộ: 3 hộ" (the ``description``
  channel, built from the tooltip's titles and formatted text fields);
- each axis and legend: "Trục ngang: Số hộ", "Chú giải: Loại hỗ trợ";
- the title is hidden from the accessibility tree (the chart's own label already says it; a
  ``config.title.aria`` is not passed on to Vega, the title's own ``aria`` is).

Vega's role descriptions of guides ("axis", "legend", "… mark container") are fixed in Vega and
cannot be translated; those of marks are ("cột", "điểm").
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import altair as alt

from i18n import Catalog

ChartT = TypeVar("ChartT", alt.Chart, alt.LayerChart)
ARIA_FIELD = "aria__text"

T = Catalog(
    "charts.aria",
    {
        "chart": ("Biểu đồ: {title}.", "Chart: {title}."),
        "drill_commune": (
            "Chạm vào cột của một xã, thị trấn để xem riêng xã, thị trấn đó.",
            "Tap a commune's bar to see that commune alone.",
        ),
        "drill_province": (
            "Chạm vào cột của một tỉnh, thành phố để xem riêng tỉnh, thành phố đó.",
            "Tap a province's bar to see that province alone.",
        ),
        "drill_district": (
            "Chạm vào cột của một huyện để xem riêng huyện đó.",
            "Tap a district's bar to see that district alone.",
        ),
        "drill_month": (
            "Chạm vào một tháng để xem riêng tháng đó.",
            "Tap a month to see that month alone.",
        ),
        "x_axis": ("Trục ngang", "Horizontal axis"),
        "y_axis": ("Trục dọc", "Vertical axis"),
        "legend": ("Chú giải", "Legend"),
        "bar": ("cột", "bar"),
        "point": ("điểm", "point"),
        "line": ("đường", "line"),
    },
)
ROLE_KEYS = {"bar": "bar", "point": "point", "line": "line", "circle": "point"}


def _given(value: Any) -> bool:
    return value is not alt.Undefined and value is not None


def _get(obj: Any, name: str) -> Any:
    """A schema property as set (Altair's channels answer attribute access with a setter)."""
    return obj._get(name) if isinstance(obj, alt.SchemaBase) else alt.Undefined


def _titled(label: str, title: Any) -> str:
    return f"{label}: {title}" if _given(title) and str(title) else label


def _tooltip_expression(tooltips: list[Any]) -> str | None:
    """A Vega expression writing "title: value; title: value" from the tooltip fields."""
    parts = []
    for tip in tooltips:
        spec = tip.to_dict(validate=False) if isinstance(tip, alt.SchemaBase) else dict(tip)
        field, title = spec.get("field"), spec.get("title")
        if not field:
            continue
        value = f"datum[{json.dumps(field, ensure_ascii=False)}]"
        if spec.get("type") == "quantitative":
            value = f"format({value}, ',')"
        label = json.dumps(f"{title}: " if title else "", ensure_ascii=False)
        parts.append(f"{label} + {value}")
    return " + '; ' + ".join(parts) if parts else None


def _mark_type(chart: alt.Chart) -> str:
    mark = chart.mark
    if isinstance(mark, str):
        return mark
    return str(_get(mark, "type") or "")


def _describe_marks(chart: alt.Chart, lang: str) -> alt.Chart:
    """Each mark's label from the tooltip; the mark's role in the reader's language."""
    mark_type = _mark_type(chart)
    mark = chart.mark if isinstance(chart.mark, alt.MarkDef) else alt.MarkDef(mark_type)  # type: ignore[arg-type]
    if _get(mark, "aria") is False:
        return chart
    mark["ariaRoleDescription"] = T(ROLE_KEYS.get(mark_type, "bar"), lang)
    chart = chart.copy(deep=False)
    chart.mark = mark
    tooltip = _get(chart.encoding, "tooltip")
    tooltips = list(tooltip) if isinstance(tooltip, list) else []
    expression = _tooltip_expression(tooltips)
    if expression is None:
        return chart
    return chart.transform_calculate(**{ARIA_FIELD: expression}).encode(
        description=alt.Description(f"{ARIA_FIELD}:N")
    )


def _has(channel: Any, name: str) -> bool:
    """Whether a channel takes the property (a field channel has an axis, a value one not)."""
    if not isinstance(channel, alt.SchemaBase):
        return False
    return name in channel.resolve_references().get("properties", {})


def _tooltip_titles(encoding: Any) -> dict[str, str]:
    """{field: title} of the tooltips, to name an axis that shows no title."""
    tooltip = _get(encoding, "tooltip")
    titles = {}
    for tip in tooltip if isinstance(tooltip, list) else []:
        spec = tip.to_dict(validate=False) if isinstance(tip, alt.SchemaBase) else dict(tip)
        if spec.get("field") and spec.get("title"):
            titles[spec["field"]] = spec["title"]
    return titles


def _axis_title(enc: Any, axis: alt.Axis, titles: dict[str, str]) -> Any:
    """What an axis shows: its title, or the tooltip title of its field ("Xã, thị trấn")."""
    for title in (_get(axis, "title"), _get(enc, "title")):
        if _given(title):
            return title
    named = [v for v in (_get(enc, "field"), _get(enc, "shorthand")) if _given(v)]
    field = str(named[0]).split(":")[0] if named else ""
    base = field.rsplit("__", 1)[0]
    for candidate in (field, f"{base}__text", base):
        if candidate in titles:
            return titles[candidate]
    return None


def _describe_guides(chart: alt.Chart, lang: str, titles: dict[str, str]) -> alt.Chart:
    """Axes and the colour legend named in the reader's language; ``titles``: {field: title}
    of every tooltip of the chart (a layer's axis may have its tooltips in another layer)."""
    encoding = chart.encoding
    if not _given(encoding):
        return chart
    for channel, key in (("x", "x_axis"), ("y", "y_axis")):
        enc = _get(encoding, channel)
        if not _has(enc, "axis"):
            continue
        axis = _get(enc, "axis")
        if axis is None:
            continue
        axis = axis if _given(axis) else alt.Axis()
        axis["description"] = _titled(T(key, lang), _axis_title(enc, axis, titles))
        enc["axis"] = axis
    color = _get(encoding, "color")
    if _has(color, "legend"):
        legend = _get(color, "legend")
        if legend is not None:
            legend = legend if _given(legend) else alt.Legend()
            title = _get(legend, "title")
            title = title if _given(title) else _get(color, "title")
            legend["description"] = _titled(T("legend", lang), title)
            color["legend"] = legend
    return chart


def _unit(chart: alt.Chart, lang: str, titles: dict[str, str]) -> alt.Chart:
    return _describe_marks(_describe_guides(chart, lang, titles), lang)


def accessible(chart: ChartT, lang: str, title: str, drill: str | None = None) -> ChartT:
    """``chart`` with accessible names in ``lang``; ``drill``: "commune", "province", "district",
    "month" or None."""
    summary = T("chart", lang, title=title)
    if drill in ("commune", "province", "district", "month"):
        summary += " " + T(f"drill_{drill}", lang)
    if isinstance(chart, alt.LayerChart):
        described = chart.copy(deep=False)
        units = [layer for layer in chart.layer if isinstance(layer, alt.Chart)]
        titles = {k: v for u in units for k, v in _tooltip_titles(u.encoding).items()}
        described.layer = [
            _unit(layer, lang, titles) if isinstance(layer, alt.Chart) else layer
            for layer in chart.layer
        ]
    else:
        described = _unit(chart, lang, _tooltip_titles(chart.encoding))
    described.description = summary
    text = _get(described, "title")
    if isinstance(text, str):  # hidden from the tree: the chart's label above already says it
        described.title = alt.TitleParams(text=text, aria=False)
    return described
