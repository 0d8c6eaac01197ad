"""The quarterly briefing downloads as a Word file from a tablet, and its view is a link."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import docx
import pytest

from tests.browser.dashboard import Dashboard

pytestmark = pytest.mark.browser

WORD_BUTTON = re.compile(r"Word|\.docx", re.IGNORECASE)


def test_the_briefing_downloads_as_a_word_file(dashboard: Dashboard) -> None:
    dashboard.open("/bao-cao-quy")
    button = dashboard.page.get_by_role("button", name=WORD_BUTTON).first
    downloaded = dashboard.download(button)
    assert downloaded.name.endswith(".docx")
    with zipfile.ZipFile(io.BytesIO(downloaded.content)) as docx_zip:  # a .docx is a zip
        body = docx_zip.read("word/document.xml").decode("utf-8")
    assert "Đầm Hà" in body


def test_a_briefing_view_shared_as_a_link_opens_and_downloads_the_same(
    new_dashboard: Callable[[], Dashboard],
) -> None:
    sender = new_dashboard().open("/bao-cao-quy?ky=2023-Q2")
    sender.tap(sender.page.get_by_text("Bản công khai", exact=True))
    sender.wait_for_url_param("ban", "cong-khai")
    assert sender.params["ky"] == "2023-Q2"
    link = sender.page.url.removeprefix(sender.base_url)

    reader = new_dashboard().open(link)  # someone else opens the link
    assert reader.page.get_by_role("switch", name="Bản công khai").is_checked()
    assert reader.page.get_by_text(re.compile(r"Quý II/2023 .*bản công khai")).count() >= 1
    downloaded = reader.download(reader.page.get_by_role("button", name=WORD_BUTTON).first)
    assert downloaded.name == "bao-cao-2023-Q2-cong-khai.docx"
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(downloaded.content)).paragraphs)
    assert "Kết quả thực hiện công tác an sinh xã hội Quý II/2023" in text
    assert "Bản công khai" in text
