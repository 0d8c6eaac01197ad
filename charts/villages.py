"""The villages of one commune (thôn, bản, khu phố): a bar per village, and the table behind it.

Pure functions of ``data_access.villages.village_figures``' frame. A tap on a village's bar
selects its id (``VILLAGE_SELECTION``, field ``village_key``: text, "" for the row of records
with no village, which opens nothing); the commune page opens that village. Money follows the
unit rule of ``charts`` (axis in triệu đồng, the exact amount in the tooltip, whole đồng in the
table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd

from i18n import Catalog

from . import palette
from .common import BAND_PADDING, LABEL_LIMIT_PX, TAP_ROW_PX, finish, plotted, sized_by_rows
from .common import value_axis as _value_axis
from .formatting import fmt_int, fmt_money

T = Catalog(
    "charts.villages",
    {
        "village": ("Thôn, khu phố", "Village"),
        "no_village": ("Chưa ghi thôn", "No village recorded"),
        "of_former": ("{village} ({commune} cũ)", "{village} (former {commune})"),
        "title": ("{what} theo thôn, khu phố", "{what} by village"),
        "drill": (
            "Chạm vào một thôn để xem số liệu của thôn đó.",
            "Tap a village to see its figures.",
        ),
        "beneficiaries": ("Đối tượng hưởng trợ cấp hằng tháng", "Monthly allowance beneficiaries"),
        "beneficiaries_bank": ("Trong đó nhận qua tài khoản", "Of whom paid by bank"),
        "paid_amount": ("Kinh phí chi trả trợ cấp", "Allowance paid"),
        "payments": ("Lượt chi trả", "Payments"),
        "elderly": ("Người cao tuổi", "Elderly people"),
        "elderly_covered": (
            "Người cao tuổi có thẻ BHYT còn hạn (ngân sách hỗ trợ)",
            "Elderly with a valid state-supported BHYT card",
        ),
        "health_visits": (
            "Lượt khám, tư vấn sức khỏe người cao tuổi",
            "Elderly health check-ups and consultations",
        ),
        "visits_with_medicine": ("Trong đó được cấp thuốc miễn phí", "Of which free medicine"),
        "new_builds": ("Hộ được hỗ trợ xây mới nhà", "Households: new house"),
        "repairs": ("Hộ được hỗ trợ sửa chữa nhà", "Households: house repair"),
        "grant_amount": ("Kinh phí hỗ trợ nhà ở", "Housing funding"),
        "socialised_amount": ("Trong đó xã hội hóa", "Of which socialised"),
        "grants_completed": ("Nhà đã hoàn thành", "Houses completed"),
        "special_cases": (
            "Trẻ em có hoàn cảnh đặc biệt",
            "Children in special circumstances",
        ),
        "special_supported": ("Trong đó đã được hỗ trợ", "Of whom supported"),
        "at_risk_cases": ("Trẻ em có nguy cơ", "Children at risk"),
        "at_risk_supported": ("Trong đó đã được can thiệp", "Of whom helped"),
        "money_column": ("{what} (đồng)", "{what} (VND)"),
        "unit_people": ("người", "people"),
        "unit_visits": ("lượt", "visits"),
        "unit_households": ("hộ", "households"),
        "unit_children": ("trẻ", "children"),
        "unit_payments": ("lượt", "payments"),
        "unit_beneficiaries": ("đối tượng", "beneficiaries"),
        "unit_houses": ("nhà", "houses"),
    },
)

VILLAGE_SELECTION = "village_pick"  # the selection the commune page reads for a village tap
VILLAGE_FIELD = "village_key"  # what a tap selects: the village's id as text ("" for none)
NO_VILLAGE = 0  # data_access.villages.NO_VILLAGE: the row of records with no village


@dataclass(frozen=True)
class Figure:
    """One village figure: its column, how it is counted ("money" or a counted noun's key)."""

    column: str
    unit: str  # "money", or the key of the noun it counts ("unit_people", ...)

    def label(self, lang: str) -> str:
        return T(self.column, lang)

    def text(self, value: float | None, lang: str) -> str:
        """The value as the tiles write it: "1,48 tỷ đồng", "240 đối tượng"."""
        if self.unit == "money":
            return fmt_money(value, lang)
        return f"{fmt_int(value, lang)} {T(self.unit, lang)}"


FIGURES = [
    Figure("beneficiaries", "unit_beneficiaries"),
    Figure("beneficiaries_bank", "unit_beneficiaries"),
    Figure("paid_amount", "money"),
    Figure("payments", "unit_payments"),
    Figure("elderly", "unit_people"),
    Figure("elderly_covered", "unit_people"),
    Figure("health_visits", "unit_visits"),
    Figure("visits_with_medicine", "unit_visits"),
    Figure("new_builds", "unit_households"),
    Figure("repairs", "unit_households"),
    Figure("grant_amount", "money"),
    Figure("socialised_amount", "money"),
    Figure("grants_completed", "unit_houses"),
    Figure("special_cases", "unit_children"),
    Figure("special_supported", "unit_children"),
    Figure("at_risk_cases", "unit_children"),
    Figure("at_risk_supported", "unit_children"),
]
BY_COLUMN = {f.column: f for f in FIGURES}
# What the chart may show (the "of which" figures stay in the table).
CHART_FIGURES = [
    "beneficiaries",
    "paid_amount",
    "elderly",
    "elderly_covered",
    "health_visits",
    "new_builds",
    "repairs",
    "grant_amount",
    "special_cases",
]


def village_label(name: Any, old_commune: Any, lang: str) -> str:
    """A village's name as shown: "Thôn 1"; under a 2025 commune, with the former commune it
    belonged to, "Thôn 1 (Xã Quảng An cũ)" (several predecessors have a "Thôn 1", and the old
    and the new Xã Quảng Tân share a name); "Chưa ghi thôn" for records with no village."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return T("no_village", lang)
    if isinstance(old_commune, str) and old_commune:
        return T("of_former", lang, village=name, commune=old_commune)
    return str(name)


def with_labels(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``frame`` with ``village_label`` and ``village_key`` (the id as text; "" for none)."""
    out = frame.copy()
    out["village_label"] = [
        village_label(n, o, lang)
        for n, o in zip(out["village_name"], out["old_commune"], strict=True)
    ]
    out["village_key"] = ["" if i == NO_VILLAGE else str(int(i)) for i in out["village_id"]]
    return out


def village_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The table under the chart: a row per village, a column per figure (whole đồng)."""
    labelled = with_labels(frame, lang)
    table = pd.DataFrame({T("village", lang): labelled["village_label"]})
    for figure in FIGURES:
        label = figure.label(lang)
        if figure.unit == "money":
            label = T("money_column", lang, what=label)
        table[label] = labelled[figure.column].astype("int64")
    return table


def villages_chart(frame: pd.DataFrame, column: str, lang: str) -> alt.Chart:
    """Horizontal bars of ``column`` per village, 52 px a row; a tap selects the village."""
    figure = BY_COLUMN[column]
    data = with_labels(frame, lang)
    data[f"{column}__text"] = [figure.text(v, lang) for v in data[column]]
    title = T("title", lang, what=figure.label(lang))
    unit = "money" if figure.unit == "money" else "count"
    field, axis_title = plotted(data, column, unit, figure.label(lang), lang)
    pick = alt.selection_point(name=VILLAGE_SELECTION, fields=[VILLAGE_FIELD], on="click")
    chart = (
        alt.Chart(data, title=title)
        .mark_bar(cornerRadiusEnd=2)
        .encode(
            y=alt.Y(
                "village_label:N",
                sort=alt.EncodingSortField(field=field, op="sum", order="descending"),
                title=None,
                scale=alt.Scale(paddingInner=BAND_PADDING),
                axis=alt.Axis(labelLimit=LABEL_LIMIT_PX, labelOverlap=False),
            ),
            x=alt.X(f"sum({field}):Q", title=axis_title, axis=_value_axis(unit, axis_title)),
            detail=alt.Detail(f"{VILLAGE_FIELD}:N"),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
            color=alt.value(palette.SERIES),
            tooltip=[
                alt.Tooltip("village_label:N", title=T("village", lang)),
                alt.Tooltip(f"{column}__text:N", title=figure.label(lang)),
            ],
        )
        .add_params(pick)
    )
    finished = finish(sized_by_rows(chart, step=TAP_ROW_PX), lang, title)
    finished.description = f"{finished.description} {T('drill', lang)}"
    return finished
