"""The Excel templates of the lists the importer reads, and what each of their columns means.

A template is laid out as Vietnamese offices lay out their lists, so that a clerk recognises it
and ``ingest.read`` reads it back as any office's own copy: the committee ("UBND XÃ …") and the
national motto in merged title cells, the list's title and month, "Đơn vị tính: đồng", the header
row (STT, each column's canonical header as ``ingest.read.Column`` gives it first, "Ký nhận"),
the numbered row "(1) (2) (3)…", a few numbered rows to fill, the "Tổng cộng" row and the
signature block. Cells to fill carry the format their values need: the CCCD column is text ("@",
a typed CCCD keeps its leading zero), money "#,##0", dates "dd/mm/yyyy". A second sheet,
"Hướng dẫn", documents every column: its meaning, format, whether it is required, an example.

The same documentation (``FIELDS``) serves the app's page and the README, so all three say the
same thing; ``tests/test_ingest_template.py`` checks that it covers exactly the columns read.
Each kind of list is one ``ListKind`` in ``KINDS``: only the monthly payment list exists today.

Templates are Vietnamese documents (the offices that fill them write Vietnamese); only the
refusal of an unknown kind is said in both languages. Pure: no database, no Streamlit.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from i18n import Catalog

from . import beneficiaries, classes, health_checks, housing, job_events, payments
from .normalise import Bilingual, fold, text
from .read import Column

T = Catalog(
    "ingest.template",
    {
        "unknown_kind": (
            "Không có mẫu danh sách «{kind}». Các mẫu có: {known}.",
            "There is no list template '{kind}'. The templates are: {known}.",
        ),
    },
)


@dataclass(frozen=True)
class FieldDoc:
    """One column of a list as the template's "Hướng dẫn" sheet explains it (in Vietnamese)."""

    header: str  # the column's canonical header: ``Column.headers[0]``, as the template writes it
    meaning: str
    format: str
    required: bool
    example: str


@dataclass(frozen=True)
class ListKind:
    """One kind of list: the columns read, the template's title and the columns' documentation.

    ``total``: the key of the column the "Tổng cộng" row sums (None: none). ``formats``: Excel
    number formats of the cells to fill, by column key (others: General). ``widths``: column
    widths in characters, by column key (others: ``DEFAULT_WIDTH``).
    """

    columns: tuple[Column, ...]
    title: str  # in capitals, as the list's title row writes it
    label: str  # the same in a sentence
    fields: tuple[FieldDoc, ...]
    file_stem: str
    total: str | None
    formats: Mapping[str, str] = field(default_factory=dict)
    widths: Mapping[str, float] = field(default_factory=dict)


class UnknownKindError(Bilingual, ValueError):
    """A template asked for a kind of list that has none: says which kinds there are."""


