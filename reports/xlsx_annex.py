"""The briefing's Excel annex: the figures behind the report, as real numbers.

Sheets: "Thông tin" (what the annex is: period, communes, scope, data-as-of date, version),
one sheet per domain (a row per commune and a total row), and "Chỉ tiêu" (the headline
indicators with their comparisons). Every number is a numeric cell with a number format —
"#,##0" for counts and đồng, "0.0%" for percentages — so it can be summed and charted; a cell
suppressed in the public version holds its marker ("<5", "x") as text instead. Header rows are
bold and frozen.

Every text cell (commune names, titles, labels) is written as a string cell, never a formula,
whatever it starts with (``reports.spreadsheet``). The annex names the unit that issues the
report and the units its figures cover, never the account that made it.
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from charts.formatting import fmt_date
from data_access.filters import VERSION_2023, VERSION_2025
from i18n import Catalog

from .briefing.model import Briefing, Cell, Table
from .briefing.names import area_name
from .briefing.numbers import unit_label
from .letterhead import letterhead
from .spreadsheet import put_text
from .suppression import PRIMARY, SECONDARY, THRESHOLD

FORMATS = {"count": "#,##0", "money": "#,##0", "percent": "0.0%"}
DATE_FORMAT = "dd/mm/yyyy"
HEADER_FILL = PatternFill("solid", fgColor="DDE7EE")
BOLD = Font(bold=True)
# Each domain's sheet and each unit version, with the message naming it.
SHEETS = {
    "coverage": "sheet_coverage",
    "housing": "sheet_housing",
    "training": "sheet_training",
    "payouts": "sheet_payouts",
}
VERSIONS = {VERSION_2023: "version_2023", VERSION_2025: "version_2025"}

T = Catalog(
    "reports.xlsx_annex",
    {
        "sheet_coverage": ("Bao phủ", "Coverage"),
        "sheet_housing": ("Nhà ở", "Housing"),
        "sheet_training": ("Đào tạo - Việc làm", "Training & jobs"),
        "sheet_payouts": ("Chi trả trợ cấp", "Payouts"),
        "info": ("Thông tin", "About"),
        "indicators": ("Chỉ tiêu", "Indicators"),
        "annex": ("Phụ lục số liệu", "Data annex"),
        "report": ("Báo cáo", "Report"),
        "period": ("Kỳ báo cáo", "Period"),
        "months": ("Các tháng có số liệu", "Months with data"),
        "issuer": ("Đơn vị báo cáo", "Reporting body"),
        "communes": ("Xã, thị trấn trong báo cáo", "Communes in the report"),
        "scope": ("Phạm vi truy cập số liệu", "Data access scope"),
        "version": ("Danh mục đơn vị hành chính", "Administrative units"),
        "as_of": ("Số liệu đến ngày", "Data as of"),
        "version_2023": (
            "Đơn vị hành chính trước 1/7/2025 (cấp huyện, cấp xã)",
            "Units before 1/7/2025 (districts and communes)",
        ),
        "version_2025": (
            "Đơn vị hành chính từ 1/7/2025 (chính quyền địa phương hai cấp)",
            "Units from 1/7/2025 (two-level local government)",
        ),
        "made": ("Ngày lập", "Made on"),
        "edition": ("Phiên bản", "Edition"),
        "internal": ("Bản nội bộ (đầy đủ số liệu)", "Internal (all figures)"),
        "public": (
            "Bản công khai: số đếm người, hộ từ 1 đến {t1} ghi «{primary}»; ô «{secondary}» được "
            "ẩn để không suy ra được ô nhỏ từ tổng hoặc hiệu số",
            "Public: counts of 1 to {t1} people or households read «{primary}»; cells marked "
            "«{secondary}» are hidden so that small cells cannot be worked out",
        ),
        "source": ("Nguồn", "Source"),
        "source_db": (
            "Cơ sở dữ liệu an sinh xã hội {area} (tính từ hồ sơ từng đối tượng)",
            "Welfare database of {area} (computed from individual records)",
        ),
        "demo": (
            "Dữ liệu mẫu — số liệu minh họa, không phải hồ sơ thật",
            "Demo data — illustrative, not real records",
        ),
        "code": ("Mã xã", "Code"),
        "commune": ("Xã, thị trấn", "Commune"),
        "indicator": ("Chỉ tiêu", "Indicator"),
        "unit": ("Đơn vị", "Unit"),
        "value": ("Kỳ báo cáo", "This period"),
        "previous": ("Kỳ trước", "Previous period"),
        "last_year": ("Cùng kỳ năm trước", "Same period last year"),
        "target": ("Kế hoạch năm", "Annual target"),
        "ytd": ("Lũy kế từ đầu năm", "Year to date"),
        "share": ("% kế hoạch năm", "% of annual target"),
    },
)


def build_xlsx(briefing: Briefing, made_on: date | None = None) -> bytes:
    """The Excel annex of ``briefing`` as .xlsx bytes.

    :param made_on: the date stated as "Ngày lập" (default: today).
    """
    workbook = Workbook()
    info = workbook.active
    assert info is not None
    _info_sheet(info, briefing, made_on or date.today())
    for section in briefing.sections:
        sheet = workbook.create_sheet(T(SHEETS[section.domain], briefing.lang))
        _domain_sheet(sheet, briefing, section.table)
    _indicator_sheet(workbook.create_sheet(T("indicators", briefing.lang)), briefing)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _info_sheet(sheet: Worksheet, briefing: Briefing, made_on: date) -> None:
    lang, report = briefing.lang, briefing.report
    sheet.title = T("info", lang)
    period = report.period
    edition = (
        T("public", lang, t1=THRESHOLD - 1, primary=PRIMARY, secondary=SECONDARY)
        if briefing.public
        else T("internal", lang)
    )
    rows: list[tuple[str, object]] = [
        (T("report", lang), briefing.title),
        (T("period", lang), report.label(lang)),
        (
            T("months", lang),
            f"{fmt_date(period.start, lang)} – {fmt_date(period.end_date, lang)}",
        ),
        (T("issuer", lang), letterhead(briefing).name),
        (T("communes", lang), briefing.coverage),
        (T("scope", lang), briefing.scope_label),
        (T("version", lang), T(VERSIONS[briefing.version], lang)),
        (T("as_of", lang), briefing.as_of),
        (T("made", lang), made_on),
        (T("edition", lang), edition),
        (T("source", lang), T("source_db", lang, area=area_name(briefing.area, lang))),
    ]
    if briefing.is_demo:
        rows.append(("", T("demo", lang)))
    _title(sheet, T("annex", lang))
    put_text(sheet["B1"], briefing.title)
    sheet["B1"].font = Font(bold=True, size=13)
    for row, (label, value) in enumerate(rows, start=2):
        put_text(sheet.cell(row=row, column=1), label)
        sheet.cell(row=row, column=1).font = BOLD
        target = sheet.cell(row=row, column=2)
        if isinstance(value, date):
            target.value = value
            target.number_format = DATE_FORMAT
        else:
            put_text(target, value)
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 90
    for row in sheet.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")


def _title(sheet: Worksheet, text: str) -> None:
    """The sheet's first cell: its title, in bold."""
    put_text(sheet["A1"], text)
    sheet["A1"].font = Font(bold=True, size=13)


