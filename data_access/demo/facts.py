"""What the demo is built to: Đầm Hà's units, published totals, rates, the generator's shares.

Each fact carries the mark of DOMAIN.md: [H] primary or two agreeing sources, [M] one secondary
source, [G] a reasoned assumption for demo data. Labels of stored codes are not here: they live
in ``vocab`` (e.g. ``vocab.ALLOWANCE_GROUPS``); these tables hold only what the demo draws from.
"""

from __future__ import annotations

from datetime import date

from .. import schema as s

SEED = 20231130
DATA_START = date(2022, 1, 1)
DATA_END_MONTH = date(2023, 11, 1)  # data through 30/11/2023, the article's cut-off
AS_OF = date(2023, 11, 30)
PEOPLE_PER_VILLAGE = 550  # DOMAIN.md §2 [G]: about one village per 550 people
RATE_2022 = 450_000  # Quảng Ninh standard rate 1/8/2021–31/12/2022 [M]
RATE_2023 = 500_000  # 1/1/2023–30/9/2024 [M]
# (valid from, valid to, amount, legal basis) of the standard rates above.
ALLOWANCE_RATES: list[tuple[date, date, int, str]] = [
    (date(2021, 8, 1), date(2022, 12, 31), RATE_2022, "Nghị quyết 21/2021/NQ-HĐND tỉnh Quảng Ninh"),
    (date(2023, 1, 1), date(2024, 9, 30), RATE_2023, "Mức chuẩn trợ giúp xã hội tỉnh Quảng Ninh"),
]

# (code, name, kind, population 2019) of the nine 2023 units [H].
UNITS_2023: list[tuple[str, str, str, int]] = [
    ("06895", "Thị trấn Đầm Hà", s.KIND_TOWN, 7900),
    ("06898", "Xã Quảng Lâm", s.KIND_COMMUNE, 3108),
    ("06901", "Xã Quảng An", s.KIND_COMMUNE, 5208),
    ("06904", "Xã Tân Bình", s.KIND_COMMUNE, 4493),
    ("06910", "Xã Dực Yên", s.KIND_COMMUNE, 3077),
    ("06913", "Xã Quảng Tân", s.KIND_COMMUNE, 5571),
    ("06916", "Xã Đầm Hà", s.KIND_COMMUNE, 5322),
    ("06917", "Xã Tân Lập", s.KIND_COMMUNE, 4106),
    ("06919", "Xã Đại Bình", s.KIND_COMMUNE, 2432),
]
# Resolution 1679/NQ-UBTVQH15, in force 1/7/2025: the new communes reuse old codes [H].
MERGERS_2025: list[tuple[str, str, list[str]]] = [
    ("06895", "Xã Đầm Hà", ["06895", "06904", "06919", "06917", "06916"]),
    ("06913", "Xã Quảng Tân", ["06901", "06910", "06898", "06913"]),
]
XA_DAM_HA = "06916"  # the one commune whose villages are known by name
XA_DAM_HA_VILLAGES = [  # [M]
    "Trại Cao",
    "Trại Dinh",
    "Trại Giữa",
    "Yên Hàn",
    "Đầm Buôn",
    "Trại Khe",
    "Xóm Giáo",
    "Yên Định",
    "Sơn Hải",
]

# Published district totals the rows are built to (see the package docstring).
BENEFICIARIES_NOV_2023 = 1911
HEALTH_VISITS_2023 = 3127
HEALTH_VISITS_2022 = 2864
NEW_BUILD_AMOUNTS_2023 = [80, 80, 90, 70, 80, 85, 75, 80, 80, 90, 70, 80, 80]  # triệu đồng
REPAIR_AMOUNTS_2023 = [40, 45, 35, 40, 40, 50, 30, 40, 40, 45, 35]  # triệu đồng
NEW_BUILD_AMOUNTS_2022 = [60, 70, 60, 65, 70, 60, 60, 65, 70]
REPAIR_AMOUNTS_2022 = [30, 35, 30, 25, 30, 30, 35]
# Each year's grants: (new builds, repairs) in triệu đồng, and the funding sources taken in
# turn (2023's are all socialised: F9).
GRANTS: dict[int, tuple[tuple[list[int], list[int]], list[str]]] = {
    2022: ((NEW_BUILD_AMOUNTS_2022, REPAIR_AMOUNTS_2022), ["state", "socialised", "mixed"]),
    2023: ((NEW_BUILD_AMOUNTS_2023, REPAIR_AMOUNTS_2023), ["socialised"]),
}

# Issue 7: what communes report upward each quarter, and the seeded report mismatches
# (indicator, commune, (year, quarter), reported minus computed) — see ``demo.problems``.
REPORTED = ("F2", "F14", "F15")
REPORT_MISMATCHES: list[tuple[str, str, tuple[int, int], int]] = [
    ("F14", "06913", (2023, 3), 3),  # three people whose decision had ended still counted
    ("F15", "06901", (2022, 4), -675_000),  # one month of one person left out of the sum
    ("F2", "06919", (2023, 2), -12),  # one village's visit sheet not added in
]