PAYMENT_FIELDS = (
    FieldDoc(
        "Họ và tên",
        "Họ và tên người hưởng trợ cấp, ghi như trên thẻ căn cước; dùng để đối chiếu với hồ sơ "
        "(khác hồ sơ: cảnh báo để kiểm tra lại số CCCD).",
        "Chữ. Không bắt đầu bằng dấu =, +, -, @.",
        True,
        "Nguyễn Văn An",
    ),
    FieldDoc(
        "Số CCCD",
        "Số căn cước công dân (số định danh cá nhân) của người hưởng: xác định người được chi "
        "trả. Mỗi người một dòng trong tháng.",
        "12 chữ số, bắt đầu bằng số 0. Cột đã định dạng dạng chữ (Text) để giữ số 0 ở đầu; khi "
        "dán từ tệp khác, dùng «Dán giá trị».",
        True,
        "022150001234",
    ),
    FieldDoc(
        "Thôn",
        "Thôn, bản, khu phố nơi người hưởng cư trú.",
        "Chữ.",
        False,
        "Thôn 3",
    ),
    FieldDoc(
        "Mã nhóm",
        "Mã nhóm đối tượng bảo trợ xã hội theo Nghị định 20/2021/NĐ-CP, như trong hồ sơ trợ "
        "cấp; dùng để đối chiếu (khác hồ sơ: cảnh báo).",
        "Mã như trong hồ sơ, ví dụ NCT_80 (người cao tuổi từ 80 tuổi không có lương hưu), "
        "KT_NANG (người khuyết tật nặng).",
        False,
        "NCT_80",
    ),
    FieldDoc(
        "Hệ số",
        "Hệ số trợ cấp xã hội theo Nghị định 20/2021/NĐ-CP; dùng để đối chiếu với hồ sơ (khác "
        "hồ sơ: cảnh báo).",
        "Số, nhiều nhất một chữ số thập phân, lớn hơn 0 và không quá 10.",
        False,
        "1,5",
    ),
    FieldDoc(
        "Số tiền",
        "Số tiền chi trả cho người hưởng trong tháng. Khác mức chuẩn × hệ số của tháng: cảnh "
        "báo; dòng «Tổng cộng» phải bằng tổng các dòng.",
        "Số đồng chẵn, không âm, dưới 100 triệu: gõ số (750000); có thể ghi 750.000.",
        True,
        "750.000",
    ),
    FieldDoc(
        "Hình thức chi trả",
        "Cách chi trả tháng này; để trống: giữ hình thức trong hồ sơ.",
        "Tiền mặt hoặc Chuyển khoản (viết tắt TM, CK).",
        False,
        "Tiền mặt",
    ),
    FieldDoc(
        "Ngày chi trả",
        "Ngày người hưởng nhận tiền; để trống: giữ ngày đã ghi (nếu có).",
        "Ngày/tháng/năm (dd/mm/yyyy).",
        False,
        "05/11/2026",
    ),
)

BENEFICIARY_FIELDS = (
    FieldDoc(
        "Họ và tên",
        "Họ và tên đối tượng, ghi như trên thẻ căn cước. Người đã có hồ sơ giữ họ tên trong hồ "
        "sơ (khác: cảnh báo).",
        "Chữ. Không bắt đầu bằng dấu =, +, -, @.",
        True,
        "Nguyễn Văn An",
    ),
    FieldDoc(
        "Ngày sinh",
        "Ngày sinh của đối tượng; chỉ biết năm sinh thì ghi năm (ghi nhận là 01/01 năm đó).",
        "Ngày/tháng/năm (dd/mm/yyyy) hoặc năm (yyyy).",
        True,
        "15/03/1944",
    ),
    FieldDoc("Giới tính", "Giới tính của đối tượng.", "Nam hoặc Nữ.", True, "Nam"),
    FieldDoc(
        "Số CCCD",
        "Số căn cước công dân (số định danh cá nhân): xác định người. Người chưa có trong cơ sở "
        "dữ liệu được thêm vào xã; người của xã khác không được nhận.",
        "12 chữ số, bắt đầu bằng số 0; cột dạng chữ (Text) để giữ số 0 ở đầu.",
        True,
        "022144001234",
    ),
    FieldDoc(
        "Thôn",
        "Thôn, bản, khu phố của xã nơi đối tượng cư trú (phải là thôn của xã).",
        "Chữ, như tên thôn trong danh mục của xã.",
        False,
        "Thôn 3",
    ),
    FieldDoc("Dân tộc", "Dân tộc của đối tượng (người mới).", "Chữ.", False, "Dao"),
    FieldDoc(
        "Mã nhóm",
        "Nhóm đối tượng bảo trợ xã hội theo Điều 5 Nghị định 20/2021/NĐ-CP.",
        "Mã nhóm (NCT_80, NCT_NGHEO, NCT_75_DTTS, NCT_CHAM_SOC, KT_DBN, KT_NANG, TE_MCNN, "
        "TN_16_22, DT_DON_THAN, HIV) hoặc tên nhóm.",
        True,
        "NCT_80",
    ),
    FieldDoc(
        "Hệ số",
        "Hệ số trợ cấp theo Điều 6 Nghị định 20/2021/NĐ-CP; phải là hệ số của nhóm (ví dụ "
        "NCT_80: 1,0; KT_NANG: 1,5 hoặc 2,0).",
        "Số, một chữ số thập phân.",
        True,
        "1,0",
    ),
    FieldDoc(
        "Hưởng từ tháng",
        "Tháng bắt đầu được hưởng theo quyết định; không sau tháng của danh sách.",
        "Tháng/năm (mm/yyyy).",
        True,
        "01/2024",
    ),
    FieldDoc(
        "Hưởng đến tháng",
        "Tháng cuối cùng được hưởng, khi có quyết định thôi hưởng; để trống: đang hưởng.",
        "Tháng/năm (mm/yyyy).",
        False,
        "12/2026",
    ),
    FieldDoc(
        "Hình thức chi trả",
        "Cách chi trả hằng tháng; để trống: chuyển khoản khi có số tài khoản, tiền mặt nếu không.",
        "Tiền mặt hoặc Chuyển khoản (viết tắt TM, CK).",
        False,
        "Chuyển khoản",
    ),
    FieldDoc(
        "Số tài khoản",
        "Số tài khoản nhận trợ cấp (khi chi trả qua tài khoản).",
        "6 đến 20 chữ số; cột dạng chữ (Text).",
        False,
        "8000123456789",
    ),
    FieldDoc("Ngân hàng", "Ngân hàng của tài khoản.", "Chữ.", False, "Agribank"),
)

