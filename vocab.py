"""Stored codes and what they mean: one vocabulary for the data layer, charts, pages and reports.

A code is stored in the welfare database; its label is what a person reads. Raw codes never
reach a screen or a file: every place that shows one asks ``VOCAB.label(code, lang)``. Each
catalog lists its codes in the order pages and legends show them.

This module imports only ``i18n`` (the ground floor): everything may import it.
"""

from __future__ import annotations

from i18n import Catalog

# --- health insurance (BHYT) -------------------------------------------------------------------
# Card funding, best first; "none" is an elderly person without a card valid on the day.
CARD_FUNDING_CODES = ("state", "partial", "self")
CARD_FUNDING = Catalog(
    "vocab.card_funding",
    {
        "state": ("Nhà nước đóng", "Paid by the state"),
        "partial": ("Nhà nước hỗ trợ một phần", "Partly state-supported"),
        "self": ("Tự đóng", "Self-paid"),
        "none": ("Chưa có thẻ còn hạn", "No valid card"),
    },
)

# --- children ------------------------------------------------------------------------------------
CIRCUMSTANCES = Catalog(
    "vocab.circumstances",
    {
        "special": ("Trẻ em có hoàn cảnh đặc biệt", "Children in special circumstances"),
        "at_risk": ("Trẻ em có nguy cơ", "Children at risk"),
    },
)
CHILD_CATEGORIES = Catalog(
    "vocab.child_categories",
    {
        "mo_coi": ("Mồ côi", "Orphaned"),
        "khuyet_tat": ("Khuyết tật", "With a disability"),
        "ngheo_dac_biet": ("Hộ nghèo đặc biệt khó khăn", "Extremely poor household"),
        "bi_xam_hai": ("Bị xâm hại", "Abused"),
        "bo_hoc": ("Bỏ học", "Dropped out of school"),
        "gia_dinh_ly_hon": ("Gia đình ly hôn", "Parents divorced"),
        "lao_dong_som": ("Lao động sớm", "Working too young"),
        "nguy_co_xam_hai": ("Nguy cơ bị xâm hại", "At risk of abuse"),
    },
)

# --- housing grants ------------------------------------------------------------------------------
GRANT_KINDS = Catalog(
    "vocab.grant_kinds",
    {
        "new": ("Xây mới", "New build"),
        "repair": ("Sửa chữa, cải tạo", "Repair"),
    },
)
GRANT_SOURCES = Catalog(
    "vocab.grant_sources",
    {
        "socialised": ("Xã hội hóa", "Socialised (donations)"),
        "state": ("Ngân sách nhà nước", "State budget"),
        "mixed": ("Kết hợp ngân sách và xã hội hóa", "State and donations"),
    },
)
GRANT_TARGET_GROUPS = Catalog(
    "vocab.grant_target_groups",
    {
        "poor": ("Hộ nghèo", "Poor households"),
        "near_poor": ("Hộ cận nghèo", "Near-poor households"),
        "elderly_alone": ("Người cao tuổi neo đơn", "Elderly living alone"),
        "other": ("Đối tượng yếu thế khác", "Other vulnerable people"),
    },
)
GRANT_STAGES = Catalog(
    "vocab.grant_stages",
    {
        "waiting": ("Đã phê duyệt, chưa khởi công", "Approved, not started"),
        "building": ("Đang xây dựng, sửa chữa", "Under construction"),
        "completed": ("Đã hoàn thành", "Completed"),
    },
)
GRANT_EVENTS = Catalog(
    "vocab.grant_events",
    {
        "approved": ("Được phê duyệt", "Approved"),
        "completed": ("Hoàn thành", "Completed"),
    },
)

