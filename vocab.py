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