JOB_EVENT_FIELDS = (
    FieldDoc(
        "Ngày tổ chức",
        "Ngày tổ chức hoạt động; phải thuộc tháng của danh sách.",
        "Ngày/tháng/năm (dd/mm/yyyy).",
        True,
        "12/11/2026",
    ),
    FieldDoc(
        "Loại hoạt động",
        "Phiên giao dịch việc làm, tư vấn xuất khẩu lao động, hoặc tư vấn tuyển dụng.",
        "Giao dịch việc làm, Xuất khẩu lao động hoặc Tuyển dụng.",
        True,
        "Giao dịch việc làm",
    ),
    FieldDoc(
        "Đơn vị phối hợp",
        "Doanh nghiệp, trường hoặc trung tâm cùng tổ chức.",
        "Chữ. Không bắt đầu bằng dấu =, +, -, @.",
        True,
        "Trung tâm Dịch vụ việc làm tỉnh",
    ),
    FieldDoc(
        "Số người tham dự",
        "Số lượt người tham dự hoạt động.",
        "Số nguyên, 0 đến 100.000.",
        True,
        "120",
    ),
    FieldDoc(
        "Số người đăng ký",
        "Số người đăng ký làm việc hoặc đi làm việc (để trống: 0).",
        "Số nguyên, không quá số người tham dự.",
        False,
        "25",
    ),
)
HEALTH_CHECK_FIELDS = (
    FieldDoc(
        "Họ và tên",
        "Họ và tên người cao tuổi được khám; dùng để đối chiếu (khác hồ sơ: cảnh báo).",
        "Chữ. Không bắt đầu bằng dấu =, +, -, @.",
        True,
        "Nguyễn Thị Bình",
    ),
    FieldDoc(
        "Số CCCD",
        "Số căn cước công dân của người được khám: xác định người, phải là người của xã.",
        "12 chữ số, bắt đầu bằng số 0; cột dạng chữ (Text).",
        True,
        "022150001234",
    ),
    FieldDoc(
        "Ngày khám",
        "Ngày khám; phải thuộc tháng của danh sách.",
        "Ngày/tháng/năm (dd/mm/yyyy).",
        True,
        "20/11/2026",
    ),
    FieldDoc(
        "Hình thức khám",
        "Khám sức khỏe định kỳ, hoặc khám và tư vấn.",
        "Định kỳ hoặc Tư vấn.",
        True,
        "Định kỳ",
    ),
    FieldDoc(
        "Cấp thuốc miễn phí",
        "Người được khám có được cấp thuốc miễn phí không.",
        "Có (hoặc x) / Không (hoặc để trống).",
        False,
        "Có",
    ),
)

