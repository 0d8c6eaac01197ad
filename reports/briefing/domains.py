"""The briefing's four domains: their titles, their tables' columns, and what is sensitive.

Declarative: each column says how it is computed from ``queries.measures`` (a measure, or a
percentage of two), whether it counts people or households (hidden when small in the public
version) and whether the public version prints it at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from i18n import Catalog

DOMAINS = ("coverage", "housing", "training", "payouts")

# Indicators that count people or households: the public version hides their values 1–4.
SENSITIVE_CODES = frozenset({"F1", "F2", "F3", "F4", "F7", "F8", "F13", "F14"})
# Money that would give a hidden count away (grants follow per-house rates; payouts follow the
# standard rate times coefficients): hidden whenever one of these counts is hidden.
MONEY_LINKS = {"F9": ("F7", "F8"), "F15": ("F14",)}

# The domains' titles, then every column's heading (keyed by the column's key).
T = Catalog(
    "reports.briefing.domains",
    {
        "coverage": ("Bao phủ chính sách", "Coverage"),
        "housing": ("Hỗ trợ nhà ở", "Housing support"),
        "training": ("Đào tạo nghề và giải quyết việc làm", "Vocational training and jobs"),
        "payouts": ("Chi trả trợ cấp xã hội hằng tháng", "Monthly social allowance payouts"),
        "elderly": ("Người cao tuổi", "Elderly"),
        "elderly_covered": ("Có thẻ BHYT được hỗ trợ", "With a supported card"),
        "f1": ("Tỷ lệ có thẻ BHYT", "Card coverage"),
        "health_visits": ("Lượt khám, tư vấn", "Health visits"),
        "special_cases": ("Trẻ em có HCĐB", "Children in special circumstances"),
        "special_supported": ("Trẻ em có HCĐB được trợ giúp", "Of whom supported"),
        "f3": ("Tỷ lệ được trợ giúp", "Share supported"),
        "at_risk_cases": ("Trẻ em có nguy cơ", "Children at risk"),
        "at_risk_supported": ("Trẻ em có nguy cơ được can thiệp", "Of whom given intervention"),
        "f4": ("Tỷ lệ được can thiệp", "Share given intervention"),
        "f5": ("Có Ban Bảo vệ, chăm sóc trẻ em", "Has a child-protection board"),
        "villages": ("Thôn, bản, khu phố", "Villages"),
        "villages_with_collaborator": ("Có cộng tác viên BVTE", "With a collaborator"),
        "f6": ("Tỷ lệ thôn có cộng tác viên", "Villages with a collaborator"),
        "new_builds": ("Hộ xây nhà mới", "New builds"),
        "repairs": ("Hộ sửa chữa nhà", "Repairs"),
        "grant_amount": ("Kinh phí hỗ trợ (đồng)", "Funding (VND)"),
        "socialised_amount": ("Trong đó xã hội hóa (đồng)", "Of which socialised (VND)"),
        "job_fairs": ("Hội nghị giao dịch việc làm, XKLĐ", "Job fairs"),
        "recruitment_events": ("Hội nghị tư vấn, tuyển dụng", "Recruitment consultations"),
        "classes": ("Lớp sơ cấp nghề", "Vocational classes"),
        "classes_non_agri": ("Lớp phi nông nghiệp", "Non-agricultural"),
        "classes_agri": ("Lớp nông nghiệp", "Agricultural"),
        "learners": ("Học viên", "Learners"),
        "beneficiaries": ("Đối tượng hưởng trợ cấp", "Beneficiaries"),
        "paid_amount": ("Kinh phí chi trả (đồng)", "Paid (VND)"),
    },
)


def domain_title(domain: str, lang: str) -> str:
    """ "Hỗ trợ nhà ở": a domain's heading (``domain`` is one of DOMAINS)."""
    return T(domain, lang)


@dataclass(frozen=True)
class Spec:
    """How one table column is computed from ``queries.measures`` and how it is protected."""

    key: str  # the measure's column, or the percentage's own name; its heading's key in T
    unit: str  # count / money / percent
    sensitive: bool = False  # counts people or households
    ratio: tuple[str, str] | None = None  # (numerator, denominator) of a percentage
    public: bool = True  # printed in the public version
    indicator: str | None = None  # the registry code whose value this column is

    def label(self, lang: str) -> str:
        """The column's heading."""
        return T(self.key, lang)


TABLES: dict[str, list[Spec]] = {
    "coverage": [
        Spec("elderly", "count", sensitive=True),
        Spec("elderly_covered", "count", sensitive=True, public=False),
        Spec("f1", "percent", ratio=("elderly_covered", "elderly"), indicator="F1"),
        Spec("health_visits", "count", sensitive=True, indicator="F2"),
        Spec("special_cases", "count", sensitive=True),
        Spec("special_supported", "count", sensitive=True, public=False),
        Spec("f3", "percent", ratio=("special_supported", "special_cases"), indicator="F3"),
        Spec("at_risk_cases", "count", sensitive=True),
        Spec("at_risk_supported", "count", sensitive=True, public=False),
        Spec("f4", "percent", ratio=("at_risk_supported", "at_risk_cases"), indicator="F4"),
        Spec("f5", "percent", ratio=("communes_with_board", "communes"), indicator="F5"),
        Spec("villages", "count"),
        Spec("villages_with_collaborator", "count"),
        Spec("f6", "percent", ratio=("villages_with_collaborator", "villages"), indicator="F6"),
    ],
    "housing": [
        Spec("new_builds", "count", sensitive=True, indicator="F7"),
        Spec("repairs", "count", sensitive=True, indicator="F8"),
        # Per-house amounts follow rates (e.g. 80 / 40 triệu), so a commune's money would give
        # its hidden counts away: the public version prints money only as the district total.
        Spec("grant_amount", "money", public=False, indicator="F9"),
        Spec("socialised_amount", "money", public=False),
    ],
    "training": [
        Spec("job_fairs", "count", indicator="F10"),
        Spec("recruitment_events", "count", indicator="F11"),
        Spec("classes", "count", indicator="F12"),
        Spec("classes_non_agri", "count"),
        Spec("classes_agri", "count"),
        Spec("learners", "count", sensitive=True, indicator="F13"),
    ],
    "payouts": [
        Spec("beneficiaries", "count", sensitive=True, indicator="F14"),
        Spec("paid_amount", "money", indicator="F15"),
    ],
}
