"""The quarterly briefing downloads as a Word file from a tablet."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from tests.browser.dashboard import Dashboard

pytestmark = pytest.mark.browser

WORD_BUTTON = re.compile(r"Word|\.docx", re.IGNORECASE)


def test_the_briefing_downloads_as_a_word_file(dashboard: Dashboard) -> None:
    dashboard.open("/bao-cao-quy")
    button = dashboard.page.get_by_role("button", name=WORD_BUTTON).first
    downloaded = dashboard.download(button)
    assert downloaded.name.endswith(".docx")
    with zipfile.ZipFile(io.BytesIO(downloaded.content)) as docx:  # a .docx is a zip
        body = docx.read("word/document.xml").decode("utf-8")
    assert "Đầm Hà" in body
