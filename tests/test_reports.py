"""The public version's suppression, and the Word report and Excel annex read back from bytes.

Suppression is checked against an independent brute-force reader: every table the reader could
believe, given what is printed, is enumerated; a hidden small count that takes one value in all
of them is disclosed. Documents are built from the demo database (SQLite and PostgreSQL) and
read back with python-docx and openpyxl; their figures are compared with the data layer's.
"""

from __future__ import annotations

import io
import itertools
import random
import re
from collections.abc import Iterator, Sequence
from datetime import date

import docx
import openpyxl
import pandas as pd
import pytest
from docx.oxml.ns import qn
from sqlalchemy.engine import Engine

from charts.formatting import fmt_int, fmt_money
from data_access.filters import Filters, Period, Scope
from data_access.indicators import BY_CODE, indicator_values
from data_access.queries import measures
from reports.briefing import build_briefing
from reports.briefing.domains import TABLES
from reports.briefing.model import Briefing
from reports.docx_report import FONT, build_docx
from reports.suppression import PRIMARY, SECONDARY, suppress
from reports.xlsx_annex import build_xlsx
from tests.test_briefing import article_engine

Q3 = Filters(Period.quarter(2023, 3))
YEAR = Filters(Period.year(2023))
SIGNED = date(2023, 12, 5)
QUANG_TAN = Scope.commune("06913")
OTHER_COMMUNES = (
    "Thị trấn Đầm Hà",
    "Quảng Lâm",
    "Quảng An",
    "Tân Bình",
    "Dực Yên",
    "Xã Đầm Hà",
    "Tân Lập",
    "Đại Bình",
)

# --- a brute-force reader -------------------------------------------------------------------


def _options(marker: str | None, true: int, sensitive: bool, withheld: bool, top: int) -> range:
    if marker is None:
        return range(true, true + 1)
    if withheld:
        return range(0, top + 1)
    if marker == PRIMARY:
        return range(1, 5)
    return range(5, top + 1) if sensitive else range(0, top + 1)


def disclosed(
    values: Sequence[int],
    markers: Sequence[str | None],
    total_marker: str | None,
    sensitive: bool = True,
) -> list[object]:
    """Hidden cells (row index, or "total") a reader can pin to one value from the column sum.

    The reader knows: a shown cell exactly; "<5" is 1–4; in a count column "x" is 5 or more
    (every cell and the total "x" means the column is withheld: anything); the cells add up to
    the total.
    """
    total = sum(values)
    withheld = sensitive and total_marker == SECONDARY and all(m == SECONDARY for m in markers)
    top = max(30, 2 * total)
    options = [
        _options(m, v, sensitive, withheld, top) for v, m in zip(values, markers, strict=True)
    ]
    totals = _options(total_marker, total, sensitive, withheld, top * len(values))
    seen: list[set[int]] = [set() for _ in values]
    seen_total: set[int] = set()
    for combo in itertools.product(*options):
        s = sum(combo)
        if s not in totals:
            continue
        for i, x in enumerate(combo):
            seen[i].add(x)
        seen_total.add(s)
    pinned: list[object] = [i for i, m in enumerate(markers) if m is not None and len(seen[i]) < 2]
    if total_marker is not None and len(seen_total) < 2:
        pinned.append("total")
    return pinned


# --- the pure function ----------------------------------------------------------------------


def _column(values: Sequence[int]):  # type: ignore[no-untyped-def]
    result = suppress(pd.DataFrame({"n": list(values)}), ["n"])
    return list(result.cells["n"]), result.total["n"]


@pytest.mark.parametrize("rows", [1, 2, 3, 4])
def test_every_small_count_is_hidden_and_no_hidden_cell_can_be_worked_out(rows: int) -> None:
    for values in itertools.product(range(0, 8), repeat=rows):
        markers, total_marker = _column(values)
        for value, marker in zip(values, markers, strict=True):
            assert (marker is not None) if 1 <= value <= 4 else marker in (None, SECONDARY)
            if marker is None:
                continue
            assert value != 0 or all(m == SECONDARY for m in markers), values  # zeros stay shown
        if 1 <= sum(values) <= 4:
            assert total_marker is not None, values
        assert disclosed(values, markers, total_marker) == [], (values, markers, total_marker)


