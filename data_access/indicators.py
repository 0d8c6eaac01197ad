"""The indicator registry: each indicator defined once, used by tiles, scorecards and briefings.

Like DHIS2's indicators, each has a numerator and (for ratios) a denominator, both measures
computed by ``queries.measures`` from record-level rows; the value for any set of communes is
sum(numerator) / sum(denominator), so commune values always add up to the district's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from i18n import choose

from . import schema as s
from .definitions import data_as_of, first_month, target_valid
from .filters import VERSION_2023, Filters, Period, Scope, data_months, district_scope
from .kept import kept
from .queries import measure_totals, measures
from .txcache import per_transaction
from .units import resolve, unit_map

Unit = Literal["percent", "count", "money"]
Domain = Literal["coverage", "housing", "training", "payouts"]


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it counts, in which unit, and which way is better."""

    code: str
    label_vi: str
    label_en: str
    unit: Unit
    domain: Domain
    group: str  # the measure group of queries.MEASURES that computes it
    numerator: str
    denominator: str | None = None
    higher_is_better: bool | None = True  # None: neither (e.g. spending follows need)
    rule_vi: str = ""  # how it is computed, in plain Vietnamese
    unit_vi: str = ""  # what is counted: "lượt", "hộ", "đối tượng"
    unit_en: str = ""

    def label(self, lang: str = "vi") -> str:
        """The label in the user's language."""
        return choose(lang, self.label_vi, self.label_en)

    def counted(self, lang: str = "vi") -> str:
        """What a count counts ("lượt", "hộ"...) in the user's language; "" for a ratio."""
        return choose(lang, self.unit_vi, self.unit_en)

    def value(self, numerator: float, denominator: float | None) -> float | None:
        """The indicator's value from its summed numerator and denominator."""
        if self.denominator is None:
            return float(numerator)
        if not denominator:
            return None
        return float(numerator) / float(denominator)


