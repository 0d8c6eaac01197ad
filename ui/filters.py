"""The shared filter bar: communes, period and unit version, kept in the URL.

The URL is the source of truth (``?xa=06913&tu=2023-01&den=2023-11&dv=2023``): codes and months,
not labels, so links stay stable across languages. Every run reads and validates the query
string; a bad or stale value gives a short notice and falls back to its default. When
navigation drops the query string, the last good filters come back from the session.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import streamlit as st

from charts.formatting import fmt_date, fmt_month, fmt_period
from data_access.errors import InvalidPeriodError
from data_access.filters import (
    VERSION_2023,
    VERSION_2025,
    VERSION_DATES,
    VERSION_ENDS,
    Filters,
    Period,
    Scope,
    add_months,
    version_in_force,
    within_version,
)

from .i18n import t
from .text import plain

QP_COMMUNES, QP_FROM, QP_TO, QP_VERSION, QP_LANG = "xa", "tu", "den", "dv", "lang"
QP_PERIOD = "ky"  # the briefing's report period: ?ky=2023-Q3 or ?ky=2023
QP_AREA = "vung"  # a province or district the figures are narrowed to (Filters.area)
FILTER_KEYS = (QP_COMMUNES, QP_FROM, QP_TO, QP_VERSION, QP_AREA)
MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
CODE_RE = re.compile(r"^[0-9A-Za-z]{1,10}$")
MAX_CODES = 50  # more codes than any district has communes is garbage, not a selection
SESSION_KEY = "_filters_qs"
CUSTOM = "custom"
# Each unit version, in the order offered, with the message naming it.
VERSION_LABELS = {VERSION_2023: "version_2023", VERSION_2025: "version_2025"}


@dataclass(frozen=True)
class DataRange:
    """The months the data covers."""

    first: date  # first month with data
    as_of: date  # last day with data

    @property
    def last_offered(self) -> date:
        """The last month a period may end in: December of the as-of year."""
        return date(self.as_of.year, 12, 1)


def default_filters(data: DataRange, scope: Scope | None = None) -> Filters:
    """Every commune the user may see, the year of the latest data to date, in the units in
    force at the as-of date (the two new communes for data of 2026).

    A commune head of a unit that has ended (a 2023 commune after 30/6/2025) keeps the units
    their account names: the last months of those units, from January of their last year.
    """
    version = version_in_force(data.as_of)
    if scope is not None and scope.communes is not None and scope.version != version:
        fitted = within_version(Period.year(data.as_of.year), scope.version)
        if fitted is None:
            end = VERSION_ENDS[scope.version]
            assert end is not None  # a version without an end fits every period
            fitted = Period(date(end.year, 1, 1), end.replace(day=1))
        return Filters(fitted, version=scope.version)
    return Filters(Period.year(data.as_of.year), version=version)


def fit_version(filters: Filters, lang: str) -> tuple[Filters, str | None]:
    """``filters`` cut to the months its unit version can show, and a notice when they were.

    The 2023 units end on 30/6/2025: a period reaching past it shows its months to 6/2025 (the
    notice says so and offers the new communes); a period wholly after it shows the last months
    of the 2023 units, from January of their last year.
    """
    fitted = within_version(filters.period, filters.version)
    if fitted == filters.period:
        return filters, None
    end = VERSION_ENDS[filters.version]
    assert end is not None  # a version without an end fits every period
    last = end.replace(day=1)
    asked = fmt_period(filters.period.start, filters.period.end, lang)
    if fitted is None:
        fitted = Period(date(last.year, 1, 1), last)
        key = "version_after_end"
    else:
        key = "version_cut"
    note = t(
        key,
        lang,
        end=fmt_date(end, lang),
        asked=asked,
        shown=fmt_period(fitted.start, fitted.end, lang),
    )
    return filters.with_period(fitted), note


def parse_params(
    params: Mapping[str, str],
    codes: Mapping[str, set[str]],
    data: DataRange,
    lang: str = "vi",
    known: Mapping[str, set[str]] | None = None,
    scope: Scope | None = None,
    areas: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[Filters, list[str]]:
    """Validate the filter part of a query string.

    ``codes`` maps each unit version to the commune codes the user may see; ``known`` to all
    codes, so that a code outside the user's scope is named as such; ``areas`` to the provinces
    and districts the user may see (``?vung=``). Returns the filters (each bad part replaced by
    its default) and short notices naming what was bad.
    """
    problems: list[str] = []
    default = default_filters(data, scope)
    period = _period(params, data, lang, problems, default.period)
    # Without ?dv=, the units in force at the period's last day with data (a 2023 period in the
    # 2023 units, the latest data in the units of today); the default view in its own units.
    in_force = (
        default.version
        if period == default.period
        else version_in_force(min(period.end_date, data.as_of))
    )
    version = params.get(QP_VERSION, in_force) or in_force
    if version not in VERSION_DATES:
        problems.append(t("bad_version", lang, value=version[:20]))
        version = in_force
    communes = _communes(
        params.get(QP_COMMUNES, "") or "",
        codes.get(version, set()),
        None if known is None else known.get(version, set()),
        lang,
        problems,
    )
    area = params.get(QP_AREA) or None
    if area is not None and area not in (areas or {}).get(version, {}):
        problems.append(t("bad_area", lang, code=area[:20]))
        area = None
    return Filters(period, communes, version, area), problems


def _communes(
    raw: str, allowed: set[str], known: set[str] | None, lang: str, problems: list[str]
) -> tuple[str, ...]:
    """The commune codes of ``?xa=`` the user may see; a notice for each other one."""
    communes: list[str] = []
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    for code in parts[:MAX_CODES]:
        if CODE_RE.match(code) and code in allowed:
            communes.append(code)
        elif known is not None and code in known:
            problems.append(t("not_allowed", lang, code=code))
        else:
            problems.append(t("bad_commune", lang, code=code[:20]))
    if len(parts) > MAX_CODES:
        problems.append(t("bad_commune", lang, code="…"))
    return tuple(communes)


def _period(
    params: Mapping[str, str], data: DataRange, lang: str, problems: list[str], default: Period
) -> Period:
    """The period of ``?tu=&den=``, or ``default`` with a notice saying what was bad."""
    start_raw, end_raw = params.get(QP_FROM), params.get(QP_TO)
    if not (start_raw or end_raw):
        return default
    start, end = _month(start_raw, lang, problems), _month(end_raw, lang, problems)
    if not (start and end):
        return default
    try:
        candidate = Period(start, end)
    except InvalidPeriodError:
        problems.append(t("bad_order", lang))
        return default
    if candidate.end > data.last_offered or candidate.start > data.as_of:
        problems.append(t("future_period", lang, value=f"{start_raw}..{end_raw}"))
        return default
    return candidate


def _month(raw: str | None, lang: str, problems: list[str]) -> date | None:
    match = MONTH_RE.match(raw or "")
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1900 <= year <= 2100:
            return date(year, month, 1)
    problems.append(t("bad_month", lang, value=(raw or "")[:20]))
    return None


def params_for(filters: Filters) -> dict[str, str]:
    """The canonical query string of ``filters`` (defaults included, so links are explicit)."""
    params = {
        QP_FROM: f"{filters.period.start:%Y-%m}",
        QP_TO: f"{filters.period.end:%Y-%m}",
        QP_VERSION: filters.version,
    }
    if filters.communes:
        params[QP_COMMUNES] = ",".join(filters.communes)
    if filters.area:
        params[QP_AREA] = filters.area
    return params


def quick_periods(data: DataRange, lang: str) -> dict[str, tuple[str, Period]]:
    """The quick choices: years, quarters with data (newest first), the last 6 months."""
    choices: dict[str, tuple[str, Period]] = {}
    for year in range(data.as_of.year, data.first.year - 1, -1):
        choices[f"y{year}"] = (
            fmt_period(date(year, 1, 1), date(year, 12, 1), lang),
            Period.year(year),
        )
    last6 = Period(add_months(data.as_of, -5), data.as_of)
    choices["last6"] = (
        f"{t('period_last6', lang)} ({fmt_period(last6.start, last6.end, lang)})",
        last6,
    )
    for year in range(data.as_of.year, data.first.year - 1, -1):
        for quarter in (4, 3, 2, 1):
            period = Period.quarter(year, quarter)
            if period.start <= data.as_of and period.end >= data.first:
                label = fmt_period(period.start, period.end, lang)  # Quý III/2023, Q3 2023
                choices[f"q{year}-{quarter}"] = (label, period)
    return choices


def months_between(first: date, last: date) -> list[date]:
    """Every first-of-month from ``first`` to ``last``."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def current_params() -> dict[str, str]:
    """The filter part of the URL, or the session's last filters when navigation dropped it."""
    present = {k: st.query_params[k] for k in FILTER_KEYS if k in st.query_params}
    if present:
        return present
    return dict(st.session_state.get(SESSION_KEY, {}))


