"""Who a briefing's documents say they come from, and whom they are about.

A document filed with the party committee names the unit that issues it and the units its
figures cover, never the account that made it; a commune head's report is issued by that
commune's People's Committee, laid out as Decree 30/2020 asks, from the unit's name and kind
as ``admin_unit`` records them; an area-wide report by the body the ``organisation`` table
gives for the unit and period it covers. Documents are built from the demo database (SQLite
and PostgreSQL) and read back with python-docx and openpyxl.
"""

from __future__ import annotations

import io
import re
from datetime import date

import docx
import openpyxl
import pytest
from sqlalchemy.engine import Engine

from auth.store import DEMO_USERS, User
from data_access.filters import VERSION_2025, Filters, Period, Scope
from reports.briefing import build_briefing
from reports.briefing.model import Briefing
from reports.briefing.names import in_sentence, kind_word, place_name
from reports.docx_report import build_docx
from reports.xlsx_annex import build_xlsx

Q3 = Period.quarter(2023, 3)
SIGNED = date(2023, 12, 5)
DISTRICT_OFFICE = "Phòng Lao động - Thương binh và Xã hội huyện Đầm Hà"


def _briefing(engine: Engine, scope: Scope, filters: Filters | None = None) -> Briefing:
    with engine.connect() as conn:
        return build_briefing(conn, filters or Filters(Q3), scope)


def _docx(briefing: Briefing) -> docx.document.Document:
    return docx.Document(io.BytesIO(build_docx(briefing, SIGNED)))


def _docx_lines(document) -> list[str]:  # type: ignore[no-untyped-def]
    """Every paragraph of the body, of every table cell and of the page header."""
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    for section in document.sections:
        for part in (section.header, section.first_page_header, section.footer):
            lines += [p.text for p in part.paragraphs]
    return lines


def _xlsx_cells(briefing: Briefing) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(build_xlsx(briefing, SIGNED)))
    return [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value]


def _info(briefing: Briefing) -> dict[str, object]:
    book = openpyxl.load_workbook(io.BytesIO(build_xlsx(briefing, SIGNED)))
    return {row[0]: row[1] for row in book["Thông tin"].iter_rows(values_only=True)}


def _header(document) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    left, right = document.tables[0].rows[0].cells
    return [p.text for p in left.paragraphs if p.text], [p.text for p in right.paragraphs if p.text]


def _signature(document) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    left, right = document.tables[-1].rows[0].cells
    return [p.text for p in left.paragraphs], [p.text for p in right.paragraphs]


# --- the account is never printed; the scope names the unit (defect 4) -----------------------

ACCOUNTS = {username: (role, commune) for username, _, role, _, commune in DEMO_USERS}
SCOPE_LINES = {
    "lanhdao": ("Toàn huyện Đầm Hà (9 xã, thị trấn)", "Toàn huyện Đầm Hà"),
    "quangtan": ("Xã Quảng Tân", "Xã Quảng Tân"),
    "xem": ("Toàn huyện Đầm Hà (9 xã, thị trấn)", "Toàn huyện Đầm Hà"),
}


@pytest.mark.parametrize("username", sorted(ACCOUNTS))
def test_documents_name_the_unit_never_the_account_that_made_them(
    engine: Engine, username: str
) -> None:
    role, commune = ACCOUNTS[username]
    scope = User(username, "Tên hiển thị", role, commune).scope()
    assert scope.label == username  # the sign-in hands the account name along
    briefing = _briefing(engine, scope)
    document = _docx(briefing)
    lines, cells = _docx_lines(document), _xlsx_cells(briefing)
    account = re.compile(rf"\b{re.escape(username)}\b", re.IGNORECASE)
    assert not [line for line in lines if account.search(line)], username
    assert not [cell for cell in cells if account.search(cell)], username
    covered, visible = SCOPE_LINES[username]
    assert f"- Phạm vi số liệu: {covered}." in lines
    info = _info(briefing)
    assert info["Xã, thị trấn trong báo cáo"] == covered
    assert info["Phạm vi truy cập số liệu"] == visible