def test_a_lone_hidden_cell_takes_the_next_smallest_with_it() -> None:
    markers, total = _column([2, 9, 7, 12])
    assert markers == [PRIMARY, None, SECONDARY, None] and total is None


def test_the_total_is_hidden_when_no_other_cell_can_protect_a_small_one() -> None:
    markers, total = _column([3, 0, 0])
    assert markers == [PRIMARY, None, None] and total == PRIMARY
    markers, total = _column([2, 5])  # 2 + 5 = 7: hiding 5 leaves 1–2 possible: enough
    assert markers == [PRIMARY, SECONDARY] and total is None


def test_small_counts_that_add_up_to_their_minimum_are_withheld_entirely() -> None:
    markers, total = _column([1, 1, 1, 1])  # four "<5" and a total of 4 would mean all ones
    assert markers == [SECONDARY] * 4 and total == SECONDARY


def test_money_beside_a_hidden_count_is_hidden_and_never_alone_in_its_column() -> None:
    rng = random.Random(5)
    for _ in range(400):
        counts = [rng.choice([0, 0, 1, 2, 3, 5, 8, 13]) for _ in range(rng.randint(1, 5))]
        table = pd.DataFrame(
            {"n": counts, "paid": [c * 1_500_000 + rng.randint(0, 9) * 1000 for c in counts]}
        )
        result = suppress(table, ["n"], reveals={"n": ["paid"]})
        for row in range(len(counts)):
            if result.hidden(row, "n"):
                assert result.hidden(row, "paid")
        hidden_paid = sum(result.hidden(r, "paid") for r in range(len(counts)))
        assert hidden_paid != 1 or result.total_hidden("paid"), table
        if result.total_hidden("n"):
            assert result.total_hidden("paid")


def _ratio_disclosures(dens: Sequence[int], nums: Sequence[int]) -> list[object]:
    """Brute-force reader for a printed denominator with a printed percentage (numerator and
    the rest = den − num are not printed but follow from den × percentage)."""
    table = pd.DataFrame(
        {
            "den": list(dens),
            "num": list(nums),
            "rest": [d - n for d, n in zip(dens, nums, strict=True)],
            "pct": [n / d if d else None for d, n in zip(dens, nums, strict=True)],
        }
    )
    result = suppress(
        table,
        ["den", "num", "rest"],
        additive=["den", "num", "rest"],
        virtual=["num", "rest"],
        reveals={"den": ["pct"], "num": ["pct"], "rest": ["pct"], "pct": ["num", "rest"]},
        bounded_by={"num": "den", "rest": "den"},
    )
    den_markers = list(result.cells["den"])
    pct_hidden = [result.hidden(r, "pct") for r in range(len(dens))]
    den_total, pct_total_hidden = result.total["den"], result.total_hidden("pct")
    rows = len(dens)
    den_options = [
        _options(m, d, True, False, max(12, 2 * sum(dens)))
        for d, m in zip(dens, den_markers, strict=True)
    ]
    den_total_options = _options(den_total, sum(dens), True, False, 200)
    seen: dict[tuple[int, str], set[int]] = {}
    for den_combo in itertools.product(*den_options):
        if sum(den_combo) not in den_total_options:
            continue
        num_options = [
            range(nums[r], nums[r] + 1) if not pct_hidden[r] else range(0, den_combo[r] + 1)
            for r in range(rows)
        ]
        if any(not pct_hidden[r] and nums[r] > den_combo[r] for r in range(rows)):
            continue
        for num_combo in itertools.product(*num_options):
            if not pct_total_hidden and sum(num_combo) != sum(nums):
                continue
            if any(
                not pct_hidden[r]
                and den_combo[r]
                and num_combo[r] / den_combo[r] != nums[r] / dens[r]
                for r in range(rows)
                if dens[r]
            ):
                continue
            for r in range(rows):
                seen.setdefault((r, "den"), set()).add(den_combo[r])
                seen.setdefault((r, "num"), set()).add(num_combo[r])
                seen.setdefault((r, "rest"), set()).add(den_combo[r] - num_combo[r])
    pinned: list[object] = []
    for r in range(rows):
        for name, true in (("den", dens[r]), ("num", nums[r]), ("rest", dens[r] - nums[r])):
            if 1 <= true <= 4 and len(seen.get((r, name), set())) < 2:
                pinned.append((r, name, true))
    return pinned


