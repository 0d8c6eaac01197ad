"""Tablet-first CSS: finger-sized touch targets, tiles and filters that fit 768 and 1024 px.

The dashboard is used on tablets in meetings (768×1024 portrait, 1024×768 landscape). Streamlit's
defaults are desktop-first: 28 px navigation links, 16 px help icons, ellipsised tile values and
wide side margins. ``apply()``, called once per run from app.py (so every page gets it, the
briefing included), injects one stylesheet that fixes that; tests/browser checks the result at
both sizes. The CSS is a constant: it never contains database text, so it cannot carry markup
from the data.
"""

from __future__ import annotations

import streamlit as st

TOUCH_PX = 44  # minimum touch target (Apple HIG 44 pt, WCAG 2.5.5): a fingertip, not a cursor
PORTRAIT_MAX_PX = 900  # up to this width (768 px portrait) tile rows of four go two by two and
# the communes field takes the filter bar's first row
TABLET_MAX_PX = 1100  # up to this width (1024 px landscape tablets) side margins shrink
CAPTION_GREY = "#545763"  # captions (tile notes, sources) readable: 7,4:1 on white, WCAG AA

_TOUCH = f"{TOUCH_PX}px"
# a row of st.columns with at least four columns holding KPI tiles (ui/tiles.py keys them)
_TILE_ROW_OF_FOUR = (
    '[data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"]:nth-child(4))'
    ':has(> [data-testid="stColumn"] [class*="st-key-tile_"])'
)

