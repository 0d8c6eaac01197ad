"""The briefing as a Word report laid out like a Vietnamese administrative document.

Decree 30/2020/NĐ-CP, Appendix I: A4 portrait, margins 20–25 mm top and bottom, 30–35 mm left,
15–20 mm right; Times New Roman; a borderless two-column header with the issuing body on the
left (its name in bold capitals with a short rule under it, then "Số: …/BC-…") and the national
motto on the right (with a rule under "Độc lập - Tự do - Hạnh phúc", then the italic
place-and-date line); the kind of document ("BÁO CÁO") and its subject centred in bold;
numbered sections (I., II., 1., 2.); "Nơi nhận:" and the signature block at the end; page
numbers centred at the top from page 2.

Who issues it (``reports.letterhead``) is data, chosen by the unit and period the report
covers: a commune head's report is its commune's People's Committee's ("UBND XÃ QUẢNG TÂN",
"Số: …/BC-UBND", "Quảng Tân, ngày …", "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"); an area-wide report
is the body the ``organisation`` table names for the area's unit then.

The document is dated ``report_date`` — by default the day it is produced, as a signed report
carries the date it is signed; the body states separately the date the data runs to.

Charts are rendered to PNG without a browser by vl-convert (``vegalite_to_png``).
"""

from __future__ import annotations

import io
from datetime import date

import vl_convert
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from charts.formatting import fmt_date, fmt_date_formal, roman
from i18n import Catalog, choose

from .briefing.layout import headline_rows, section_chart, table_rows
from .briefing.model import Briefing, Section, Table
from .briefing.names import area_name
from .letterhead import Letterhead, letterhead
from .suppression import PRIMARY, SECONDARY, THRESHOLD

FONT = "Times New Roman"
BODY_PT = 14  # Decree 30: body text 13–14 pt
HEADER_PT = 13  # issuing body and motto lines: 12–13 pt (motto 13–14 pt)
TABLE_PT = 13  # tables stay within 13–14 pt; wide tables get fewer columns instead
RECIPIENTS_PT = 12  # "Nơi nhận:" 12 pt (the Decree's own size for that block)
RECIPIENT_LIST_PT = 11  # and 11 pt for its list
CHART_WIDTH_CM = 15.5  # the text width between the Decree's margins (21 − 3 − 2 cm), less a hair
CHART_PX = 430  # chart width in CSS pixels: at 15,5 cm its 11 px labels print at about 8 pt
CHART_SCALE = 3  # vl-convert renders at 3× so the image stays sharp at 300 dpi

# The columns each domain table prints in Word (A4 portrait fits about eight at 13 pt); the
# Excel annex has every column.
WORD_COLUMNS = {
    "coverage": [
        "elderly",
        "f1",
        "health_visits",
        "special_cases",
        "f3",
        "at_risk_cases",
        "f4",
    ],
    "housing": ["new_builds", "repairs", "grant_amount"],
    "training": ["job_fairs", "recruitment_events", "classes", "learners"],
    "payouts": ["beneficiaries", "paid_amount"],
}

T = Catalog(
    "reports.docx_report",
    {
        "nation": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIETNAM"),
        "motto": ("Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"),
        "kind": ("BÁO CÁO", "REPORT"),
        "s1": ("KẾT QUẢ CÁC CHỈ TIÊU CHỦ YẾU", "KEY INDICATORS"),
        "s2": ("KẾT QUẢ THEO LĨNH VỰC", "RESULTS BY AREA"),
        "s4": ("GHI CHÚ VỀ SỐ LIỆU", "NOTES ON THE DATA"),
        "table": (
            "Bảng {n}. {title} ({where}, {period})",
            "Table {n}. {title} ({where}, {period})",
        ),
        "lag_line": ("{label} ({rule}): {communes}.", "{label} ({rule}): {communes}."),
        "as_of": (
            "Số liệu tổng hợp từ cơ sở dữ liệu an sinh xã hội {area}, tính đến ngày {date}; "
            "mọi số liệu được tính từ hồ sơ của từng đối tượng, không nhập tay.",
            "Figures are computed from the record-level welfare database of {area}, with data "
            "to {date}; none is typed in by hand.",
        ),
        "partial": (
            "{period} chưa kết thúc: số liệu của kỳ và các so sánh chỉ tính đến {date}; so với "
            "kỳ trước là so với cùng số tháng của kỳ trước.",
            "{period} is not over: its figures and comparisons run to {date}; the previous "
            "quarter is compared over the same number of months.",
        ),
        "scope": ("Phạm vi số liệu: {scope}.", "Scope of the figures: {scope}."),
        "public": (
            "Bản công khai: số đếm người, hộ từ 1 đến {t1} được ghi «{primary}»; ô «{secondary}» "
            "được ẩn để không suy ra được các ô nhỏ từ tổng hoặc hiệu số. Kinh phí hỗ trợ nhà ở "
            "từng xã không công bố vì có thể suy ra số hộ.",
            "Public version: counts of 1 to {t1} people or households read «{primary}»; cells "
            "marked «{secondary}» are hidden so that small cells cannot be worked out from totals "
            "or differences. Housing money per commune is withheld (it reveals household counts).",
        ),
        "demo": (
            "Dữ liệu mẫu: số liệu minh họa, không phải hồ sơ thật của người dân.",
            "Demo data: illustrative figures, not real people's records.",
        ),
        "recipients": ("Nơi nhận:", "Distribution:"),
        "signature": ("(Ký, ghi rõ họ tên)", "(Signature and full name)"),
    },
)