def _ratio_tables(rows: int) -> Iterator[tuple[tuple[int, ...], tuple[int, ...]]]:
    per_row = [(d, n) for d in range(0, 8) for n in range(0, d + 1)]
    for combo in itertools.product(per_row, repeat=rows):
        yield tuple(d for d, _ in combo), tuple(n for _, n in combo)


def test_a_percentage_never_reveals_a_small_numerator_or_remainder() -> None:
    for dens, nums in _ratio_tables(2):
        assert _ratio_disclosures(dens, nums) == [], (dens, nums)
    sample = list(_ratio_tables(3))
    for dens, nums in random.Random(7).sample(sample, 400):
        assert _ratio_disclosures(dens, nums) == [], (dens, nums)


def test_revealing_a_printed_count_column_is_refused() -> None:
    table = pd.DataFrame({"a": [1, 6], "b": [7, 8]})
    with pytest.raises(ValueError, match="printed count column"):
        suppress(table, ["a", "b"], reveals={"a": ["b"]})
    with pytest.raises(ValueError, match="unknown columns"):
        suppress(table, ["nope"])


# --- documents ------------------------------------------------------------------------------


def _briefing(engine: Engine, filters: Filters, scope: Scope, public: bool = False) -> Briefing:
    with engine.connect() as conn:
        return build_briefing(conn, filters, scope, public=public)


@pytest.fixture(scope="module")
def q3(engine: Engine) -> Briefing:
    return _briefing(engine, Q3, Scope.everything())


@pytest.fixture(scope="module")
def article(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Engine]:
    """The demo database as it stood on 30/11/2023 (see tests.test_briefing.article_engine)."""
    yield from article_engine(request, engine, "welfare_article_reports")


@pytest.fixture(scope="module")
def year(article: Engine) -> Briefing:
    """The year-to-date briefing written on 30/11/2023: "11 tháng năm 2023", the article's."""
    return _briefing(article, YEAR, Scope.everything())


@pytest.fixture(scope="module")
def q3_docx(q3: Briefing) -> docx.document.Document:
    return docx.Document(io.BytesIO(build_docx(q3, SIGNED)))


@pytest.fixture(scope="module")
def year_docx(year: Briefing) -> docx.document.Document:
    return docx.Document(io.BytesIO(build_docx(year, SIGNED)))


@pytest.fixture(scope="module")
def q3_xlsx(q3: Briefing) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(build_xlsx(q3, SIGNED)))


@pytest.fixture(scope="module")
def year_xlsx(year: Briefing) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(build_xlsx(year, SIGNED)))


def _all_paragraphs(document) -> Iterator:  # type: ignore[no-untyped-def]
    yield from document.paragraphs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs
    yield from document.sections[0].header.paragraphs


def _text(document) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(p.text for p in _all_paragraphs(document))


def _headline(document) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """{indicator label: its row's cells after the label} of the headline table.

    Cells: unit, value, then (quarter) Δ previous, Δ last year, target, year to date; or
    (year) last year, Δ, target, share of target.
    """
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Chỉ tiêu")
    return {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows[1:]}


def _domain_tables(document) -> list:  # type: ignore[no-untyped-def]
    return [t for t in document.tables if t.rows[0].cells[0].text == "Xã, thị trấn"]


def test_word_report_has_the_motto_the_issuer_and_the_formal_date_line(q3_docx) -> None:
    header = q3_docx.tables[0].rows[0].cells
    left, right = [p.text for p in header[0].paragraphs], [p.text for p in header[1].paragraphs]
    assert left[:2] == ["UBND HUYỆN ĐẦM HÀ", "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI"]
    assert any(line.startswith("Số:") and line.endswith("/BC-LĐTBXH") for line in left)
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    date_line = next(p for p in header[1].paragraphs if p.text.startswith("Đầm Hà"))
    assert date_line.text == "Đầm Hà, ngày 05 tháng 12 năm 2023"
    assert all(run.italic for run in date_line.runs)
    assert all(run.bold for run in header[0].paragraphs[1].runs)
    borders = q3_docx.tables[0]._tbl.tblPr.find(qn("w:tblBorders"))
    assert all(edge.get(qn("w:val")) == "nil" for edge in borders)
    text = _text(q3_docx)
    assert "BÁO CÁO\nKết quả thực hiện công tác an sinh xã hội Quý III/2023" in text
    assert "Nơi nhận:" in text and "TRƯỞNG PHÒNG" in text
    for heading in ("I. KẾT QUẢ", "II. KẾT QUẢ THEO LĨNH VỰC", "III. CÁC XÃ", "IV. GHI CHÚ"):
        assert heading in text
    assert "1. Bao phủ chính sách" in text and "4. Chi trả trợ cấp xã hội hằng tháng" in text


