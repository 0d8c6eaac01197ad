"""Charts and tables of the housing page (Nhà ở): pure functions of the data_access.housing
frames, Vietnamese first.

Money follows the product's unit rule (``charts``): axes in triệu đồng, the exact amount in
tooltips ("1,48 tỷ đồng") and whole đồng in the downloadable tables. Kinds, stages and events
take their colours from ``charts.palette`` by code, as the briefing's housing chart does.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from i18n import Catalog
from vocab import GRANT_EVENTS, GRANT_KINDS, GRANT_SOURCES, GRANT_STAGES, GRANT_TARGET_GROUPS

from . import palette
from .common import (
    MILLION,
    bar_by_commune,
    bottom_legend,
    by_month,
    code_header,
    colour_scale,
    finish,
    level_of,
    level_title,
    sized_by_rows,
    unit_header,
)
from .coverage import count_axis, percent_number, row_axis
from .formatting import (
    fmt_date,
    fmt_decimal,
    fmt_int,
    fmt_money,
    fmt_month,
    fmt_percent,
)

T = Catalog(
    "charts.housing",
    {
        "kind": ("Loại hỗ trợ", "Kind of grant"),
        "households": ("Số hộ", "Households"),
        "amount": ("Kinh phí", "Funding"),
        "communes_title": (
            "Hộ được hỗ trợ nhà ở theo xã: xây mới và sửa chữa",
            "Households granted housing support by commune: new builds and repairs",
        ),
        "communes_title_area": (
            "Hộ được hỗ trợ nhà ở theo {area}: xây mới và sửa chữa",
            "Households granted housing support by {area}: new builds and repairs",
        ),
        "new_builds": ("Xây mới (hộ)", "New builds (households)"),
        "repairs": ("Sửa chữa, cải tạo (hộ)", "Repairs (households)"),
        "grants": ("Tổng số hộ", "Households in total"),
        "new_amount": ("Kinh phí xây mới (đồng)", "New builds (VND)"),
        "repair_amount": ("Kinh phí sửa chữa (đồng)", "Repairs (VND)"),
        "total_amount": ("Tổng kinh phí (đồng)", "Total funding (VND)"),
        "source_title": ("Kinh phí hỗ trợ nhà ở theo nguồn", "Housing funding by source"),
        "source": ("Nguồn kinh phí", "Source"),
        "million": ("Kinh phí (triệu đồng)", "Funding (VND million)"),
        "amount_vnd": ("Kinh phí (đồng)", "Funding (VND)"),
        "amount_pct": ("Tỷ lệ kinh phí (%)", "Share of funding (%)"),
        "share_of_total": ("Tỷ lệ trong tổng kinh phí", "Share of all funding"),
        "group_title": (
            "Hộ được hỗ trợ nhà ở theo đối tượng",
            "Households granted support by group",
        ),
        "group": ("Đối tượng", "Target group"),
        "progress_title": (
            "Tình trạng thực hiện theo xã",
            "Progress by commune",
        ),
        "progress_title_area": ("Tình trạng thực hiện theo {area}", "Progress by {area}"),
        "stage": ("Tình trạng", "Stage"),
        "mean_days": ("Số ngày trung bình từ phê duyệt đến hoàn thành", "Mean days to completion"),
        "late": ("Quá hạn", "Past deadline"),
        "first_approved": ("Phê duyệt đầu tiên", "First approval"),
        "last_completed": ("Hoàn thành gần nhất", "Latest completion"),
        "events_title": (
            "Hộ được phê duyệt và hoàn thành theo tháng",
            "Grants approved and completed by month",
        ),
        "event": ("Sự kiện", "Event"),
        "month": ("Tháng", "Month"),
        "n_households": ("{n} hộ", "{n} households"),
        "n_days": ("{n} ngày", "{n} days"),
    },
)


def _households(n: float, lang: str) -> str:
    return T("n_households", lang, n=fmt_int(n, lang))


def _kind_rank(kind: str) -> int:
    return list(GRANT_KINDS).index(kind) if kind in GRANT_KINDS else len(GRANT_KINDS)


# --- per commune: new builds and repairs ------------------------------------------------------
def communes_chart(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Households per commune stacked by kind of grant (from grants_by_commune)."""
    parts = []
    for code, count, money in (
        ("new", "new_builds", "new_amount"),
        ("repair", "repairs", "repair_amount"),
    ):
        parts.append(
            frame[["unit_code", "unit_name"]].assign(
                kind=code,
                households=frame[count].to_numpy(),
                amount__text=[fmt_money(v, lang) for v in frame[money]],
            )
        )
    return bar_by_commune(
        pd.concat(parts, ignore_index=True),
        "households",
        title=level_title(T, "communes_title", frame, lang),
        value_title=T("households", lang),
        fmt=lambda v: _households(v, lang),
        lang=lang,
        color="kind",
        color_title=T("kind", lang),
        categories=GRANT_KINDS,
        extra_tooltips=[alt.Tooltip("amount__text:N", title=T("amount", lang))],
        level=level_of(frame),
    )