# --- a commune's report is its People's Committee's (defect 5) --------------------------------


@pytest.fixture(scope="module")
def quang_tan(engine: Engine) -> Briefing:
    return _briefing(engine, Scope.commune("06913"))


def test_a_commune_heads_report_is_issued_by_the_communes_peoples_committee(quang_tan) -> None:
    document = _docx(quang_tan)
    left, right = _header(document)
    assert left == ["UBND XÃ QUẢNG TÂN", "Số:      /BC-UBND"]
    assert all(run.bold for run in document.tables[0].rows[0].cells[0].paragraphs[0].runs)
    assert right == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Quảng Tân, ngày 05 tháng 12 năm 2023",
    ]
    recipients, signer = _signature(document)
    assert recipients == [
        "Nơi nhận:",
        "- UBND huyện Đầm Hà;",
        "- Phòng Lao động - Thương binh và Xã hội huyện Đầm Hà;",
        "- Thường trực Đảng ủy, HĐND xã;",
        "- Lưu: VT.",
    ]
    assert signer == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "(Ký, ghi rõ họ tên)"]
    text = "\n".join(_docx_lines(document))
    assert "III. CÁC CHỈ TIÊU CẦN TẬP TRUNG CHỈ ĐẠO" in text
    for district_only in ("UBND HUYỆN", "PHÒNG LAO ĐỘNG", "BC-LĐTBXH", "TRƯỞNG PHÒNG", "CÁC XÃ,"):
        assert district_only not in text, district_only
    assert _info(quang_tan)["Đơn vị báo cáo"] == "UBND xã Quảng Tân"


def test_inside_a_sentence_the_communes_kind_is_lower_case(quang_tan) -> None:
    text = "\n".join(p.text for p in _docx(quang_tan).paragraphs)
    assert "Kết quả thực hiện công tác an sinh xã hội Quý III/2023 của xã Quảng Tân" in text
    assert "Quý III/2023, xã Quảng Tân chi trả" in text
    # Capitalised only where a sentence, a list item or a bracket starts.
    mid_sentence = re.findall(r"[\w,;] Xã Quảng Tân", text)
    assert mid_sentence == [], mid_sentence


def test_the_district_report_keeps_the_district_offices_letterhead(engine: Engine) -> None:
    document = _docx(_briefing(engine, Scope.everything(persons=True)))
    left, right = _header(document)
    assert left == [
        "UBND HUYỆN ĐẦM HÀ",
        "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
        "Số:      /BC-LĐTBXH",
    ]
    assert right[-1] == "Đầm Hà, ngày 05 tháng 12 năm 2023"
    recipients, signer = _signature(document)
    assert recipients == [
        "Nơi nhận:",
        "- Thường trực Huyện ủy;",
        "- Thường trực HĐND, UBND huyện;",
        "- Lưu: VT, LĐTBXH.",
    ]
    assert signer == ["TRƯỞNG PHÒNG", "(Ký, ghi rõ họ tên)"]
    assert "III. CÁC XÃ, THỊ TRẤN CẦN TẬP TRUNG CHỈ ĐẠO" in "\n".join(_docx_lines(document))


def test_a_district_report_on_one_commune_is_the_districts_and_is_sent_to_it(engine) -> None:
    briefing = _briefing(engine, Scope.everything(persons=True), Filters(Q3, ("06913",)))
    document = _docx(briefing)
    assert _header(document)[0][:2] == [
        "UBND HUYỆN ĐẦM HÀ",
        "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
    ]
    assert "- UBND xã Quảng Tân;" in _signature(document)[0]
    assert _info(briefing)["Đơn vị báo cáo"] == DISTRICT_OFFICE


