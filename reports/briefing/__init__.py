"""The quarterly briefing: gather -> protect -> write, one plain structure for every renderer.

``gather`` runs the queries once per (report period, filters, scope) and keeps numbers and
names only, so the page caches it and never asks the database again for another language or
edition; ``protect`` applies the public edition's small-count suppression before anything is
written; ``write`` puts the result into words in one language. The page, the Word report
(``reports.docx_report``) and the Excel annex (``reports.xlsx_annex``) all render the written
``Briefing``, so they cannot disagree. No module here imports Streamlit.

- ``periods``: a quarter or a year cut at the data's as-of date, and its names;
- ``domains``: the four domains, their tables' columns and what is sensitive;
- ``gather``: the queries; ``protect``: the editions; ``lags``: the communes that lag;
- ``numbers``: figures in running text; ``prose``: the summary paragraphs;
- ``write``: the written briefing; ``layout``: its tables as text and its charts.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from data_access.filters import Filters, Scope

from .gather import gather
from .model import Briefing
from .protect import protect
from .write import write


def build_briefing(
    conn: Connection, filters: Filters, scope: Scope, public: bool = False, lang: str = "vi"
) -> Briefing:
    """The briefing for ``filters`` (a calendar quarter or year) as ``scope`` may see it.

    :raises InvalidPeriodError: the period is not a quarter or a year, or is in the future.
    :raises EmptyReportError: nothing is recorded in the period for the selection.
    :raises WelfareDataError: a commune is unknown or outside the scope (from data_access).
    """
    return write(protect(gather(conn, filters, scope), public), lang)
