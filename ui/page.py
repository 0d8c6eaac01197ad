"""What every page does first: language, database, demo banner, title, filter bar, scope."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import streamlit as st

from auth.session import require_scope
from charts.formatting import fmt_date
from data_access.errors import WelfareDataError
from data_access.filters import VERSION_2023, VERSION_2025, Filters, Scope

from . import data
from .filters import QP_LANG, DataRange, describe, filter_bar
from .i18n import LANGS, t


@dataclass(frozen=True)
class Page:
    """The context a page draws with."""

    filters: Filters
    scope: Scope
    lang: str
    names: dict[str, str]  # code -> name, for the filters' unit version
    data_range: DataRange


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


def setup(title_key: str) -> Page:
    """Draw the page's header and filter bar; return what the page needs to query."""
    lang = current_lang()
    if st.query_params.get(QP_LANG) not in (None, lang):
        st.query_params[QP_LANG] = lang
    language_switch(lang)
    try:
        database = data.database()
        as_of, first = data.as_of(), data.first_month()
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
    versions = (VERSION_2023, VERSION_2025)
    names = {version: data.scoped_names(version, scope) for version in versions}
    known = {version: set(data.scoped_names(version, Scope.everything())) for version in versions}
    data_range = DataRange(first, as_of)
    filters, problems = filter_bar(names, data_range, lang, known)
    for problem in problems:
        st.warning(t("bad_link", lang, detail=problem), icon="🔗")
    if scope.communes is not None and filters.version != VERSION_2023:
        st.caption(t("partial_scope", lang))
    line = describe(filters, names[filters.version], data_range, lang)
    refreshed = data.summaries_as_of()
    if refreshed is not None:
        local = refreshed.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
        line += " · " + t("summaries_at", lang, at=f"{local:%H:%M} {fmt_date(local.date(), lang)}")
    st.caption(line)
    return Page(filters, scope, lang, names[filters.version], data_range)