HOUSING_FIELDS = (
    FieldDoc(
        "Họ và tên chủ hộ",
        "Họ và tên chủ hộ được hỗ trợ; dùng để đối chiếu (khác hồ sơ: cảnh báo).",
        "Chữ. Không bắt đầu bằng dấu =, +, -, @.",
        True,
        "Hoàng Văn Dũng",
    ),
    FieldDoc(
        "Số CCCD chủ hộ",
        "Số căn cước của chủ hộ (hoặc một thành viên): xác định hộ; phải là người của xã.",
        "12 chữ số, bắt đầu bằng số 0; cột dạng chữ (Text).",
        True,
        "022160001234",
    ),
    FieldDoc(
        "Hình thức hỗ trợ",
        "Xây mới hay sửa chữa, cải tạo nhà ở. Mỗi hộ một dòng cho mỗi hình thức.",
        "Xây mới hoặc Sửa chữa.",
        True,
        "Xây mới",
    ),
    FieldDoc(
        "Số tiền hỗ trợ",
        "Tổng số tiền hỗ trợ hộ; dòng «Tổng cộng» phải bằng tổng các dòng.",
        "Số đồng chẵn, dưới 1 tỷ: gõ số (80000000); có thể ghi 80.000.000.",
        True,
        "80.000.000",
    ),
    FieldDoc(
        "Nguồn kinh phí",
        "Nguồn của khoản hỗ trợ.",
        "Ngân sách, Xã hội hóa hoặc Kết hợp.",
        True,
        "Xã hội hóa",
    ),
    FieldDoc(
        "Đối tượng",
        "Diện được hỗ trợ.",
        "Hộ nghèo, Hộ cận nghèo, Người cao tuổi neo đơn hoặc Khác.",
        True,
        "Hộ nghèo",
    ),
    FieldDoc(
        "Ngày phê duyệt",
        "Ngày quyết định hỗ trợ; phải thuộc năm của danh sách.",
        "Ngày/tháng/năm (dd/mm/yyyy).",
        True,
        "15/03/2026",
    ),
    FieldDoc(
        "Hạn hoàn thành",
        "Thời hạn phải hoàn thành theo quyết định.",
        "Ngày/tháng/năm, không trước ngày phê duyệt.",
        True,
        "15/06/2026",
    ),
    FieldDoc(
        "Ngày khởi công",
        "Ngày bắt đầu xây, sửa; để trống: chưa khởi công.",
        "Ngày/tháng/năm, từ ngày phê duyệt đến hôm nay.",
        False,
        "01/04/2026",
    ),
    FieldDoc(
        "Ngày hoàn thành",
        "Ngày hoàn thành, bàn giao; để trống: chưa xong.",
        "Ngày/tháng/năm, sau ngày khởi công, không sau hôm nay.",
        False,
        "30/05/2026",
    ),
)

