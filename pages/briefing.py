"""Báo cáo quý: the quarterly briefing for the party committee — on screen, in Word, in Excel.

Reads top to bottom like the report it downloads: the period picker (quarters with data, the
year to date; never a future quarter), the headline indicators against the previous quarter,
the same period last year and the year's target, then one section per domain (summary
paragraph, chart, commune table, lagging communes) and the notes. The figures are gathered once
per (period, communes, scope) through the UI cache, language- and edition-free; the page, the
.docx and the .xlsx render the one ``Briefing`` written from them for the edition and language
shown, so they always agree.

The user's scope comes from sign-in; the communes chosen in the shared filter bar (``?xa=``)
are respected and can be changed here. Every choice lives in the URL, so a link reproduces the
view: ``?ky=2023-Q3`` (or ``?ky=2023``) the period, ``?xa=06913`` the communes, ``?ban=cong-khai``
the public edition (``noi-bo``, the internal one, is the default) and ``?in=1`` the print
layout. A value the page cannot use gets a notice and the default.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date

import pandas as pd
import streamlit as st

from charts.formatting import fmt_date
from data_access.errors import WelfareDataError
from data_access.filters import Filters, within_version
from i18n import Catalog
from reports.briefing.domains import DOMAINS
from reports.briefing.gather import gather
from reports.briefing.layout import headline_rows, section_chart, table_rows
from reports.briefing.model import Briefing, EmptyReportError, Section
from reports.briefing.periods import ReportPeriod, default_period, report_periods
from reports.briefing.protect import protect
from reports.briefing.write import write
from reports.docx_report import build_docx
from reports.xlsx_annex import build_xlsx
from ui import data
from ui.audit import recorded_download
from ui.filters import QP_COMMUNES, QP_PERIOD, current_params, scope_label
from ui.guard import section
from ui.page import fail, setup
from ui.sections import draw_chart
from ui.text import plain

# The briefing's own choices in the URL (beside ui.filters' ?ky= and ?xa=).
QP_EDITION = "ban"  # ?ban=cong-khai: the public edition; noi-bo (internal) by default
QP_PRINT = "in"  # ?in=1: the print layout; 0 by default
EDITIONS = {"noi-bo": False, "cong-khai": True}
PRINTS = {"0": False, "1": True}

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

T = Catalog(
    "pages.briefing",
    {
        "period": ("Kỳ báo cáo", "Period"),
        "communes": ("Xã, thị trấn", "Communes"),
        "public": ("Bản công khai", "Public version"),
        "public_help": (
            "Ẩn số đếm người, hộ từ 1 đến 4 (ghi «<5») và các ô, tổng có thể làm lộ chúng "
            "(ghi «x»).",
            "Hides counts of 1–4 people or households («<5») and any cell or total that would "
            "reveal them («x»).",
        ),
        "print": ("Bản in", "Print layout"),
        "print_help": (
            "Trình bày để in: bảng hiện đầy đủ, mỗi lĩnh vực một trang; dùng lệnh In (Ctrl+P).",
            "Lays the page out for printing: full tables, one area per page; then press Ctrl+P.",
        ),
        "print_hint": (
            "Bản in: dùng lệnh In của trình duyệt (Ctrl+P). Thanh điều hướng, nút và bộ chọn "
            "không được in.",
            "Print layout: use the browser's Print (Ctrl+P). Navigation, buttons and pickers are "
            "left out of the printout.",
        ),
        "report_date": ("Ngày ký báo cáo", "Report date"),
        "word": ("Tải báo cáo Word", "Download Word report"),
        "excel": ("Tải phụ lục Excel", "Download Excel annex"),
        "bad_period": (
            "Kỳ «{value}» không có trong danh sách (chưa có số liệu hoặc không hợp lệ); "
            "đã chọn {default}.",
            "Period '{value}' is not offered (no data yet, or invalid); showing {default}.",
        ),
        "bad_commune": (
            "Mã xã «{value}» không có hoặc ngoài phạm vi được xem; đã bỏ qua.",
            "Commune code '{value}' is unknown or outside your scope; ignored.",
        ),
        "bad_edition": (
            "Bản «{value}» không có (chỉ có noi-bo hoặc cong-khai); đã dùng bản nội bộ.",
            "Edition '{value}' does not exist (noi-bo or cong-khai); showing the internal one.",
        ),
        "bad_print": (
            "Giá trị bản in «{value}» không hợp lệ (chỉ có 0 hoặc 1); đã dùng bản xem trên "
            "màn hình.",
            "Print value '{value}' is invalid (0 or 1); showing the screen layout.",
        ),
        "in_effect": (
            "{where} · {period} · số liệu đến {as_of} · {edition}",
            "{where} · {period} · data as of {as_of} · {edition}",
        ),
        "internal": ("bản nội bộ", "internal version"),
        "public_short": ("bản công khai", "public version"),
        "s1": ("I. Kết quả các chỉ tiêu chủ yếu", "I. Key indicators"),
        "s2": ("II. Kết quả theo lĩnh vực", "II. Results by area"),
        "lags": ("Xã, thị trấn cần chú ý", "Communes needing attention"),
        "no_lags": (
            "Không có xã, thị trấn nào cần chú ý ở lĩnh vực này.",
            "No commune stands out.",
        ),
        "own_lags": ("Chỉ tiêu cần chú ý", "Indicators needing attention"),
        "no_own_lags": (
            "Không có chỉ tiêu nào cần chú ý ở lĩnh vực này.",
            "No indicator stands out.",
        ),
        "table": ("Số liệu theo xã, thị trấn", "Figures by commune"),
        "legend": (
            "«<5»: từ 1 đến 4; «x»: ẩn để không suy ra được ô nhỏ từ tổng hoặc hiệu số.",
            "«<5»: 1 to 4; «x»: hidden so that small cells cannot be worked out from totals.",
        ),
    },
)

# Static CSS for the print layout (never database text). Hides Streamlit's chrome and every
# widget, and starts each section on a new page.
PRINT_CSS = """
<style>
@media print {
  header, [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stStatusWidget"], [data-testid="stElementToolbar"],
  .st-key-bc_controls, .st-key-bc_downloads, .stButton, .stDownloadButton {
    display: none !important;
  }
  [data-testid="stMainBlockContainer"], .block-container {
    padding: 0 !important; max-width: 100% !important;
  }
  .st-key-bc_section_coverage, .st-key-bc_section_housing, .st-key-bc_section_training,
  .st-key-bc_section_payouts, .st-key-bc_section_lags {
    break-before: page; page-break-before: always;
  }
  [data-testid="stVegaLiteChart"], [data-testid="stTable"], table {
    break-inside: avoid; page-break-inside: avoid;
  }
  body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>
"""


def from_url(
    param: str,
    allowed: Collection[str],
    fallback: str,
    notice: Callable[[str], str],
) -> str:
    """The choice ``param`` carries in the URL; a bad value gets ``notice`` and ``fallback``.

    Without the parameter, the session's last choice (kept under ``_bc_<param>``) stands, so
    coming back from another page keeps the view.
    """
    raw = st.query_params.get(param)
    if raw is not None and raw not in allowed:
        st.warning(notice(plain(raw[:20])), icon="🔗")
        raw = None
    chosen = raw or st.session_state.get(f"_bc_{param}") or fallback
    return chosen if chosen in allowed else fallback


def to_url(param: str, value: str, default: str | None = None) -> None:
    """Write a choice into the URL (and the session); a default is left out of the URL."""
    st.session_state[f"_bc_{param}"] = value
    if value == default:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != value:
        st.query_params[param] = value


def choose_period(periods: list[ReportPeriod], lang: str) -> ReportPeriod:
    """The period picker; ``?ky=`` in the URL selects (and shares) a period.

    The period chosen is always written to the URL: "the latest quarter" moves on, a shared
    link must not.
    """
    by_key = {p.key: p for p in periods}
    fallback = default_period(periods)

    def bad(value: str) -> str:
        return T("bad_period", lang, value=value, default=fallback.label(lang))

    st.session_state["bc_ky"] = from_url(QP_PERIOD, by_key, fallback.key, bad)
    to_url(QP_PERIOD, st.session_state["bc_ky"])
    key = st.selectbox(
        T("period", lang),
        options=list(by_key),
        format_func=lambda k: by_key[k].label(lang),
        key="bc_ky",
        on_change=lambda: to_url(QP_PERIOD, st.session_state["bc_ky"]),
    )
    return by_key[key]


def choose_switch(
    param: str,
    choices: dict[str, bool],
    label: str,
    help_text: str,
    notice: Callable[[str], str],
    key: str,
) -> bool:
    """An on/off choice (edition, print layout) kept in the URL as ``?param=`` one of
    ``choices`` (its first is the default, left out of the URL)."""
    default = next(iter(choices))
    chosen = from_url(param, choices, default, notice)
    to_url(param, chosen, default)  # a bad value leaves the URL; a remembered one returns
    st.session_state[key] = choices[chosen]
    by_state = {state: value for value, state in choices.items()}

    def remember() -> None:
        to_url(param, by_state[bool(st.session_state[key])], default)

    return st.toggle(label, key=key, help=help_text, on_change=remember)


def choose_communes(names: dict[str, str], everything: str, lang: str) -> tuple[str, ...]:
    """Communes from the shared filter bar (``?xa=``), changeable here; only the scope's own.

    ``everything`` names what an empty choice covers (the scope's units, by name).
    """
    raw = current_params().get(QP_COMMUNES, "")
    wanted = [c.strip() for c in raw.split(",") if c.strip()]
    for code in wanted:
        if code not in names:
            st.warning(T("bad_commune", lang, value=plain(code[:20])), icon="🔗")
    st.session_state["bc_xa"] = [c for c in wanted if c in names]
    # The URL states the communes shown (also those carried over from the filter bar).
    to_url(QP_COMMUNES, ",".join(st.session_state["bc_xa"]), default="")

    def remember() -> None:
        to_url(QP_COMMUNES, ",".join(st.session_state["bc_xa"]), default="")

    chosen = st.multiselect(
        T("communes", lang),
        options=list(names),
        format_func=lambda c: names.get(c, c),
        placeholder=everything,
        key="bc_xa",
        on_change=remember,
        # A scope of one commune has nothing to choose; disabled, the field still names it.
        disabled=len(names) <= 1 and not st.session_state["bc_xa"],
    )
    return tuple(chosen)


def print_table(frame: pd.DataFrame, printing: bool) -> None:
    """A table: static (prints in full) in the print layout, interactive otherwise."""
    if printing:
        st.table(frame.set_index(frame.columns[0]))
    else:
        st.dataframe(frame, hide_index=True, width="stretch")


def draw_section(
    briefing: Briefing, number: int, domain: str, printing: bool, heading: str | None = None
) -> None:
    """One domain: summary paragraph, chart, commune table, lagging communes.

    ``heading`` (the part's title) goes inside the first section so that the print layout's
    page break does not leave it alone on a page.
    """
    lang = briefing.lang
    part = briefing.section(domain)
    with st.container(key=f"bc_section_{domain}"):
        if heading:
            st.header(heading)
        st.subheader(f"{number}. {part.title}")
        with section(lang):  # ui.guard: a value it cannot use shows a notice in its place
            draw_part(briefing, part, printing)


def draw_part(briefing: Briefing, part: Section, printing: bool) -> None:
    """A domain's summary paragraph, chart, commune table and lagging communes."""
    lang, domain = briefing.lang, part.domain
    st.markdown(plain(part.summary))
    chart = section_chart(briefing, domain)
    if chart is not None:
        draw_chart(chart)  # converted once per chart, data and language (ui.vega)
    header, table = table_rows(part.table, lang)
    st.markdown(f"**{T('table', lang)}**")
    print_table(pd.DataFrame(table, columns=header), printing)
    if briefing.public:
        st.caption(T("legend", lang))
    # A commune head's briefing is about their commune: what lags is an indicator.
    own = briefing.issuer is not None
    st.markdown(f"**{T('own_lags' if own else 'lags', lang)}**")
    if not part.lags:
        st.caption(T("no_own_lags" if own else "no_lags", lang))
    for lag in part.lags:
        communes = "; ".join(
            detail if own else f"{name}: {detail}" for name, detail in lag.communes
        )
        st.markdown("- " + plain(f"{lag.label} ({lag.rule_label.lower()}): {communes}"))


# --- the page -------------------------------------------------------------------------------

page = setup("nav_briefing", with_filter_bar=False)
lang, scope = page.lang, page.scope
with st.container(key="bc_controls", border=True):
    left, middle, right = st.columns([2, 3, 2])
    with left:
        # Only periods the unit version can split: the 2023 units end on 30/6/2025.
        offered = [
            p
            for p in report_periods(page.data_range.first, page.data_range.as_of)
            if within_version(p.nominal, page.filters.version) == p.nominal
        ]
        report = choose_period(offered, lang)
    with middle:
        everything = scope_label(page.filters.with_communes(()), page.names, scope, lang)
        communes = choose_communes(page.names, everything, lang)
    with right:
        public = choose_switch(
            QP_EDITION,
            EDITIONS,
            T("public", lang),
            T("public_help", lang),
            lambda value: T("bad_edition", lang, value=value),
            key="bc_public",
        )
        printing = choose_switch(
            QP_PRINT,
            PRINTS,
            T("print", lang),
            T("print_help", lang),
            lambda value: T("bad_print", lang, value=value),
            key="bc_print",
        )
        signed_on = st.date_input(
            T("report_date", lang), value=date.today(), key="bc_date", format="DD/MM/YYYY"
        )

filters = Filters(report.nominal, communes, page.filters.version)
# The briefing is one section (ui.guard): a value its figures cannot use shows the notice
# instead of the report, the controls above staying usable.
briefing = None
with section(lang):
    try:
        # The queries, once per period, communes and scope; the edition and language shown
        # are written from them without asking the database again.
        gathered = data.run(gather, filters, scope)
    except EmptyReportError as error:
        st.info(plain(error.message(lang)), icon="📭")  # names the communes: database text
        st.stop()
    except WelfareDataError as error:
        fail(error, lang)
    briefing = write(protect(gathered, public), lang)
if briefing is None:
    st.stop()
    raise AssertionError("st.stop() returns only in bare mode")  # pragma: no cover

if printing:
    st.html(PRINT_CSS)
    st.caption(T("print_hint", lang))

edition = T("public_short" if public else "internal", lang)
st.subheader(plain(briefing.title))  # holds a commune's name: database text
st.caption(
    T(
        "in_effect",
        lang,
        where=plain(briefing.where),
        period=report.label(lang),
        as_of=fmt_date(briefing.as_of, lang),
        edition=edition,
    )
)
report_date = signed_on if isinstance(signed_on, date) else date.today()
stem = f"bao-cao-{report.key}{'-cong-khai' if public else ''}"
with st.container(key="bc_downloads"):
    word, excel = st.columns(2)
    word.download_button(
        T("word", lang),
        data=recorded_download(lambda: build_docx(briefing, report_date), f"{stem}.docx", None),
        file_name=f"{stem}.docx",
        mime=DOCX_MIME,
        key="bc_docx",
        on_click="ignore",
        icon="📄",
        width="stretch",
    )
    excel.download_button(
        T("excel", lang),
        data=recorded_download(lambda: build_xlsx(briefing, report_date), f"{stem}.xlsx", None),
        file_name=f"{stem}.xlsx",
        mime=XLSX_MIME,
        key="bc_xlsx",
        on_click="ignore",
        icon="📊",
        width="stretch",
    )

with st.container(key="bc_section_headline"):
    st.subheader(T("s1", lang))
    with section(lang):
        header, rows = headline_rows(briefing)
        print_table(pd.DataFrame(rows, columns=header), printing)

for number, domain in enumerate(DOMAINS, start=1):
    draw_section(briefing, number, domain, printing, T("s2", lang) if number == 1 else None)
