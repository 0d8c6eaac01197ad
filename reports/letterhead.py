"""Who issues a briefing, and so its letterhead, number, place, signature and distribution.

All of it is data (``data_access.organisation``), chosen by the unit and the period the report
covers: the ``organisation`` row of that unit in force then gives the body above the issuer,
the issuing body, "Số: …/<suffix>", the place on the date line, the signature block and the
"Nơi nhận" list (a 2023 district report: the district office's row; a province's report from
1/7/2025: the row the data gives). A unit with no row in force issues as its People's
Committee, written from its name and kind as ``admin_unit`` records them (DOMAIN.md §6):
"UBND XÃ QUẢNG TÂN", "Số: …/BC-UBND", "Quảng Tân, ngày …", signed "TM. ỦY BAN NHÂN DÂN /
CHỦ TỊCH", sent to the unit above and to the body of the unit above. A commune's report is
its own People's Committee's; a report on communes that share no unit gets a letterhead with
dotted lines to fill in by hand. No place is written here.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_access.organisation import AreaUnit, Body, Issuer
from data_access.schema import COMMUNE_KINDS
from i18n import Catalog

from .briefing.model import Briefing
from .briefing.names import in_sentence, kind_word, place_name

BLANK = "……………………"  # a line to fill in by hand (Decree 30 forms write dots)

T = Catalog(
    "reports.letterhead",
    {
        "number": ("Số:      /{suffix}", "No.:      /{suffix}"),
        "blank_suffix": ("BC-…", "BC-…"),
        "blank_signer": ("THỦ TRƯỞNG CƠ QUAN", "HEAD OF THE ISSUING BODY"),
        "to_commune": ("- UBND {name};", "- {name} People's Committee;"),
        "archive": ("- Lưu: VT.", "- Archive."),
        "area_attention": (
            "CÁC XÃ, THỊ TRẤN CẦN TẬP TRUNG CHỈ ĐẠO",
            "COMMUNES NEEDING ATTENTION",
        ),
        "area_no_attention": (
            "Không có xã, thị trấn nào thấp hơn chỉ tiêu hoặc chậm tiến độ trong kỳ.",
            "No commune is below target or behind schedule in the period.",
        ),
        # a unit's People's Committee (a commune head's reports; any unit without a row)
        "committee_body": ("UBND {name}", "{name} PEOPLE'S COMMITTEE"),
        "committee_name": ("UBND {name}", "{name} People's Committee"),
        "committee_suffix": ("BC-UBND", "BC-UBND"),
        "committee_signer": ("TM. ỦY BAN NHÂN DÂN|CHỦ TỊCH", "FOR THE PEOPLE'S COMMITTEE|CHAIR"),
        "to_parent": ("- UBND {parent};", "- {parent} People's Committee;"),
        "to_body": ("- {name};", "- {name};"),
        "committee_recipients": (
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
    """The letterhead of ``briefing``: the body the data gives for the unit and period it
    covers, else that unit's People's Committee, else blank lines to fill in."""
    issuing: Issuer = briefing.issuing
    unit = issuing.unit
    by_commune = unit is not None and unit.kind in COMMUNE_KINDS
    if issuing.body is not None:
        return _from_row(issuing.body, briefing, by_commune)
    if unit is not None:
        return _committee(unit, issuing.parent_body, briefing, by_commune)
    return _blank(briefing)


def _parts(briefing: Briefing, by_commune: bool) -> dict[str, object]:
    lang = briefing.lang
    kind = "commune" if by_commune else "area"
    return {
        "attention": T(f"{kind}_attention", lang),
        "no_attention": T(f"{kind}_no_attention", lang),
        "by_commune": by_commune,
    }


def _with_commune(recipients: list[str], briefing: Briefing, by_commune: bool) -> list[str]:
    """A report on one commune by a body above it is sent to that commune too ("- UBND xã
    Quảng Tân;"), before the archive line that closes the list."""
    if by_commune or not briefing.commune:
        return recipients
    line = T("to_commune", briefing.lang, name=in_sentence(briefing.commune, briefing.lang))
    if len(recipients) > 1:
        return [*recipients[:-1], line, recipients[-1]]
    return [line, *recipients]


def _from_row(body: Body, briefing: Briefing, by_commune: bool) -> Letterhead:
    lang = briefing.lang
    recipients = body.lines("recipients", lang) or [T("archive", lang)]
    return Letterhead(
        parent=body.text("parent_name", lang) or None,
        body=body.text("body_caps", lang) or "",
        name=body.text("body_name", lang) or "",
        number=T("number", lang, suffix=body.number_suffix),
        place=body.place,
        signer=body.lines("signer", lang),
        recipients=_with_commune(recipients, briefing, by_commune),
        **_parts(briefing, by_commune),  # type: ignore[arg-type]
    )


def _committee(
    unit: AreaUnit, above: Body | None, briefing: Briefing, by_commune: bool
) -> Letterhead:
    lang = briefing.lang
    recipients = []
    if unit.parent:
        recipients.append(T("to_parent", lang, parent=in_sentence(unit.parent, lang)))
    if above is not None:  # the body of the unit above then: the district office until 2025
        recipients.append(T("to_body", lang, name=above.text("body_name", lang)))
    kind = kind_word(unit.name, lang)
    recipients += T("committee_recipients", lang, kind=kind).split("|")
    return Letterhead(
        parent=None,
        body=T("committee_body", lang, name=unit.name.upper()),
        name=T("committee_name", lang, name=in_sentence(unit.name, lang)),
        number=T("number", lang, suffix=T("committee_suffix", lang)),
        place=place_name(unit.name),
        signer=T("committee_signer", lang).split("|"),
        recipients=_with_commune(recipients, briefing, by_commune),
        **_parts(briefing, by_commune),  # type: ignore[arg-type]
    )


def _blank(briefing: Briefing) -> Letterhead:
    lang = briefing.lang
    return Letterhead(
        parent=None,
        body=BLANK,
        name=BLANK,
        number=T("number", lang, suffix=T("blank_suffix", lang)),
        place=BLANK,
        signer=[T("blank_signer", lang)],
        recipients=_with_commune([T("archive", lang)], briefing, False),
        **_parts(briefing, False),  # type: ignore[arg-type]
    )
