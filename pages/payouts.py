"""Chi trả trợ cấp: monthly allowance paid and beneficiaries, year to date, by group, bank vs
cash, per commune, and payments that differ from standard rate × coefficient."""

import pandas as pd
import streamlit as st

from charts import payouts as ch
from charts.common import level_of, level_slug, level_title
from charts.formatting import (
    fmt_change_pp,
    fmt_date,
    fmt_decimal,
    fmt_int,
    fmt_money,
    fmt_month,
    fmt_percent,
)
from data_access import payouts as q
from data_access.filters import add_months
from data_access.indicators import headline
from i18n import Catalog
from ui import audit, data
from ui.guard import left_out, section
from ui.page import setup
from ui.sections import chart_with_data
from ui.tiles import tiles
from ui.vega import built
from vocab import ALLOWANCE_GROUPS, PAYMENT_METHODS

T = Catalog(
    "pages.payouts",
    {
        "no_payments": (
            "Không có khoản chi trả trợ cấp nào trong kỳ và địa bàn đã chọn.",
            "No allowance was paid in the chosen period and communes.",
        ),
        "bank_share": ("Chi trả qua tài khoản", "Paid by bank account"),
        "bank_share_help": (
            "Tỷ lệ số tiền chi trả qua tài khoản ngân hàng trong {month}, "
            "so với cùng tháng năm trước.",
            "Share of the amount paid into bank accounts in {month}, against the same month a year "
            "earlier.",
        ),
        "mismatch_tile": ("Khoản chi sai mức chuẩn × hệ số", "Payments off rate × coefficient"),
        "mismatch_unit": ("khoản", "payments"),
        "mismatch_help": (
            "Số khoản chi trong kỳ có số tiền khác mức chuẩn trợ giúp xã hội tại tháng chi trả "
            "nhân hệ số của đối tượng.",
            "Payments in the period whose amount differs from the standard rate of their month "
            "times the beneficiary's coefficient.",
        ),
        "h_month": ("Chi trả theo tháng", "Per month"),
        "h_ytd": ("Lũy kế từ đầu năm", "Year to date"),
        "h_method": ("Hình thức chi trả", "Payment method"),
        "h_status": ("Trạng thái chi trả", "Where the payments stand"),
        "status_rule": (
            "Kinh phí chi trả trên trang này và chỉ tiêu F15 chỉ tính các khoản đã chi (trạng thái "
            "«Đã chi»). Khoản đã lập danh sách nhưng chưa chi, chờ chi (tiền mặt chưa nhận, chuyển "
            "khoản chưa xác nhận), bị trả lại (tài khoản đã đóng, người nhận vắng mặt) và đã thu "
            "hồi không được tính là đã chi.",
            "The amounts on this page and indicator F15 count paid payments only (status "
            "“Paid”). Payments planned but not made, pending (cash not collected, a transfer not "
            "confirmed), returned (account closed, recipient absent) and recovered are not "
            "counted as paid.",
        ),
        "pending_tile": ("Chờ chi", "Pending"),
        "pending_help": (
            "Khoản chi của kỳ đang xem chưa đến tay người hưởng: tiền mặt chưa nhận, chuyển "
            "khoản chưa xác nhận.",
            "Payments of the period not yet in the beneficiary's hands: cash not collected, a "
            "transfer not confirmed.",
        ),
        "returned_tile": ("Bị trả lại", "Returned"),
        "returned_help": (
            "Khoản chi của kỳ bị trả lại (tài khoản đã đóng, người nhận vắng mặt), kể cả khoản đã "
            "chi lại sau đó.",
            "Payments of the period returned (account closed, recipient absent), including those "
            "paid again afterwards.",
        ),
        "at_risk_tile": ("Chưa đến tay người hưởng", "Not delivered"),
        "at_risk_help": (
            "Số tiền của kỳ đã lập danh sách nhưng chưa chi, đang chờ chi, cộng khoản bị trả lại "
            "mà chưa chi lại cho người đó trong cùng tháng.",
            "The period's planned and pending amounts, plus returned payments not paid again to "
            "the same person for the same month.",
        ),
        "tile_value": ("{amount} · {count} khoản", "{amount} · {count} payments"),
        "h_pending_age": ("Khoản chờ chi theo thời gian chờ", "Pending payments by time waiting"),
        "pending_age_rule": (
            "Mọi khoản đang chờ chi đến ngày {day} (kể cả của các tháng trước kỳ), theo số ngày "
            "tính từ ngày cuối của tháng được hưởng (hạn chi của tháng đó); trạng thái là trạng "
            "thái đang ghi trong hồ sơ.",
            "Every payment pending on {day} (those of months before the period too), by days "
            "since the last day of the month it is for (when it was due); statuses as recorded "
            "now.",
        ),
        "no_unsettled": (
            "Mọi khoản chi của kỳ đã chi xong: không có khoản chờ chi, bị trả lại, đã lập danh "
            "sách hay đã thu hồi.",
            "Every payment of the period is paid: none pending, returned, planned or recovered.",
        ),
        "h_group": ("Theo nhóm đối tượng (Nghị định 20/2021/NĐ-CP)", "By Decree 20 group"),
        "h_commune": ("Theo xã, thị trấn", "By commune"),
        "h_commune_area": ("Theo {area}", "By {area}"),
        "h_check": ("Kiểm tra mức chi", "Rate check"),
        "check_rule": (
            "So sánh từng khoản chi với mức chuẩn trợ giúp xã hội có hiệu lực tại tháng chi trả × "
            "hệ số của đối tượng (Nghị định 20/2021/NĐ-CP).",
            "Each payment is compared with the standard rate in force for its month × the "
            "beneficiary's coefficient (Decree 20/2021).",
        ),
        "check_clean": (
            "Không có khoản chi sai mức: mọi khoản chi trong kỳ đúng mức chuẩn × hệ số.",
            "No payment off the standard: every payment in the period equals rate × coefficient.",
        ),
        "check_found": (
            "{count} khoản chi khác mức chuẩn × hệ số, chênh lệch {difference}.",
            "{count} payments differ from rate × coefficient, net difference {difference}.",
        ),
        "list_title": ("Danh sách khoản chi sai mức", "Payments off the standard"),
        "list_page": ("Trang", "Page"),
        "list_of": (
            "Trang {page}/{pages} · {count} khoản",
            "Page {page}/{pages} · {count} payments",
        ),
        "list_hidden": (
            "Danh sách từng người chỉ hiển thị cho tài khoản được phép xem thông tin cá nhân.",
            "The list of individual people is shown only to accounts allowed to see personal data.",
        ),
        "c_month": ("Tháng", "Month"),
        "c_commune": ("Xã, thị trấn", "Commune"),
        "c_name": ("Họ và tên", "Name"),
        "c_group": ("Nhóm đối tượng", "Group"),
        "c_coef": ("Hệ số", "Coefficient"),
        "c_rate": ("Mức chuẩn (đồng)", "Standard rate (VND)"),
        "c_expected": ("Phải chi (đồng)", "Due (VND)"),
        "c_paid": ("Đã chi (đồng)", "Paid (VND)"),
        "c_diff": ("Chênh lệch (đồng)", "Difference (VND)"),
        "c_method": ("Hình thức", "Method"),
    },
)


