"""Errors the data layer raises for bad input: each names the bad value, in Vietnamese and English.

The app shows ``message(lang)`` as a short notice; it never shows a traceback for these.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from i18n import Catalog, choose

T = Catalog(
    "data_access.errors",
    {
        "unknown_commune": (
            "Không có xã, thị trấn mã «{code}» trong danh mục đơn vị hành chính {version}.",
            "No commune with code '{code}' in the {version} list of administrative units.",
        ),
        "unknown_area": (
            "Không có tỉnh hoặc huyện mã «{code}» trong danh mục đơn vị hành chính {version}.",
            "No province or district with code '{code}' in the {version} list of "
            "administrative units.",
        ),
        "invalid_period": ("Kỳ báo cáo không hợp lệ: {detail}.", "Invalid period: {detail}."),
        "unknown_version": (
            "Không có phiên bản đơn vị hành chính «{version}».",
            "Unknown administrative-unit version '{version}'.",
        ),
        "out_of_scope": (
            "Tài khoản của bạn không được xem số liệu của: {codes}.",
            "Your account may not see figures for: {codes}.",
        ),
        "database_url": (
            "Địa chỉ cơ sở dữ liệu không hợp lệ: «{url}» ({reason}).",
            "Invalid database URL '{url}' ({reason}).",
        ),
        "database_unavailable": (
            "Không kết nối được cơ sở dữ liệu «{url}»: {reason}.",
            "Cannot connect to the database '{url}': {reason}.",
        ),
    },
)


class WelfareDataError(Exception):
    """Base class: a problem a user can understand and fix, with a bilingual message."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en

    def message(self, lang: str = "vi") -> str:
        """The message in the user's language."""
        return choose(lang, self.message_vi, self.message_en)


class UnknownCommuneError(WelfareDataError):
    """A commune code that names no unit of the chosen unit version."""

    def __init__(self, code: str, version: str) -> None:
        self.code = code
        super().__init__(
            T("unknown_commune", "vi", code=code, version=version),
            T("unknown_commune", "en", code=code, version=version),
        )


class InvalidPeriodError(WelfareDataError):
    """A period whose end is before its start, or a month that does not exist."""

    def __init__(self, detail_vi: str, detail_en: str) -> None:
        super().__init__(
            T("invalid_period", "vi", detail=detail_vi), T("invalid_period", "en", detail=detail_en)
        )


class UnknownVersionError(WelfareDataError):
    """A unit version other than the ones the database knows."""

    def __init__(self, version: str) -> None:
        self.version = version
        super().__init__(
            T("unknown_version", "vi", version=version), T("unknown_version", "en", version=version)
        )


class UnknownAreaError(WelfareDataError):
    """A province or district code that is above no commune of the chosen unit version."""

    def __init__(self, code: str, version: str) -> None:
        self.code = code
        super().__init__(
            T("unknown_area", "vi", code=code, version=version),
            T("unknown_area", "en", code=code, version=version),
        )


class OutOfScopeError(WelfareDataError):
    """A request for communes the signed-in user may not see."""

    def __init__(self, codes: list[str]) -> None:
        joined = ", ".join(codes)
        super().__init__(
            T("out_of_scope", "vi", codes=joined), T("out_of_scope", "en", codes=joined)
        )


class DatabaseURLError(WelfareDataError):
    """A database URL that cannot be parsed or names an unsupported engine."""

    def __init__(self, shown_url: str, reason: str) -> None:
        self.shown_url = shown_url
        super().__init__(
            T("database_url", "vi", url=shown_url, reason=reason),
            T("database_url", "en", url=shown_url, reason=reason),
        )


class DatabaseUnavailableError(WelfareDataError):
    """A database that cannot be reached or opened.

    ``last_good``: when it last answered (UTC), if it ever did in this process; the dashboard
    tells its users how old the figures they still see are.
    """

    def __init__(self, shown_url: str, reason: str, last_good: datetime | None = None) -> None:
        self.shown_url = shown_url
        self.last_good = last_good
        super().__init__(
            T("database_unavailable", "vi", url=shown_url, reason=reason),
            T("database_unavailable", "en", url=shown_url, reason=reason),
        )


# What a database driver says when a value does not fit (SQLite's SUM beyond 64 bits raises an
# OperationalError, not a DataError).
_OVERFLOW_WORDS = ("overflow", "out of range")


def is_bad_value(error: BaseException) -> bool:
    """Whether ``error`` comes from a value in the data rather than from the code: a number too
    large for its type, a date that does not exist, a sum the database cannot hold. The data
    layer's own bilingual errors are not (the page handles them); nor is a lost connection."""
    if isinstance(error, WelfareDataError):
        return False
    if isinstance(error, ValueError | ArithmeticError):  # OverflowError, InvalidOperation, ...
        return True
    if isinstance(error, sa.exc.DataError):
        return True
    if isinstance(error, sa.exc.DBAPIError) and not error.connection_invalidated:
        message = str(error.orig).lower()
        return any(word in message for word in _OVERFLOW_WORDS)
    return False