def _write_url(params: dict[str, str]) -> None:
    st.session_state[SESSION_KEY] = params
    for key in FILTER_KEYS:
        if key in params:
            if st.query_params.get(key) != params[key]:
                st.query_params[key] = params[key]
        elif key in st.query_params:
            del st.query_params[key]


def _on_change(choices: dict[str, tuple[str, Period]]) -> None:
    """Widget callback: turn the widgets' values into the URL."""
    ss = st.session_state
    version = ss.get("f_dv", VERSION_2023)
    communes = tuple(ss.get("f_xa", ()))
    area = ss.get("_f_area")
    if version != ss.get("_f_dv_before", version):
        communes, area = (), None  # codes mean other units in another version
    elif communes and communes != tuple(ss.get("_f_xa_before", ())):
        area = None  # communes picked by name: any of the scope, not only the tapped area's
    key = ss.get("f_ky", CUSTOM)
    ss["_f_custom"] = key == CUSTOM
    if key in choices:
        period = choices[key][1]
    else:
        start: date = ss["f_tu"]
        end: date = ss["f_den"]
        try:
            period = Period(start, end)
        except InvalidPeriodError:
            period = Period(start, start)  # the end moved before the start: show one month
    _write_url(params_for(Filters(period, communes, version, area)))


def filter_bar(
    codes: Mapping[str, dict[str, str]],
    data: DataRange,
    lang: str,
    known: Mapping[str, set[str]] | None = None,
    scope: Scope | None = None,
    areas: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[Filters, list[str], str | None]:
    """Draw the filter row; return the filters in effect, notices about a bad link, and the
    notice of a period cut to what its unit version can show (``fit_version``).

    ``codes`` maps each version to {code: name} of the communes the user may see (``scope``,
    default the whole district).

    The communes field is Streamlit's multiselect. Its clear button is announced to screen
    readers as "Clear all" (and each chip's as "Remove …"): Streamlit 1.67 writes those names
    into its frontend (static/js/Multiselect.*.js) with no parameter to change them (open
    request: github.com/streamlit/streamlit/issues/1353). They are not shown on screen; the
    visible English ("Select all") is turned off, and the placeholder is Vietnamese.
    """
    scope = scope or Scope.everything()
    code_sets = {v: set(names) for v, names in codes.items()}
    filters, problems = parse_params(current_params(), code_sets, data, lang, known, scope, areas)
    filters, note = fit_version(filters, lang)
    _write_url(params_for(filters))
    choices = quick_periods(data, lang)
    ss = st.session_state
    preset = next((k for k, (_, p) in choices.items() if p == filters.period), CUSTOM)
    selected_key = CUSTOM if ss.get("_f_custom") else preset
    ss["f_xa"] = list(filters.communes)
    ss["f_ky"] = selected_key
    ss["f_dv"] = filters.version
    ss["_f_dv_before"] = filters.version
    ss["_f_area"] = filters.area
    ss["_f_xa_before"] = filters.communes
    area_names = (areas or {}).get(filters.version, {})
    ss["f_tu"], ss["f_den"] = filters.period.start, filters.period.end
    names = codes.get(filters.version, {})
    with st.container(border=True, key="filter_bar"):
        cols = st.columns([3, 2, 2] if selected_key != CUSTOM else [3, 2, 1.3, 1.3, 2])
        cols[0].multiselect(
            t("communes", lang),
            options=list(names),
            format_func=lambda c: names.get(c, c),
            # Empty means everything the scope covers: say what that is, never "Toàn huyện" to a
            # commune head.
            placeholder=scope_label(
                filters.with_communes(()), names, scope, lang, count=True, areas=area_names
            ),
            key="f_xa",
            on_change=_on_change,
            args=(choices,),
            # A scope of one commune has nothing to choose; disabled, the field still names it.
            disabled=scope.communes is not None and len(names) <= 1,
            # Streamlit's own "Select all" option is English; nine communes need no bulk pick.
            select_all=False,
        )
        options = [*choices, CUSTOM]
        cols[1].selectbox(
            t("period", lang),
            options=options,
            format_func=lambda k: choices[k][0] if k in choices else t("period_custom", lang),
            key="f_ky",
            on_change=_on_change,
            args=(choices,),
        )
        if selected_key == CUSTOM:
            months = months_between(data.first, data.last_offered)
            for col, key, label in (
                (cols[2], "f_tu", "from_month"),
                (cols[3], "f_den", "to_month"),
            ):
                if ss[key] not in months:
                    months = sorted({*months, ss[key]})
                col.selectbox(
                    t(label, lang),
                    options=months,
                    format_func=lambda m: fmt_month(m, lang),
                    key=key,
                    on_change=_on_change,
                    args=(choices,),
                )
        cols[-1].selectbox(
            t("version", lang),
            options=list(VERSION_LABELS),
            format_func=lambda v: t(VERSION_LABELS[v], lang),
            key="f_dv",
            on_change=_on_change,
            args=(choices,),
        )
    return filters, problems, note


def show_in_version(period: Period, version: str) -> None:
    """Button callback: the same period in another unit version (every commune of it)."""
    st.session_state["_f_custom"] = False
    _write_url(params_for(Filters(period, (), version)))


def scope_label(
    filters: Filters,
    names: Mapping[str, str],
    scope: Scope,
    lang: str,
    count: bool = False,
    area: str | None = None,
    areas: Mapping[str, str] | None = None,
) -> str:
    """What the figures cover, by name: the chosen communes; else every commune the user may see
    (their own commune for a commune head); the whole area only for an unlimited scope, as the
    data names it for the filters' unit version ("Toàn huyện" in the 2023 units).

    ``names`` maps the codes of the filters' unit version the user may see to their names.
    ``count`` adds how many communes the whole area has ("Toàn huyện (9 xã, thị trấn)").
    ``area`` is that label when the caller has it; else it is read (cached) from the database.
    In the 2025 units a commune head sees only part of a merged commune, and is told so.
    ``areas`` names the provinces and districts: filters narrowed to one (``Filters.area``)
    without chosen communes cover that province or district.
    """
    if filters.area and not filters.communes:
        return (areas or {}).get(filters.area, filters.area)
    if filters.communes:
        label = ", ".join(names.get(c, c) for c in filters.communes)
    elif scope.communes is None:
        if area is None:
            # Function-local: only this label needs the database (through the page cache);
            # the rest of the filter bar is pure and is tested without one.
            from data_access.organisation import whole_area  # function-local: see above

            from . import data  # function-local: the cached database, for this label only

            everything = filters.with_communes(())
            area = data.run(whole_area, everything, Scope.everything()).label(lang)
        if count and names:
            # "9 xã, thị trấn" while towns exist; "2 xã" for the communes of 1/7/2025
            only_xa = all(str(n).startswith("Xã ") for n in names.values())
            key = "communes_all_count_xa" if only_xa else "communes_all_count"
            return t(key, lang, area=area, count=len(names))
        return area
    else:
        label = ", ".join(names.values())
    if scope.communes is not None and filters.version != scope.version == VERSION_2023:
        return t("part_of", lang, name=label)
    return label


def describe(
    filters: Filters,
    names: Mapping[str, str],
    data: DataRange,
    lang: str,
    scope: Scope,
    area: str | None = None,
    areas: Mapping[str, str] | None = None,
) -> str:
    """One line stating the filters in effect: what is shown · period · data as of.

    Markdown-safe (for st.caption): commune names and the area's label come from the database
    and are escaped. ``area``: the whole area's label, as ``scope_label`` takes it.
    """
    where = plain(scope_label(filters, names, scope, lang, area=area, areas=areas))
    period = fmt_period(filters.period.start, filters.period.end, lang)
    as_of = t("data_as_of", lang, date=fmt_date(data.as_of, lang))
    return f"{t('in_effect', lang)}: {where} · {period} · {as_of}"


def drill_to(
    communes: list[str] | None = None, month: date | None = None, area: str | None = None
) -> None:
    """Narrow the current filters to a tapped commune, province or district and/or month,
    update the URL, rerun."""
    params = dict(st.session_state.get(SESSION_KEY, {}))
    if communes:
        params[QP_COMMUNES] = ",".join(communes)
    if area:
        params[QP_AREA] = area
        params.pop(QP_COMMUNES, None)
    if month:
        params[QP_FROM] = params[QP_TO] = f"{month:%Y-%m}"
        st.session_state["_f_custom"] = False
    if params != st.session_state.get(SESSION_KEY):
        _write_url(params)
        st.rerun()


def widen_to(area: str | None) -> None:
    """Button callback: the current filters under a wider area (None: the whole scope), every
    commune of it; the period and unit version stay."""
    params = dict(st.session_state.get(SESSION_KEY, {}))
    params.pop(QP_COMMUNES, None)
    params.pop(QP_AREA, None)
    if area:
        params[QP_AREA] = area
    _write_url(params)