page = setup("nav_payouts")
lang, filters, scope = page.lang, page.filters, page.scope
left_out(page, ("allowance_payment",))  # records with impossible values: how many, not silently


def monthly() -> pd.DataFrame:
    return data.run(q.monthly, filters, scope)


def mismatches() -> pd.DataFrame:
    return data.run(q.mismatches_by_area, filters, scope)


# Each part below is a section (ui.guard): a value it cannot use shows a notice in its place.
with section(lang):
    if monthly().empty:
        st.info(T("no_payments", lang))
        st.stop()

with section(lang):
    tiles(data.run(headline, filters, scope), ["F14", "F15"], page)

extra = st.columns(4)
with extra[0].container(border=True, key="tile_bank_share"), section(lang):
    months = monthly()
    latest = max(months["month"])
    before = data.run(q.monthly, filters.with_period(filters.period.same_period_last_year()), scope)
    share_now = q.bank_share(months, latest)
    share_before = q.bank_share(before, add_months(latest, -12))
    st.metric(
        T("bank_share", lang),
        fmt_percent(share_now, 1, lang),
        delta=fmt_change_pp((share_now - share_before) * 100, lang)
        if share_now is not None and share_before is not None
        else None,
        delta_color="normal",
        help=T("bank_share_help", lang, month=fmt_month(latest, lang)),
    )
with extra[1].container(border=True, key="tile_mismatches"), section(lang):
    st.metric(
        T("mismatch_tile", lang),
        f"{fmt_int(int(mismatches()['mismatches'].sum()), lang)} {T('mismatch_unit', lang)}",
        help=T("mismatch_help", lang),
    )

st.subheader(T("h_month", lang))
# One under the other, each as wide as the page: a month is a tap target (≥ 44 px in portrait).
with section(lang):
    chart_with_data(
        built(ch.amount_by_month, monthly(), lang),
        ch.monthly_table(monthly(), lang),
        "chi-tra-theo-thang",
        lang,
        key="payouts_amount",
    )
with section(lang):
    chart_with_data(
        built(ch.beneficiaries_by_month, monthly(), lang),
        ch.beneficiaries_table(monthly(), lang),
        "doi-tuong-theo-thang",
        lang,
        key="payouts_people",
    )

st.subheader(T("h_ytd", lang))
with section(lang):
    ytd = data.run(q.cumulative, filters, scope)
    chart_with_data(
        built(ch.cumulative_by_month, ytd, lang),
        ch.cumulative_table(ytd, lang),
        "chi-tra-luy-ke",
        lang,
        key="payouts_ytd",
    )

st.subheader(T("h_method", lang))
with section(lang):
    chart_with_data(
        built(ch.method_share_by_month, monthly(), lang),
        ch.method_table(monthly(), lang),
        "chi-tra-hinh-thuc",
        lang,
        key="payouts_method",
    )

