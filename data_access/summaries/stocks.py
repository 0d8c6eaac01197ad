"""The month-end stocks of the summary refresh: elderly, card holders, beneficiaries on the list,
communes with a board, villages with a collaborator and child cases opened and closed, for every
month of ``summary_month``.

People, cards and villages are turned into month spans and counted per (unit, span) first; only
those few groups are joined to the months, so the work grows with the rows, not with
rows × months. Each stock counts exactly what the base query counts on a month's last day.
"""

from __future__ import annotations

import sqlalchemy as sa

from .. import schema as s
from ..definitions import CARD_FUNDING, STATE_SUPPORTED_FUNDING
from ..sql import count_if, month_after, month_of, sum_if
from .tables import summary_month


def _elderly_spans(months: sa.FromClause, units: list[int] | None = None) -> sa.Subquery:
    """Each person who is elderly within the stock months: [e_from, e_to) in months.

    Elderly at a month's end means born on or before its ``elderly_born_by``, a month's last
    day (checked by ``refresh``), so a birth month maps to exactly one first elderly month: an
    equality join, not a scan of people × months. ``e_to`` is the month of death (from its end
    on the person no longer counts); NULL: alive.
    """
    p, m, mb = s.person, months, months.alias("mb")
    first_month = sa.select(sa.func.min(m.c.month)).scalar_subquery()
    first_born_by = sa.select(sa.func.min(m.c.elderly_born_by)).scalar_subquery()
    last_born_by = sa.select(sa.func.max(m.c.elderly_born_by)).scalar_subquery()
    e_from = sa.case((p.c.birth_date <= first_born_by, first_month), else_=mb.c.month)
    stmt = (
        sa.select(
            p.c.id,
            p.c.admin_unit_id,
            e_from.label("e_from"),
            month_of(p.c.died_on).label("e_to"),
        )
        .select_from(p.join(mb, mb.c.elderly_born_month == month_of(p.c.birth_date), isouter=True))
        .where(p.c.birth_date <= last_born_by)
    )
    if units is not None:
        stmt = stmt.where(p.c.admin_unit_id.in_(units))
    return stmt.subquery("elderly")


def _card_islands(funding: tuple[str, ...], name: str) -> sa.Subquery:
    """Each person's months with a card of ``funding``, as disjoint [a, b) spans.

    A card counts at a month's end when valid_from <= month_end <= valid_to: the months from
    month_of(valid_from) to before month_of(valid_to + 1 day). Overlapping cards of one person
    are merged first (gaps and islands), so a person is counted once, as the base query's
    DISTINCT does.
    """
    c = s.health_insurance_card
    cards = (
        sa.select(
            c.c.person_id,
            month_of(c.c.valid_from).label("a"),
            month_after(c.c.valid_to).label("b"),
        )
        .where(c.c.funding.in_(funding))
        .subquery(f"{name}_cards")
    )
    order = (cards.c.a, cards.c.b)
    reach = sa.func.max(cards.c.b).over(
        partition_by=cards.c.person_id, order_by=order, rows=(None, -1)
    )
    flagged = (
        sa.select(
            cards.c.person_id,
            cards.c.a,
            cards.c.b,
            sa.case((cards.c.a <= reach, 0), else_=1).label("starts"),
        )
        .where(cards.c.a < cards.c.b)
        .subquery(f"{name}_flagged")
    )
    island = sa.func.sum(flagged.c.starts).over(
        partition_by=flagged.c.person_id, order_by=(flagged.c.a, flagged.c.b), rows=(None, 0)
    )
    numbered = sa.select(
        flagged.c.person_id, flagged.c.a, flagged.c.b, island.label("island")
    ).subquery(f"{name}_numbered")
    return (
        sa.select(
            numbered.c.person_id,
            sa.func.min(numbered.c.a).label("a"),
            sa.func.max(numbered.c.b).label("b"),
        )
        .group_by(numbered.c.person_id, numbered.c.island)
        .subquery(f"{name}_islands")
    )