# --- low-level helpers ------------------------------------------------------------------------


def _font(run_or_style: object, size: float | None = None) -> None:
    """Times New Roman for every script (ASCII, high ANSI, East Asian, complex) of a run/style."""
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = FONT
    if size is not None:
        font.size = Pt(size)
    element = run_or_style.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)


def _text(
    paragraph: Paragraph,
    text: str,
    size: float = BODY_PT,
    *,
    bold: bool = False,
    italic: bool = False,
) -> None:
    run = paragraph.add_run(text)
    _font(run, size)
    run.bold = bold
    run.italic = italic


def _paragraph(
    container: object,
    text: str = "",
    size: float = BODY_PT,
    *,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent: bool = False,
    before: float = 0,
    after: float = 6,
) -> Paragraph:
    """A paragraph with one run; ``indent`` gives the body's 1 cm first-line indent."""
    paragraph = container.add_paragraph()  # type: ignore[attr-defined]
    fmt = paragraph.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing = 1.15
    if indent:
        fmt.first_line_indent = Cm(1)
    if text:
        _text(paragraph, text, size, bold=bold, italic=italic)
    return paragraph


def _cell_paragraph(cell: _Cell) -> Paragraph:
    """The cell's first (empty) paragraph, ready for text."""
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.space_before = Pt(0)
    return paragraph


def _short_rule(cell: _Cell, cell_width_cm: float, rule_cm: float) -> None:
    """A short centred horizontal line (the rule under the issuing body and under the motto)."""
    paragraph = cell.add_paragraph()
    fmt = paragraph.paragraph_format
    side = max(0.0, (cell_width_cm - rule_cm) / 2)
    fmt.left_indent, fmt.right_indent = Cm(side), Cm(side)
    fmt.space_before, fmt.space_after = Pt(0), Pt(4)
    fmt.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    paragraph._p.get_or_add_pPr().append(borders)


def _no_borders(table: object) -> None:
    tbl_pr = table._tbl.tblPr  # type: ignore[attr-defined]
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def _repeat_header(row: object) -> None:
    """Repeat a table's header row on every page it runs over."""
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _widths(table: object, widths_cm: list[float], indent_cm: float = 0) -> None:
    """Fixed column widths, written to the grid too (LibreOffice reads only the grid)."""
    tbl = table._tbl  # type: ignore[attr-defined]
    for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths_cm, strict=True):
        col.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in table.rows:  # type: ignore[attr-defined]
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)
    tbl_pr = tbl.tblPr
    for tag, attrs in (
        ("w:tblW", {"w:w": str(int(Cm(sum(widths_cm)).twips)), "w:type": "dxa"}),
        ("w:tblLayout", {"w:type": "fixed"}),
        ("w:tblInd", {"w:w": str(int(Cm(indent_cm).twips)), "w:type": "dxa"}),
    ):
        element = tbl_pr.find(qn(tag))
        if element is None:
            element = OxmlElement(tag)
            tbl_pr.append(element)
        for key, value in attrs.items():
            element.set(qn(key), value)


def _page_number_header(section: object) -> None:
    """Page numbers centred at the top, from the second page (Decree 30)."""
    section.different_first_page_header_footer = True  # type: ignore[attr-defined]
    paragraph = section.header.paragraphs[0]  # type: ignore[attr-defined]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    _font(run, HEADER_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


