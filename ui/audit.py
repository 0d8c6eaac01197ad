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
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class View:
    """A person list about to be shown: which, for which filters, how many rows, whose."""

    list_name: str
    filters: Filters
    shown: int
    subjects: Sequence[int] = ()
    detail: Mapping[str, object] = field(default_factory=dict)


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
    return viewed_all([View(list_name, filters, shown, subjects, detail)], lang)


def viewed_all(views: Sequence[View], lang: str) -> bool:
    """Record that these person lists are on screen, in one transaction (a page of several
    lists pays for one); False (after one error message) when they could not be recorded and
    so must not be shown."""
    actor, client = who()
    seen: set[tuple[object, ...]] = st.session_state.setdefault(SEEN, set())
    new: dict[tuple[object, ...], audit.Entry] = {}
    for view in views:
        what = {
            "filters": params_for(view.filters),
            **{k: v for k, v in view.detail.items() if v is not None},
        }
        subjects = tuple(view.subjects)
        key = (actor, view.list_name, audit.canonical(what), view.shown, subjects)
        if key not in seen:
            new[key] = audit.Entry(
                audit.VIEW, actor, view.list_name, what, view.shown, client, subjects
            )
    if not new:
        return True
    try:
        user_store().audit.record_all(list(new.values()))
    except audit.AuditWriteError:
        st.error(T("failed", lang), icon="🔒")
        return False
    seen.update(new)
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