CLASS_FIELDS = (
    FieldDoc(
        "Tên lớp",
        "Tên lớp, nghề đào tạo; cùng tên và ngày khai giảng là một lớp. Mỗi học viên một dòng, "
        "các cột của lớp ghi lại ở mỗi dòng.",
        "Chữ. Không bắt đầu bằng dấu =, +, -, @.",
        True,
        "Sơ cấp nghề May công nghiệp",
    ),
    FieldDoc(
        "Lĩnh vực",
        "Nhóm nghề của lớp.",
        "Nông nghiệp hoặc Phi nông nghiệp.",
        True,
        "Phi nông nghiệp",
    ),
    FieldDoc(
        "Ngày khai giảng",
        "Ngày lớp bắt đầu; phải thuộc tháng của danh sách.",
        "Ngày/tháng/năm (dd/mm/yyyy).",
        True,
        "27/07/2026",
    ),
    FieldDoc(
        "Ngày kết thúc",
        "Ngày lớp kết thúc (dự kiến hoặc thực tế).",
        "Ngày/tháng/năm, không trước ngày khai giảng.",
        True,
        "05/11/2026",
    ),
    FieldDoc("Số giờ", "Thời lượng đào tạo.", "Số nguyên, 1 đến 5.000.", True, "360"),
    FieldDoc("Cơ sở đào tạo", "Trường, trung tâm dạy lớp.", "Chữ.", False, "Trung tâm GDNN-GDTX"),
    FieldDoc(
        "Họ và tên học viên",
        "Họ và tên học viên; dùng để đối chiếu (khác hồ sơ: cảnh báo).",
        "Chữ. Không bắt đầu bằng dấu =, +, -, @.",
        True,
        "Đặng Thị Hoa",
    ),
    FieldDoc(
        "Số CCCD",
        "Số căn cước của học viên: xác định người, phải là người của xã.",
        "12 chữ số, bắt đầu bằng số 0; cột dạng chữ (Text).",
        True,
        "022195001234",
    ),
    FieldDoc(
        "Hoàn thành khóa học",
        "Học viên đã hoàn thành khóa học (để trống: chưa).",
        "Có (hoặc x) / Không.",
        False,
        "Có",
    ),
    FieldDoc(
        "Có việc làm sau học",
        "Học viên có việc làm sau khóa học (để trống: chưa).",
        "Có (hoặc x) / Không.",
        False,
        "Không",
    ),
)

KINDS: dict[str, ListKind] = {
    classes.KIND: ListKind(
        columns=classes.COLUMNS,
        title="DANH SÁCH HỌC VIÊN CÁC LỚP ĐÀO TẠO NGHỀ",
        label="danh sách học viên các lớp đào tạo nghề",
        fields=CLASS_FIELDS,
        file_stem="mau-lop-nghe",
        total=None,
        formats={"national_id": "@", "start": "dd/mm/yyyy", "end": "dd/mm/yyyy"},
        widths={"class_name": 30, "full_name": 24, "national_id": 16, "partner": 22},
    ),
    housing.KIND: ListKind(
        columns=housing.COLUMNS,
        title="DANH SÁCH HỘ ĐƯỢC HỖ TRỢ XÂY MỚI, SỬA CHỮA NHÀ Ở",
        label="danh sách hộ được hỗ trợ nhà ở",
        fields=HOUSING_FIELDS,
        file_stem="mau-nha-o",
        total="amount",
        formats={
            "national_id": "@",
            "amount": "#,##0",
            "approved_on": "dd/mm/yyyy",
            "deadline": "dd/mm/yyyy",
            "started_on": "dd/mm/yyyy",
            "completed_on": "dd/mm/yyyy",
        },
        widths={"full_name": 26, "national_id": 16, "amount": 14},
    ),
    job_events.KIND: ListKind(
        columns=job_events.COLUMNS,
        title="DANH SÁCH HOẠT ĐỘNG GIAO DỊCH, TƯ VẤN VIỆC LÀM",
        label="danh sách hoạt động giao dịch, tư vấn việc làm",
        fields=JOB_EVENT_FIELDS,
        file_stem="mau-viec-lam",
        total="attendees",
        formats={"day": "dd/mm/yyyy", "attendees": "#,##0", "registered": "#,##0"},
        widths={"partner": 32, "kind": 22},
    ),
    health_checks.KIND: ListKind(
        columns=health_checks.COLUMNS,
        title="DANH SÁCH KHÁM SỨC KHỎE NGƯỜI CAO TUỔI",
        label="danh sách khám sức khỏe người cao tuổi",
        fields=HEALTH_CHECK_FIELDS,
        file_stem="mau-kham-suc-khoe",
        total=None,
        formats={"national_id": "@", "day": "dd/mm/yyyy"},
        widths={"full_name": 26, "national_id": 16, "kind": 16},
    ),
    beneficiaries.KIND: ListKind(
        columns=beneficiaries.COLUMNS,
        title="DANH SÁCH ĐỐI TƯỢNG HƯỞNG TRỢ CẤP XÃ HỘI HẰNG THÁNG",
        label="danh sách đối tượng hưởng trợ cấp xã hội hằng tháng",
        fields=BENEFICIARY_FIELDS,
        file_stem="mau-doi-tuong",
        total=None,
        formats={
            "national_id": "@",
            "account": "@",
            "birth": "dd/mm/yyyy",
            "coefficient": "0.0",
            "start": "mm/yyyy",
            "end": "mm/yyyy",
        },
        widths={"full_name": 26, "national_id": 16, "group": 14, "account": 18},
    ),
    payments.KIND: ListKind(
        columns=payments.COLUMNS,
        title="DANH SÁCH CHI TRẢ TRỢ CẤP XÃ HỘI HẰNG THÁNG",
        label="danh sách chi trả trợ cấp xã hội hằng tháng",
        fields=PAYMENT_FIELDS,
        file_stem="mau-chi-tra",
        total="amount",
        formats={
            "national_id": "@",
            "coefficient": "0.0",
            "amount": "#,##0",
            "paid_on": "dd/mm/yyyy",
        },
        widths={
            "full_name": 28,
            "national_id": 16,
            "village": 16,
            "group": 12,
            "coefficient": 8,
            "amount": 14,
            "method": 14,
            "paid_on": 13,
        },
    ),
}
FIELDS: dict[str, tuple[FieldDoc, ...]] = {kind: spec.fields for kind, spec in KINDS.items()}

