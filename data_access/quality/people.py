"""Checks on the person registers: the same person twice, elderly without a valid card, at-risk
children without intervention, and records filed under an unknown commune or village.

Each entry is one ``@check``: its words and the query that lists the offending records.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from .. import schema as s
from ..definitions import elderly_on, state_supported
from ..sql import iso_date, sorted_strings
from ..summaries.read import uncovered_elderly_units
from ..summaries.tables import summary_duplicate_person
from .check import check
from .context import Context, Statement, candidate, in_scope, unit_columns

INTERVENTION_GRACE_DAYS = 30  # [G] a case plan is expected within a month of opening a case


OTHER_COMMUNES_SEPARATOR = "; "  # between the names in ``other_communes``


@check(
    "duplicate_person",
    title=("Một người có từ hai hồ sơ trở lên", "The same person recorded twice"),
    rule=(
        "Hai hồ sơ cá nhân trở lên có cùng số CCCD, hoặc cùng họ tên và ngày sinh, dù ở danh "
        "sách nào hay xã nào. Mỗi người chỉ có một hồ sơ, để không ai bị tính hai lần. Xét mọi "
        "hồ sơ cá nhân, không theo kỳ đang xem: hồ sơ trùng là sai ở bất kỳ kỳ nào.",
        "Two or more person records share a national id, or a full name and birth date, in "
        "any list or commune. Each person should have one record, so nobody is counted twice. "
        "Every person record is checked, whatever the period shown: a duplicate is wrong in "
        "any period.",
    ),
    action=(
        "Rà soát các hồ sơ trùng và giữ lại một hồ sơ cho mỗi người. Nếu hồ sơ còn lại ở xã "
        "khác (xem cột “Hồ sơ còn lại ở xã”), liên hệ xã đó để thống nhất người này cư trú ở "
        "đâu, rồi xã đó hoặc xã mình xóa bản trùng.",
        "Review the duplicate records and keep one record per person. If the other record is "
        "in another commune (see the column “Other record in”), agree with that commune where "
        "the person lives, then one of you deletes the copy.",
    ),
    order=("group_no", "person_id"),
    personal=frozenset({"person_id", "full_name", "birth_date", "national_id"}),
    period_use="none",
)
def duplicate_person(ctx: Context) -> Statement:
    """Person records sharing a national id, or a full name and birth date, in any commune.

    Each row also names the other communes holding a record of the same group
    (``other_communes``, names joined by ``OTHER_COMMUNES_SEPARATOR``): a commune head sees only
    the records of their own commune, and learns where the rest are — the commune's name, never
    the other record itself. With the candidates usable, the groups are read from
    ``summary_duplicate_person`` (the refresh's ``duplicate_groups``), else found afresh.
    """
    p, u, v = s.person, s.admin_unit.alias("u"), s.village.alias("v")
    groups = (
        sa.select(*(c.label(c.name) for c in _KEPT_GROUPS)).subquery("duplicates")
        if ctx.candidates
        else duplicate_groups().subquery("duplicates")
    )
    return (
        sa.select(
            sa.func.dense_rank().over(order_by=groups.c.group_key).label("group_no"),
            groups.c.reason,
            p.c.id.label("person_id"),
            p.c.full_name,
            p.c.birth_date,
            p.c.national_id,
            *unit_columns(u),
            v.c.name.label("village"),
            groups.c.records,
            groups.c.communes,
            groups.c.other_communes,
        )
        .select_from(groups)
        .join(p, p.c.id == groups.c.person_id)
        .join(u, u.c.id == p.c.admin_unit_id, isouter=True)
        .join(v, v.c.id == p.c.village_id, isouter=True)
        .where(in_scope(p.c.admin_unit_id, ctx))
    )


_KEPT_GROUPS = tuple(
    summary_duplicate_person.c[n]
    for n in ("person_id", "group_key", "reason", "records", "communes", "other_communes")
)


def duplicate_groups() -> sa.Select[Any]:
    """Every duplicate person record of the whole data: (person_id, group_key, reason, records,
    communes, other_communes) — its group's key, why the records are one person, how many
    records and communes the group has, and the names of the group's other communes (NULL when
    none). What ``summary_duplicate_person`` keeps; scope is applied by the caller."""
    p = s.person
    count = sa.func.count()
    units = sa.func.count(sa.distinct(p.c.admin_unit_id))
    by_id = (
        sa.select(p.c.national_id.label("k"), count.label("n"), units.label("units"))
        .where(p.c.national_id.is_not(None), p.c.national_id != "")
        .group_by(p.c.national_id)
        .having(count > 1)
        .subquery("dup_id")
    )
    by_name = (
        sa.select(p.c.full_name, p.c.birth_date, count.label("n"), units.label("units"))
        .group_by(p.c.full_name, p.c.birth_date)
        .having(count > 1)
        .subquery("dup_name")
    )
    key = sa.func.coalesce(by_id.c.k, p.c.full_name + "|" + iso_date(p.c.birth_date))

    # Every duplicate record (any commune) with its group key, read once: the rows and the
    # other communes of each group both come from it.
    rows = (
        sa.select(
            key.label("k"),
            p.c.id.label("person_id"),
            p.c.admin_unit_id.label("unit_id"),
            sa.case((by_id.c.k.is_not(None), "national_id"), else_="name_birth").label("reason"),
            sa.func.coalesce(by_id.c.n, by_name.c.n).label("records"),
            sa.func.coalesce(by_id.c.units, by_name.c.units).label("communes"),
        )
        .select_from(p)
        .join(by_id, by_id.c.k == p.c.national_id, isouter=True)
        .join(
            by_name,
            sa.and_(by_name.c.full_name == p.c.full_name, by_name.c.birth_date == p.c.birth_date),
            isouter=True,
        )
        .where(sa.or_(by_id.c.k.is_not(None), by_name.c.n.is_not(None)))
        .cte("duplicate_rows")
    )
    here = sa.select(rows.c.k, rows.c.unit_id).distinct().subquery("group_unit")
    there = sa.select(rows.c.k, rows.c.unit_id).distinct().subquery("other_unit")
    ou = s.admin_unit.alias("ou")
    # Each group's other communes by name, sorted (SQLite joins them in the order they come).
    named = (
        sa.select(here.c.k, here.c.unit_id, ou.c.name)
        .select_from(here)
        .join(there, sa.and_(there.c.k == here.c.k, there.c.unit_id != here.c.unit_id))
        .join(ou, ou.c.id == there.c.unit_id)
        .order_by(here.c.k, here.c.unit_id, ou.c.name)
        .subquery("named")
    )
    elsewhere = (
        sa.select(
            named.c.k,
            named.c.unit_id,
            sorted_strings(named.c.name, OTHER_COMMUNES_SEPARATOR).label("names"),
        )
        .group_by(named.c.k, named.c.unit_id)
        .subquery("elsewhere")
    )
    return (
        sa.select(
            rows.c.person_id,
            rows.c.k.label("group_key"),
            rows.c.reason,
            rows.c.records,
            rows.c.communes,
            elsewhere.c.names.label("other_communes"),
        )
        .select_from(rows)
        .join(
            elsewhere,
            sa.and_(elsewhere.c.k == rows.c.k, elsewhere.c.unit_id == rows.c.unit_id),
            isouter=True,
        )
    )


@check(
    "elderly_no_bhyt",
    title=(
        "Người cao tuổi chưa có thẻ BHYT còn hạn",
        "Elderly without a valid health-insurance card",
    ),
    rule=(
        "Người từ đủ 60 tuổi, còn sống vào ngày chốt số liệu, không có thẻ BHYT còn hạn vào "
        "ngày đó do Nhà nước đóng hoặc hỗ trợ đóng.",
        "People aged 60 or more, alive on the reference date, without a health-insurance card "
        "valid on that day and paid fully or partly by the state.",
    ),
    action=(
        "Lập danh sách đề nghị cấp thẻ BHYT cho người cao tuổi thuộc diện được Nhà nước đóng "
        "hoặc hỗ trợ đóng, hoặc cập nhật thẻ còn hạn vào hồ sơ.",
        "Propose these people for a state-paid or state-supported card, or record the valid "
        "card they already hold.",
    ),
    order=("unit_code", "person_id"),
    personal=frozenset({"person_id", "full_name", "birth_date", "national_id"}),
    period_use="reference_date",
)
def elderly_no_bhyt(ctx: Context) -> Statement:
    """People 60+ alive on the reference date without a valid state-supported BHYT card.

    With the candidates usable, only the people of the units whose month-end stocks count such
    a person are read (``summaries.read.uncovered_elderly_units``): none, most of the time."""
    p, u, v = s.person, s.admin_unit.alias("u"), s.village.alias("v")
    ref = ctx.ref
    units = uncovered_elderly_units(ctx.summaries, ref) if ctx.candidates else None
    last = s.health_insurance_card.alias("last")
    last_valid_to = (
        sa.select(sa.func.max(last.c.valid_to))
        .where(last.c.person_id == p.c.id, last.c.valid_from <= ref)
        .scalar_subquery()
    )
    return (
        sa.select(
            p.c.id.label("person_id"),
            p.c.full_name,
            p.c.birth_date,
            p.c.national_id,
            *unit_columns(u),
            v.c.name.label("village"),
            last_valid_to.label("last_card_valid_to"),
        )
        .select_from(p)
        .join(u, u.c.id == p.c.admin_unit_id, isouter=True)
        .join(v, v.c.id == p.c.village_id, isouter=True)
        .where(
            elderly_on(p, ref),
            ~state_supported(p.c.id, ref),
            in_scope(p.c.admin_unit_id, ctx),
            sa.true() if units is None else p.c.admin_unit_id.in_(units),
        )
    )


@check(
    "child_no_intervention",
    title=("Trẻ em có nguy cơ chưa được can thiệp", "At-risk child without intervention"),
    rule=(
        f"Trẻ em có nguy cơ rơi vào hoàn cảnh đặc biệt có hồ sơ mở trong kỳ, đã quá "
        f"{INTERVENTION_GRACE_DAYS} ngày kể từ ngày mở hồ sơ mà đến ngày chốt số liệu chưa "
        f"được can thiệp, hỗ trợ (kể cả hồ sơ đã đóng khi chưa được can thiệp).",
        f"An at-risk child whose case was open in the period, opened more than "
        f"{INTERVENTION_GRACE_DAYS} days before the reference date, with no intervention by "
        f"then (including cases closed without one).",
    ),
    action=(
        "Lập kế hoạch can thiệp, hỗ trợ cho trẻ và ghi ngày bắt đầu hỗ trợ vào hồ sơ.",
        "Draw up an intervention plan for the child and record the day support began.",
    ),
    order=("unit_code", "opened_on", "case_id"),
    personal=frozenset({"case_id", "full_name", "birth_date"}),
    period_use="reference_date",
)
def child_no_intervention(ctx: Context) -> Statement:
    """At-risk child cases open in the period, past the grace period, not yet given intervention."""
    k, p, u = s.child_case, s.person, s.admin_unit.alias("u")
    return (
        sa.select(
            k.c.id.label("case_id"),
            p.c.full_name,
            p.c.birth_date,
            *unit_columns(u),
            k.c.category,
            k.c.opened_on,
            k.c.closed_on,
        )
        .select_from(k)
        .join(p, p.c.id == k.c.person_id)
        .join(u, u.c.id == k.c.admin_unit_id, isouter=True)
        .where(
            k.c.circumstance == "at_risk",
            k.c.opened_on <= ctx.ref - timedelta(days=INTERVENTION_GRACE_DAYS),
            sa.or_(k.c.closed_on.is_(None), k.c.closed_on >= ctx.period.start),
            sa.or_(k.c.supported_on.is_(None), k.c.supported_on > ctx.ref),
            in_scope(k.c.admin_unit_id, ctx),
        )
    )


@check(
    "unknown_unit",
    title=("Hồ sơ ghi sai xã hoặc thôn", "Record pointing to an unknown unit or village"),
    rule=(
        "Hồ sơ cá nhân ghi một đơn vị không có trong danh mục hoặc không phải xã, thị trấn "
        "đang có hiệu lực, ghi một thôn không có, hoặc ghi thôn của xã khác. Những hồ sơ này "
        "có thể bị bỏ sót hoặc tính nhầm xã. Xét mọi hồ sơ cá nhân, không theo kỳ đang xem.",
        "A person record pointing at a unit that is unknown or not a commune in force, at an "
        "unknown village, or at another commune's village: such records are missed or counted "
        "in the wrong commune. Every person record is checked, whatever the period shown.",
    ),
    action=(
        "Sửa xã, thôn trong hồ sơ theo nơi cư trú thực tế của người đó.",
        "Correct the commune and village on the record to where the person actually lives.",
    ),
    order=("reason", "person_id"),
    personal=frozenset({"person_id", "full_name", "national_id"}),
    period_use="none",
    candidates=("person_id", "person"),
)
def unknown_unit(ctx: Context) -> Statement:
    """Person records pointing at an unknown or non-commune unit, or at another unit's village."""
    p, v = s.person, s.village.alias("v")
    pu, vu = s.admin_unit.alias("pu"), s.admin_unit.alias("vu")
    on = ctx.as_of or ctx.ref
    succ = s.admin_unit_succession
    no_unit = pu.c.id.is_(None)
    # A unit that has ended is still a person's commune when it has a successor: its people
    # (recorded before a merger) count under the unit that took it over.
    succeeded = sa.exists().where(succ.c.old_unit_id == pu.c.id, succ.c.effective <= on)
    not_commune = sa.or_(
        pu.c.kind.not_in(s.COMMUNE_KINDS),
        pu.c.valid_from > on,
        sa.and_(pu.c.valid_to.is_not(None), pu.c.valid_to < on, ~succeeded),
    )
    no_village = sa.and_(p.c.village_id.is_not(None), v.c.id.is_(None))
    # Villages are kept when communes merge: a new commune's people live in its predecessors'.
    predecessor_village = sa.exists().where(
        succ.c.old_unit_id == v.c.admin_unit_id, succ.c.new_unit_id == p.c.admin_unit_id
    )
    elsewhere = sa.and_(
        v.c.id.is_not(None), v.c.admin_unit_id != p.c.admin_unit_id, ~predecessor_village
    )
    scope = (
        sa.true()
        if ctx.units is None
        else sa.or_(p.c.admin_unit_id.in_(ctx.units), v.c.admin_unit_id.in_(ctx.units))
    )
    return (
        sa.select(
            p.c.id.label("person_id"),
            p.c.full_name,
            p.c.national_id,
            sa.case(
                (no_unit, "unknown_unit"),
                (not_commune, "not_a_commune"),
                (no_village, "unknown_village"),
                else_="village_elsewhere",
            ).label("reason"),
            p.c.admin_unit_id.label("unit_id"),
            pu.c.code.label("unit_code"),
            pu.c.name.label("commune"),
            p.c.village_id,
            v.c.name.label("village"),
            vu.c.name.label("village_commune"),
        )
        .select_from(p)
        .join(pu, pu.c.id == p.c.admin_unit_id, isouter=True)
        .join(v, v.c.id == p.c.village_id, isouter=True)
        .join(vu, vu.c.id == v.c.admin_unit_id, isouter=True)
        .where(
            candidate(p.c.id, ctx, "unknown_unit", p),
            sa.or_(no_unit, not_commune, no_village, elsewhere),
            scope,
        )
    )