# Selectors rely on Streamlit's stable hooks: data-testid attributes and the st-key-<key>
# classes of keyed containers (filter_bar in ui/filters.py, tile_<code> in ui/tiles.py).
TABLET_CSS = f"""
/* ---- captions: Streamlit draws them at opacity 0,6, which leaves 2,8:1 on white, under
   WCAG AA's 4,5:1 (axe-core "color-contrast", serious); this grey at full opacity is 7,4:1 ---- */
[data-testid="stCaptionContainer"] {{
  color: {CAPTION_GREY};
  opacity: 1;
}}
/* ---- touch targets: at least {_TOUCH} high (and wide, for icon buttons) ---- */
[data-testid="stBaseButton-secondary"], [data-testid="stBaseButton-primary"],
[data-testid="stBaseButton-tertiary"], [data-testid="stDownloadButton"] button,
[data-testid="stButton"] button, [data-testid="stFormSubmitButton"] button,
[data-testid="stPageLink"] a, [data-testid="stLinkButton"] a {{
  min-height: {_TOUCH};
}}
[data-testid="stSelectbox"] [role="group"], [data-testid="stMultiSelect"] [role="group"],
[data-testid="stDateInputField"], [data-testid="stTextInput"] input,
[data-testid="stNumberInput"] input, [data-testid="stTimeInput"] input {{
  min-height: {_TOUCH};
  height: auto;
}}
[data-testid="stSelectbox"] [role="group"] button,
[data-testid="stMultiSelect"] [role="group"] > button,
[data-testid="stDateInputCalendarButton"] {{
  min-width: {_TOUCH};
  height: auto;
  align-self: stretch;
  display: flex;
  align-items: center;
  justify-content: center;
}}
[data-testid="stNumberInput"] button {{
  min-width: {_TOUCH};
  min-height: {_TOUCH};
}}
/* options of an open selectbox / multiselect list */
[role="listbox"] [role="option"] {{
  min-height: {_TOUCH};
  display: flex;
  align-items: center;
}}
/* the "x" on a chosen commune: a {_TOUCH} square; negative margins keep the tag's size */
[data-testid="stMultiSelect"] [data-tag] button {{
  display: inline-flex;
  align-items: center;
  justify-content: center;
  min-width: {_TOUCH};
  min-height: {_TOUCH};
  padding: 0;
  margin: -18px -14px -18px -6px;
}}
[data-testid="stButtonGroup"] button {{
  min-height: {_TOUCH};
  min-width: {_TOUCH};
}}
[data-baseweb="tab-list"] [role="tab"], [data-testid="stTabs"] [role="tab"] {{
  min-height: {_TOUCH};
}}
[data-testid="stExpander"] summary {{
  min-height: {_TOUCH};
  height: auto;
}}
[data-testid="stTopNavLink"], [data-testid="stTopNavSection"],
[data-testid="stTopNavDropdownLink"], [data-testid="stSidebarNavLink"] {{
  min-height: {_TOUCH};
  display: flex;
  align-items: center;
}}
[data-testid="stExpandSidebarButton"], [data-testid="stMainMenuButton"],
[data-testid="stSidebarCollapseButton"] button, [data-testid="stElementToolbar"] button {{
  min-width: {_TOUCH};
  min-height: {_TOUCH};
}}
/* a chart's or table's toolbar sits in the {_TOUCH} above it (always shown on touch screens) */
[data-testid="stElementToolbar"], [data-testid="stElementToolbarButtonContainer"] {{
  height: {_TOUCH};
  padding: 0;
}}
/* help "?" icons: 16 px drawn, {_TOUCH} touched (padding grown, margin pulled back) */
[data-testid="stTooltipIcon"] [data-testid="stTooltipHoverTarget"] button {{
  padding: 14px;
  margin: -14px;
  box-sizing: content-box;
}}
[role="checkbox"], [data-testid="stCheckbox"] label, [data-testid="stRadio"] label {{
  min-height: {_TOUCH};
}}
/* heading anchors appear on hover only; on a touch screen they are 16 px traps */
[data-testid="stHeaderActionElements"] {{
  display: none;
}}

/* ---- KPI tiles: never cut a figure or its label with an ellipsis ---- */
[data-testid="stMetricValue"] .stMarkdownEllipsis, [data-testid="stMetricValue"] p,
[data-testid="stMetricLabel"] .stMarkdownEllipsis, [data-testid="stMetricLabel"] p,
[data-testid="stMetricDelta"] .stMarkdownEllipsis, [data-testid="stMetricDelta"] p {{
  white-space: normal;
  overflow: visible;
  text-overflow: clip;
  overflow-wrap: anywhere;
}}
[data-testid="stMetricValue"] {{
  font-size: clamp(1.5rem, 0.9rem + 1.4vw, 2.25rem);
  line-height: 1.2;
}}
[data-testid="stMetricLabel"] {{
  min-height: 2.8em;  /* two lines, so values in one row line up */
  align-items: start;
}}
/* tiles in one row share the row's height */
[data-testid="stColumn"]:has(> [data-testid="stVerticalBlock"] > [data-testid="stLayoutWrapper"]
  > [class*="st-key-tile_"]) > [data-testid="stVerticalBlock"] {{
  height: 100%;
}}
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-tile_"]) {{
  flex: 1 1 auto;
}}

/* ---- nothing wider than the screen: wide content scrolls inside itself ---- */
[data-testid="stMainBlockContainer"] {{
  max-width: 100%;
}}
[data-testid="stTable"], [data-testid="stMarkdownContainer"] table,
[data-testid="stVegaLiteChart"], [data-testid="stCode"], [data-testid="stJson"] {{
  max-width: 100%;
  overflow-x: auto;
}}
[data-testid="stDataFrame"], [data-testid="stDataFrameResizable"] {{
  max-width: 100%;
}}

/* ---- tablet widths: less margin, more dashboard ---- */
@media (max-width: {TABLET_MAX_PX}px) {{
  [data-testid="stMainBlockContainer"] {{
    padding-left: 1.5rem;
    padding-right: 1.5rem;
    padding-top: 4.5rem;  /* clears the 60 px top bar */
  }}
}}

/* ---- portrait tablets: rows of four tiles become two rows of two; the communes field takes
   the filter bar's first row, the other fields share the second ---- */
@media (max-width: {PORTRAIT_MAX_PX}px) {{
  {_TILE_ROW_OF_FOUR} {{
    flex-wrap: wrap;
  }}
  {_TILE_ROW_OF_FOUR} > [data-testid="stColumn"] {{
    flex: 1 1 calc(50% - 0.5rem) !important;
    min-width: calc(50% - 0.5rem) !important;
    max-width: calc(50% - 0.5rem);
  }}
  {_TILE_ROW_OF_FOUR} > [data-testid="stColumn"]:not(:has([class*="st-key-tile_"])) {{
    display: none;
  }}
  .st-key-filter_bar [data-testid="stHorizontalBlock"] {{
    flex-wrap: wrap;
  }}
  .st-key-filter_bar [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {{
    flex: 1 1 9rem !important;
    min-width: 9rem !important;
  }}
  .st-key-filter_bar [data-testid="stHorizontalBlock"] > [data-testid="stColumn"]:first-child {{
    flex-basis: 100% !important;
  }}
}}
"""


def apply() -> None:
    """Inject the tablet stylesheet into the current run.

    A style-only ``st.html`` goes to Streamlit's event container: it takes no space on the page.
    """
    st.html(f"<style>{TABLET_CSS}</style>")
