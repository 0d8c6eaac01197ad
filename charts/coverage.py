"""Charts and tables of the coverage page (Bao phủ): pure functions of the data_access.coverage
frames, Vietnamese first.

Each ``*_chart`` returns an ``alt.Chart``; each ``*_table`` returns the same numbers as a
DataFrame with column names in the user's language, for the table and the downloads under the
chart. Tooltip text is formatted by ``charts.formatting`` so it reads like the tiles. Charts by
commune and by month are built by ``charts.common`` (tap-to-drill, 52 px rows), coloured by
``charts.palette``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import altair as alt
import pandas as pd

from i18n import Catalog
from vocab import CARD_FUNDING, CHILD_CATEGORIES, CIRCUMSTANCES

from . import palette
from .common import (
    LABEL_LIMIT_PX,
    bar_by_commune,
    bottom_legend,
    by_month,
    code_header,
    finish,
    level_of,
    level_title,
    sized_by_rows,
    unit_header,
)
from .formatting import D3_INT, fmt_date, fmt_int, fmt_month, fmt_percent

Formatter = Callable[[float], str]

# Column and axis texts: (vi, en).
T = Catalog(
    "charts.coverage",
    {
        "share_in_category": ("Tỷ lệ trong nhóm", "Share of the category"),
        "cards_title": (
            "Người cao tuổi theo thẻ BHYT còn hạn và nguồn đóng",
            "Elderly by valid health-insurance card and who pays for it",
        ),
        "elderly_n": ("Số người cao tuổi", "Elderly people"),
        "funding": ("Nguồn đóng thẻ BHYT", "Card paid by"),
        "elderly": ("Người cao tuổi", "Elderly"),
        "covered": ("Có thẻ BHYT được hỗ trợ", "With a state-supported card"),
        "covered_pct": ("Tỷ lệ có thẻ được hỗ trợ (%)", "With a state-supported card (%)"),
        "visits_title": (
            "Lượt khám, tư vấn sức khỏe người cao tuổi theo tháng",
            "Elderly health-check and consultation visits by month",
        ),
        "visits": ("Lượt khám", "Visits"),
        "month": ("Tháng", "Month"),
        "total": ("Tổng", "Total"),
        "children_title": (
            "Trẻ em có hoàn cảnh đặc biệt và trẻ em có nguy cơ theo xã",
            "Children in special circumstances and at risk, by commune",
        ),
        "children_title_area": (
            "Trẻ em có hoàn cảnh đặc biệt và trẻ em có nguy cơ theo {area}",
            "Children in special circumstances and at risk, by {area}",
        ),
        "children_n": ("Số trẻ em", "Children"),
        "circumstance": ("Hoàn cảnh", "Circumstance"),
        "supported": ("Đã được trợ giúp, can thiệp", "Supported or given intervention"),
        "special_cases": ("Trẻ em có hoàn cảnh đặc biệt", "Children in special circumstances"),
        "special_supported": ("Được trợ giúp", "Supported"),
        "special_pct": ("Tỷ lệ được trợ giúp (%)", "Supported (%)"),
        "at_risk_cases": ("Trẻ em có nguy cơ", "Children at risk"),
        "at_risk_supported": ("Được can thiệp, hỗ trợ", "Given intervention"),
        "at_risk_pct": ("Tỷ lệ được can thiệp (%)", "Given intervention (%)"),
        "category_title": (
            "Trẻ em theo nhóm hoàn cảnh và tình trạng trợ giúp",
            "Children by category and whether they were helped",
        ),
        "category": ("Nhóm", "Category"),
        "status": ("Tình trạng", "Status"),
        "not_yet": ("Chưa được trợ giúp, can thiệp", "Not yet helped"),
        "cases": ("Số trẻ em", "Children"),
        "supported_pct": ("Tỷ lệ được trợ giúp, can thiệp (%)", "Helped (%)"),
        "network_title": (
            "Thôn, bản, khu phố có cộng tác viên bảo vệ trẻ em theo xã",
            "Villages with a child-protection collaborator, by commune",
        ),
        "network_title_area": (
            "Thôn, bản, khu phố có cộng tác viên bảo vệ trẻ em theo {area}",
            "Villages with a child-protection collaborator, by {area}",
        ),
        "villages_n": ("Số thôn, bản, khu phố", "Villages"),
        "collaborator": ("Cộng tác viên", "Collaborator"),
        "with_collaborator": ("Có cộng tác viên", "With a collaborator"),
        "without_collaborator": ("Chưa có cộng tác viên", "Without a collaborator"),
        "board": ("Ban Bảo vệ, chăm sóc trẻ em", "Child-protection board"),
        "board_yes": ("Có", "Yes"),
        "board_no": ("Chưa có", "No"),
        "board_since": ("Ngày thành lập Ban", "Board set up on"),
        "board_first": ("Ban đầu tiên thành lập", "First board set up on"),
        "communes_n": ("Số xã, thị trấn (2023)", "Communes (2023)"),
        "communes_board": ("Có Ban Bảo vệ, chăm sóc trẻ em", "With a child-protection board"),
        "villages_collab": ("Có cộng tác viên", "With a collaborator"),
        "villages_pct": ("Tỷ lệ thôn có cộng tác viên (%)", "Villages with a collaborator (%)"),
    },
)


# Per circumstance code: the message keys of its cases, supported and per-cent columns.
CIRCUMSTANCE_COLUMNS = {
    "special": ("special_cases", "special_supported", "special_pct"),
    "at_risk": ("at_risk_cases", "at_risk_supported", "at_risk_pct"),
}


def percent_number(part: float, whole: float) -> float | None:
    """``part`` of ``whole`` in per cent, one decimal, for a numeric table column (None if 0)."""
    return round(100 * part / whole, 1) if whole else None


def _share_text(part: float, whole: float, lang: str) -> str:
    return fmt_percent(part / whole if whole else None, 1, lang)


def count_axis() -> alt.Axis:
    """An axis of whole counts: 1.911, and no half-steps that would print as "1 1 2 2"."""
    return alt.Axis(format=D3_INT, tickMinStep=1)


def row_axis() -> alt.Axis:
    """The axis naming the bars: every label shown (rows are tall enough), none cut short."""
    return alt.Axis(labelLimit=LABEL_LIMIT_PX, labelOverlap=False)


# --- elderly BHYT cards -----------------------------------------------------------------------
FUNDING_COLUMNS = ["state", "partial", "self", "none"]


def cards_chart(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Elderly per commune stacked by the funding of their valid BHYT card (from elderly_cards)."""
    long = frame.melt(
        id_vars=["unit_code", "unit_name"],
        value_vars=FUNDING_COLUMNS,
        var_name="funding",
        value_name="persons",
    )
    return bar_by_commune(
        long,
        "persons",
        title=T("cards_title", lang),
        value_title=T("elderly_n", lang),
        fmt=lambda v: fmt_int(v, lang),
        lang=lang,
        color="funding",
        color_title=T("funding", lang),
        categories=CARD_FUNDING,
        level=level_of(frame),
    )