# housing_grant.status (the record's own state, not the stage computed on a reference date)
GRANT_STATUSES = Catalog(
    "vocab.grant_statuses",
    {
        "approved": ("Đã phê duyệt, chưa khởi công", "Approved, not started"),
        "building": ("Đang xây dựng, sửa chữa", "Under construction"),
        "completed": ("Đã hoàn thành", "Completed"),
    },
)
# --- vocational training and jobs ----------------------------------------------------------------
AGRI, NON_AGRI = "agri", "non_agri"
CLASS_FIELDS = Catalog(
    "vocab.class_fields",
    {
        # the order the article and the charts use
        NON_AGRI: ("Phi nông nghiệp", "Non-agricultural"),
        AGRI: ("Nông nghiệp", "Agricultural"),
    },
)
JOB_FAIR, LABOUR_EXPORT, RECRUITMENT = "job_fair", "labour_export", "recruitment"
JOB_EVENT_KINDS = Catalog(
    "vocab.job_event_kinds",
    {
        JOB_FAIR: ("Giao dịch việc làm", "Job fair"),
        LABOUR_EXPORT: ("Xuất khẩu lao động", "Labour export"),
        RECRUITMENT: ("Tư vấn, tuyển dụng (TKV)", "Recruitment (TKV)"),
    },
)

