"""A part of a page that meets a value it cannot use: a short notice there, the rest of the page
still drawn (issue 18).

Each section of a page (a chart with its table, a row of tiles, a table) is drawn inside
``with section(lang):``. If drawing it raises an error that a value in the data causes — a
number too large for its type, a date that does not exist, an amount no format can write, a
sum the database cannot hold — what the section had drawn is replaced by "Không hiển thị được
phần này: dữ liệu có giá trị không hợp lệ. Xem trang Kiểm tra số liệu.", the error is logged
with its traceback, and the page goes on to its next section.

Only value errors are caught. A programming error (NameError, AttributeError, KeyError,
TypeError) still reaches Streamlit's error box, where tests see it; so do Streamlit's own
controls (``st.stop``, ``st.rerun``), the data layer's bilingual errors (``WelfareDataError``,
a bad link or an unreachable database, which the page handles itself) and any database error
other than a value the database refused.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from charts.formatting import fmt_int
from data_access.errors import is_bad_value
from data_access.excluded import EXCLUDED_KINDS, excluded_counts
from i18n import Catalog

from . import data

log = logging.getLogger(__name__)

T = Catalog(
    "ui.guard",
    {
        "left_out": (
            "{counts} có giá trị không thể đúng (số tiền hoặc số người) nên không được tính vào "
            "số liệu của kỳ này. Xem trang Kiểm tra số liệu.",
            "{counts} hold a value that cannot be true (an amount or a head count) and are left "
            "out of this period's figures. See the Data checks page.",
        ),
        "allowance_payment": ("{n} khoản chi trợ cấp", "{n} allowance payments"),
        "housing_grant": ("{n} khoản hỗ trợ nhà ở", "{n} housing grants"),
        "job_event": ("{n} hội nghị việc làm", "{n} job events"),
        "bad_value": (
            "Không hiển thị được phần này: dữ liệu có giá trị không hợp lệ. "
            "Xem trang Kiểm tra số liệu.",
            "This part cannot be shown: the data holds a value that is not valid. "
            "See the Data checks page.",
        ),
    },
)


@contextmanager
def section(lang: str) -> Iterator[None]:
    """Draw a section; on a bad value, show the notice in its place and carry on."""
    holder = st.empty()
    try:
        with holder.container():
            yield
    except Exception as error:
        if not is_bad_value(error):
            raise
        log.warning("a section was not shown: a value in the data is not usable", exc_info=error)
        holder.warning(T("bad_value", lang), icon="⚠️")


def left_out(page: Any, kinds: tuple[str, ...] = EXCLUDED_KINDS) -> None:
    """Say how many records of ``kinds`` the page's figures leave out as impossible values
    (``data_access.excluded``); nothing when none is. ``page`` is ``ui.page.Page``."""
    with section(page.lang):
        counts = data.run(excluded_counts, page.filters, page.scope)
        parts = [
            T(kind, page.lang, n=fmt_int(counts[kind], page.lang))
            for kind in kinds
            if counts.get(kind)
        ]
        if parts:
            st.warning(T("left_out", page.lang, counts=", ".join(parts)), icon="⚠️")