def cards_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The card chart's numbers per commune, with the covered count and per cent (F1)."""
    return pd.DataFrame(
        {
            code_header(frame, lang): frame["unit_code"],
            unit_header(frame, lang): frame["unit_name"],
            T("elderly", lang): frame["elderly"],
            **{CARD_FUNDING.label(c, lang): frame[c] for c in FUNDING_COLUMNS},
            T("covered", lang): frame["covered"],
            T("covered_pct", lang): [
                percent_number(c, e)
                for c, e in zip(frame["covered"], frame["elderly"], strict=True)
            ],
        }
    )


# --- health-check visits ----------------------------------------------------------------------
def _monthly(frame: pd.DataFrame, months: Sequence[date] | None) -> pd.DataFrame:
    """Visits as months × communes (communes in code order), every month of ``months`` shown."""
    names = frame.drop_duplicates("unit_code").sort_values("unit_code")["unit_name"].tolist()
    wide = (
        frame.pivot_table(index="month", columns="unit_name", values="visits", aggfunc="sum")
        .reindex(columns=names)
        .fillna(0)
        .astype("int64")
    )
    wide.index = [pd.Timestamp(m).date() for m in wide.index]
    if months:
        wide = wide.reindex(sorted({*wide.index, *months}), fill_value=0)
    return wide.sort_index()