def test_the_issuer_comes_from_the_units_name_and_kind_not_from_one_commune(engine) -> None:
    town = _docx(_briefing(engine, Scope.commune("06895")))  # Thị trấn Đầm Hà, kind thi_tran
    left, right = _header(town)
    assert left[0] == "UBND THỊ TRẤN ĐẦM HÀ" and right[-1].startswith("Đầm Hà, ngày 05 tháng 12")
    assert "- Thường trực Đảng ủy, HĐND thị trấn;" in _signature(town)[0]
    # Under the 2025 units the district is gone: the new commune reports to the province.
    head_2025 = Scope.commune("06913", version=VERSION_2025)  # the new Xã Quảng Tân's head
    merged = _briefing(engine, head_2025, Filters(Q3, (), VERSION_2025))
    recipients = _signature(_docx(merged))[0]
    assert _header(_docx(merged))[0][0] == "UBND XÃ QUẢNG TÂN"
    assert "- UBND tỉnh Quảng Ninh;" in recipients
    assert not any("Lao động - Thương binh" in line for line in recipients)


@pytest.mark.parametrize(
    ("name", "place", "kind", "inside"),
    [
        ("Xã Quảng Tân", "Quảng Tân", "xã", "xã Quảng Tân"),
        ("Thị trấn Đầm Hà", "Đầm Hà", "thị trấn", "thị trấn Đầm Hà"),
        ("Phường 1", "Phường 1", "phường", "phường 1"),  # a numbered unit keeps its kind
    ],
)
def test_unit_names_are_written_as_documents_write_them(name, place, kind, inside) -> None:
    assert place_name(name) == place
    assert kind_word(name, "vi") == kind
    assert in_sentence(name, "vi") == inside and in_sentence(name, "en") == name


# --- the letterhead follows the unit and the period the report covers (issue 14 §3) -----------

Q1_2026 = Period.quarter(2026, 1)
SIGNED_2026 = date(2026, 4, 6)


def _letterhead_of(briefing: Briefing, signed: date) -> dict[str, list[str]]:
    """The letterhead read back from the .docx: issuing body, number, date line, signature."""
    document = docx.Document(io.BytesIO(build_docx(briefing, signed)))
    left, right = _header(document)
    recipients, signer = _signature(document)
    return {
        "body": left[:-1],
        "number": left[-1:],
        "date_line": right[-1:],
        "signer": signer[:-1],
        "recipients": recipients[1:],
    }


def test_a_2023_district_report_is_the_district_offices(engine: Engine) -> None:
    head = _letterhead_of(_briefing(engine, Scope.everything(persons=True)), SIGNED)
    assert head == {
        "body": ["UBND HUYỆN ĐẦM HÀ", "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"],
        "number": ["Số:      /BC-LĐTBXH"],
        "date_line": ["Đầm Hà, ngày 05 tháng 12 năm 2023"],
        "signer": ["TRƯỞNG PHÒNG"],
        "recipients": [
            "- Thường trực Huyện ủy;",
            "- Thường trực HĐND, UBND huyện;",
            "- Lưu: VT, LĐTBXH.",
        ],
    }


def test_a_2023_commune_report_is_its_peoples_committees(engine: Engine) -> None:
    head = _letterhead_of(_briefing(engine, Scope.commune("06901")), SIGNED)  # Xã Quảng An
    assert head == {
        "body": ["UBND XÃ QUẢNG AN"],
        "number": ["Số:      /BC-UBND"],
        "date_line": ["Quảng An, ngày 05 tháng 12 năm 2023"],
        "signer": ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        "recipients": [
            "- UBND huyện Đầm Hà;",
            "- Phòng Lao động - Thương binh và Xã hội huyện Đầm Hà;",
            "- Thường trực Đảng ủy, HĐND xã;",
            "- Lưu: VT.",
        ],
    }