# --- the monthly social allowance ----------------------------------------------------------------
# Decree 20/2021/NĐ-CP beneficiary groups (Art. 5). Codes not listed (a province's own groups) are
# shown as stored.
ALLOWANCE_GROUPS = Catalog(
    "vocab.allowance_groups",
    {
        "NCT_80": (
            "Người cao tuổi từ 80 tuổi không có lương hưu",
            "Elderly 80+ without a pension",
        ),
        "NCT_NGHEO": (
            "Người cao tuổi hộ nghèo không có người phụng dưỡng",
            "Elderly in poor households without a supporter",
        ),
        "NCT_75_DTTS": (
            "Người cao tuổi 75–80 hộ nghèo/cận nghèo vùng DTTS",
            "Elderly 75–80, poor/near-poor, ethnic-minority areas",
        ),
        "NCT_CHAM_SOC": (
            "Người cao tuổi đủ điều kiện chăm sóc tại cộng đồng",
            "Elderly eligible for care, cared for at home",
        ),
        "KT_DBN": ("Người khuyết tật đặc biệt nặng", "People with extremely severe disabilities"),
        "KT_NANG": ("Người khuyết tật nặng", "People with severe disabilities"),
        "TE_MCNN": ("Trẻ em không có nguồn nuôi dưỡng", "Children without a caregiver"),
        "TN_16_22": (
            "Người 16–22 tuổi đang đi học, không có nguồn nuôi dưỡng",
            "Students aged 16–22 without a caregiver",
        ),
        "DT_DON_THAN": ("Người đơn thân nghèo đang nuôi con", "Poor single parents"),
        "HIV": ("Người nhiễm HIV thuộc hộ nghèo", "People with HIV in poor households"),
    },
)
BANK, CASH = "bank", "cash"
PAYMENT_METHODS = Catalog(
    "vocab.payment_methods",
    {
        BANK: ("Qua tài khoản", "Bank account"),
        CASH: ("Tiền mặt", "Cash"),
    },
)
# allowance_payment.status
PAYMENT_STATUSES = Catalog(
    "vocab.payment_statuses",
    {
        "planned": ("Đã lập danh sách, chưa chi", "Planned"),
        "paid": ("Đã chi", "Paid"),
        "pending": ("Chờ chi", "Pending"),
        "returned": ("Bị trả lại", "Returned"),
        "recovered": ("Đã thu hồi", "Recovered"),
    },
)
# --- data checks --------------------------------------------------------------------------------
# Why a data check lists a record (data_access.quality: duplicates, unknown units)
CHECK_REASONS = Catalog(
    "vocab.check_reasons",
    {
        "national_id": ("Trùng số CCCD", "Same national id"),
        "name_birth": ("Trùng họ tên và ngày sinh", "Same name and birth date"),
        "unknown_unit": ("Đơn vị không có trong danh mục", "Unknown unit"),
        "not_a_commune": ("Không phải xã, thị trấn đang có hiệu lực", "Not a commune in force"),
        "unknown_village": ("Thôn không có trong danh mục", "Unknown village"),
        "village_elsewhere": ("Thôn thuộc xã khác", "Village of another commune"),
        # paid_after_stop
        "after_death": ("Chi cho tháng sau tháng mất", "Paid for a month after the death"),
        "after_stop": ("Chi sau quyết định thôi hưởng", "Paid after a decision to stop"),
        "while_suspended": ("Chi khi đang tạm dừng", "Paid while suspended"),
        # national_id_mismatch (Decree 137/2015 art. 13)
        "cccd_format": ("Số CCCD không đủ 12 chữ số", "Not 12 digits"),
        "cccd_province": ("Mã tỉnh nơi đăng ký khai sinh không có", "No such province code"),
        "cccd_sex_century": (
            "Chữ số giới tính, thế kỷ không khớp giới tính, năm sinh",
            "Sex-and-century digit does not match sex and birth year",
        ),
        "cccd_birth_year": (
            "Hai chữ số năm sinh không khớp năm sinh",
            "Year digits do not match the birth year",
        ),
        # age_out_of_range
        "over_max_age": ("Trên 110 tuổi", "Older than 110"),  # definitions.MAX_AGE
        "under_group_age": ("Chưa đủ tuổi của nhóm đối tượng", "Younger than the group allows"),
    },
)
# allowance_decision.kind and .ground (Circular 02/2021/TT-BLĐTBXH)
STOP_KINDS = Catalog(
    "vocab.stop_kinds",
    {
        "stop": ("Thôi hưởng", "Stopped"),
        "suspend": ("Tạm dừng", "Suspended"),
    },
)
STOP_GROUNDS = Catalog(
    "vocab.stop_grounds",
    {
        "death": ("Đã chết", "Died"),
        "missing": ("Mất tích", "Missing"),
        "ineligible": ("Không còn đủ điều kiện", "No longer eligible"),
        "prison": ("Đang chấp hành án phạt tù", "In prison"),
        "refused": ("Từ chối nhận", "Refused"),
        "other": ("Lý do khác", "Other"),
    },
)
# Which kind of record a data check lists (the table it lives in)
RECORD_KINDS = Catalog(
    "vocab.record_kinds",
    {
        "person": ("Hồ sơ cá nhân", "Person"),
        "health_insurance_card": ("Thẻ BHYT", "Health-insurance card"),
        "health_check": ("Khám sức khỏe người cao tuổi", "Elderly health check"),
        "child_case": ("Hồ sơ trẻ em", "Child case"),
        "child_protection_board": ("Ban Bảo vệ trẻ em", "Child-protection board"),
        "village": ("Thôn, khu phố", "Village"),
        "housing_grant": ("Hỗ trợ nhà ở", "Housing grant"),
        "vocational_class": ("Lớp học nghề", "Vocational class"),
        "job_event": ("Hội nghị việc làm", "Job event"),
        "allowance_beneficiary": ("Đối tượng hưởng trợ cấp", "Allowance beneficiary"),
        "allowance_payment": ("Chi trả trợ cấp", "Allowance payment"),
    },
)
# Which date field of a record a data check found wrong (the column's name)
DATE_FIELDS = Catalog(
    "vocab.date_fields",
    {
        "birth_date": ("Ngày sinh", "Birth date"),
        "died_on": ("Ngày mất", "Died on"),
        "valid_from": ("Thẻ có hiệu lực từ", "Card valid from"),
        "check_date": ("Ngày khám", "Check date"),
        "opened_on": ("Ngày mở hồ sơ", "Opened"),
        "supported_on": ("Ngày hỗ trợ, can thiệp", "Supported"),
        "closed_on": ("Ngày đóng hồ sơ", "Closed"),
        "established_on": ("Ngày thành lập", "Established"),
        "child_collaborator_since": ("Có cộng tác viên từ", "Collaborator since"),
        "approved_on": ("Ngày phê duyệt", "Approved"),
        "started_on": ("Ngày khởi công", "Started"),
        "completed_on": ("Ngày hoàn thành", "Completed"),
        "start_date": ("Ngày khai giảng", "Start date"),
        "event_date": ("Ngày tổ chức", "Event date"),
        "start_month": ("Hưởng từ tháng", "Start month"),
        "paid_on": ("Ngày chi trả", "Paid on"),
    },
)


def status_label(code: object, lang: str) -> str:
    """A housing grant's or a payment's status as a person reads it (the codes do not overlap)."""
    catalog = GRANT_STATUSES if code in GRANT_STATUSES else PAYMENT_STATUSES
    return catalog.label(code, lang)