INDICATORS: list[Indicator] = [
    Indicator(
        "F1",
        "Người cao tuổi có thẻ BHYT được hỗ trợ",
        "Elderly with a state-supported health-insurance card",
        "percent",
        "coverage",
        "elderly_bhyt",
        "elderly_covered",
        "elderly",
        rule_vi="Người từ đủ 60 tuổi còn sống vào ngày chốt số liệu, có thẻ BHYT còn hạn do "
        "Nhà nước đóng hoặc hỗ trợ đóng, trên tổng số người cao tuổi.",
    ),
    Indicator(
        "F2",
        "Lượt người cao tuổi được khám, tư vấn sức khỏe",
        "Elderly health-check and consultation visits",
        "count",
        "coverage",
        "health_visits",
        "health_visits",
        unit_vi="lượt",
        unit_en="visits",
        rule_vi="Số lượt khám sức khỏe định kỳ và tư vấn của chương trình chăm sóc người "
        "cao tuổi trong kỳ.",
    ),
    Indicator(
        "F3",
        "Trẻ em có hoàn cảnh đặc biệt được trợ giúp",
        "Children in special circumstances supported",
        "percent",
        "coverage",
        "children",
        "special_supported",
        "special_cases",
        rule_vi="Trẻ em có hoàn cảnh đặc biệt có hồ sơ mở trong kỳ đã được trợ giúp đến "
        "ngày chốt số liệu, trên tổng số trẻ em có hoàn cảnh đặc biệt.",
    ),
    Indicator(
        "F4",
        "Trẻ em có nguy cơ được can thiệp, hỗ trợ",
        "At-risk children given intervention",
        "percent",
        "coverage",
        "children",
        "at_risk_supported",
        "at_risk_cases",
        rule_vi="Trẻ em có nguy cơ rơi vào hoàn cảnh đặc biệt có hồ sơ mở trong kỳ đã được "
        "can thiệp, hỗ trợ, trên tổng số trẻ em có nguy cơ.",
    ),
    Indicator(
        "F5",
        "Xã, thị trấn có Ban Bảo vệ, chăm sóc trẻ em",
        "Communes with a child-protection board",
        "percent",
        "coverage",
        "boards",
        "communes_with_board",
        "communes",
        rule_vi="Số xã, thị trấn đã thành lập Ban Bảo vệ, chăm sóc trẻ em đến ngày chốt "
        "số liệu, trên tổng số xã, thị trấn.",
    ),
    Indicator(
        "F6",
        "Thôn, bản, khu phố có cộng tác viên bảo vệ trẻ em",
        "Villages with a child-protection collaborator",
        "percent",
        "coverage",
        "villages",
        "villages_with_collaborator",
        "villages",
        rule_vi="Số thôn, bản, khu phố có cộng tác viên bảo vệ, chăm sóc trẻ em đến ngày "
        "chốt số liệu, trên tổng số thôn, bản, khu phố.",
    ),
    Indicator(
        "F7",
        "Hộ được hỗ trợ xây nhà mới",
        "Households granted a new house",
        "count",
        "housing",
        "housing",
        "new_builds",
        unit_vi="hộ",
        unit_en="households",
        rule_vi="Số hộ có quyết định hỗ trợ xây mới nhà ở phê duyệt trong kỳ.",
    ),
    Indicator(
        "F8",
        "Hộ được hỗ trợ sửa chữa, cải tạo nhà",
        "Households granted a house repair",
        "count",
        "housing",
        "housing",
        "repairs",
        unit_vi="hộ",
        unit_en="households",
        rule_vi="Số hộ có quyết định hỗ trợ sửa chữa, cải tạo nhà ở phê duyệt trong kỳ.",
    ),
    Indicator(
        "F9",
        "Kinh phí hỗ trợ nhà ở",
        "Housing grant funding",
        "money",
        "housing",
        "housing",
        "grant_amount",
        rule_vi="Tổng kinh phí các khoản hỗ trợ nhà ở phê duyệt trong kỳ.",
    ),
    Indicator(
        "F9S",
        "Tỷ lệ kinh phí nhà ở từ xã hội hóa",
        "Share of housing funding socialised",
        "percent",
        "housing",
        "housing",
        "socialised_amount",
        "grant_amount",
        higher_is_better=None,
        rule_vi="Kinh phí từ nguồn xã hội hóa trên tổng kinh phí hỗ trợ nhà ở trong kỳ.",
    ),
    Indicator(
        "F10",
        "Hội nghị giao dịch việc làm, xuất khẩu lao động",
        "Job fairs and labour-export conferences",
        "count",
        "training",
        "job_events",
        "job_fairs",
        unit_vi="hội nghị",
        unit_en="events",
        rule_vi="Số hội nghị giao dịch việc làm và xuất khẩu lao động tổ chức trong kỳ.",
    ),
    Indicator(
        "F11",
        "Hội nghị tư vấn, tuyển dụng lao động (TKV)",
        "Recruitment consultations (TKV)",
        "count",
        "training",
        "job_events",
        "recruitment_events",
        unit_vi="hội nghị",
        unit_en="events",
        rule_vi="Số hội nghị tư vấn, tuyển dụng lao động với Trường Cao đẳng Than – "
        "Khoáng sản Việt Nam tổ chức trong kỳ.",
    ),
    Indicator(
        "F12",
        "Lớp sơ cấp nghề cho lao động nông thôn",
        "Elementary vocational classes for rural workers",
        "count",
        "training",
        "training",
        "classes",
        unit_vi="lớp",
        unit_en="classes",
        rule_vi="Số lớp sơ cấp nghề khai giảng trong kỳ (nông nghiệp và phi nông nghiệp).",
    ),
    Indicator(
        "F13",
        "Học viên các lớp sơ cấp nghề",
        "Learners in vocational classes",
        "count",
        "training",
        "training",
        "learners",
        unit_vi="học viên",
        unit_en="learners",
        rule_vi="Số học viên ghi danh vào các lớp khai giảng trong kỳ.",
    ),
    Indicator(
        "F14",
        "Đối tượng hưởng trợ cấp xã hội hằng tháng",
        "Monthly social-allowance beneficiaries",
        "count",
        "payouts",
        "allowance_active",
        "beneficiaries",
        higher_is_better=None,
        unit_vi="đối tượng",
        unit_en="beneficiaries",
        rule_vi="Số đối tượng bảo trợ xã hội có tên trong danh sách hưởng trợ cấp tháng "
        "chốt số liệu.",
    ),
    Indicator(
        "F15",
        "Kinh phí chi trả trợ cấp xã hội",
        "Social allowance paid",
        "money",
        "payouts",
        "payouts",
        "paid_amount",
        higher_is_better=None,
        rule_vi="Tổng số tiền trợ cấp xã hội hằng tháng đã chi trả cho các tháng trong kỳ.",
    ),
]
BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}
RATIO_CODES: tuple[str, ...] = tuple(i.code for i in INDICATORS if i.unit == "percent")