def test_a_new_communes_2026_report_is_that_communes(engine: Engine) -> None:
    filters = Filters(Q1_2026, (), VERSION_2025)
    briefing = _briefing(engine, Scope.commune("06913", version=VERSION_2025), filters)
    assert briefing.issuing.unit is not None and briefing.issuing.unit.valid_from == date(
        2025, 7, 1
    )  # the new Xã Quảng Tân, not the 2023 one of the same code
    head = _letterhead_of(briefing, SIGNED_2026)
    assert head == {
        "body": ["UBND XÃ QUẢNG TÂN"],
        "number": ["Số:      /BC-UBND"],
        "date_line": ["Quảng Tân, ngày 06 tháng 4 năm 2026"],
        "signer": ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        "recipients": [
            "- UBND tỉnh Quảng Ninh;",  # no district any more (DOMAIN.md §6)
            "- Sở Y tế tỉnh Quảng Ninh;",  # the province's body in the data from 1/7/2025 [G]
            "- Thường trực Đảng ủy, HĐND xã;",
            "- Lưu: VT.",
        ],
    }
    text = "\n".join(_docx_lines(docx.Document(io.BytesIO(build_docx(briefing, SIGNED_2026)))))
    assert "HUYỆN" not in text and "Phòng Lao động" not in text


def test_an_area_report_for_2026_is_the_body_the_data_gives(engine: Engine) -> None:
    briefing = _briefing(engine, Scope.everything(), Filters(Q1_2026, (), VERSION_2025))
    head = _letterhead_of(briefing, SIGNED_2026)
    assert head == {
        "body": ["UBND TỈNH QUẢNG NINH", "SỞ Y TẾ"],
        "number": ["Số:      /BC-SYT"],
        "date_line": ["Quảng Ninh, ngày 06 tháng 4 năm 2026"],
        "signer": ["GIÁM ĐỐC"],
        "recipients": ["- UBND tỉnh (để báo cáo);", "- UBND các xã;", "- Lưu: VT, BTXH."],
    }
    # The whole area is named as the data names it, in the tables' total rows too.
    assert briefing.where == "Địa bàn huyện Đầm Hà (cũ)"
    assert briefing.sections[0].table.total.name == "Địa bàn huyện Đầm Hà (cũ)"
    with engine.connect() as conn:
        english = build_briefing(
            conn, Filters(Q1_2026, (), VERSION_2025), Scope.everything(), lang="en"
        )
    assert english.where == "Former Đầm Hà district area"
    head = _letterhead_of(english, SIGNED_2026)
    assert head["body"] == ["QUẢNG NINH PROVINCIAL PEOPLE'S COMMITTEE", "DEPARTMENT OF HEALTH"]
    assert head["number"] == ["No.:      /BC-SYT"] and head["signer"] == ["DIRECTOR"]
    assert head["date_line"] == ["Quảng Ninh, 6 Apr 2026"]


def test_a_2023_commune_heads_report_is_their_old_communes_in_either_units(engine) -> None:
    """The head of the old Xã Quảng Tân (an account of the 2023 units) reports as that commune,
    with the district above it, whichever units the figures are read in."""
    for version in ("2023", VERSION_2025):
        briefing = _briefing(engine, Scope.commune("06913"), Filters(Q3, (), version))
        assert briefing.issuing.unit is not None
        assert briefing.issuing.unit.valid_to == date(2025, 6, 30)
        head = _letterhead_of(briefing, SIGNED)
        assert head["body"] == ["UBND XÃ QUẢNG TÂN"]
        assert head["recipients"][:2] == [
            "- UBND huyện Đầm Hà;",
            "- Phòng Lao động - Thương binh và Xã hội huyện Đầm Hà;",
        ]


def test_the_new_communes_head_reports_on_2023_as_the_new_commune(engine) -> None:
    """Its four predecessors' 2023, read in the 2023 units, is still reported by the commune
    that exists: the new Xã Quảng Tân, to the province."""
    head_2025 = Scope.commune("06913", version=VERSION_2025)
    briefing = _briefing(engine, head_2025, Filters(Q3, (), "2023"))
    assert briefing.issuing.unit is not None
    assert briefing.issuing.unit.valid_from == date(2025, 7, 1)
    head = _letterhead_of(briefing, SIGNED)
    assert head["body"] == ["UBND XÃ QUẢNG TÂN"]
    assert head["recipients"][0] == "- UBND tỉnh Quảng Ninh;"
