"""What every page does first: language, database, demo banner, title, filter bar, scope.

While the database cannot be reached, the page's first element is one notice that its figures
come from the cache (and as of when); a query the cache cannot answer shows the outage notice
in its place and stops the page (``ui.data``) — never Streamlit's error box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import streamlit as st

from auth.session import require_scope
from charts.formatting import fmt_date
from data_access.errors import DatabaseUnavailableError, WelfareDataError
from data_access.filters import (
    VERSION_2023,
    VERSION_2025,
    Filters,
    Period,
    Scope,
    version_in_force,
)

from . import data
from .filters import (
    QP_LANG,
    QP_PERIOD,
    QP_VERSION,
    DataRange,
    current_params,
    describe,
    filter_bar,
    parse_params,
    show_in_version,
)
from .i18n import LANGS, t
from .text import plain


@dataclass(frozen=True)
class Page:
    """The context a page draws with."""

    filters: Filters
    scope: Scope
    lang: str
    names: dict[str, str]  # code -> name, for the filters' unit version
    data_range: DataRange
    areas: dict[str, str] = field(default_factory=dict)  # provinces, districts: code -> name


def current_lang() -> str:
    """The interface language: ``?lang=en`` switches to English; Vietnamese by default."""
    lang = st.query_params.get(QP_LANG, st.session_state.get("_lang", "vi"))
    return lang if lang in LANGS else "vi"


def current_scope() -> Scope:
    """What the user of this session may see; set by ``setup`` after sign-in.

    Defaults to the narrowest useful scope (aggregates only) should a caller run before setup.
    """
    return st.session_state.get("_scope", Scope.everything(persons=False))


def language_switch(lang: str) -> None:
    """The VI / EN switch in the sidebar; the choice goes into the URL (``?lang=``)."""

    def switch() -> None:
        chosen = st.session_state["f_lang"]
        st.session_state["_lang"] = chosen
        st.query_params[QP_LANG] = chosen

    st.session_state["f_lang"] = lang
    st.sidebar.segmented_control(
        t("language", lang),
        options=list(LANGS),
        format_func=lambda x: x.upper(),
        key="f_lang",
        on_change=switch,
    )


def fail(error: WelfareDataError, lang: str) -> None:
    """Show a data error as a short message and stop the page (never a traceback)."""
    st.error(error.message(lang), icon="⚠️")
    st.stop()


def setup(title_key: str, *, with_filter_bar: bool = True) -> Page:
    """Draw the page's header and filter bar; return what the page needs to query.

    ``with_filter_bar=False`` is for a page that picks its own period and communes (the
    briefing): no filter bar, but the unit version is read from the same URL parameter, and a
    bad one gets the same notice.
    """
    lang = current_lang()
    scope, data_range = _header(title_key, lang)
    try:
        return _filters(lang, scope, data_range, with_filter_bar)
    except DatabaseUnavailableError as error:
        data.stop_for_outage(error, lang, whole_page=True)


def _filters(lang: str, scope: Scope, data_range: DataRange, with_filter_bar: bool) -> Page:
    """The filter bar (or the unit version alone) and the caption of what is shown."""
    versions = (VERSION_2023, VERSION_2025)
    names = {version: data.scoped_names(version, scope) for version in versions}
    known = {version: set(data.scoped_names(version, Scope.everything())) for version in versions}
    areas = {version: data.area_names(version, scope) for version in versions}
    asked_period = None
    if with_filter_bar:
        asked_period = _asked_period(data_range, scope)
        filters, problems, cut = filter_bar(names, data_range, lang, known, scope, areas)
    else:
        version_only = {k: v for k, v in current_params().items() if k == QP_VERSION}
        # Without ?dv=, the report period's units, as ?tu=&den= give them on the other pages: a
        # 2023 quarter's link keeps meaning the 2023 units.
        report = _report_period(st.query_params.get(QP_PERIOD))
        # (a period after the data gets the briefing's own notice)
        if QP_VERSION not in version_only and report and report.start <= data_range.as_of:
            end = min(report.end_date, data_range.as_of)
            version_only[QP_VERSION] = version_in_force(end)
        codes = {version: set(shown) for version, shown in names.items()}
        filters, problems = parse_params(version_only, codes, data_range, lang, known, scope, areas)
        cut = None
    for problem in problems:
        st.warning(t("bad_link", lang, detail=plain(problem)), icon="🔗")  # URL text: as typed
    if cut is not None:
        _offer_later_units(cut, asked_period or filters.period, lang)
    if with_filter_bar:
        _filters_in_effect(
            filters, scope, names[filters.version], data_range, lang, areas[filters.version]
        )
    return Page(filters, scope, lang, names[filters.version], data_range, areas[filters.version])


def _report_period(raw: str | None) -> Period | None:
    """The period of ?ky=2023-Q3 (or ?ky=2023); None when it names no period."""
    match = re.fullmatch(r"(\d{4})(?:-Q([1-4]))?", raw or "")
    if match is None:
        return None
    year, quarter = int(match.group(1)), match.group(2)
    return Period.year(year) if quarter is None else Period.quarter(year, int(quarter))


def _asked_period(data_range: DataRange, scope: Scope) -> Period | None:
    """The period the URL asks for before it is fitted to a unit version (None: the default)."""
    params = current_params()
    try:
        return parse_params(params, {}, data_range, scope=scope)[0].period
    except WelfareDataError:
        return None


def _offer_later_units(note: str, asked: Period, lang: str) -> None:
    """Say that the period was cut to the old units' months; offer it in the new units."""
    st.info(note, icon="🗺️")
    st.button(
        t("version_offer", lang),
        key="version_offer",
        on_click=show_in_version,
        args=(asked, VERSION_2025),
    )