st.subheader(T("h_status", lang))
st.caption(T("status_rule", lang))
with section(lang):
    standing = data.run(q.status_by_area, filters, scope)
    status_tiles = st.columns(3)
    for column, (key, measure) in zip(
        status_tiles,
        (("pending", "pending"), ("returned", "returned"), ("at_risk", "at_risk")),
        strict=True,
    ):
        with column.container(border=True, key=f"tile_{key}"):
            st.metric(
                T(f"{key}_tile", lang),
                T(
                    "tile_value",
                    lang,
                    amount=fmt_money(int(standing[f"{measure}_amount"].sum()), lang),
                    count=fmt_int(int(standing[f"{measure}_payments"].sum()), lang),
                ),
                help=T(f"{key}_help", lang),
            )
with section(lang):
    by_status = data.run(q.status_by_month, filters, scope)
    if not by_status["status"].isin(ch.UNSETTLED).any():
        st.success(T("no_unsettled", lang), icon="✅")
    else:
        chart_with_data(
            built(ch.status_by_month, by_status, lang),
            ch.status_month_table(by_status, lang),
            "trang-thai-chi-tra-theo-thang",
            lang,
            key="payouts_status_month",
        )
        standing = data.run(q.status_by_area, filters, scope)
        chart_with_data(
            built(ch.status_by_commune, standing, lang),
            ch.status_commune_table(standing, lang),
            f"trang-thai-chi-tra-theo-{level_slug(standing)}",
            lang,
            key="payouts_status_commune",
            level=level_of(standing),
        )
with section(lang):
    ages = data.run(q.pending_by_age, filters, scope)
    st.markdown(f"**{T('h_pending_age', lang)}**")
    st.caption(T("pending_age_rule", lang, day=fmt_date(ages["reference"].iloc[0], lang)))
    st.dataframe(ch.pending_age_table(ages, lang), hide_index=True, width="stretch")

st.subheader(T("h_group", lang))
with section(lang):
    groups = data.run(q.by_group, filters, scope)
    chart_with_data(
        built(ch.amount_by_group, groups, lang),
        ch.group_table(groups, lang),
        "chi-tra-nhom-doi-tuong",
        lang,
        key="payouts_group",
        drill=False,
    )

with section(lang):  # the heading says what the bars are: communes, or provinces, districts
    communes = data.run(q.by_area, filters, scope)
    st.subheader(level_title(T, "h_commune", communes, lang))
    chart_with_data(
        built(ch.amount_by_commune, communes, lang),
        ch.commune_table(communes, lang),
        f"chi-tra-theo-{level_slug(communes)}",
        lang,
        key="payouts_commune",
        level=level_of(communes),
    )

st.subheader(T("h_check", lang))
st.caption(T("check_rule", lang))
with section(lang):
    if mismatches().empty:
        st.success(T("check_clean", lang), icon="✅")
        st.stop()

    count = int(mismatches()["mismatches"].sum())
    st.warning(
        T(
            "check_found",
            lang,
            count=fmt_int(count, lang),
            difference=fmt_money(int(mismatches()["difference"].sum()), lang),
        ),
        icon="⚠️",
    )
    chart_with_data(
        built(ch.mismatches_by_commune, mismatches(), lang),
        ch.mismatch_table(mismatches(), lang),
        f"chi-sai-muc-theo-{level_slug(mismatches())}",
        lang,
        key="payouts_mismatch",
        level=level_of(mismatches()),
    )

if not scope.persons:
    st.caption(T("list_hidden", lang))
    st.stop()

st.markdown(f"**{T('list_title', lang)}**")
with section(lang):
    count = int(mismatches()["mismatches"].sum())
    pages = max(1, (count + q.PAGE_SIZE - 1) // q.PAGE_SIZE)
    number = int(
        st.number_input(T("list_page", lang), min_value=1, max_value=pages, value=1, key="mm_page")
    )
    rows = data.run(q.mismatch_list, filters, scope, number - 1)
    st.caption(T("list_of", lang, page=str(number), pages=str(pages), count=fmt_int(count, lang)))
    people = [int(p) for p in rows["person_id"]]
    if not audit.viewed("payouts_mismatch", filters, len(rows), lang, people, page=number):
        st.stop()  # not recorded: not shown (the message says so)
    st.dataframe(
        {
            T("c_month", lang): [fmt_month(m, lang) for m in rows["month"]],
            T("c_commune", lang): rows["unit_name"],
            T("c_name", lang): rows["full_name"],
            T("c_group", lang): [ALLOWANCE_GROUPS.label(g, lang) for g in rows["group_code"]],
            T("c_coef", lang): [fmt_decimal(c / 10, 1, lang) for c in rows["coefficient_x10"]],
            T("c_rate", lang): [fmt_int(v, lang) for v in rows["rate"]],
            T("c_expected", lang): [fmt_int(v, lang) for v in rows["expected"]],
            T("c_paid", lang): [fmt_int(v, lang) for v in rows["paid"]],
            T("c_diff", lang): [fmt_int(v, lang) for v in rows["difference"]],
            T("c_method", lang): [PAYMENT_METHODS.label(m, lang) for m in rows["method"]],
        },
        hide_index=True,
        width="stretch",
    )
