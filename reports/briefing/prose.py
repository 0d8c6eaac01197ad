"""Write: one summary paragraph per domain, composed from the protected figures.

Every clause that would print a hidden number or compare with one is left out; "<5" reads
"dưới 5" ("fewer than 5") in running text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from charts.formatting import fmt_change_pp, fmt_date, fmt_int, fmt_percent
from data_access.indicators import BY_CODE
from data_access.organisation import Area
from i18n import Catalog, choose

from .gather import where
from .model import Cell, Figure
from .names import in_sentence
from .numbers import counted, fmt_number, in_text, trend, unit_word
from .periods import ReportPeriod, mid_sentence

T = Catalog(
    "reports.briefing.prose",
    {
        # shared pieces
        "and": ("và", "and"),
        "versus": ("{trend} so với {label}", "{trend} on {label}"),
        "compared": ("So với {label}, {changes}", "Compared with {label}, {changes}"),
        "progress_year": (
            "bằng {share} kế hoạch năm ({goal})",
            "{share} of the annual target ({goal})",
        ),
        "progress": (
            "lũy kế {label} đạt {amount}, bằng {share} kế hoạch năm ({goal})",
            "{amount} in {label}, {share} of the annual target ({goal})",
        ),
        "plan_year_item": ("{label} đạt {share}", "{label}: {share}"),
        "plan_item": ("{amount} (bằng {share} kế hoạch năm)", "{amount} ({share})"),
        "plan_year": ("So với kế hoạch năm: {items}", "Against the annual targets: {items}"),
        "plan": (
            "Lũy kế {label}, {subject} đạt {items}",
            "In {label} {subject} reached {items} of the annual targets",
        ),
        "meets": ("đạt chỉ tiêu ({goal})", "meeting the target ({goal})"),
        "short_of": ("thấp hơn chỉ tiêu {goal} là {points}", "{points} below the target of {goal}"),
        # coverage
        "people": ("người", "people"),
        "children": ("trẻ", "children"),
        "cards": (
            "Đến {ref}, {subject} có {share} người cao tuổi{counts} được cấp thẻ BHYT do Nhà nước "
            "đóng hoặc hỗ trợ đóng{versus}",
            "By {ref}, {share} of the elderly in {subject}{counts} held a health-insurance "
            "card paid or co-paid by the State{versus}",
        ),
        "visits": (
            "{period}, {subject} có {visits} người cao tuổi được khám, tư vấn sức khỏe"
            "{comparisons}{progress}",
            "In {period}, {subject} recorded {visits} by the elderly for check-ups and "
            "consultations{comparisons}{progress}",
        ),
        "special": (
            "tỷ lệ trẻ em có hoàn cảnh đặc biệt được trợ giúp đạt {value}{counts}{versus}",
            "{value} of children in special circumstances{counts} were supported{versus}",
        ),
        "at_risk": (
            "tỷ lệ trẻ em có nguy cơ được can thiệp, hỗ trợ đạt {value}{counts}{versus}",
            "{value} of at-risk children{counts} were given intervention{versus}",
        ),
        "children_unpublished": (
            "tỷ lệ trẻ em được trợ giúp, can thiệp không công bố trong bản này vì số nhỏ",
            "the shares of children supported are not published here (small numbers)",
        ),
        "board_has": (
            "{subject} đã có Ban Bảo vệ, chăm sóc trẻ em",
            "{subject} has child-protection board",
        ),
        "board_has_no": (
            "{subject} chưa có Ban Bảo vệ, chăm sóc trẻ em",
            "{subject} has no child-protection board",
        ),
        "boards": (
            "{ratio} xã, thị trấn có Ban Bảo vệ, chăm sóc trẻ em",
            "{ratio} communes have a child-protection board",
        ),
        "villages": (
            "{boards}; {villages} thôn, bản, khu phố ({share}) có cộng tác viên bảo vệ trẻ em",
            "{boards}; {villages} villages ({share}) have a child-protection collaborator",
        ),
        # housing
        "no_grants": (
            "{period}, {subject} không có hộ nào được phê duyệt hỗ trợ nhà ở",
            "In {period}, no housing grant was approved in {subject}",
        ),
        "new_houses": ("{n} xây nhà mới", "{n} to build a new house"),
        "repaired_houses": ("{n} sửa chữa, cải tạo nhà ở", "{n} to repair one"),
        "some_households": ("một số hộ", "some households"),
        "helped": ("{period}, {subject} hỗ trợ {whom}", "In {period}, {subject} helped {whom}"),
        "grant_money": ("tổng kinh phí {money}", "{money} in total"),
        "socialised": ("trong đó {share} từ nguồn xã hội hóa", "{share} of it socialised"),
        "trend_new_builds": ("số hộ xây mới {trend}", "new builds {trend}"),
        "trend_repairs": ("số hộ sửa chữa {trend}", "repairs {trend}"),
        "plan_new_builds": ("xây mới", "new builds"),
        "plan_repairs": ("sửa chữa", "repairs"),
        "plan_funding": ("kinh phí", "funding"),
        # training
        "job_fairs": (
            "giao dịch việc làm, xuất khẩu lao động",
            "job fairs and labour-export conferences",
        ),
        "recruitment": ("tư vấn, tuyển dụng lao động", "recruitment consultations"),
        "held": ("tổ chức {events}", "held {events}"),
        "held_none": ("không tổ chức hội nghị việc làm", "held no job events"),
        "class_split": (
            "{non} lớp phi nông nghiệp, {agri} lớp nông nghiệp",
            "{non} non-agricultural, {agri} agricultural",
        ),
        "with_learners": ("với {learners}", "with {learners}"),
        "opened": (
            "khai giảng {classes} sơ cấp nghề cho lao động nông thôn{split}{learners}",
            "opened {classes} of elementary vocational training{split}{learners}",
        ),
        "opened_none": ("không khai giảng lớp sơ cấp nghề mới", "opened no vocational class"),
        "training": (
            "{period}, {subject} {did}; {opened}",
            "In {period}, {subject} {did}; {opened}",
        ),
        "plan_job_fairs": ("giao dịch việc làm", "job fairs"),
        "plan_recruitment": ("tư vấn, tuyển dụng", "recruitment consultations"),
        "plan_classes": ("sơ cấp nghề", "classes"),
        "trend_classes": ("số lớp {trend}", "classes {trend}"),
        "trend_learners": ("số học viên {trend}", "learners {trend}"),
        # payouts
        "paid_none": (
            "{period}, {subject} chưa có khoản chi trả trợ cấp xã hội nào",
            "In {period}, {subject} paid no social allowance",
        ),
        "to_whom": ("cho {people}", "to {people}"),
        "paid": (
            "{period}, {subject} chi trả {paid} trợ cấp xã hội hằng tháng{to_whom}{comparisons}",
            "In {period}, {subject} paid {paid} in monthly social allowances{to_whom}{comparisons}",
        ),
        "beneficiaries": (
            "Số đối tượng hưởng trợ cấp {trend} so với {label}",
            "The number of beneficiaries is {trend} on {label}",
        ),
        "paid_plan_year": (
            "Kinh phí chi trả bằng {share} kế hoạch năm ({goal})",
            "Payouts reached {share} of the annual plan ({goal})",
        ),
        "paid_plan": (
            "Lũy kế {label}, kinh phí chi trả đạt {amount}, bằng {share} kế hoạch năm ({goal})",
            "In {label}, payouts reached {amount}, {share} of the annual plan ({goal})",
        ),
    },
)

Figures = dict[str, Figure]
Writer = Callable[[ReportPeriod, Figures, dict[str, Cell], str, str], str]


def subject(whole: bool, commune: str | None, lang: str, area: Area) -> str:
    """Who did it, inside a sentence: "toàn huyện" (the data's whole area), "xã Quảng Tân",
    "các xã, thị trấn được chọn".

    A sentence that starts with it gets its capital back (``_sentence``).
    """
    return area.subject(lang) if whole else in_sentence(where(whole, commune, lang, area), lang)


def summary(
    domain: str,
    report: ReportPeriod,
    figures: Figures,
    total: dict[str, Cell],
    who: str,
    lang: str,
) -> str:
    """The paragraph of one domain; ``total`` is its table's total row, ``who`` the subject."""
    return WRITERS[domain](report, figures, total, who, lang)


# --- sentences --------------------------------------------------------------------------------


def _sentence(text: str) -> str:
    """A clause as a sentence: capital first letter, full stop."""
    text = text.strip()
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _paragraph(sentences: Sequence[str | None]) -> str:
    """The sentences that are there (None: left out, e.g. hidden), as one paragraph."""
    return " ".join(_sentence(s) for s in sentences if s)


def _and(parts: Sequence[str], lang: str) -> str:
    """ "a và b" / "a and b"."""
    return f" {T('and', lang)} ".join(parts)


def _comparisons(fig: Figure, report: ReportPeriod, lang: str) -> str:
    """ ", tăng 1,2% so với quý II/2023 và tăng 11,7% so với cùng kỳ năm 2022" (shown parts)."""
    parts = []
    if fig.previous is not None:
        previous = trend(fig, fig.previous, lang)
        if previous:
            parts.append(T("versus", lang, trend=previous, label=report.previous_label(lang)))
    last_year = trend(fig, fig.last_year, lang)
    if last_year:
        parts.append(T("versus", lang, trend=last_year, label=report.same_period_label(lang)))
    return ", " + _and(parts, lang) if parts else ""


def _compared(report: ReportPeriod, changes: list[str], lang: str) -> str | None:
    """ "So với cùng kỳ năm 2022, số hộ xây mới tăng 2 hộ, …"; None without a change to show."""
    if not changes:
        return None
    return T("compared", lang, label=report.same_period_label(lang), changes=", ".join(changes))


def _share(fig: Figure, lang: str) -> str | None:
    """The year to date as a share of the annual target: "108,3%"."""
    return None if fig.progress is None else fmt_percent(fig.progress, 1, lang)


def _goal(fig: Figure, lang: str) -> str:
    """The annual target in its unit: "3.000 lượt"."""
    return fmt_number(fig.unit, fig.target, lang, unit_word(BY_CODE[fig.code], lang, fig.target))


def _progress(fig: Figure, report: ReportPeriod, lang: str) -> str | None:
    """ "lũy kế 9 tháng năm 2023 đạt 2.280 lượt, bằng 76% kế hoạch năm (3.000 lượt)"."""
    share = _share(fig, lang)
    if share is None:
        return None
    goal = _goal(fig, lang)
    if report.kind == "year":
        return T("progress_year", lang, share=share, goal=goal)
    amount = in_text(fig, fig.year_to_date, lang)
    label = mid_sentence(report.year_to_date_label(lang))
    return T("progress", lang, label=label, amount=amount, share=share, goal=goal)


@dataclass(frozen=True)
class _PlanItem:
    """One figure in a year-to-date sentence: "13 hộ xây mới" or, for money, "kinh phí 1,48 tỷ"."""

    figure: Figure
    noun: str | None = None  # what it counts, in the sentence's language (None: the unit word)

    def amount(self, lang: str) -> str:
        """The year to date with what it counts."""
        cell = self.figure.year_to_date
        assert cell is not None and cell.shown  # listed only beside its shown share of target
        amount = in_text(self.figure, cell, lang) or ""
        if self.noun is None:
            return amount
        if self.figure.unit == "money":
            return f"{self.noun} {amount}"  # "kinh phí 1,48 tỷ đồng"
        return counted(self.figure, cell, self.noun, lang)


def _plan_items(
    items: Sequence[_PlanItem], report: ReportPeriod, who: str, lang: str
) -> str | None:
    """Year-to-date progress of several figures in one sentence; None when none is shown.

    Quarter: "Lũy kế 9 tháng năm 2023, toàn huyện đạt 13 hộ xây mới (bằng 108,3% kế hoạch
    năm), …". Year: "So với kế hoạch năm: hộ xây mới đạt 108,3%, …".
    """
    parts = []
    for item in items:
        share = _share(item.figure, lang)
        if share is None:
            continue
        if report.kind == "year":
            label = item.figure.label(lang)
            # A name inside a Vietnamese sentence starts in lower case; English keeps its capital.
            label = choose(lang, label[0].lower() + label[1:], label)
            parts.append(T("plan_year_item", lang, label=label, share=share))
        else:
            parts.append(T("plan_item", lang, amount=item.amount(lang), share=share))
    if not parts:
        return None
    if report.kind == "year":
        return T("plan_year", lang, items=", ".join(parts))
    label = mid_sentence(report.year_to_date_label(lang))
    return T("plan", lang, label=label, subject=who, items=", ".join(parts))


def _percent_against_target(fig: Figure, lang: str) -> str:
    """ ", đạt chỉ tiêu (100%)" / ", thấp hơn chỉ tiêu 100% là 2,8 điểm %"."""
    if fig.target is None or not fig.value.shown or fig.value.value is None:
        return ""
    goal = fmt_percent(fig.target, 1, lang)
    gap = fig.value.value - fig.target
    if gap >= 0:
        return ", " + T("meets", lang, goal=goal)
    points = fmt_change_pp(-gap * 100, lang).removeprefix("+")
    return ", " + T("short_of", lang, goal=goal, points=points)


def _counts(fig: Figure, noun: str, lang: str) -> str:
    """ " (4.488/4.488 người)"; empty when the counts are not published."""
    den = fig.denominator
    if not fig.numerator.shown or den is None or not den.shown:
        return ""
    return f" ({fmt_int(fig.numerator.value, lang)}/{fmt_int(den.value, lang)} {noun})"


def _pct(fig: Figure, lang: str) -> str | None:
    """A shown percentage: "97,2%"; None when hidden."""
    return fmt_percent(fig.value.value, 1, lang) if fig.value.shown else None


# --- the four domains -------------------------------------------------------------------------


def _write_coverage(
    report: ReportPeriod, f: Figures, total: dict[str, Cell], who: str, lang: str
) -> str:
    """Health-insurance cards, health visits, children supported, boards and collaborators."""
    ref = fmt_date(min(report.period.end_date, report.as_of), lang)
    out: list[str | None] = []
    f1 = _pct(f["F1"], lang)
    if f1:
        counts = _counts(f["F1"], T("people", lang), lang)
        versus = _percent_against_target(f["F1"], lang)
        out.append(T("cards", lang, ref=ref, subject=who, share=f1, counts=counts, versus=versus))
    visits = in_text(f["F2"], f["F2"].value, lang)
    if visits:
        progress = _progress(f["F2"], report, lang)
        out.append(
            T(
                "visits",
                lang,
                period=report.text_label(lang),
                subject=who,
                visits=visits,
                comparisons=_comparisons(f["F2"], report, lang),
                progress=f"; {progress}" if progress else "",
            )
        )
    out.append(_children(f, lang))
    out.append(_boards_and_villages(f["F5"], f["F6"], who, lang))
    return _paragraph(out)


def _children(f: Figures, lang: str) -> str | None:
    """The shares of children supported and given intervention, against their targets."""
    kids = []
    for code, key in (("F3", "special"), ("F4", "at_risk")):
        value = _pct(f[code], lang)
        if value is None:
            continue
        counts = _counts(f[code], T("children", lang), lang)
        versus = _percent_against_target(f[code], lang)
        kids.append(T(key, lang, value=value, counts=counts, versus=versus))
    if kids:
        return "; ".join(kids)
    special = f["F3"].denominator
    if special is not None and special.value:
        return T("children_unpublished", lang)
    return None


def _boards_and_villages(f5: Figure, f6: Figure, who: str, lang: str) -> str | None:
    """ "9/9 xã, thị trấn có Ban …; 73/73 thôn, bản, khu phố (100%) có cộng tác viên …"."""
    if f5.denominator is None or not f5.denominator.value or f6.denominator is None:
        return None
    boards_n, boards_d = f5.numerator.value, f5.denominator.value
    if boards_d == 1:
        boards = (
            T("board_has", lang, subject=who) if boards_n else T("board_has_no", lang, subject=who)
        )
    else:
        boards = T("boards", lang, ratio=f"{fmt_int(boards_n, lang)}/{fmt_int(boards_d, lang)}")
    villages = f"{fmt_int(f6.numerator.value, lang)}/{fmt_int(f6.denominator.value, lang)}"
    share = fmt_percent(f6.value.value, 1, lang)
    return T("villages", lang, boards=boards, villages=villages, share=share)


def _write_housing(
    report: ReportPeriod, f: Figures, total: dict[str, Cell], who: str, lang: str
) -> str:
    """Houses built and repaired, their money, the change on last year and the plan."""
    period = report.text_label(lang)
    if f["F7"].value.value == 0 and f["F8"].value.value == 0:
        return _sentence(T("no_grants", lang, period=period, subject=who))
    new, repairs = in_text(f["F7"], f["F7"].value, lang), in_text(f["F8"], f["F8"].value, lang)
    parts = []
    if new:
        parts.append(T("new_houses", lang, n=new))
    if repairs:
        parts.append(T("repaired_houses", lang, n=repairs))
    whom = _and(parts, lang) or T("some_households", lang)
    first = T("helped", lang, period=period, subject=who, whom=whom)
    money = in_text(f["F9"], f["F9"].value, lang)
    if money:
        first += ", " + T("grant_money", lang, money=money)
        social = _pct(f["F9S"], lang)
        if social:
            first += ", " + T("socialised", lang, share=social)
    changes = []
    for code, key in (("F7", "trend_new_builds"), ("F8", "trend_repairs")):
        change = trend(f[code], f[code].last_year, lang)
        if change:
            changes.append(T(key, lang, trend=change))
    plan = _plan_items(
        [
            _PlanItem(f["F7"], T("plan_new_builds", lang)),
            _PlanItem(f["F8"], T("plan_repairs", lang)),
            _PlanItem(f["F9"], T("plan_funding", lang)),
        ],
        report,
        who,
        lang,
    )
    return _paragraph([first, _compared(report, changes, lang), plan])


def _write_training(
    report: ReportPeriod, f: Figures, total: dict[str, Cell], who: str, lang: str
) -> str:
    """Job events held, vocational classes opened, the plan and the change on last year."""
    events = []
    for code, key in (("F10", "job_fairs"), ("F11", "recruitment")):
        cell = f[code].value
        if cell.value and in_text(f[code], cell, lang):
            events.append(counted(f[code], cell, T(key, lang), lang))
    did = T("held", lang, events=_and(events, lang)) if events else T("held_none", lang)
    first = T(
        "training",
        lang,
        period=report.text_label(lang),
        subject=who,
        did=did,
        opened=_opened(f, total, lang),
    )
    plan = _plan_items(
        [
            _PlanItem(f["F10"], T("plan_job_fairs", lang)),
            _PlanItem(f["F11"], T("plan_recruitment", lang)),
            _PlanItem(f["F12"], T("plan_classes", lang)),
            _PlanItem(f["F13"]),
        ],
        report,
        who,
        lang,
    )
    changes = []
    for code, key in (("F12", "trend_classes"), ("F13", "trend_learners")):
        change = trend(f[code], f[code].last_year, lang)
        if change:
            changes.append(T(key, lang, trend=change))
    return _paragraph([first, plan, _compared(report, changes, lang)])


def _opened(f: Figures, total: dict[str, Cell], lang: str) -> str:
    """The vocational classes opened, split by field, with their learners."""
    if not f["F12"].value.value:
        return T("opened_none", lang)
    classes = in_text(f["F12"], f["F12"].value, lang)
    non, agri = total["classes_non_agri"].value, total["classes_agri"].value
    split = T("class_split", lang, non=fmt_int(non, lang), agri=fmt_int(agri, lang))
    learners = in_text(f["F13"], f["F13"].value, lang)
    with_learners = " " + T("with_learners", lang, learners=learners) if learners else ""
    return T("opened", lang, classes=classes, split=f" ({split})", learners=with_learners)


def _write_payouts(
    report: ReportPeriod, f: Figures, total: dict[str, Cell], who: str, lang: str
) -> str:
    """Allowances paid and to how many, their changes, and the plan."""
    period = report.text_label(lang)
    if not f["F15"].value.value:
        return _sentence(T("paid_none", lang, period=period, subject=who))
    paid = in_text(f["F15"], f["F15"].value, lang)
    people = in_text(f["F14"], f["F14"].value, lang)
    first = None
    if paid:
        first = T(
            "paid",
            lang,
            period=period,
            subject=who,
            paid=paid,
            to_whom=" " + T("to_whom", lang, people=people) if people else "",
            comparisons=_comparisons(f["F15"], report, lang),
        )
    change = trend(f["F14"], f["F14"].last_year, lang)
    label = report.same_period_label(lang)
    second = T("beneficiaries", lang, trend=change, label=label) if change else None
    return _paragraph([first, second, _payout_plan(f["F15"], report, lang)])


def _payout_plan(fig: Figure, report: ReportPeriod, lang: str) -> str | None:
    """Payouts against the annual plan: the year, or the year to date."""
    share = _share(fig, lang)
    if not share:
        return None
    goal = _goal(fig, lang)
    if report.kind == "year":
        return T("paid_plan_year", lang, share=share, goal=goal)
    amount = in_text(fig, fig.year_to_date, lang)
    label = mid_sentence(report.year_to_date_label(lang))
    return T("paid_plan", lang, label=label, amount=amount, share=share, goal=goal)


WRITERS: dict[str, Writer] = {
    "coverage": _write_coverage,
    "housing": _write_housing,
    "training": _write_training,
    "payouts": _write_payouts,
}