def communes_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """New builds, repairs and their money per commune, in whole đồng (F7–F9)."""
    return pd.DataFrame(
        {
            code_header(frame, lang): frame["unit_code"],
            unit_header(frame, lang): frame["unit_name"],
            T("new_builds", lang): frame["new_builds"],
            T("repairs", lang): frame["repairs"],
            T("grants", lang): frame["grants"],
            T("new_amount", lang): frame["new_amount"],
            T("repair_amount", lang): frame["repair_amount"],
            T("total_amount", lang): frame["amount"],
        }
    )


# --- by a dimension (funding source, target group) ---------------------------------------------
def _dimension_chart(
    frame: pd.DataFrame,
    column: str,
    labels: Catalog,
    *,
    value: str,
    title: str,
    dimension_title: str,
    lang: str,
) -> alt.Chart:
    """Horizontal bars per category of ``column`` stacked by kind; ``value`` grants or amount."""
    total = float(frame["amount"].sum())
    data = pd.DataFrame(
        {
            "category": [labels.label(c, lang) for c in frame[column]],
            "kind": [GRANT_KINDS.label(k, lang) for k in frame["kind"]],
            "kind__rank": [_kind_rank(k) for k in frame["kind"]],
            "households": frame["grants"].astype("int64"),
            "million": frame["amount"] / MILLION,
            "households__text": [_households(v, lang) for v in frame["grants"]],
            "amount__text": [fmt_money(v, lang) for v in frame["amount"]],
            "share__text": [
                fmt_percent(v / total if total else None, 1, lang) for v in frame["amount"]
            ],
        }
    )
    known = [labels.label(c, lang) for c in labels]
    order = known + sorted(set(data["category"]) - set(known))
    kinds = [GRANT_KINDS.label(c, lang) for c in GRANT_KINDS]
    field, axis_title = (
        ("million", T("million", lang))
        if value == "amount"
        else ("households", T("households", lang))
    )
    chart = (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(
                "category:N",
                sort=order,
                scale=alt.Scale(domain=order),
                title=None,
                axis=row_axis(),
            ),
            x=alt.X(f"sum({field}):Q", title=axis_title, axis=count_axis()),
            color=alt.Color(
                "kind:N",
                title=T("kind", lang),
                sort=kinds,
                scale=colour_scale(palette.by_label(GRANT_KINDS, lang)),
                legend=bottom_legend(),
            ),
            order=alt.Order("kind__rank:Q", sort="ascending"),
            tooltip=[
                alt.Tooltip("category:N", title=dimension_title),
                alt.Tooltip("kind:N", title=T("kind", lang)),
                alt.Tooltip("households__text:N", title=T("households", lang)),
                alt.Tooltip("amount__text:N", title=T("amount", lang)),
                alt.Tooltip("share__text:N", title=T("share_of_total", lang)),
            ],
        )
    )
    return finish(sized_by_rows(chart), lang, title)