# --- the document -----------------------------------------------------------------------------


def build_docx(briefing: Briefing, report_date: date | None = None) -> bytes:
    """The Word report of ``briefing`` as .docx bytes.

    :param report_date: the document's date (default: today, the day it is produced).
    """
    lang = briefing.lang
    when = report_date or date.today()
    issuer = letterhead(briefing)
    document = Document()
    _setup(document)
    _header(document, issuer, lang, when)
    _title(document, briefing)
    _intro(document, briefing)

    _heading(document, f"{roman(1)}. {T('s1', lang)}")
    _headline_table(document, briefing)

    _heading(document, f"{roman(2)}. {T('s2', lang)}")
    for number, section in enumerate(briefing.sections, start=1):
        _domain(document, briefing, section, number)

    _heading(document, f"{roman(3)}. {issuer.attention}")
    _lagging(document, briefing, issuer)

    _heading(document, f"{roman(4)}. {T('s4', lang)}")
    _notes(document, briefing)

    _signature(document, issuer, lang)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _setup(document: object) -> None:
    section = document.sections[0]  # type: ignore[attr-defined]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    _page_number_header(section)
    styles = document.styles  # type: ignore[attr-defined]
    for name in ("Normal", "Table Grid"):
        _font(styles[name], BODY_PT if name == "Normal" else TABLE_PT)
    # Document defaults too, so that any text without a style still renders in Times New Roman.
    defaults = document.element.find(qn("w:docDefaults"))  # type: ignore[attr-defined]
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attribute), FONT)
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(theme), None)


def _header(document: object, issuer: Letterhead, lang: str, when: date) -> None:
    # Wider than the text block, as printed headers are: the motto line fits on one line.
    left_cm, right_cm = 7.0, 10.0
    table = document.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    _no_borders(table)
    table.autofit = False
    _widths(table, [left_cm, right_cm], indent_cm=-0.8)
    left, right = table.rows[0].cells
    for cell, lines in (
        (left, [*([(issuer.parent, False)] if issuer.parent else []), (issuer.body, True)]),
        (right, [(T("nation", lang), True), (T("motto", lang), True)]),
    ):
        first = True
        for text, bold in lines:
            paragraph = _cell_paragraph(cell) if first else cell.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.space_after = Pt(0)
            size = BODY_PT if text == T("motto", lang) else HEADER_PT
            _text(paragraph, text, size, bold=bold)
            first = False
    _short_rule(left, left_cm, 2.4)
    _short_rule(right, right_cm, 5.6)
    number = left.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _text(number, issuer.number, HEADER_PT)
    dated = right.add_paragraph()
    dated.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # The Decree's formal date in Vietnamese ("Quảng Tân, ngày 05 tháng 12 năm 2023").
    place = issuer.place
    place_date = choose(lang, fmt_date_formal(when, place), f"{place}, {fmt_date(when, lang)}")
    _text(dated, place_date, BODY_PT, italic=True)


def _title(document: object, briefing: Briefing) -> None:
    lang = briefing.lang
    _paragraph(
        document,
        T("kind", lang),
        BODY_PT,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        before=18,
        after=0,
    )
    subject = _paragraph(
        document,
        briefing.title,
        BODY_PT,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=0,
    )
    subject.paragraph_format.keep_with_next = True
    width = 15.5
    cell_like = document.add_table(rows=1, cols=1)  # type: ignore[attr-defined]
    _no_borders(cell_like)
    _widths(cell_like, [width])
    _short_rule(cell_like.rows[0].cells[0], width, 4.0)


def _intro(document: object, briefing: Briefing) -> None:
    lang = briefing.lang
    as_of = fmt_date(briefing.as_of, lang)
    _paragraph(
        document,
        T("as_of", lang, date=as_of, area=area_name(briefing.area, lang)),
        indent=True,
        before=6,
    )


def _heading(document: object, text: str) -> None:
    paragraph = _paragraph(document, text, BODY_PT, bold=True, before=12, after=6)
    paragraph.paragraph_format.keep_with_next = True


def _subheading(document: object, text: str) -> None:
    paragraph = _paragraph(document, text, BODY_PT, bold=True, before=6, after=6, indent=True)
    paragraph.paragraph_format.keep_with_next = True


