"""A chart with its data behind it: the chart, then the same frame as a table with downloads.

Tapping a commune bar or a month narrows the filters to it (tap-to-drill); the URL follows. Above
the communes (a selection spanning several provinces or districts) the bars are provinces or
districts, and a tap narrows the filters to the area.
Every chart with a commune or a month axis is built by ``charts.common``, whose selections name
the commune's code (``unit_code``) and the month's key ("2023-03", ``month__key``).
"""

from __future__ import annotations

import pickle
import re
from datetime import date
from typing import Any, TypeAlias

import altair as alt
import pandas as pd
import streamlit as st

from charts.common import COMMUNE_FIELD, COMMUNE_SELECTION, MONTH_FIELD, MONTH_SELECTION
from charts.formatting import fmt_decimal, fmt_int
from data_access.filters import Filters

from .downloads import download_buttons
from .filters import SESSION_KEY, DataRange, drill_to, months_between
from .i18n import t
from .vega import Built, Lru, frame_digest, spec_of

# What st.altair_chart draws: one chart, or charts layered, concatenated, faceted or repeated.
AltairChart: TypeAlias = (
    alt.Chart
    | alt.LayerChart
    | alt.ConcatChart
    | alt.HConcatChart
    | alt.VConcatChart
    | alt.FacetChart
    | alt.RepeatChart
)


def _picked(selection: Any, name: str) -> list[dict[str, Any]]:
    if not selection:
        return []
    chosen = selection.get("selection", {}).get(name) if isinstance(selection, dict) else None
    if chosen is None:
        chosen = getattr(getattr(selection, "selection", None), name, None)
    return list(chosen or [])


MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})$")


def _as_month(value: Any) -> date | None:
    """The month a tap selected: its key "2023-03" is text, so no time zone can shift it (a
    date field came back as the tablet's local midnight in epoch ms, read as February)."""
    match = MONTH_KEY.match(str(value)) if value is not None else None
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    return date(year, month, 1) if 1 <= month <= 12 else None


def _selection_key(key: str) -> str:
    """A chart key that changes whenever the filters change.

    The browser keeps a chart's selection under its widget key and sends it again when the key
    is reused, so after a drill is undone the old selection would drill again; a new key per
    filter change starts every chart unselected.
    """
    ss = st.session_state
    params = ss.get(SESSION_KEY, {})
    if ss.get("_drill_filters") != params:
        ss["_drill_filters"] = dict(params)
        ss["_drill_generation"] = ss.get("_drill_generation", 0) + 1
    return f"{key}_{ss['_drill_generation']}"


def _draw(chart: AltairChart | Built, drill: bool, key: str) -> Any:
    """Draw ``chart`` as wide as the page; with ``drill``, return the selection a tap made.

    The spec comes from ``ui.vega`` (converted once per process, without the schema check and
    the lock of ``st.altair_chart``; a ``Built`` chart is not even built when its spec is
    known); a chart that path does not handle goes to ``st.altair_chart``, which draws the
    same spec.
    """
    converted, made = spec_of(chart)
    if converted is None:
        if drill:
            return st.altair_chart(
                made, width="stretch", on_select="rerun", key=_selection_key(key)
            )
        st.altair_chart(made, width="stretch")
        return None
    if not drill:
        st.vega_lite_chart(converted.spec(), width="stretch")
        return None
    # The drill selections only; none means a chart without them, which Streamlit refuses.
    modes = [n for n in (COMMUNE_SELECTION, MONTH_SELECTION) if n in converted.selections]
    return st.vega_lite_chart(
        converted.spec(),
        width="stretch",
        on_select="rerun",
        selection_mode=modes or None,
        key=_selection_key(key),
    )


def draw_chart(chart: AltairChart | Built) -> None:
    """Draw ``chart`` as wide as the page, without tap-to-drill and without a table under it
    (the briefing's charts): converted once per process, as in ``chart_with_data``."""
    _draw(chart, drill=False, key="")


