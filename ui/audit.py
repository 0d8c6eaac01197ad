"""What the pages write to the audit trail (``auth.audit``): person lists on screen, downloads.

A person list is recorded before it is drawn; when the entry cannot be written the list is not
shown (``viewed`` returns False after saying so). The same list with the same filters, page,
search and rows is recorded once per browser session: a rerun that redraws it (another widget
changed) is not a new view; a reload (a new session) is.

A download is recorded when its file is built, that is when the button is pressed (Streamlit
calls the builder on a worker thread, outside the page's session, so who and from where are
taken when the button is drawn); when the entry cannot be written the builder raises and no
file is served.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import streamlit as st

from auth import audit
from auth.session import client_key, signed_in, user_store
from data_access.filters import Filters
from i18n import Catalog

from .filters import params_for

T = Catalog(
    "ui.audit",
    {
        "failed": (
            "Không ghi được nhật ký truy cập, nên danh sách cá nhân không được hiển thị (Luật "
            "Bảo vệ dữ liệu cá nhân). Vui lòng thử lại sau ít phút hoặc báo quản trị viên.",
            "The access log could not be written, so the personal list is not shown (Personal "
            "Data Protection Law). Please try again in a few minutes or tell an administrator.",
        ),
    },
)
T_File = TypeVar("T_File", bytes, str)
SEEN = "_audit_seen"  # the views this session has recorded


def who() -> tuple[str, str]:
    """(user name, client address) of this session: ("", ...) when no one is signed in."""
    user = signed_in()
    return (user.username if user else ""), (client_key() or "")


def viewed(
    list_name: str,
    filters: Filters,
    shown: int,
    lang: str,
    subjects: Sequence[int] = (),
    **detail: object,
) -> bool:
    """Record that a person list is on screen; False (after an error message) when it could
    not be recorded and so must not be shown."""
    actor, client = who()
    what = {"filters": params_for(filters), **{k: v for k, v in detail.items() if v is not None}}
    key = (actor, list_name, audit.canonical(what), shown, tuple(subjects))
    seen: set[tuple[object, ...]] = st.session_state.setdefault(SEEN, set())
    if key in seen:
        return True
    entry = audit.Entry(audit.VIEW, actor, list_name, what, shown, client, tuple(subjects))
    try:
        user_store().audit.record(entry)
    except audit.AuditWriteError:
        st.error(T("failed", lang), icon="🔒")
        return False
    seen.add(key)
    return True


def recorded_download(
    build: Callable[[], T_File],
    file_name: str,
    rows: int | None,
    subjects: Sequence[int] = (),
    detail: Mapping[str, object] | None = None,
) -> Callable[[], T_File]:
    """``build`` that first records the download of ``file_name`` (what the page's address
    asks for, ``rows`` rows, whose data): ``audit.AuditWriteError`` and no file when it
    cannot."""
    actor, client = who()
    trail = user_store().audit
    what = {"params": st.query_params.to_dict(), **(detail or {})}
    entry = audit.Entry(audit.DOWNLOAD, actor, file_name, what, rows, client, tuple(subjects))
    return lambda: _record_then(trail, entry, build)


def _record_then(
    trail: audit.AuditTrail, entry: audit.Entry, build: Callable[[], T_File]
) -> T_File:
    trail.record(entry)
    return build()