def _dimension_table(
    frame: pd.DataFrame, column: str, labels: Catalog, title: str, lang: str
) -> pd.DataFrame:
    total = int(frame["amount"].sum())
    rank = {c: i for i, c in enumerate(labels)}
    ordered = frame.assign(
        _r=[rank.get(c, len(rank)) for c in frame[column]],
        _k=[_kind_rank(k) for k in frame["kind"]],
    ).sort_values(["_r", "_k"])
    return pd.DataFrame(
        {
            title: [labels.label(c, lang) for c in ordered[column]],
            T("kind", lang): [GRANT_KINDS.label(k, lang) for k in ordered["kind"]],
            T("households", lang): ordered["grants"].to_numpy(),
            T("amount_vnd", lang): ordered["amount"].to_numpy(),
            T("amount_pct", lang): [percent_number(v, total) for v in ordered["amount"]],
        }
    )


def sources_chart(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Money by funding source, stacked by kind (from grants_by_source)."""
    return _dimension_chart(
        frame,
        "source",
        GRANT_SOURCES,
        value="amount",
        title=T("source_title", lang),
        dimension_title=T("source", lang),
        lang=lang,
    )


def sources_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Households and money per funding source and kind, with each row's share of the money."""
    return _dimension_table(frame, "source", GRANT_SOURCES, T("source", lang), lang)


def groups_chart(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Households by target group, stacked by kind (from grants_by_target_group)."""
    return _dimension_chart(
        frame,
        "group",
        GRANT_TARGET_GROUPS,
        value="grants",
        title=T("group_title", lang),
        dimension_title=T("group", lang),
        lang=lang,
    )


def groups_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Households and money per target group and kind."""
    return _dimension_table(frame, "group", GRANT_TARGET_GROUPS, T("group", lang), lang)


# --- progress -----------------------------------------------------------------------------------
def progress_chart(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Grants per commune by stage on the reference date (from grant_progress)."""
    days = [
        "—" if pd.isna(d) else T("n_days", lang, n=fmt_decimal(d, 0, lang))
        for d in frame["mean_days"]
    ]
    parts = [
        frame[["unit_code", "unit_name"]].assign(
            stage=code, households=frame[code].to_numpy(), days__text=days
        )
        for code in GRANT_STAGES
    ]
    return bar_by_commune(
        pd.concat(parts, ignore_index=True),
        "households",
        title=level_title(T, "progress_title", frame, lang),
        value_title=T("households", lang),
        fmt=lambda v: _households(v, lang),
        lang=lang,
        color="stage",
        color_title=T("stage", lang),
        categories=GRANT_STAGES,
        extra_tooltips=[alt.Tooltip("days__text:N", title=T("mean_days", lang))],
        level=level_of(frame),
    )


def progress_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Stages, lateness, mean days to completion and key dates per commune."""
    table = pd.DataFrame(
        {code_header(frame, lang): frame["unit_code"], unit_header(frame, lang): frame["unit_name"]}
    )
    table[T("grants", lang)] = frame["grants"]
    for code in GRANT_STAGES:
        table[GRANT_STAGES.label(code, lang)] = frame[code]
    table[T("late", lang)] = frame["late"]
    table[T("mean_days", lang)] = frame["mean_days"].round(1)
    table[T("first_approved", lang)] = [
        fmt_date(d, lang) if d is not None else "" for d in frame["first_approved"]
    ]
    table[T("last_completed", lang)] = [
        fmt_date(d, lang) if d is not None else "" for d in frame["last_completed"]
    ]
    return table


# --- month by month -------------------------------------------------------------------------------
def events_chart(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart | alt.LayerChart:
    """Approvals and completions per month as two lines (from grant_events_by_month, which
    holds every month of the period with zeros); a tap drills to the nearest month."""
    return by_month(
        frame,
        "grants",
        title=T("events_title", lang),
        value_title=T("households", lang),
        fmt=lambda v: _households(v, lang),
        lang=lang,
        color="event",
        color_title=T("event", lang),
        categories=GRANT_EVENTS,
        mark="line",
    )


def events_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Approvals and completions as months × event."""
    wide = (
        frame.pivot_table(index="month", columns="event", values="grants", aggfunc="sum")
        .reindex(columns=list(GRANT_EVENTS))
        .fillna(0)
        .astype("int64")
        .sort_index()
    )
    table = pd.DataFrame({T("month", lang): [fmt_month(m.date(), lang) for m in wide.index]})
    for event in GRANT_EVENTS:
        table[GRANT_EVENTS.label(event, lang)] = wide[event].to_numpy()
    return table