FILL_ROWS = 5  # numbered rows to fill; a clerk inserts more between them
DEFAULT_WIDTH = 14
FONT_NAME, FONT_SIZE = "Times New Roman", 12  # the font of administrative documents
SIGN_HERE = "(Ký, ghi rõ họ tên)"
# A committee's unit kinds, as a name may start with them ("Xã Quảng Tân"); a name without one
# is taken to be a commune's (most units are).
_UNIT_KINDS = ("xã", "phường", "thị trấn", "đặc khu")
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7EE")
_NOTES = (
    "Mỗi người hưởng một dòng, bắt đầu từ dòng STT 1. Cần thêm dòng: chèn dòng (Insert) giữa "
    "các dòng đã có, để công thức ở dòng «Tổng cộng» tính cả dòng mới.",
    "Giữ nguyên dòng tên cột. Các cột không bắt buộc có thể để trống hoặc xoá.",
    "Chỉ nhập giá trị, không nhập công thức vào ô dữ liệu: công thức không được tính khi nạp "
    "(chỉ dòng «Tổng cộng» có công thức). Số ở dòng «Tổng cộng» được đối chiếu với tổng các "
    "dòng.",
    "Cột STT, cột Ký nhận, dòng đánh số cột (1), (2)…, các dòng để trống và phần chữ ký dưới "
    "dòng «Tổng cộng» không được đọc khi nạp.",
    "Xã và tháng của danh sách được chọn khi nạp, không đọc từ tiêu đề của tệp.",
)


def _spec(kind: str) -> ListKind:
    found = KINDS.get(kind)
    if found is None:
        known = ", ".join(KINDS)
        raise UnknownKindError(
            T("unknown_kind", "vi", kind=kind, known=known),
            T("unknown_kind", "en", kind=kind, known=known),
        )
    return found


def default_file_name(kind: str = payments.KIND, month: date | None = None) -> str:
    """The template's file name: "mau-chi-tra.xlsx", or "mau-chi-tra-2026-11.xlsx" for a month."""
    stem = _spec(kind).file_stem
    return f"{stem}-{month:%Y-%m}.xlsx" if month is not None else f"{stem}.xlsx"


def _put(
    sheet: Worksheet,
    row: int,
    column: int,
    value: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: int = FONT_SIZE,
    align: str = "center",
    wrap: bool = False,
) -> Cell:
    """Text into a cell, stored as a string (a unit name such as "=…" never becomes a formula)."""
    cell = sheet.cell(row, column)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"
    cell.font = Font(name=FONT_NAME, size=size, bold=bold, italic=italic)
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=wrap)
    return cell