# Decree 20/2021 groups (the codes of ``vocab.ALLOWANCE_GROUPS``, in the order drawn from):
# code -> (share of beneficiaries [G], age band of its members).
GROUP_MIX: dict[str, tuple[float, str]] = {
    "NCT_80": (0.44, "80+"),
    "NCT_NGHEO": (0.03, "elderly"),
    "NCT_75_DTTS": (0.04, "75-79"),
    "NCT_CHAM_SOC": (0.01, "elderly"),
    "KT_DBN": (0.12, "any"),
    "KT_NANG": (0.28, "any"),
    "TE_MCNN": (0.02, "child"),
    "TN_16_22": (0.01, "16-22"),
    "DT_DON_THAN": (0.03, "adult"),
    "HIV": (0.02, "adult"),
}
# A beneficiary's household poverty status by group (the groups of poor households); else "none".
GROUP_POVERTY = {
    "NCT_NGHEO": "poor",
    "HIV": "poor",
    "DT_DON_THAN": "poor",
    "NCT_75_DTTS": "near_poor",
}
# Age band -> (youngest, oldest) age at 30/11/2023.
AGE_BANDS = {
    "80+": (81, 98),
    "75-79": (76, 79),
    "elderly": (62, 90),
    "60-79": (60, 79),
    "child": (2, 15),
    "16-22": (17, 21),
    "adult": (24, 55),
    "any": (8, 85),
}

# Child protection: categories per circumstance, and the support each gets.
CHILD_CATEGORIES = {
    "special": ["mo_coi", "khuyet_tat", "ngheo_dac_biet", "bi_xam_hai"],
    "at_risk": ["bo_hoc", "gia_dinh_ly_hon", "lao_dong_som", "nguy_co_xam_hai"],
}
CHILD_SUPPORT = {"special": "tro_cap_chi_phi", "at_risk": "can_thiep_tu_van"}
HOUSING_TARGET_GROUPS = ["poor", "near_poor", "elderly_alone", "other"]

# Elementary vocational classes started each year: (name, field, learners).
TRAINING_PARTNER = "Trung tâm GDNN-GDTX huyện Đầm Hà"
CLASSES: dict[int, list[tuple[str, str, int]]] = {
    2022: [
        ("Sơ cấp nghề May công nghiệp", "non_agri", 30),
        ("Sơ cấp nghề Điện dân dụng", "non_agri", 28),
        ("Sơ cấp nghề Kỹ thuật xây dựng", "non_agri", 29),
        ("Sơ cấp nghề Nuôi trồng thủy sản nước lợ", "agri", 30),
        ("Sơ cấp nghề Trồng và chăm sóc cây quế", "agri", 27),
        ("Sơ cấp nghề Chăn nuôi gà, lợn", "agri", 28),
    ],
    2023: [
        ("Sơ cấp nghề May công nghiệp", "non_agri", 30),
        ("Sơ cấp nghề Hàn điện", "non_agri", 28),
        ("Sơ cấp nghề Kỹ thuật chế biến món ăn", "non_agri", 26),
        ("Sơ cấp nghề Sửa chữa máy nông nghiệp", "non_agri", 27),
        ("Sơ cấp nghề Nuôi tôm thẻ chân trắng", "agri", 29),
        ("Sơ cấp nghề Trồng cây ăn quả", "agri", 25),
        ("Sơ cấp nghề Chăn nuôi gia cầm", "agri", 28),
    ],
}
# Job events each year: (job fairs, labour-export conferences, TKV recruitment consultations).
JOB_EVENTS = {2022: (1, 1, 4), 2023: (2, 1, 6)}
JOB_CENTRE = "Trung tâm Dịch vụ việc làm tỉnh Quảng Ninh"
TKV_COLLEGE = "Trường Cao đẳng Than – Khoáng sản Việt Nam (TKV)"

# District targets per indicator and year [G].
TARGETS: dict[int, dict[str, float]] = {
    2022: {
        "F1": 1.0,
        "F2": 2800,
        "F3": 1.0,
        "F4": 1.0,
        "F5": 1.0,
        "F6": 1.0,
        "F7": 8,
        "F8": 6,
        "F9": 1_000_000_000,
        "F10": 2,
        "F11": 4,
        "F12": 6,
        "F13": 160,
        "F15": 13_500_000_000,
    },
    2023: {
        "F1": 1.0,
        "F2": 3000,
        "F3": 1.0,
        "F4": 1.0,
        "F5": 1.0,
        "F6": 1.0,
        "F7": 12,
        "F8": 10,
        "F9": 1_400_000_000,
        "F10": 3,
        "F11": 6,
        "F12": 7,
        "F13": 180,
        "F15": 15_500_000_000,
    },
}

# Names and ethnicities, with weights where the draw is weighted.
FAMILY_NAMES = [
    ("Nguyễn", 30),
    ("Trần", 9),
    ("Lê", 8),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Vũ", 5),
    ("Đặng", 4),
    ("Bùi", 4),
    ("Đỗ", 4),
    ("Ngô", 3),
    ("Dương", 3),
    ("Lý", 3),
    ("Bàn", 3),
    ("Chíu", 2),
    ("Tằng", 2),
    ("Phùn", 1),
    ("Lỷ", 1),
    ("Voòng", 1),
    ("Lương", 2),
    ("Hà", 2),
]
MIDDLE_M = ["Văn", "Đức", "Minh", "Hữu", "Quang", "Xuân", "Thành", "Công", "Ngọc", "A"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Mai", "Hồng", "Kim", "Thị Thu"]
GIVEN_M = [
    "Anh",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hùng",
    "Huy",
    "Khánh",
    "Long",
    "Minh",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Thắng",
    "Tiến",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
    "Lộc",
    "Sáng",
    "Páo",
    "Sềnh",
    "Chắn",
]
GIVEN_F = [
    "Anh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hoa",
    "Hồng",
    "Hương",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Mai",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phương",
    "Thảo",
    "Thu",
    "Thủy",
    "Trang",
    "Vân",
    "Yến",
    "Mùi",
    "Sửu",
]
ETHNICITIES = [("Kinh", 70), ("Dao", 12), ("Sán Chỉ", 8), ("Tày", 5), ("Sán Dìu", 3), ("Hoa", 2)]
