"""Charts and their tables for the allowance payouts page: DataFrame -> alt.Chart / table.

Money follows the product's unit rule (``charts``): builders get whole đồng, axes show triệu
đồng ("Kinh phí (triệu đồng)"), tooltips and tables keep the exact amount, formatted by
``charts.formatting``. Each ``*_table`` is exactly what its chart shows, with Vietnamese (or
English) headers, numbers left numeric for Excel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import altair as alt
import pandas as pd

from i18n import Catalog
from vocab import ALLOWANCE_GROUPS, BANK, CASH, PAYMENT_METHODS, PAYMENT_STATUSES

from . import palette
from .common import (
    CHART_HEIGHT,
    MILLION,
    bar_by_commune,
    bottom_legend,
    by_month,
    code_key,
    colour_scale,
    finish,
    level_of,
    level_title,
    month_axis,
    month_fields,
    month_pick,
    sized_by_rows,
    unit_header,
)
from .formatting import (
    D3_INT,
    D3_PCT_INT,
    fmt_int,
    fmt_money,
    fmt_month,
    fmt_percent,
)

T = Catalog(
    "charts.payouts",
    {
        "month": ("Tháng", "Month"),
        "amount": ("Kinh phí chi trả (đồng)", "Amount paid (VND)"),
        "amount_short": ("Kinh phí", "Amount"),
        "million": ("Kinh phí (triệu đồng)", "Amount (VND million)"),
        "beneficiaries": ("Số đối tượng được chi trả", "Beneficiaries paid"),
        "cumulative": ("Lũy kế từ đầu năm (đồng)", "Year to date (VND)"),
        "cumulative_short": ("Lũy kế từ đầu năm", "Year to date"),
        "year": ("Năm", "Year"),
        "year_label": ("Năm {year}", "{year}"),
        "method": ("Hình thức chi trả", "Payment method"),
        "share": ("Tỷ lệ", "Share"),
        "bank_amount": ("Qua tài khoản (đồng)", "By bank account (VND)"),
        "cash_amount": ("Tiền mặt (đồng)", "In cash (VND)"),
        "bank_share": ("Tỷ lệ qua tài khoản", "Share by bank account"),
        "group": ("Nhóm đối tượng (Nghị định 20)", "Beneficiary group (Decree 20)"),
        "group_code": ("Mã nhóm", "Group code"),
        "mismatches": ("Số khoản chi sai mức", "Payments off the standard"),
        "without_rate": (
            "Không xác định được mức phải chi (thiếu mức chuẩn hoặc hệ số sai)",
            "Amount due unknown (no standard rate, or an impossible coefficient)",
        ),
        "overpaid": ("Chi thừa (đồng)", "Overpaid (VND)"),
        "underpaid": ("Chi thiếu (đồng)", "Underpaid (VND)"),
        "difference": ("Chênh lệch (đồng)", "Difference (VND)"),
        "t_amount": ("Kinh phí chi trả theo tháng", "Allowance paid per month"),
        "t_people": ("Số đối tượng được chi trả theo tháng", "Beneficiaries paid per month"),
        "t_cumulative": ("Kinh phí lũy kế từ đầu năm", "Allowance paid, year to date"),
        "t_method": (
            "Chi trả qua tài khoản và tiền mặt theo tháng",
            "Paid by bank account and in cash, per month",
        ),
        "t_group": ("Kinh phí theo nhóm đối tượng", "Allowance paid by beneficiary group"),
        "t_commune": ("Kinh phí chi trả theo xã, thị trấn", "Allowance paid by commune"),
        "t_mismatch": (
            "Khoản chi khác mức chuẩn × hệ số, theo xã",
            "Payments differing from rate × coefficient, by commune",
        ),
        "t_commune_area": ("Kinh phí chi trả theo {area}", "Allowance paid by {area}"),
        "status": ("Trạng thái", "Status"),
        "payments": ("Số khoản", "Payments"),
        "t_status_commune": (
            "Khoản chi chờ chi, bị trả lại, đã lập danh sách, đã thu hồi theo xã",
            "Payments pending, returned, planned or recovered, by commune",
        ),
        "t_status_commune_area": (
            "Khoản chi chờ chi, bị trả lại, đã lập danh sách, đã thu hồi theo {area}",
            "Payments pending, returned, planned or recovered, by {area}",
        ),
        "t_status_month": (
            "Khoản chi chờ chi, bị trả lại, đã lập danh sách, đã thu hồi theo tháng",
            "Payments pending, returned, planned or recovered, per month",
        ),
        "at_risk": ("Chưa đến tay người hưởng (đồng)", "Not delivered (VND)"),
        "status_amount": ("{status} (đồng)", "{status} (VND)"),
        "status_payments": ("{status}: số khoản", "{status}: payments"),
        "age_band": ("Thời gian chờ", "Waiting"),
        "age_0_30": ("0–30 ngày", "0–30 days"),
        "age_31_90": ("31–90 ngày", "31–90 days"),
        "age_over_90": ("Trên 90 ngày", "Over 90 days"),
        "t_mismatch_area": (
            "Khoản chi khác mức chuẩn × hệ số, theo {area}",
            "Payments differing from rate × coefficient, by {area}",
        ),
    },
)


def amount_by_month(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart | alt.LayerChart:
    """Bars: amount paid per month (axis in triệu đồng); the tooltip adds beneficiaries paid."""
    data = frame.assign(beneficiaries__text=[fmt_int(v, lang) for v in frame["beneficiaries"]])
    return by_month(
        data,
        "paid_amount",
        title=T("t_amount", lang),
        value_title=T("amount_short", lang),
        fmt=lambda v: fmt_money(v, lang),
        lang=lang,
        unit="money",
        extra_tooltips=[alt.Tooltip("beneficiaries__text:N", title=T("beneficiaries", lang))],
    )


def beneficiaries_by_month(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart | alt.LayerChart:
    """Line: beneficiaries paid per month; a tap drills to the nearest month."""
    return by_month(
        frame,
        "beneficiaries",
        title=T("t_people", lang),
        value_title=T("beneficiaries", lang),
        fmt=lambda v: fmt_int(v, lang),
        lang=lang,
        mark="line",
    )


def beneficiaries_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Month and beneficiaries paid: what the beneficiaries chart shows."""
    return pd.DataFrame(
        {
            T("month", lang): [fmt_month(m, lang) for m in frame["month"]],
            T("beneficiaries", lang): frame["beneficiaries"].astype("int64"),
        }
    )