def _header(title_key: str, lang: str) -> tuple[Scope, DataRange]:
    """Language switch, database (or its error), demo banner, sign-in, title; stop when empty."""
    if st.query_params.get(QP_LANG) not in (None, lang):
        st.query_params[QP_LANG] = lang
    language_switch(lang)
    data.begin_page(lang)
    try:
        database = data.database()
        if not data.reachable():
            data.show_cached_notice()  # first on the page; names the oldest figure it shows
        as_of, first = data.as_of(), data.first_month()
    except DatabaseUnavailableError as error:
        data.drop_cached_notice()
        st.title(t(title_key, lang))
        if error.last_good is None:  # never opened: name the database and the reason
            st.error(f"{t('db_error_title', lang)}: {error.message(lang)}", icon="⚠️")
            st.stop()
        data.stop_for_outage(error, lang, whole_page=True)
    except WelfareDataError as error:
        st.title(t(title_key, lang))
        st.error(f"{t('db_error_title', lang)}: {error.message(lang)}", icon="⚠️")
        st.stop()
    if database.is_demo:
        st.info(t("demo_banner", lang), icon="🧪")
    scope = require_scope(lang, database.is_demo)
    st.session_state["_scope"] = scope
    st.title(t(title_key, lang))
    if as_of is None or first is None:
        st.info(t("empty", lang))
        st.stop()
    return scope, DataRange(first, as_of)


def _filters_in_effect(
    filters: Filters,
    scope: Scope,
    names: dict[str, str],
    data_range: DataRange,
    lang: str,
    areas: dict[str, str],
) -> None:
    """The caption under the filter bar: what is shown, and when the summaries were made."""
    # A commune head's unit seen in other units: a 2023 commune is part of a new commune.
    if scope.communes is not None and filters.version != scope.version == VERSION_2023:
        st.caption(t("partial_scope", lang))
    line = describe(filters, names, data_range, lang, scope, areas=areas)
    refreshed = data.summaries_as_of()
    if refreshed is not None:
        local = refreshed.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
        line += " · " + t("summaries_at", lang, at=f"{local:%H:%M} {fmt_date(local.date(), lang)}")
    st.caption(line)
