"""The interface's shared messages (navigation, filter bar, tiles, downloads): the "ui" catalog.

Numbers are formatted in ``charts.formatting``; messages of one page live in that page's ``T``.
"""

from __future__ import annotations

from i18n import LANGS, Catalog

__all__ = ["LANGS", "T", "t"]

T = Catalog(
    "ui",
    {
        # app and navigation
        # the title when the database does not name it (dataset_info app_title, from the data)
        "app_title": ("An sinh xã hội", "Social welfare"),
        "nav_overview": ("Tổng quan", "Overview"),
        "nav_coverage": ("Bao phủ", "Coverage"),
        "nav_housing": ("Nhà ở", "Housing"),
        "nav_training": ("Đào tạo nghề & việc làm", "Training & jobs"),
        "nav_payouts": ("Chi trả trợ cấp", "Allowance payouts"),
        "nav_commune": ("Xã", "Commune"),
        "nav_briefing": ("Báo cáo quý", "Quarterly briefing"),
        "nav_quality": ("Kiểm tra số liệu", "Data checks"),
        "demo_banner": (
            "Dữ liệu mẫu — số liệu minh họa, không phải hồ sơ thật của người dân.",
            "Demo data — illustrative figures, not real people's records.",
        ),
        "building_demo": ("Đang tạo cơ sở dữ liệu mẫu…", "Building the demo database…"),
        "db_error_title": ("Không mở được cơ sở dữ liệu", "Cannot open the database"),
        "language": ("Ngôn ngữ", "Language"),
        # filter bar
        "filters": ("Bộ lọc", "Filters"),
        "communes": ("Xã, thị trấn", "Communes"),
        # {area}: the whole area as the data names it ("Toàn huyện"; data_access.organisation)
        "communes_all_count": ("{area} ({count} xã, thị trấn)", "{area} ({count} communes)"),
        "communes_all_count_xa": ("{area} ({count} xã)", "{area} ({count} communes)"),
        "part_of": ("{name} (phần thuộc phạm vi tài khoản)", "{name} (the part in your scope)"),
        "period": ("Kỳ báo cáo", "Period"),
        "period_custom": ("Tùy chọn tháng…", "Custom months…"),
        "period_last6": ("6 tháng gần nhất", "Last 6 months"),
        "from_month": ("Từ tháng", "From"),
        "to_month": ("Đến tháng", "To"),
        "version": ("Đơn vị hành chính", "Administrative units"),
        "version_2023": ("Đơn vị hành chính trước 1/7/2025", "Units before 1/7/2025"),
        "version_2025": ("Đơn vị hành chính từ 1/7/2025", "Units from 1/7/2025"),
        "version_cut": (
            "Theo đơn vị hành chính cũ, số liệu chỉ chia được đến hết ngày {end}: hồ sơ sau ngày "
            "đó được ghi theo các xã mới, không tách lại được cho các đơn vị cũ. Kỳ {asked} được "
            "rút lại thành {shown}. Để xem cả kỳ, chọn xem theo các xã mới.",
            "In the former units, figures can be split only up to {end}: later records are made "
            "under the new communes and cannot be split back into the old units. {asked} is cut "
            "to {shown}. To see the whole period, view it by the new communes.",
        ),
        "version_after_end": (
            "Theo đơn vị hành chính cũ, số liệu chỉ chia được đến hết ngày {end}: kỳ {asked} "
            "được ghi theo các xã mới, không tách được cho các đơn vị cũ. Đang hiển thị {shown}, "
            "kỳ cuối của các đơn vị cũ. Để xem {asked}, chọn xem theo các xã mới.",
            "In the former units, figures can be split only up to {end}: {asked} was recorded "
            "under the new communes and cannot be split into the old units. Showing {shown}, the "
            "old units' last months. To see {asked}, view it by the new communes.",
        ),
        "version_offer": ("Xem kỳ đã chọn theo các xã mới", "View the period by the new communes"),
        "in_effect": ("Đang xem", "Showing"),
        "data_as_of": ("số liệu đến {date}", "data as of {date}"),
        "bad_link": (
            "Đường dẫn có giá trị không hợp lệ ({detail}); đã dùng mặc định.",
            "The link holds an invalid value ({detail}); defaults are used instead.",
        ),
        "bad_commune": ("mã xã «{code}» không có", "unknown commune code '{code}'"),
        "bad_area": ("mã tỉnh, huyện «{code}» không có", "unknown province or district '{code}'"),
        "bad_month": ("tháng «{value}» không hợp lệ", "invalid month '{value}'"),
        "bad_version": ("phiên bản «{value}» không có", "unknown version '{value}'"),
        "bad_order": ("tháng kết thúc trước tháng bắt đầu", "end month before start month"),
        "future_period": ("kỳ «{value}» chưa có số liệu", "no data yet for '{value}'"),
        "not_allowed": (
            "tài khoản không được xem số liệu của xã mã «{code}»",
            "your account may not see commune '{code}'",
        ),
        "summaries_at": ("số liệu tổng hợp lúc {at}", "summaries refreshed {at}"),
        "partial_scope": (
            "Theo đơn vị mới, số liệu chỉ gồm phần địa bàn thuộc phạm vi tài khoản của bạn.",
            "In the new units, figures include only the area within your account's scope.",
        ),
        "nav_persons": ("Danh sách cá nhân", "People lists"),
        "nav_ingest": ("Nhập số liệu", "Load data"),
        "nav_audit": ("Nhật ký truy cập", "Access log"),
        "empty": ("Không có số liệu cho lựa chọn này.", "No data for this selection."),
        # overview
        "overview_title": ("Tổng quan an sinh xã hội", "Social welfare overview"),
        # a tile's change, written beside it: what it is compared with
        "vs_same_months": ("so với cùng kỳ năm {year}", "vs the same period of {year}"),
        "vs_period": ("so với {period}", "vs {period}"),
        "unchanged": ("Không đổi", "No change"),
        "compared_with": ("Cùng kỳ để so sánh: {period}.", "Compared with: {period}."),
        "trend_help": (
            "Đường nhỏ: giá trị từng quý, {first} – {last}.",
            "Small line: the value of each quarter, {first} – {last}.",
        ),
        # {area}: the data's whole-area label (data_access.organisation.whole_area)
        "area_figure": ("{area}: {value}", "{area}: {value}"),
        "target": ("Chỉ tiêu", "Target"),
        "meets": ("Đạt", "Met"),
        "below": ("Chưa đạt", "Below"),
        "no_target": ("—", "—"),
        "commune_table": ("So sánh các xã, thị trấn", "Communes compared"),
        "commune": ("Xã, thị trấn", "Commune"),
        "province_table": ("So sánh các tỉnh, thành phố", "Provinces compared"),
        "province": ("Tỉnh, thành phố", "Province"),
        "district_table": ("So sánh các huyện", "Districts compared"),
        "district": ("Huyện, thị xã, thành phố", "District"),
        "indicator": ("Chỉ tiêu", "Indicator"),
        "value": ("Giá trị", "Value"),
        "dong": ("đồng", "VND"),
        "last_year": ("Cùng kỳ năm trước", "Same period last year"),
        "legend_bands": (
            "Màu xanh: đạt chỉ tiêu; màu đỏ: chưa đạt; không màu: không có chỉ tiêu cho kỳ này.",
            "Green: meets target; red: below target; no colour: no target for this period.",
        ),
        "download_csv": ("Tải CSV", "Download CSV"),
        "download_xlsx": ("Tải Excel", "Download Excel"),
        "show_data": ("Xem bảng số liệu", "Show the data"),
        "domain_coverage": ("Bao phủ", "Coverage"),
        "domain_housing": ("Nhà ở", "Housing"),
        "domain_training": ("Đào tạo nghề & việc làm", "Training & jobs"),
        "domain_payouts": ("Chi trả trợ cấp", "Allowance payouts"),
    },
)
t = T  # the call sites' name: t("key", lang)
