"""Errors the data layer raises for bad input: each names the bad value, in Vietnamese and English.

The app shows ``message(lang)`` as a short notice; it never shows a traceback for these.
"""

from __future__ import annotations


class WelfareDataError(Exception):
    """Base class: a problem a user can understand and fix, with a bilingual message."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en

    def message(self, lang: str = "vi") -> str:
        """The message in the user's language."""
        return self.message_vi if lang == "vi" else self.message_en


class UnknownCommuneError(WelfareDataError):
    """A commune code that names no unit of the chosen unit version."""

    def __init__(self, code: str, version: str) -> None:
        self.code = code
        super().__init__(
            f"Không có xã, thị trấn mã «{code}» trong danh mục đơn vị hành chính {version}.",
            f"No commune with code '{code}' in the {version} list of administrative units.",
        )


class InvalidPeriodError(WelfareDataError):
    """A period whose end is before its start, or a month that does not exist."""

    def __init__(self, detail_vi: str, detail_en: str) -> None:
        super().__init__(f"Kỳ báo cáo không hợp lệ: {detail_vi}.", f"Invalid period: {detail_en}.")


class UnknownVersionError(WelfareDataError):
    """A unit version other than the ones the database knows."""

    def __init__(self, version: str) -> None:
        self.version = version
        super().__init__(
            f"Không có phiên bản đơn vị hành chính «{version}».",
            f"Unknown administrative-unit version '{version}'.",
        )


class OutOfScopeError(WelfareDataError):
    """A request for communes the signed-in user may not see."""

    def __init__(self, codes: list[str]) -> None:
        joined = ", ".join(codes)
        super().__init__(
            f"Tài khoản của bạn không được xem số liệu của: {joined}.",
            f"Your account may not see figures for: {joined}.",
        )


class DatabaseURLError(WelfareDataError):
    """A database URL that cannot be parsed or names an unsupported engine."""

    def __init__(self, shown_url: str, reason: str) -> None:
        self.shown_url = shown_url
        super().__init__(
            f"Địa chỉ cơ sở dữ liệu không hợp lệ: «{shown_url}» ({reason}).",
            f"Invalid database URL '{shown_url}' ({reason}).",
        )


class DatabaseUnavailableError(WelfareDataError):
    """A database that cannot be reached or opened."""

    def __init__(self, shown_url: str, reason: str) -> None:
        self.shown_url = shown_url
        super().__init__(
            f"Không kết nối được cơ sở dữ liệu «{shown_url}»: {reason}.",
            f"Cannot connect to the database '{shown_url}': {reason}.",
        )