def monthly_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Month, amount paid and beneficiaries paid: what the amount chart and its tooltip show."""
    return pd.DataFrame(
        {
            T("month", lang): [fmt_month(m, lang) for m in frame["month"]],
            T("amount", lang): frame["paid_amount"].astype("int64"),
            T("beneficiaries", lang): frame["beneficiaries"].astype("int64"),
        }
    )


def _year_label(year: int, lang: str) -> str:
    return T("year_label", lang, year=year)


def cumulative_by_month(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart | alt.LayerChart:
    """Line per year: the running total paid from January (lũy kế), in triệu đồng."""
    years = sorted({int(y) for y in frame["year"]})
    data = frame.assign(
        year_label=[_year_label(int(y), lang) for y in frame["year"]],
        paid_amount__text=[fmt_money(v, lang) for v in frame["paid_amount"]],
    )
    return by_month(
        data,
        "cumulative_amount",
        title=T("t_cumulative", lang),
        value_title=T("cumulative_short", lang),
        fmt=lambda v: fmt_money(v, lang),
        lang=lang,
        unit="money",
        mark="line",
        color="year_label",
        color_title=T("year", lang),
        colours=palette.periods([_year_label(y, lang) for y in years]),
        extra_tooltips=[alt.Tooltip("paid_amount__text:N", title=T("amount_short", lang))],
    )


def cumulative_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Month, amount paid and the running total from January."""
    return pd.DataFrame(
        {
            T("month", lang): [fmt_month(m, lang) for m in frame["month"]],
            T("amount", lang): frame["paid_amount"].astype("int64"),
            T("cumulative", lang): frame["cumulative_amount"].astype("int64"),
        }
    )