def _table(
    document: object,
    header: list[str],
    rows: list[list[str]],
    widths: list[float],
    *,
    total_row: bool = False,
) -> None:
    """A bordered table: bold header (repeated across pages), numbers right-aligned.

    ``total_row``: the last row is a total, printed in bold.
    """
    table = document.add_table(rows=1 + len(rows), cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _repeat_header(table.rows[0])
    for col, text in enumerate(header):
        paragraph = _cell_paragraph(table.rows[0].cells[col])
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _text(paragraph, text, TABLE_PT, bold=True)
    for r, values in enumerate(rows, start=1):
        bold = total_row and r == len(rows)
        for col, text in enumerate(values):
            paragraph = _cell_paragraph(table.rows[r].cells[col])
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if col == 0 else WD_ALIGN_PARAGRAPH.RIGHT
            _text(paragraph, text, TABLE_PT, bold=bold)
    _widths(table, widths)
    _paragraph(document, "", after=0)


def _headline_table(document: object, briefing: Briefing) -> None:
    header, rows = headline_rows(briefing)
    _table(document, header, rows, [4.2, 1.6, 2.0, 2.0, 2.0, 1.9, 2.3])


def _domain(document: object, briefing: Briefing, section: Section, number: int) -> None:
    lang = briefing.lang
    _subheading(document, f"{number}. {section.title}")
    _paragraph(document, section.summary, indent=True)
    chart = section_chart(briefing, section.domain)
    if chart is not None:
        png = vl_convert.vegalite_to_png(
            chart.properties(width=CHART_PX).to_json(), scale=CHART_SCALE
        )
        picture = _paragraph(document, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
        picture.add_run().add_picture(io.BytesIO(png), width=Cm(CHART_WIDTH_CM))
        picture.paragraph_format.keep_with_next = True
    caption = T(
        "table",
        lang,
        n=number,
        title=section.title,
        where=briefing.where,
        period=briefing.report.label(lang),
    )
    _paragraph(document, caption, BODY_PT, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=3)
    _domain_table(document, section.table, lang)


def _domain_table(document: object, table: Table, lang: str) -> None:
    header, rows = table_rows(table, lang, WORD_COLUMNS[table.domain])
    name_cm = 3.6
    rest = (16.0 - name_cm) / max(1, len(header) - 1)
    _table(document, header, rows, [name_cm, *([rest] * (len(header) - 1))], total_row=True)


def _lagging(document: object, briefing: Briefing, issuer: Letterhead) -> None:
    """What lags; a commune's own report names the indicators only (it is about itself)."""
    lang = briefing.lang
    lags = [lag for section in briefing.sections for lag in section.lags]
    if not lags:
        _paragraph(document, issuer.no_attention, indent=True)
        return
    for lag in lags:
        if issuer.by_commune:
            communes = "; ".join(detail for _, detail in lag.communes)
        else:
            communes = "; ".join(f"{name}: {detail}" for name, detail in lag.communes)
        line = T("lag_line", lang, label=lag.label, rule=lag.rule_label.lower(), communes=communes)
        _paragraph(document, f"- {line}", indent=True)


def _notes(document: object, briefing: Briefing) -> None:
    lang, report = briefing.lang, briefing.report
    notes = [T("scope", lang, scope=briefing.coverage)]
    if report.partial:
        notes.append(
            T("partial", lang, period=report.label(lang), date=fmt_date(briefing.as_of, lang))
        )
    if briefing.public:
        notes.append(T("public", lang, t1=THRESHOLD - 1, primary=PRIMARY, secondary=SECONDARY))
    if briefing.is_demo:
        notes.append(T("demo", lang))
    for note in notes:
        _paragraph(document, f"- {note}", indent=True)


def _signature(document: object, issuer: Letterhead, lang: str) -> None:
    _paragraph(document, "", after=6)
    table = document.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    _no_borders(table)
    table.autofit = False
    _widths(table, [7.5, 8.5])
    left, right = table.rows[0].cells
    heading = _cell_paragraph(left)
    _text(heading, T("recipients", lang), RECIPIENTS_PT, bold=True, italic=True)
    for line in issuer.recipients:
        paragraph = left.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        _text(paragraph, line, RECIPIENT_LIST_PT)
    for number, line in enumerate(issuer.signer):
        signer = _cell_paragraph(right) if number == 0 else right.add_paragraph()
        signer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        signer.paragraph_format.space_after = Pt(0)
        _text(signer, line, BODY_PT, bold=True)
    note = right.add_paragraph()
    note.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _text(note, T("signature", lang), BODY_PT, italic=True)