def stock_parts(
    months: sa.FromClause = summary_month, units: list[int] | None = None
) -> list[sa.Select]:
    """Month-end stocks for each month of ``months`` (``summary_month``, or some of its rows:
    each month's stocks are computed from that month alone), as the base queries count them;
    with ``units``, of those record-level units only.

    People, cards and villages are turned into month spans and counted per (unit, span) first;
    only those few groups are joined to the months, so their work grows with the rows, not with
    rows × months. Beneficiaries (one row each, a few per thousand people) and communes (a few
    thousand) are joined to the months directly.
    """
    m, b = months, s.allowance_beneficiary
    active = (
        sa.select(
            b.c.admin_unit_id,
            m.c.month,
            sa.func.count().label("beneficiaries"),
            count_if(b.c.payment_method == "bank").label("beneficiaries_bank"),
        )
        .select_from(
            b.join(
                m,
                sa.and_(
                    b.c.start_month <= m.c.month,
                    sa.or_(b.c.end_month.is_(None), b.c.end_month >= m.c.month),
                ),
            )
        )
        .group_by(b.c.admin_unit_id, m.c.month)
    )
    if units is not None:
        active = active.where(b.c.admin_unit_id.in_(units))
    el = _elderly_spans(m, units)
    people = (
        sa.select(el.c.admin_unit_id, el.c.e_from, el.c.e_to, sa.func.count().label("n"))
        .group_by(el.c.admin_unit_id, el.c.e_from, el.c.e_to)
        .subquery("people")
    )
    elderly = (
        sa.select(people.c.admin_unit_id, m.c.month, sa.func.sum(people.c.n).label("elderly"))
        .select_from(
            people.join(
                m,
                sa.and_(
                    people.c.e_from <= m.c.month,
                    sa.or_(people.c.e_to.is_(None), m.c.month < people.c.e_to),
                ),
            )
        )
        .group_by(people.c.admin_unit_id, m.c.month)
    )
    held = [
        _held(m, el, STATE_SUPPORTED_FUNDING, "elderly_covered"),
        _held(m, el, ("state",), "elderly_card_state"),
        _held(m, el, CARD_FUNDING, "elderly_card_any"),
    ]
    u, board, v = s.admin_unit, s.child_protection_board, s.village
    first_board = (
        sa.select(board.c.admin_unit_id, sa.func.min(board.c.established_on).label("since"))
        .group_by(board.c.admin_unit_id)
        .subquery("first_board")
    )
    communes = (
        sa.select(
            u.c.id.label("admin_unit_id"),
            m.c.month,
            sa.func.count().label("communes"),
            count_if(first_board.c.since <= m.c.month_end).label("communes_with_board"),
        )
        .select_from(
            u.join(
                m,
                sa.and_(
                    u.c.valid_from <= m.c.month_end,
                    sa.or_(u.c.valid_to.is_(None), u.c.valid_to >= m.c.month_end),
                ),
            ).join(first_board, first_board.c.admin_unit_id == u.c.id, isouter=True)
        )
        .where(u.c.kind.in_(s.COMMUNE_KINDS))
        .group_by(u.c.id, m.c.month)
    )
    if units is not None:
        communes = communes.where(u.c.id.in_(units))
    # Villages per unit and month their collaborator started (a handful per unit), then those
    # few groups against the months: since <= month_end exactly when month_of(since) <= month.
    per_start_q = sa.select(
        v.c.admin_unit_id,
        month_of(v.c.child_collaborator_since).label("since"),
        sa.func.count().label("n"),
    ).group_by(v.c.admin_unit_id, month_of(v.c.child_collaborator_since))
    if units is not None:
        per_start_q = per_start_q.where(v.c.admin_unit_id.in_(units))
    per_start = per_start_q.subquery("villages_by_start")
    started = sa.and_(per_start.c.since.is_not(None), per_start.c.since <= m.c.month)
    villages = (
        sa.select(
            per_start.c.admin_unit_id,
            m.c.month,
            sa.func.sum(per_start.c.n).label("villages"),
            sum_if(started, per_start.c.n).label("villages_with_collaborator"),
        )
        .select_from(per_start.join(m, sa.true()))
        .group_by(per_start.c.admin_unit_id, m.c.month)
    )
    return [active, elderly, *held, communes, villages, _child_cases(m, units)]


def _child_cases(m: sa.FromClause, units: list[int] | None = None) -> sa.Select:
    """Per unit and month: child cases opened by the month's last day (and supported by then),
    and closed before its first day (and supported at all), by circumstance (``CASES``)."""
    k = s.child_case
    opened = k.c.opened_on <= m.c.month_end
    supported = sa.and_(k.c.supported_on.is_not(None), k.c.supported_on <= m.c.month_end)
    closed = k.c.closed_on < m.c.month
    columns = []
    for circumstance in ("special", "at_risk"):
        kind = k.c.circumstance == circumstance
        columns += [
            count_if(sa.and_(kind, opened)).label(f"{circumstance}_opened"),
            count_if(sa.and_(kind, opened, supported)).label(f"{circumstance}_opened_supported"),
            count_if(sa.and_(kind, closed)).label(f"{circumstance}_closed"),
            count_if(sa.and_(kind, closed, k.c.supported_on.is_not(None))).label(
                f"{circumstance}_closed_supported"
            ),
        ]
    stmt = (
        sa.select(k.c.admin_unit_id, m.c.month, *columns)
        .select_from(k.join(m, sa.or_(opened, closed)))
        .group_by(k.c.admin_unit_id, m.c.month)
    )
    return stmt if units is None else stmt.where(k.c.admin_unit_id.in_(units))


def _held(m: sa.FromClause, el: sa.Subquery, funding: tuple[str, ...], name: str) -> sa.Select:
    """Elderly holding a card of ``funding`` at each month's end, per unit: column ``name``."""
    isl = _card_islands(funding, name)
    lo = sa.case((isl.c.a > el.c.e_from, isl.c.a), else_=el.c.e_from)
    hi = sa.case((sa.or_(el.c.e_to.is_(None), isl.c.b < el.c.e_to), isl.c.b), else_=el.c.e_to)
    spans = (
        sa.select(el.c.admin_unit_id, lo.label("lo"), hi.label("hi"))
        .select_from(el.join(isl, isl.c.person_id == el.c.id))
        .subquery(f"{name}_spans")
    )
    held = (
        sa.select(spans.c.admin_unit_id, spans.c.lo, spans.c.hi, sa.func.count().label("n"))
        .where(spans.c.lo < spans.c.hi)
        .group_by(spans.c.admin_unit_id, spans.c.lo, spans.c.hi)
        .subquery(f"{name}_held")
    )
    return (
        sa.select(held.c.admin_unit_id, m.c.month, sa.func.sum(held.c.n).label(name))
        .select_from(held.join(m, sa.and_(held.c.lo <= m.c.month, m.c.month < held.c.hi)))
        .group_by(held.c.admin_unit_id, m.c.month)
    )