def visits_chart(
    frame: pd.DataFrame, lang: str = "vi", months: Sequence[date] | None = None
) -> alt.Chart | alt.LayerChart:
    """Visits per month for the whole selection (from health_visits_by_month); a tap drills to
    the month. Each commune's months are in the table under the chart (``visits_table``).

    ``months``: every month of the period, so that a month without visits shows as zero.
    """
    wide = _monthly(frame, months)
    totals = pd.DataFrame({"month": list(wide.index), "visits": wide.sum(axis=1).to_numpy()})
    return by_month(
        totals,
        "visits",
        title=T("visits_title", lang),
        value_title=T("visits", lang),
        fmt=lambda v: fmt_int(v, lang),
        lang=lang,
        months=months,
    )


def visits_table(
    frame: pd.DataFrame, lang: str = "vi", months: Sequence[date] | None = None
) -> pd.DataFrame:
    """Visits as months × communes (communes in code order), with each month's total."""
    wide = _monthly(frame, months)
    table = pd.DataFrame({T("month", lang): [fmt_month(m, lang) for m in wide.index]})
    for name in wide.columns:
        table[name] = wide[name].to_numpy()
    table[T("total", lang)] = wide.sum(axis=1).to_numpy()
    return table


# --- children -----------------------------------------------------------------------------------
def children_chart(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Children per commune stacked by circumstance (from child_cases_by_commune)."""
    parts = []
    for code in CIRCUMSTANCES:
        part = frame[["unit_code", "unit_name"]].copy()
        part["circumstance"] = code
        part["cases"] = frame[f"{code}_cases"]
        part["supported__text"] = [
            f"{fmt_int(s, lang)} ({_share_text(s, c, lang)})"
            for s, c in zip(frame[f"{code}_supported"], frame[f"{code}_cases"], strict=True)
        ]
        parts.append(part)
    return bar_by_commune(
        pd.concat(parts, ignore_index=True),
        "cases",
        title=level_title(T, "children_title", frame, lang),
        value_title=T("children_n", lang),
        fmt=lambda v: fmt_int(v, lang),
        lang=lang,
        color="circumstance",
        color_title=T("circumstance", lang),
        categories=CIRCUMSTANCES,
        extra_tooltips=[alt.Tooltip("supported__text:N", title=T("supported", lang))],
        level=level_of(frame),
    )


def children_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Cases and supported per commune and circumstance, with the shares (F3, F4)."""
    table = pd.DataFrame(
        {code_header(frame, lang): frame["unit_code"], unit_header(frame, lang): frame["unit_name"]}
    )
    for code in CIRCUMSTANCES:
        cases_key, supported_key, pct_key = CIRCUMSTANCE_COLUMNS[code]
        cases, supported = frame[cases_key], frame[supported_key]
        table[T(cases_key, lang)] = cases
        table[T(supported_key, lang)] = supported
        table[T(pct_key, lang)] = [
            percent_number(s, c) for s, c in zip(supported, cases, strict=True)
        ]
    return table


def _in_category_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered special circumstances first, each in the vocabulary's order."""
    circumstances, categories = list(CIRCUMSTANCES), list(CHILD_CATEGORIES)
    ranks = [
        (
            circumstances.index(a) if a in circumstances else len(circumstances),
            categories.index(c) if c in categories else len(categories),
            c,
        )
        for a, c in zip(frame["circumstance"], frame["category"], strict=True)
    ]
    order = sorted(range(len(ranks)), key=lambda i: ranks[i])
    return frame.iloc[order].reset_index(drop=True)


def categories_chart(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Children per category, split into helped and not yet (from child_cases_by_category)."""
    statuses = [T("supported", lang), T("not_yet", lang)]
    frame = _in_category_order(frame)
    rows = []
    for r in frame.itertuples(index=False):
        for status, count in ((statuses[0], r.supported), (statuses[1], r.cases - r.supported)):
            rows.append(
                {
                    "category": CHILD_CATEGORIES.label(r.category, lang),
                    "circumstance": CIRCUMSTANCES.label(r.circumstance, lang),
                    "status": status,
                    "status__rank": statuses.index(status),
                    "children": int(count),
                    "children__text": fmt_int(count, lang),
                    "share__text": _share_text(count, r.cases, lang),
                }
            )
    data = pd.DataFrame(rows)
    order = [CHILD_CATEGORIES.label(c, lang) for c in frame["category"]]
    colours = palette.by_label(T, lang, ["supported", "not_yet"])
    chart = (
        alt.Chart(data, title=T("category_title", lang))
        .mark_bar()
        .encode(
            y=alt.Y("category:N", sort=order, title=None, axis=row_axis()),
            x=alt.X("sum(children):Q", title=T("children_n", lang), axis=count_axis()),
            color=alt.Color(
                "status:N",
                title=T("status", lang),
                sort=statuses,
                scale=alt.Scale(domain=list(colours), range=list(colours.values())),
                legend=bottom_legend(),
            ),
            order=alt.Order("status__rank:Q", sort="ascending"),
            tooltip=[
                alt.Tooltip("circumstance:N", title=T("circumstance", lang)),
                alt.Tooltip("category:N", title=T("category", lang)),
                alt.Tooltip("status:N", title=T("status", lang)),
                alt.Tooltip("children__text:N", title=T("children_n", lang)),
                alt.Tooltip("share__text:N", title=T("share_in_category", lang)),
            ],
        )
    )
    return finish(sized_by_rows(chart), lang, T("category_title", lang))


def categories_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Cases and helped per category, in the chart's order."""
    frame = _in_category_order(frame)
    return pd.DataFrame(
        {
            T("circumstance", lang): [CIRCUMSTANCES.label(c, lang) for c in frame["circumstance"]],
            T("category", lang): [CHILD_CATEGORIES.label(c, lang) for c in frame["category"]],
            T("cases", lang): frame["cases"],
            T("supported", lang): frame["supported"],
            T("supported_pct", lang): [
                percent_number(s, c)
                for s, c in zip(frame["supported"], frame["cases"], strict=True)
            ],
        }
    )


# --- child-protection network -------------------------------------------------------------------
def _board_text(communes: int, with_board: int, since: object, lang: str) -> str:
    if communes > 1:
        return f"{fmt_int(with_board, lang)}/{fmt_int(communes, lang)}"
    if with_board:
        when = fmt_date(since, lang) if since is not None else ""  # type: ignore[arg-type]
        return f"{T('board_yes', lang)} ({when})" if when else T("board_yes", lang)
    return T("board_no", lang)


def network_chart(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Villages per commune split by whether they have a collaborator (from protection_network)."""
    with_c, without_c = T("with_collaborator", lang), T("without_collaborator", lang)
    boards = [
        _board_text(n, b, d, lang)
        for n, b, d in zip(
            frame["communes"], frame["communes_with_board"], frame["board_since"], strict=True
        )
    ]
    parts = []
    for name, values in (
        (with_c, frame["villages_with_collaborator"]),
        (without_c, frame["villages"] - frame["villages_with_collaborator"]),
    ):
        parts.append(
            frame[["unit_code", "unit_name"]].assign(
                collaborator=name, villages=values.to_numpy(), board__text=boards
            )
        )
    return bar_by_commune(
        pd.concat(parts, ignore_index=True),
        "villages",
        title=level_title(T, "network_title", frame, lang),
        value_title=T("villages_n", lang),
        fmt=lambda v: fmt_int(v, lang),
        lang=lang,
        color="collaborator",
        color_title=T("collaborator", lang),
        colours=palette.by_label(T, lang, ["with_collaborator", "without_collaborator"]),
        extra_tooltips=[alt.Tooltip("board__text:N", title=T("board", lang))],
        level=level_of(frame),
    )


def network_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Boards and village collaborators per commune (F5, F6)."""
    table = pd.DataFrame(
        {code_header(frame, lang): frame["unit_code"], unit_header(frame, lang): frame["unit_name"]}
    )
    dates = [fmt_date(d, lang) if d is not None else "" for d in frame["board_since"]]
    if frame.empty or int(frame["communes"].max()) <= 1:  # 2023 units: one commune each
        table[T("board", lang)] = [
            T("board_yes", lang) if b else T("board_no", lang) for b in frame["communes_with_board"]
        ]
        table[T("board_since", lang)] = dates
    else:  # 2025 communes: several former communes each
        table[T("communes_n", lang)] = frame["communes"]
        table[T("communes_board", lang)] = frame["communes_with_board"]
        table[T("board_first", lang)] = dates
    table[T("villages_n", lang)] = frame["villages"]
    table[T("villages_collab", lang)] = frame["villages_with_collaborator"]
    table[T("villages_pct", lang)] = [
        percent_number(w, v)
        for w, v in zip(frame["villages_with_collaborator"], frame["villages"], strict=True)
    ]
    return table