def chart_with_data(
    chart: AltairChart | Built,
    table: pd.DataFrame,
    name: str,
    lang: str,
    key: str,
    drill: bool = True,
    level: str = "commune",
) -> None:
    """Draw ``chart``; under it, ``table`` (what the chart shows) with CSV and Excel downloads.

    ``chart``: the chart, or ``ui.vega.built(builder, *args)`` to build it only when the same
    builder and arguments have not been drawn before (most of a warm view's time is building).
    ``level``: what the chart's bars are ("commune", or "province"/"district" for a frame rolled
    up by ``data_access.levels.at_level``): a tap on an area's bar narrows the filters to that
    area (``?vung=``), a tap on a commune's to the commune.
    """
    selection = _draw(chart, drill, key)
    if drill:
        communes = [
            str(p[COMMUNE_FIELD])
            for p in _picked(selection, COMMUNE_SELECTION)
            if p.get(COMMUNE_FIELD)
        ]
        months = [
            month
            for p in _picked(selection, MONTH_SELECTION)
            if (month := _as_month(p.get(MONTH_FIELD))) is not None
        ]
        areas = communes[:1] if level != "commune" else []
        if areas:
            communes = []
        if communes or months or areas:
            drill_to(
                communes=communes[:1] or None,
                month=months[0] if months else None,
                area=areas[0] if areas else None,
            )
    with st.expander(t("show_data", lang)):
        st.dataframe(readable(table, lang), width="stretch", hide_index=True)
        download_buttons(table, name, lang, key=key)


def period_months(filters: Filters, data_range: DataRange) -> list[date]:
    """The months a chart by month shows: every month of the period up to the data's as-of
    date, months without records included (drawn as zero, never skipped)."""
    last = min(filters.period.end, data_range.as_of.replace(day=1))
    return months_between(filters.period.start, last)


READABLE_CACHE_SIZE = 512  # tables kept as shown (a page shows 4-7; each a few kB)
READABLE_CACHE_BYTES = 32 * 2**20  # and at most this much of them
_shown = Lru(READABLE_CACHE_SIZE, READABLE_CACHE_BYTES)


def readable(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The table as shown on screen: numbers written the Vietnamese way (1.911; 58,3).

    Downloads keep the raw numbers, so Excel cells stay numeric. Formatting every cell costs
    more than drawing the table, so a table is formatted once per process for the same values
    and language (a copy is returned: callers may change it).
    """
    try:
        key: tuple[str, str] | None = (frame_digest(table), lang)
    except (pickle.PicklingError, TypeError, AttributeError):
        key = None  # a cell that cannot be pickled: format it every time
    found = _shown.get(key) if key is not None else None
    if found is None:
        found = _readable(table, lang)
        if key is not None:
            _shown.put(key, found, int(found.memory_usage(deep=True).sum()))
    return found.copy()


def _readable(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    shown = table.copy()
    for column in shown.columns:
        series = shown[column]
        if pd.api.types.is_bool_dtype(series):
            continue
        if pd.api.types.is_integer_dtype(series):
            shown[column] = [fmt_int(v, lang) for v in series]
        elif pd.api.types.is_float_dtype(series):
            whole = series.dropna().apply(float.is_integer).all()
            shown[column] = [fmt_int(v, lang) if whole else fmt_decimal(v, 1, lang) for v in series]
    return shown


def chart_with_pick(
    chart: AltairChart | Built,
    table: pd.DataFrame,
    name: str,
    lang: str,
    key: str,
    selection: str,
    field: str,
) -> str | None:
    """Draw ``chart`` with ``table`` under it, as ``chart_with_data``, for a chart whose tap
    the page handles itself (a village of the commune page: not a filter of the bar).

    Returns the value of ``field`` that a tap on the selection ``selection`` picked, or None.
    ``key`` should change whenever the page leaves what was picked (the browser sends a
    chart's old selection again under the same key); the filters' generation is added to it.
    """
    converted, made = spec_of(chart)
    if converted is None:
        picked = st.altair_chart(made, width="stretch", on_select="rerun", key=_selection_key(key))
    else:
        picked = st.vega_lite_chart(
            converted.spec(),
            width="stretch",
            on_select="rerun",
            selection_mode=[selection],
            key=_selection_key(key),
        )
    values = [str(p[field]) for p in _picked(picked, selection) if p.get(field)]
    with st.expander(t("show_data", lang)):
        st.dataframe(readable(table, lang), width="stretch", hide_index=True)
        download_buttons(table, name, lang, key=key)
    return values[0] if values else None
