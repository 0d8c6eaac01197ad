"""Who issues a briefing, and so its letterhead, number, place, signature and distribution.

A commune head's report is issued by that commune's People's Committee (DOMAIN.md §6):
"UBND XÃ QUẢNG TÂN", "Số: …/BC-UBND", "Quảng Tân, ngày …", signed "TM. ỦY BAN NHÂN DÂN /
CHỦ TỊCH", and sent to the district (its People's Committee and its labour and social affairs
office) and the commune's own Party Committee and People's Council. The body, the place and
the units it is sent to come from the commune's name and kind as ``admin_unit`` records them.

Every other report (the district leadership's, with or without communes chosen) is issued
by the district's office of labour, invalids and social affairs; its bodies are still
written here (not yet data).
"""

from __future__ import annotations

from dataclasses import dataclass

from data_access.filters import VERSION_2023
from data_access.schema import COMMUNE_KINDS
from i18n import Catalog

from .briefing.model import Briefing, Unit
from .briefing.names import in_sentence, kind_word, place_name

DISTRICT_PLACE = "Đầm Hà"  # the district office's seat, on its date line

T = Catalog(
    "reports.letterhead",
    {
        # the district office (the district leadership's reports)
        "district_parent": ("UBND HUYỆN ĐẦM HÀ", "ĐẦM HÀ DISTRICT PEOPLE'S COMMITTEE"),
        "district_body": (
            "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
            "DIVISION OF LABOUR, INVALIDS AND SOCIAL AFFAIRS",
        ),
        "district_name": (
            "Phòng Lao động - Thương binh và Xã hội huyện Đầm Hà",
            "Đầm Hà Division of Labour, Invalids and Social Affairs",
        ),
        "district_number": ("Số:      /BC-LĐTBXH", "No.:      /BC-LĐTBXH"),
        "district_signer": ("TRƯỞNG PHÒNG", "HEAD OF DIVISION"),
        "district_recipients": (
            "- Thường trực Huyện ủy;|- Thường trực HĐND, UBND huyện;{commune}|- Lưu: VT, LĐTBXH.",
            "- Standing Committee of the District Party Committee;|- District People's Council "
            "and Committee;{commune}|- Archive.",
        ),
        "district_to_commune": ("- UBND {name};", "- {name} People's Committee;"),
        "district_attention": (
            "CÁC XÃ, THỊ TRẤN CẦN TẬP TRUNG CHỈ ĐẠO",
            "COMMUNES NEEDING ATTENTION",
        ),
        "district_no_attention": (
            "Không có xã, thị trấn nào thấp hơn chỉ tiêu hoặc chậm tiến độ trong kỳ.",
            "No commune is below target or behind schedule in the period.",
        ),
        # a commune's People's Committee (a commune head's reports)
        "commune_body": ("UBND {name}", "{name} PEOPLE'S COMMITTEE"),
        "commune_name": ("UBND {name}", "{name} People's Committee"),
        "commune_number": ("Số:      /BC-UBND", "No.:      /BC-UBND"),
        "commune_signer": ("TM. ỦY BAN NHÂN DÂN|CHỦ TỊCH", "FOR THE PEOPLE'S COMMITTEE|CHAIR"),
        "to_parent": ("- UBND {parent};", "- {parent} People's Committee;"),
        "to_district_office": (
            "- Phòng LĐ-TB&XH {parent};",
            "- {parent} Division of Labour, Invalids and Social Affairs;",
        ),
        "commune_recipients": (
            "- Thường trực Đảng ủy, HĐND {kind};|- Lưu: VT.",
            "- Standing committees of the {kind} Party Committee and People's Council;|- Archive.",
        ),
        "commune_attention": (
            "CÁC CHỈ TIÊU CẦN TẬP TRUNG CHỈ ĐẠO",
            "INDICATORS NEEDING ATTENTION",
        ),
        "commune_no_attention": (
            "Không có chỉ tiêu nào thấp hơn chỉ tiêu hoặc chậm tiến độ trong kỳ.",
            "No indicator is below target or behind schedule in the period.",
        ),
    },
)


@dataclass(frozen=True)
class Letterhead:
    """The parts of a report that depend on who issues it, in one language."""

    parent: str | None  # the line above the issuing body (not bold); None for a committee
    body: str  # the issuing body, bold capitals
    name: str  # the issuing body as written in a sentence or a table
    number: str  # "Số:      /BC-UBND"
    place: str  # the place on the date line: "Quảng Tân"
    signer: list[str]  # the signature block's bold lines
    recipients: list[str]  # the "Nơi nhận" list
    attention: str  # the title of the part listing what lags
    no_attention: str  # that part when nothing lags
    by_commune: bool  # True: issued by a commune about itself (lags need no commune name)


def letterhead(briefing: Briefing) -> Letterhead:
    """The letterhead of ``briefing``: its commune's, or the district office's."""
    issuer = briefing.issuer
    if issuer is not None and issuer.kind in COMMUNE_KINDS:
        return _commune(issuer, briefing)
    return _district(briefing)


def _commune(unit: Unit, briefing: Briefing) -> Letterhead:
    lang = briefing.lang
    recipients = []
    if unit.parent:
        parent = in_sentence(unit.parent, lang)
        recipients.append(T("to_parent", lang, parent=parent))
        # Districts and their offices exist in the 2023 unit version; from 1/7/2025 the
        # communes report to the province (DOMAIN.md §6).
        if briefing.version == VERSION_2023:
            recipients.append(T("to_district_office", lang, parent=parent))
    recipients += T("commune_recipients", lang, kind=kind_word(unit.name, lang)).split("|")
    return Letterhead(
        parent=None,
        body=T("commune_body", lang, name=unit.name.upper()),
        name=T("commune_name", lang, name=in_sentence(unit.name, lang)),
        number=T("commune_number", lang),
        place=place_name(unit.name),
        signer=T("commune_signer", lang).split("|"),
        recipients=recipients,
        attention=T("commune_attention", lang),
        no_attention=T("commune_no_attention", lang),
        by_commune=True,
    )


def _district(briefing: Briefing) -> Letterhead:
    lang = briefing.lang
    # A report on one commune is sent to that commune too: "UBND xã Quảng Tân".
    commune = ""
    if briefing.commune:
        commune = "|" + T("district_to_commune", lang, name=in_sentence(briefing.commune, lang))
    return Letterhead(
        parent=T("district_parent", lang),
        body=T("district_body", lang),
        name=T("district_name", lang),
        number=T("district_number", lang),
        place=DISTRICT_PLACE,
        signer=[T("district_signer", lang)],
        recipients=T("district_recipients", lang, commune=commune).split("|"),
        attention=T("district_attention", lang),
        no_attention=T("district_no_attention", lang),
        by_commune=False,
    )