def method_share_by_month(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """100% bars per month: the share of the amount paid by bank account and in cash."""
    rows = []
    for record in frame.itertuples(index=False):
        total = record.bank_amount + record.cash_amount
        for method, amount in ((BANK, record.bank_amount), (CASH, record.cash_amount)):
            share = amount / total if total else None
            rows.append(
                {
                    "month": record.month,
                    "method": PAYMENT_METHODS.label(method, lang),
                    "method_order": 0 if method == BANK else 1,
                    "amount": int(amount),
                    "amount__text": fmt_money(amount, lang),
                    "share__text": fmt_percent(share, 1, lang),
                }
            )
    data = pd.DataFrame(rows)
    labels = month_fields(data, "month", lang)
    pick = month_pick()
    colours = palette.by_label(PAYMENT_METHODS, lang, [BANK, CASH])
    chart = (
        alt.Chart(data, title=T("t_method", lang), height=CHART_HEIGHT)
        .mark_bar()
        .encode(
            x=month_axis(labels, None, lang),
            y=alt.Y(
                "amount:Q",
                stack="normalize",
                title=T("share", lang),
                axis=alt.Axis(format=D3_PCT_INT),
            ),
            color=alt.Color(
                "method:N",
                title=T("method", lang),
                scale=colour_scale(colours),
                sort=list(colours),
                legend=bottom_legend(),
            ),
            order=alt.Order("method_order:Q"),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
            tooltip=[
                alt.Tooltip("month__text:N", title=T("month", lang)),
                alt.Tooltip("method:N", title=T("method", lang)),
                alt.Tooltip("amount__text:N", title=T("amount_short", lang)),
                alt.Tooltip("share__text:N", title=T("share", lang)),
            ],
        )
        .add_params(pick)
    )
    return finish(chart, lang, T("t_method", lang), "month")


def method_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Month, amount by bank account, in cash, and the bank share (a ratio, 0–1)."""
    total = frame["bank_amount"] + frame["cash_amount"]
    return pd.DataFrame(
        {
            T("month", lang): [fmt_month(m, lang) for m in frame["month"]],
            T("bank_amount", lang): frame["bank_amount"].astype("int64"),
            T("cash_amount", lang): frame["cash_amount"].astype("int64"),
            T("bank_share", lang) + " %": (frame["bank_amount"] / total.where(total > 0)).round(4),
        }
    )


def amount_by_group(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Horizontal bars: amount paid per Decree 20 group (triệu đồng), largest first."""
    data = frame.assign(
        group_label=[ALLOWANCE_GROUPS.label(c, lang) for c in frame["group_code"]],
        paid_million=frame["paid_amount"] / MILLION,
        paid__text=[fmt_money(v, lang) for v in frame["paid_amount"]],
        beneficiaries__text=[fmt_int(v, lang) for v in frame["beneficiaries"]],
    )
    chart = (
        alt.Chart(data, title=T("t_group", lang))
        .mark_bar(cornerRadiusEnd=2, color=palette.SERIES)
        .encode(
            y=alt.Y("group_label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("paid_million:Q", title=T("million", lang), axis=alt.Axis(format=D3_INT)),
            tooltip=[
                alt.Tooltip("group_label:N", title=T("group", lang)),
                alt.Tooltip("paid__text:N", title=T("amount_short", lang)),
                alt.Tooltip("beneficiaries__text:N", title=T("beneficiaries", lang)),
            ],
        )
    )
    return finish(sized_by_rows(chart), lang, T("t_group", lang))


def group_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Group code, label, amount paid and beneficiaries paid."""
    return pd.DataFrame(
        {
            T("group_code", lang): frame["group_code"],
            T("group", lang): [ALLOWANCE_GROUPS.label(c, lang) for c in frame["group_code"]],
            T("amount", lang): frame["paid_amount"].astype("int64"),
            T("beneficiaries", lang): frame["beneficiaries"].astype("int64"),
        }
    )


def amount_by_commune(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Horizontal bars per commune: amount paid (triệu đồng); tooltip adds people and bank share."""
    share = frame["bank_amount"] / frame["paid_amount"].where(frame["paid_amount"] > 0)
    data = frame.assign(
        beneficiaries__text=[fmt_int(v, lang) for v in frame["beneficiaries"]],
        bank_share__text=[fmt_percent(v, 1, lang) for v in share],
    )
    return bar_by_commune(
        data,
        "paid_amount",
        title=level_title(T, "t_commune", frame, lang),
        value_title=T("amount_short", lang),
        fmt=lambda v: fmt_money(v, lang),
        lang=lang,
        unit="money",
        extra_tooltips=[
            alt.Tooltip("beneficiaries__text:N", title=T("beneficiaries", lang)),
            alt.Tooltip("bank_share__text:N", title=T("bank_share", lang)),
        ],
    )


def commune_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Commune (or province, district: ``level_of``) code and name, amount paid, beneficiaries
    paid and the bank share."""
    paid = frame["paid_amount"]
    return pd.DataFrame(
        {
            code_key(frame): frame["unit_code"],
            unit_header(frame, lang): frame["unit_name"],
            T("amount", lang): paid.astype("int64"),
            T("beneficiaries", lang): frame["beneficiaries"].astype("int64"),
            T("bank_share", lang) + " %": (frame["bank_amount"] / paid.where(paid > 0)).round(4),
        }
    )


def mismatches_by_commune(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Horizontal bars per commune: payments that differ from rate × coefficient."""
    data = frame.assign(difference__text=[fmt_money(v, lang) for v in frame["difference"]])
    return bar_by_commune(
        data,
        "mismatches",
        title=level_title(T, "t_mismatch", frame, lang),
        value_title=T("mismatches", lang),
        fmt=lambda v: fmt_int(v, lang),
        lang=lang,
        extra_tooltips=[alt.Tooltip("difference__text:N", title=T("difference", lang))],
    )


def mismatch_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Per commune: payments off the standard, those without a rate, over/underpaid, net."""
    return pd.DataFrame(
        {
            code_key(frame): frame["unit_code"],
            unit_header(frame, lang): frame["unit_name"],
            T("mismatches", lang): frame["mismatches"].astype("int64"),
            T("without_rate", lang): frame["without_rate"].astype("int64"),
            T("overpaid", lang): frame["overpaid"].astype("int64"),
            T("underpaid", lang): frame["underpaid"].astype("int64"),
            T("difference", lang): frame["difference"].astype("int64"),
        }
    )


# --- where the payments stand (issue 16) ----------------------------------------------------
# The statuses drawn: all but paid, which the charts above show and which would dwarf the rest.
UNSETTLED = ("pending", "returned", "planned", "recovered")


def _long_by_status(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """A wide frame (``<status>_amount`` / ``_payments`` columns) as a row per key and status
    of ``UNSETTLED``, with its amount and payments."""
    rows = []
    for record in frame.to_dict("records"):
        for status in UNSETTLED:
            rows.append(
                {
                    **{k: record[k] for k in keys},
                    "status": status,
                    "amount": int(record[f"{status}_amount"]),
                    "payments": int(record[f"{status}_payments"]),
                }
            )
    return pd.DataFrame(rows, columns=[*keys, "status", "amount", "payments"])


def status_by_commune(frame: pd.DataFrame, lang: str = "vi") -> alt.Chart:
    """Horizontal bars per commune, stacked by status: the amount of the period's payments that
    are pending, returned, planned or recovered; a tap drills to the commune."""
    data = _long_by_status(frame, ["unit_code", "unit_name"])
    data["payments__text"] = [fmt_int(v, lang) for v in data["payments"]]
    return bar_by_commune(
        data,
        "amount",
        title=level_title(T, "t_status_commune", frame, lang),
        value_title=T("amount_short", lang),
        fmt=lambda v: fmt_money(v, lang),
        lang=lang,
        unit="money",
        color="status",
        color_title=T("status", lang),
        categories=PAYMENT_STATUSES,
        extra_tooltips=[alt.Tooltip("payments__text:N", title=T("payments", lang))],
        level=level_of(frame),
    )


def status_commune_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Per commune: the amount and payments of each status, and the amount not delivered."""
    table: dict[str, object] = {
        code_key(frame): frame["unit_code"],
        unit_header(frame, lang): frame["unit_name"],
    }
    for status in ("paid", *UNSETTLED):
        label = PAYMENT_STATUSES.label(status, lang)
        table[T("status_amount", lang, status=label)] = frame[f"{status}_amount"].astype("int64")
        table[T("status_payments", lang, status=label)] = frame[f"{status}_payments"].astype(
            "int64"
        )
    table[T("at_risk", lang)] = frame["at_risk_amount"].astype("int64")
    return pd.DataFrame(table)


def status_by_month(
    frame: pd.DataFrame,
    lang: str = "vi",
    months: Sequence[date] | None = None,
) -> alt.Chart | alt.LayerChart:
    """Bars per month, stacked by status: the amount pending, returned, planned or recovered
    (``data_access.payouts.status_by_month``: a row per month and status); a tap drills to the
    month."""
    data = frame[frame["status"].isin(UNSETTLED)].copy()
    data["payments__text"] = [fmt_int(v, lang) for v in data["payments"]]
    return by_month(
        data,
        "amount",
        title=T("t_status_month", lang),
        value_title=T("amount_short", lang),
        fmt=lambda v: fmt_money(v, lang),
        lang=lang,
        unit="money",
        months=months,
        color="status",
        color_title=T("status", lang),
        categories=PAYMENT_STATUSES,
        extra_tooltips=[alt.Tooltip("payments__text:N", title=T("payments", lang))],
    )


def status_month_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Month, status, payments and amount: every status, paid included."""
    return pd.DataFrame(
        {
            T("month", lang): [fmt_month(m, lang) for m in frame["month"]],
            T("status", lang): [PAYMENT_STATUSES.label(c, lang) for c in frame["status"]],
            T("payments", lang): frame["payments"].astype("int64"),
            T("amount", lang): frame["amount"].astype("int64"),
        }
    )


def pending_age_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The three waiting bands of pending payments: payments and amount (formatted)."""
    return pd.DataFrame(
        {
            T("age_band", lang): [T(f"age_{b}", lang) for b in frame["band"]],
            T("payments", lang): [fmt_int(v, lang) for v in frame["payments"]],
            T("amount_short", lang): [fmt_money(v, lang) for v in frame["amount"]],
        }
    )