def test_word_report_is_times_new_roman_13_to_14_pt_in_every_script(q3_docx) -> None:
    runs = [run for p in _all_paragraphs(q3_docx) for run in p.runs if run.text.strip()]
    assert len(runs) > 200
    for run in runs:
        assert run.font.name == FONT, run.text
        fonts = run._r.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == FONT and fonts.get(qn("w:cs")) == FONT
    sizes = {run.font.size.pt for run in runs}
    recipients = {11.0, 12.0}  # the Decree's own sizes for the "Nơi nhận" block
    assert sizes - recipients <= {13.0, 14.0}, sizes
    normal = q3_docx.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal.get(qn("w:eastAsia")) == FONT


def test_word_report_embeds_one_chart_image_per_domain(q3_docx) -> None:
    assert len(q3_docx.inline_shapes) == 4
    blobs = [part.blob for part in q3_docx.part.package.parts if part.content_type == "image/png"]
    assert len(blobs) == 4 and all(blob[:8] == b"\x89PNG\r\n\x1a\n" for blob in blobs)


def test_word_and_excel_q3_figures_equal_the_data_layer(engine, q3_docx, q3_xlsx) -> None:
    with engine.connect() as conn:
        total, _ = indicator_values(conn, Q3, Scope.everything())
        per_commune = measures(conn, Q3, Scope.everything())
    value = dict(zip(total["code"], total["numerator"], strict=True))
    rows = _headline(q3_docx)
    assert rows[BY_CODE["F15"].label_vi][:2] == ["đồng", fmt_money(value["F15"])]
    assert rows[BY_CODE["F14"].label_vi][:2] == ["đối tượng", fmt_int(value["F14"])]
    assert rows[BY_CODE["F7"].label_vi][:2] == ["hộ", str(value["F7"])]
    assert rows[BY_CODE["F2"].label_vi][:2] == ["lượt", fmt_int(value["F2"])]
    sheet = q3_xlsx["Chi trả trợ cấp"]
    body = list(sheet.iter_rows(min_row=3, max_row=11, values_only=True))
    by_code = {r[0]: r for r in body}
    for row in per_commune.itertuples():
        assert by_code[row.code][2] == row.beneficiaries
        assert by_code[row.code][3] == row.paid_amount
    total_row = next(sheet.iter_rows(min_row=12, max_row=12, values_only=True))
    assert total_row[1] == "Toàn huyện"
    assert total_row[2:4] == (value["F14"], value["F15"])


def test_year_to_date_documents_show_the_published_2023_figures(year_docx, year_xlsx) -> None:
    rows = _headline(year_docx)
    published = {"F7": "13", "F8": "11", "F9": "1,48 tỷ đồng", "F10": "3"}
    published |= {"F11": "6", "F12": "7", "F14": "1.911"}
    for code, shown in published.items():
        assert rows[BY_CODE[code].label_vi][1] == shown, code
    paid = rows[BY_CODE["F15"].label_vi][1]
    assert paid.endswith(" tỷ đồng") and 14.50 <= float(paid.split()[0].replace(",", ".")) <= 14.99
    learners = int(rows[BY_CODE["F13"].label_vi][1])
    assert 185 <= learners <= 199
    assert "Kết quả thực hiện công tác an sinh xã hội 11 tháng năm 2023" in _text(year_docx)
    indicators = {r[0]: r for r in year_xlsx["Chỉ tiêu"].iter_rows(min_row=3, values_only=True)}
    assert [indicators[c][3] for c in ("F7", "F8", "F9", "F10", "F11", "F12", "F14")] == [
        13,
        11,
        1_480_000_000,
        3,
        6,
        7,
        1911,
    ]
    assert 14_500_000_000 <= indicators["F15"][3] <= 14_990_000_000
    housing = year_xlsx["Nhà ở"]
    total = next(housing.iter_rows(min_row=12, max_row=12, values_only=True))
    assert total[1:4] == ("Toàn huyện", 13, 11)