def indicator_values(
    conn: Connection,
    filters: Filters,
    scope: Scope,
    codes: list[str] | None = None,
    with_units: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indicator values for the selection, as (total, by_unit).

    ``total``: one row per indicator — code, numerator, denominator, value.
    ``by_unit``: one row per (indicator, unit) — code, unit_id, unit_code, unit_name, numerator,
    denominator, value.
    """
    chosen = [BY_CODE[c] for c in codes] if codes else INDICATORS
    groups = sorted({i.group for i in chosen})
    if not with_units:  # the totals alone: a whole version reads its monthly totals
        summed = measure_totals(conn, filters, scope, groups)
        return _totals(chosen, summed), pd.DataFrame()
    frame = measures(conn, filters, scope, groups)
    summed = {c: int(frame[c].sum()) for c in frame.columns if c not in ("unit_id", "code", "name")}
    per_unit = _per_unit_values(frame, chosen) if len(frame) else pd.DataFrame()
    return _totals(chosen, summed), per_unit


def _totals(chosen: list[Indicator], summed: dict[str, int]) -> pd.DataFrame:
    """One row per indicator: code, numerator, denominator, value, from the summed measures."""
    totals = []
    for ind in chosen:
        total = summed[ind.numerator]
        total_den = summed[ind.denominator] if ind.denominator else None
        totals.append(
            {
                "code": ind.code,
                "numerator": total,
                "denominator": total_den,
                "value": ind.value(total, total_den),
            }
        )
    return pd.DataFrame(totals)


def _per_unit_values(frame: pd.DataFrame, chosen: list[Indicator]) -> pd.DataFrame:
    """One row per (indicator, unit) of a ``measures`` frame, built as whole columns: at
    national scale this is 6.300 communes per indicator. A count's denominator is missing
    (NaN), and so is a ratio's value over an empty denominator."""
    n = len(frame)
    nums = [frame[ind.numerator].to_numpy(dtype="int64") for ind in chosen]
    dens = [
        frame[ind.denominator].to_numpy(dtype="float64") if ind.denominator else np.full(n, np.nan)
        for ind in chosen
    ]
    values = []
    for ind, num, den in zip(chosen, nums, dens, strict=True):
        if ind.denominator is None:
            values.append(num.astype("float64"))
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            values.append(np.where(den != 0, num / np.where(den != 0, den, 1), np.nan))
    denominator = np.concatenate(dens)
    ratios_only = all(ind.denominator for ind in chosen)
    return pd.DataFrame(
        {
            "code": np.repeat(np.array([ind.code for ind in chosen], dtype=object), n),
            "unit_id": np.tile(frame["unit_id"].to_numpy(dtype="int64"), len(chosen)),
            "unit_code": np.tile(frame["code"].to_numpy(dtype=object), len(chosen)),
            "unit_name": np.tile(frame["name"].to_numpy(dtype=object), len(chosen)),
            "numerator": np.concatenate(nums),
            "denominator": denominator.astype("int64") if ratios_only else denominator,
            "value": np.concatenate(values),
        }
    )


def targets(
    conn: Connection, filters: Filters, scope: Scope, year: int, district_only: bool = False
) -> pd.DataFrame:
    """Targets for ``year``: code, value (district-wide) and, where set, per commune.

    Columns: code, unit_id (None for the district), value. Commune targets are only given for
    communes the user may see, and not at all with ``district_only``. Read once per transaction
    for the same selection (the overview's three tables each ask).
    """
    # The period does not select units: the same key for every period of the same selection.
    # One entry on the connection, replaced with each new transaction (never one per selection).
    known: dict[tuple[Any, ...], pd.DataFrame] = per_transaction(conn, "welfare.targets", dict)
    chosen = (year, district_only, filters.communes, filters.version, filters.area, scope)
    if chosen not in known:
        known[chosen] = _read_targets(conn, filters, scope, year, district_only)
    return known[chosen]


_TARGET_COLUMNS = ["code", "unit_id", "value"]


def _read_targets(
    conn: Connection, filters: Filters, scope: Scope, year: int, district_only: bool
) -> pd.DataFrame:
    resolved = resolve(conn, filters, scope)
    # The year's targets are kept for the process while the table is unchanged (``kept``: at
    # national scale a province's page read 5.600 of them per view); the selection's own are
    # taken from them here, as the SQL's WHERE took them before.
    rows, whole = kept(conn, s.target, ("year", year), lambda: _year_targets(conn, year))
    if district_only:
        chosen = [r for r in rows if r[1] is None]
    elif resolved.base_ids is not None:
        allowed = set(resolved.base_ids)
        chosen = [r for r in rows if r[1] is None or r[1] in allowed]
    else:
        return whole.copy()  # shared by every session: a caller may not change the kept one
    return pd.DataFrame(chosen, columns=_TARGET_COLUMNS)


def _year_targets(conn: Connection, year: int) -> tuple[list[tuple[Any, ...]], pd.DataFrame]:
    """Every valid target of ``year``: (code, unit_id, value) rows, and the same as a frame, in
    the order they were recorded (where a unit has two, the last recorded counts)."""
    t = s.target
    # A target that cannot be true (negative, 1e28, NaN, a ratio above 100%) is no target: left
    # out here, listed by check ``invalid_target``.
    stmt = (
        sa.select(t.c.indicator, t.c.admin_unit_id, t.c.value)
        .where(t.c.year == year, target_valid(t, RATIO_CODES))
        .order_by(t.c.id)
    )
    rows = [tuple(r) for r in conn.execute(stmt).all()]
    return rows, pd.DataFrame(rows, columns=_TARGET_COLUMNS)


def district_targets(frame: pd.DataFrame) -> dict[str, float]:
    """The district's own target of each indicator (the rows of ``targets`` without a unit): a
    plain dict from two lists (``set_index(...).to_dict()`` walks an Arrow index a value at a
    time: 11.000 at national scale, whose generated data repeat the district's targets)."""
    own = frame["unit_id"].isna()
    return dict(zip(frame.loc[own, "code"].tolist(), frame.loc[own, "value"].tolist(), strict=True))


def covers_target_year(filters: Filters, as_of: date | None) -> bool:
    """True when the period runs from January to December (or to the data's as-of month) of one
    year: only then is a count judged against its annual target."""
    period = filters.period
    if period.start.month != 1 or period.start.year != period.end.year:
        return False
    return period.end.month == 12 or (as_of is not None and period.end >= as_of.replace(day=1))


def selection_targets(
    conn: Connection, filters: Filters, scope: Scope, year: int
) -> dict[str, float | None]:
    """The target of each indicator for the selected communes in ``year``.

    A ratio's target is the district's rate. A count's district target applies only to the whole
    district; for some communes it is the sum of their own targets, when every one has one.
    """
    resolved = resolve(conn, filters, scope)
    whole = resolved.unit_ids is None and resolved.base_ids is None
    frame = targets(conn, filters, scope, year, district_only=whole)
    selected = [] if whole else measures_units(conn, filters, scope, year)
    # One pass over the targets (a frame filter per indicator costs more than the SQL).
    district: dict[str, float] = {}
    own: dict[str, list[float]] = {}
    wanted = set(selected)
    for code, unit_id, value in zip(
        frame["code"].tolist(), frame["unit_id"].tolist(), frame["value"].tolist(), strict=True
    ):
        if unit_id is None or unit_id != unit_id:  # NULL: the district's own target
            district[code] = float(value)  # the last, as ``district_targets``
        elif int(unit_id) in wanted:
            own.setdefault(code, []).append(float(value))
    result: dict[str, float | None] = {}
    for ind in INDICATORS:
        if ind.unit == "percent" or whole:
            result[ind.code] = district.get(ind.code)
            continue
        values = own.get(ind.code, [])
        result[ind.code] = sum(values) if len(values) == len(selected) and selected else None
    return result


def measures_units(conn: Connection, filters: Filters, scope: Scope, year: int) -> list[int]:
    """Record-level unit ids of the selection in force during ``year`` (to match targets)."""
    resolved = resolve(conn, filters, scope)
    m = unit_map(filters.version)
    u = s.admin_unit
    stmt = (
        sa.select(m.c.base_id)
        .join(u, u.c.id == m.c.base_id)
        .where(
            u.c.valid_from <= date(year, 12, 31),
            sa.or_(u.c.valid_to.is_(None), u.c.valid_to >= date(year, 1, 1)),
        )
    )
    if resolved.unit_ids is not None:
        stmt = stmt.where(m.c.unit_id.in_(resolved.unit_ids))
    if resolved.base_ids is not None:
        stmt = stmt.where(m.c.base_id.in_(resolved.base_ids))
    return sorted({int(r[0]) for r in conn.execute(stmt)})


def compared_period(period: Period, as_of: date | None) -> Period:
    """What a tile's change is measured against: the months of ``period`` that have data, one
    year earlier ("cùng kỳ")."""
    return data_months(period, as_of).same_period_last_year()


def headline(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Every indicator for the selection beside its target and the same period last year.

    Columns: code, value, numerator, denominator, target, meets_target (True/False/None),
    last_year, change (value − last_year). Last year is ``compared_period``: the same months
    as the ones with data, so eleven months are never set against twelve; when it starts
    before the data does, there is nothing to compare with (last_year and change are None).
    """
    as_of = data_as_of(conn)
    now, _ = indicator_values(conn, filters, scope, with_units=False)
    compared = compared_period(filters.period, as_of)
    before, _ = indicator_values(conn, filters.with_period(compared), scope, with_units=False)
    first = first_month(conn)
    if first is not None and compared.start < first.replace(day=1):
        before = before.assign(value=None)  # no data then: a year of payments is no "rise"
    year = filters.period.end.year
    goal = selection_targets(conn, filters, scope, year)
    full_year = covers_target_year(filters, as_of)
    out = now.merge(before[["code", "value"]].rename(columns={"value": "last_year"}), on="code")
    out["target"] = out["code"].map(goal)
    meets: list[bool | None] = []
    for _, row in out.iterrows():
        ind = BY_CODE[row["code"]]
        target, value = row["target"], row["value"]
        unknown = pd.isna(target) or value is None or pd.isna(value)
        judged = ind.higher_is_better is not None and (ind.unit == "percent" or full_year)
        if unknown or not judged:
            meets.append(None)
        else:
            meets.append(bool(value >= target) if ind.higher_is_better else bool(value <= target))
    out["meets_target"] = meets
    out["change"] = [
        (v - ly)
        if v is not None and ly is not None and not pd.isna(v) and not pd.isna(ly)
        else None
        for v, ly in zip(out["value"], out["last_year"], strict=True)
    ]
    return out


def commune_scorecard(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """Each commune's value of every indicator, its target, and whether it meets it.

    Columns: unit_code, unit_name, code, value, numerator, denominator, target, meets_target.
    A ratio is judged against the district's rate; a count against the commune's own target
    for a full year (or year to date), where one is set.
    """
    _, by_unit = indicator_values(conn, filters, scope)
    year = filters.period.end.year
    frame = targets(conn, filters, scope, year)
    district = district_targets(frame)
    own = frame[frame["unit_id"].notna()]
    own_targets = {
        (c, int(u)): v for c, u, v in own[["code", "unit_id", "value"]].itertuples(index=False)
    }
    full_year = covers_target_year(filters, data_as_of(conn))
    if filters.version != VERSION_2023:
        own_targets = {}  # commune targets are set for the 2023 units
    goals: list[float | None] = []
    meets: list[bool | None] = []
    rows = zip(
        by_unit["code"].tolist(),
        by_unit["unit_id"].tolist(),
        by_unit["value"].tolist(),
        strict=True,
    )
    for code, unit_id, value in rows:
        ind = BY_CODE[code]
        goal = (
            district.get(code)
            if ind.unit == "percent"
            else own_targets.get((code, unit_id))
            if full_year
            else None
        )
        goals.append(goal)
        if goal is None or value is None or pd.isna(value) or ind.higher_is_better is None:
            meets.append(None)
        else:
            meets.append(bool(value >= goal) if ind.higher_is_better else bool(value <= goal))
    out = by_unit.drop(columns=["unit_id"]).copy()
    out["target"] = goals
    out["meets_target"] = meets
    return out


def district_totals(conn: Connection, filters: Filters, scope: Scope) -> pd.DataFrame:
    """The whole district's value of every indicator, for comparison beside the user's communes.

    The district is computed with ``district_scope(scope)``: every commune, aggregates only, and
    only the total is returned (never a commune's row), so a commune head may see it where the
    scope allows district totals. The filters' communes are ignored; their period and unit
    version are kept. Columns: code, numerator, denominator, value.

    :raises DistrictTotalsNotAllowedError: the scope may not see the district's totals.
    """
    whole = Filters(filters.period, (), filters.version)
    total, _ = indicator_values(conn, whole, district_scope(scope), with_units=False)
    return total