def _put(sheet: Worksheet, row: int, column: int, cell: Cell, unit: str) -> None:
    """A numeric cell with its number format; a suppressed cell holds its marker as text."""
    target = sheet.cell(row=row, column=column)
    if cell.marker is not None:
        put_text(target, cell.marker)
        target.alignment = Alignment(horizontal="right")
        return
    if cell.value is None:
        return
    target.value = round(cell.value) if unit in ("count", "money") else cell.value
    target.number_format = FORMATS[unit]


def _header(sheet: Worksheet, row: int, labels: list[str]) -> None:
    for column, label in enumerate(labels, start=1):
        cell = sheet.cell(row=row, column=column)
        put_text(cell, label)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _domain_sheet(sheet: Worksheet, briefing: Briefing, table: Table) -> None:
    lang = briefing.lang
    _title(sheet, f"{table.title} — {briefing.report.label(lang)} — {briefing.where}")
    labels = [T("code", lang), T("commune", lang), *(c.label for c in table.columns)]
    _header(sheet, 2, labels)
    row_number = 3
    for row in [*table.rows, table.total]:
        if row.code is not None:
            put_text(sheet.cell(row=row_number, column=1), row.code)
        put_text(sheet.cell(row=row_number, column=2), row.name)
        for offset, column in enumerate(table.columns, start=3):
            _put(sheet, row_number, offset, row.cells[column.key], column.unit)
        if row.code is None:
            for cell in sheet[row_number]:
                cell.font = BOLD
        row_number += 1
    if briefing.public:
        legend = T("public", lang, t1=THRESHOLD - 1, primary=PRIMARY, secondary=SECONDARY)
        put_text(sheet.cell(row=row_number + 1, column=1), legend)
        sheet.cell(row=row_number + 1, column=1).font = Font(italic=True)
    sheet.freeze_panes = "C3"
    sheet.row_dimensions[2].height = 48
    sheet.column_dimensions["A"].width = 9
    sheet.column_dimensions["B"].width = 20
    for index in range(3, len(labels) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 16


def _indicator_sheet(sheet: Worksheet, briefing: Briefing) -> None:
    lang = briefing.lang
    _title(sheet, f"{T('indicators', lang)} — {briefing.report.label(lang)} — {briefing.where}")
    labels = [
        "",
        T("indicator", lang),
        T("unit", lang),
        T("value", lang),
        T("previous", lang),
        T("last_year", lang),
        T("target", lang),
        T("ytd", lang),
        T("share", lang),
    ]
    _header(sheet, 2, labels)
    for row_number, fig in enumerate(briefing.figures.values(), start=3):
        put_text(sheet.cell(row=row_number, column=1), fig.code)
        put_text(sheet.cell(row=row_number, column=2), fig.label(lang))
        put_text(sheet.cell(row=row_number, column=3), unit_label(fig, lang))
        for column, cell in (
            (4, fig.value),
            (5, fig.previous),
            (6, fig.last_year),
            (8, fig.year_to_date),
        ):
            if cell is not None:
                _put(sheet, row_number, column, cell, fig.unit)
        if fig.target is not None:
            _put(sheet, row_number, 7, Cell(fig.target), fig.unit)
        if fig.progress is not None:
            _put(sheet, row_number, 9, Cell(fig.progress), "percent")
    sheet.freeze_panes = "C3"
    sheet.row_dimensions[2].height = 32
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 48
    sheet.column_dimensions["C"].width = 12
    for index in range(4, len(labels) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 16