def test_excel_cells_are_numbers_with_formats_and_totals_add_up(q3_xlsx) -> None:
    assert q3_xlsx.sheetnames == [
        "Thông tin",
        "Bao phủ",
        "Nhà ở",
        "Đào tạo - Việc làm",
        "Chi trả trợ cấp",
        "Chỉ tiêu",
    ]
    for name in q3_xlsx.sheetnames[1:5]:
        sheet = q3_xlsx[name]
        assert sheet.freeze_panes == "C3"
        assert all(c.font.bold for c in sheet[2] if c.value)
        header = [c.value for c in sheet[2]]
        communes = list(sheet.iter_rows(min_row=3, max_row=11))
        total = next(iter(sheet.iter_rows(min_row=12, max_row=12)))
        assert [c.value for c in total[:2]] == [None, "Toàn huyện"] and total[1].font.bold
        for column in range(2, len(header)):
            cells = [row[column] for row in communes]
            assert all(isinstance(c.value, int | float) for c in cells), (name, header[column])
            formats = {c.number_format for c in [*cells, total[column]]}
            assert formats in ({"#,##0"}, {"0.0%"}), (name, header[column], formats)
            if formats == {"#,##0"}:
                assert total[column].value == sum(c.value for c in cells), (name, header[column])


def test_excel_first_sheet_states_period_communes_scope_and_as_of_date(q3_xlsx) -> None:
    info = {row[0]: row[1] for row in q3_xlsx["Thông tin"].iter_rows(values_only=True)}
    assert info["Kỳ báo cáo"] == "Quý III/2023"
    assert info["Các tháng có số liệu"] == "1/7/2023 – 30/9/2023"
    assert info["Xã, thị trấn trong báo cáo"] == "Toàn huyện Đầm Hà (9 xã, thị trấn)"
    assert info["Phạm vi truy cập số liệu"] == "Toàn huyện Đầm Hà"
    assert info["Đơn vị báo cáo"] == "Phòng Lao động - Thương binh và Xã hội huyện Đầm Hà"
    assert info["Số liệu đến ngày"].date() == date(2026, 11, 30)  # the demo's data_as_of
    assert info["Phiên bản"].startswith("Bản nội bộ")


def test_commune_heads_documents_hold_only_their_commune(engine) -> None:
    briefing = _briefing(engine, Q3, QUANG_TAN)
    document = docx.Document(io.BytesIO(build_docx(briefing, SIGNED)))
    text = _text(document)
    assert "Kết quả thực hiện công tác an sinh xã hội Quý III/2023 của xã Quảng Tân" in text
    for name in OTHER_COMMUNES:
        assert name not in text, name
    for table in _domain_tables(document):
        assert [row.cells[0].text for row in table.rows[1:]] == ["Xã Quảng Tân", "Tổng cộng"]
    workbook = openpyxl.load_workbook(io.BytesIO(build_xlsx(briefing, SIGNED)))
    for name in workbook.sheetnames[1:5]:
        rows = list(workbook[name].iter_rows(min_row=3, values_only=True))
        assert [r[:2] for r in rows if r[1]] == [("06913", "Xã Quảng Tân"), (None, "Tổng cộng")]
    info = {r[0]: r[1] for r in workbook["Thông tin"].iter_rows(values_only=True)}
    assert info["Phạm vi truy cập số liệu"] == "Xã Quảng Tân"
    assert info["Xã, thị trấn trong báo cáo"] == "Xã Quảng Tân"
    assert info["Đơn vị báo cáo"] == "UBND xã Quảng Tân"
    with engine.connect() as conn:
        mine = measures(conn, Q3, QUANG_TAN).iloc[0]
    payouts = list(workbook["Chi trả trợ cấp"].iter_rows(min_row=3, max_row=3, values_only=True))
    assert payouts[0][2:4] == (mine["beneficiaries"], mine["paid_amount"])


# --- the public version, end to end -----------------------------------------------------------

COUNT_WORDS = r"(?: (?:hộ|lượt|học viên|đối tượng|trẻ|người))?"