def _merge(sheet: Worksheet, row: int, first: int, last: int) -> None:
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def _split_unit(unit_name: str | None) -> tuple[str, str] | None:
    """(kind, name) of a unit's name: "Xã Quảng Tân" -> ("Xã", "Quảng Tân"); a name without a
    kind is a commune's: "Quảng Tân" -> ("Xã", "Quảng Tân"). None for no name."""
    written = text(unit_name)
    if written is None:
        return None
    folded = fold(written)
    for kind in _UNIT_KINDS:
        if folded.startswith(kind + " ") and len(written) > len(kind) + 1:
            return written[: len(kind)], written[len(kind) + 1 :]
    return "Xã", written


def _list_sheet(
    sheet: Worksheet, spec: ListKind, unit_name: str | None, month: date | None
) -> None:
    """The list itself, laid out as an office's: see the module's docstring."""
    headers = ["STT", *(column.headers[0] for column in spec.columns), "Ký nhận"]
    width = len(headers)
    keys = {column.key: index for index, column in enumerate(spec.columns, start=2)}
    # Three blocks across the page: left the committee and the list's maker, middle the
    # accountant, right the national motto and the chair.
    left, right = (1, min(3, width)), (width // 2 + 1, width)
    middle = (left[1] + 1, right[0] - 1)
    unit = _split_unit(unit_name)

    committee = f"UBND {unit[0]} {unit[1]}".upper() if unit else "UBND XÃ/PHƯỜNG …………"
    _put(sheet, 1, left[0], committee, bold=True)
    _merge(sheet, 1, *left)
    _put(sheet, 1, right[0], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    _merge(sheet, 1, *right)
    _put(sheet, 2, right[0], "Độc lập - Tự do - Hạnh phúc", bold=True)
    _merge(sheet, 2, *right)

    period = f"Tháng {month:%m} năm {month:%Y}" if month else "Tháng …… năm ……"
    _put(sheet, 4, 1, f"{spec.title} – {period}", bold=True, size=14)
    _merge(sheet, 4, 1, width)
    sheet.row_dimensions[4].height = 24
    _put(sheet, 5, max(1, width - 2), "Đơn vị tính: đồng", italic=True, align="right")
    _merge(sheet, 5, max(1, width - 2), width)

    header_row, numbered_row = 6, 7
    for column, header in enumerate(headers, start=1):
        cell = _put(sheet, header_row, column, header, bold=True, wrap=True)
        cell.fill, cell.border = _HEADER_FILL, _BOX
        cell = _put(sheet, numbered_row, column, f"({column})", italic=True)
        cell.border = _BOX
    sheet.row_dimensions[header_row].height = 36

    first_fill = numbered_row + 1
    total_row = first_fill + FILL_ROWS
    for row in range(first_fill, total_row):
        for column in range(1, width + 1):
            cell = sheet.cell(row, column)
            cell.font, cell.border = Font(name=FONT_NAME, size=FONT_SIZE), _BOX
        number = sheet.cell(row, 1, row - first_fill + 1)
        number.alignment = Alignment(horizontal="center")
        for key, fmt in spec.formats.items():
            sheet.cell(row, keys[key]).number_format = fmt

    _put(sheet, total_row, 2, "Tổng cộng", bold=True, align="left")
    for column in range(1, width + 1):
        sheet.cell(total_row, column).border = _BOX
    # The total is a formula, as offices write it, and stays one. ``ingest.read`` lists it among
    # the formula cells but the loader does not refuse a formula in the total row
    # (``payments._formula_cells``); it checks the total's saved value against the rows
    # (``payments._check_total``). Excel and LibreOffice save that value with the file, so a
    # filled-in template is checked; openpyxl computes nothing and saves none, and an empty total
    # is not checked (not a mismatch). A number written here instead would be 0 and wrong as
    # soon as a row is filled.
    if spec.total is not None:  # a list without an amount (beneficiaries) totals nothing
        letter = get_column_letter(keys[spec.total])
        formula = f"=SUM({letter}{first_fill}:{letter}{total_row - 1})"
        total = sheet.cell(total_row, keys[spec.total], formula)
        total.font = Font(name=FONT_NAME, size=FONT_SIZE, bold=True)
        total.number_format = spec.formats.get(spec.total, "#,##0")

    place = unit[1] if unit else "…"
    signed = total_row + 2
    _put(sheet, signed, right[0], f"{place}, ngày … tháng … năm …", italic=True)
    _merge(sheet, signed, *right)
    blocks = (
        (left, ("Người lập biểu", SIGN_HERE, "")),
        (middle, ("Kế toán", SIGN_HERE, "")),
        (right, ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "(Ký tên, đóng dấu)")),
    )
    for (first, last), lines in blocks:
        if last < first:
            continue
        for offset, line in enumerate(lines, start=1):
            if line:
                italic = line.startswith("(")
                _put(sheet, signed + offset, first, line, bold=not italic, italic=italic)
                _merge(sheet, signed + offset, first, last)

    sheet.column_dimensions["A"].width = 6
    for key, index in keys.items():
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = spec.widths.get(key, DEFAULT_WIDTH)
    sheet.column_dimensions[get_column_letter(width)].width = DEFAULT_WIDTH
    sheet.freeze_panes = sheet.cell(first_fill, 1)
    sheet.print_title_rows = f"{header_row}:{numbered_row}"
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _guide_sheet(sheet: Worksheet, spec: ListKind) -> None:
    """The "Hướng dẫn" sheet: how to fill the list in, and a row per column."""
    widths = (8, 22, 50, 45, 10, 18)
    for index, chars in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = chars
    _put(sheet, 1, 1, f"HƯỚNG DẪN ĐIỀN {spec.title}", bold=True, size=14, align="left")
    _merge(sheet, 1, 1, len(widths))
    row = 3
    for number, note in enumerate(_NOTES, start=1):
        _put(sheet, row, 1, f"{number}. {note}", align="left", wrap=True)
        _merge(sheet, row, 1, len(widths))
        sheet.row_dimensions[row].height = 16 * math.ceil(len(note) / (0.8 * sum(widths)))
        row += 1
    row += 1
    titles = ("Cột", "Tên cột", "Ý nghĩa", "Định dạng", "Bắt buộc", "Ví dụ")
    for column, title in enumerate(titles, start=1):
        cell = _put(sheet, row, column, title, bold=True, wrap=True)
        cell.fill, cell.border = _HEADER_FILL, _BOX
    keys = {column.headers[0]: index for index, column in enumerate(spec.columns, start=2)}
    for doc in spec.fields:
        row += 1
        values = (
            get_column_letter(keys[doc.header]),
            doc.header,
            doc.meaning,
            doc.format,
            "Có" if doc.required else "Không",
            doc.example,
        )
        for column, value in enumerate(values, start=1):
            align = "center" if column in (1, 5) else "left"
            _put(sheet, row, column, value, align=align, wrap=True).border = _BOX
        lines = max(math.ceil(len(v) / (w - 1)) for v, w in zip(values, widths, strict=True))
        sheet.row_dimensions[row].height = 16 * max(1, lines)


def template(
    kind: str = payments.KIND, *, unit_name: str | None = None, month: date | None = None
) -> bytes:
    """The .xlsx template of a list of ``kind``: the list laid out to fill in, and a sheet
    "Hướng dẫn" explaining each column.

    ``unit_name`` ("Xã Quảng Tân", or "Quảng Tân" for a commune) fills the committee's line and
    the place on the date line; ``month`` the title's month. Without them the template leaves
    dots to fill. Raises ``UnknownKindError`` (a ``ValueError``) for a kind without a template,
    naming the kinds there are.
    """
    spec = _spec(kind)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sách"
    _list_sheet(sheet, spec, unit_name, month)
    _guide_sheet(book.create_sheet("Hướng dẫn"), spec)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