@pytest.fixture(scope="module", params=[Q3, YEAR], ids=["q3", "year"])
def public_pair(request, engine):  # type: ignore[no-untyped-def]
    filters = request.param
    return _briefing(engine, filters, Scope.everything()), _briefing(
        engine, filters, Scope.everything(), public=True
    )


def test_public_annex_hides_every_small_count_and_every_revealing_total(public_pair) -> None:
    internal, public = public_pair
    true_book = openpyxl.load_workbook(io.BytesIO(build_xlsx(internal, SIGNED)))
    book = openpyxl.load_workbook(io.BytesIO(build_xlsx(public, SIGNED)))
    hidden = 0
    for domain, sheet_name in zip(
        ("coverage", "housing", "training", "payouts"), book.sheetnames[1:5], strict=True
    ):
        sheet, true_sheet = book[sheet_name], true_book[sheet_name]
        header = [c.value for c in sheet[2]]
        true_header = [c.value for c in true_sheet[2]]
        for spec in TABLES[domain]:
            label = spec.label("vi")
            if not spec.public:
                assert label not in header, label  # withheld from the public version
                continue
            column, true_column = header.index(label), true_header.index(label)
            cells = [r[column] for r in sheet.iter_rows(min_row=3, max_row=12, values_only=True)]
            truth = [
                r[true_column]
                for r in true_sheet.iter_rows(min_row=3, max_row=12, values_only=True)
            ]
            if spec.unit == "count" and spec.sensitive:
                for shown, true in zip(cells, truth, strict=True):
                    assert not (isinstance(shown, int) and 1 <= shown <= 4), (label, cells)
                    if 1 <= true <= 4:
                        assert shown in (PRIMARY, SECONDARY), (label, cells)
                markers = [c if isinstance(c, str) else None for c in cells]
                hidden += sum(m is not None for m in markers)
                pinned = disclosed(truth[:-1], markers[:-1], markers[-1])
                assert pinned == [], (label, cells, truth)
    assert hidden > 0  # the demo has small counts to hide in both periods


def test_public_word_report_prints_no_small_count_anywhere(public_pair) -> None:
    internal, public = public_pair
    document = docx.Document(io.BytesIO(build_docx(public, SIGNED)))
    text = _text(document)
    assert "Bản công khai" in text
    sensitive_labels = {
        s.label("vi") for d in TABLES for s in TABLES[d] if s.sensitive and s.public
    }
    for table in _domain_tables(document):
        header = [c.text for c in table.rows[0].cells]
        for row in table.rows[1:]:
            for label, cell in zip(header, row.cells, strict=True):
                if label in sensitive_labels:
                    assert not re.fullmatch(r"[1-4]", cell.text), (label, cell.text)
    rows = _headline(document)
    quarter = internal.report.kind == "quarter"
    for code in ("F2", "F7", "F8", "F13", "F14"):
        cells = rows[BY_CODE[code].label_vi]
        # Values never read 1–4; a change only beside a shown value.
        values = [cells[1], cells[5].split(" (")[0]] if quarter else [cells[1], cells[2]]
        changes = cells[2:4] if quarter else cells[3:4]
        for value in values:
            assert not re.fullmatch(rf"[1-4]{COUNT_WORDS}", value), (code, cells)
        if cells[1] in (PRIMARY, SECONDARY):
            assert all(change == "—" for change in changes), (code, cells)
    for paragraph in document.paragraphs:  # changes ("tăng 4 hộ") join two shown figures
        for match in re.finditer(
            r"(?<![\d.,/+−])(?<!tăng )(?<!giảm )([1-4]) (hộ|trẻ|học viên)\b", paragraph.text
        ):
            pytest.fail(f"small count printed: {match.group(0)!r} in {paragraph.text!r}")
    if internal.report.kind == "quarter":  # the Q3 demo has 4 new builds and 2 repairs
        assert "dưới 5 hộ xây nhà mới" in text
    # A commune's housing money gives its household counts away: printed nowhere, not even in
    # the list of lagging communes.
    housing = internal.section("housing").table
    for row in housing.rows:
        amount = row.cells["grant_amount"].value
        if amount and amount != housing.total.cells["grant_amount"].value:
            printed = re.search(rf"(?<![\d.,]){re.escape(fmt_money(amount))}", text)
            assert printed is None, (row.name, fmt_money(amount))
