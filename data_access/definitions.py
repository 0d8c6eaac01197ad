"""What the figures mean, written once: who is elderly, which visits and payments count, the day
point-in-time measures are read on, the span the data covers (outliers ignored), which values
cannot be true (left out of every figure), which standard rate a payment meets, and which
payments differ from rate × coefficient.

The page queries (``queries``, ``coverage``, ``payouts``...), the summary tables' refresh and the
data-quality checks all build on these, so a tile, its breakdown, its summary row and its check
always apply the same rule. This module imports only the schema and the SQL helpers.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from vocab import CARD_FUNDING_CODES

from . import schema as s
from .filters import Period, month_end
from .sql import as_date, count_if, sum_if, valid_date
from .txcache import per_read_only_transaction

ELDERLY_AGE = 60  # Luật Người cao tuổi 2009: người cao tuổi là công dân từ đủ 60 tuổi
ELDERLY_CHECK_KINDS = ("elderly_periodic", "elderly_consult")
STATE_SUPPORTED_FUNDING = ("state", "partial")
CARD_FUNDING = CARD_FUNDING_CODES  # every BHYT card funding, best first
JOB_FAIR_KINDS = ("job_fair", "labour_export")
PAID = "paid"  # a payment that reached its beneficiary (F15 sums these)
CHECKED_STATUSES = ("paid", "pending")  # a returned payment reached no one: nothing to check

# --- who may be on the allowance list (data checks of issue 16) ------------------------------
MAX_AGE = 110  # older than this on the list: a death not recorded, or a mistyped birth year
# The youngest age each Decree 20/2021 group admits (art. 5): the elderly groups by the age
# they are for, the students' group from 16; the other groups admit any age.
GROUP_MIN_AGE: dict[str, int] = {
    "NCT_80": 80,
    "NCT_NGHEO": ELDERLY_AGE,
    "NCT_75_DTTS": 75,
    "NCT_CHAM_SOC": ELDERLY_AGE,
    "TN_16_22": 16,
}
# The province codes of a CCCD's first three digits (Decree 137/2015 art. 13, Circular
# 07/2016/TT-BCA annex): the 63 provinces before the 2025 merger, whose codes stay on the cards.
CCCD_PROVINCE_CODES = [
    "001",
    "002",
    "004",
    "006",
    "008",
    "010",
    "011",
    "012",
    "014",
    "015",
    "017",
    "019",
    "020",
    "022",
    "024",
    "025",
    "026",
    "027",
    "030",
    "031",
    "033",
    "034",
    "035",
    "036",
    "037",
    "038",
    "040",
    "042",
    "044",
    "045",
    "046",
    "048",
    "049",
    "051",
    "052",
    "054",
    "056",
    "058",
    "060",
    "062",
    "064",
    "066",
    "067",
    "068",
    "070",
    "072",
    "074",
    "075",
    "077",
    "079",
    "080",
    "082",
    "083",
    "084",
    "086",
    "087",
    "089",
    "091",
    "092",
    "093",
    "094",
    "095",
    "096",
]


# --- the data's dates -----------------------------------------------------------------------
# A date outside [EARLIEST_DATE, the data's cap] is an outlier (a mistyped year: 1900, 2031), not
# data: it never sets the as-of date or the first month, and check ``date_out_of_range`` lists it.
EARLIEST_DATE = date(2000, 1, 1)  # the programmes' records start well after; before it: a typo
EARLIEST_BIRTH = date(1901, 1, 1)  # 1/1/1900 is what many systems write for "unknown"
LOADED_ON_KEY = "loaded_on"  # dataset_info key: the day the data load ran (ISO), when it says


def declared_load_date(conn: Connection) -> date | None:
    """The day the data load declares it ran (``dataset_info``, key ``LOADED_ON_KEY``), if any."""
    i = s.dataset_info
    value = per_read_only_transaction(
        conn,
        "welfare.loaded_on",
        lambda: conn.execute(sa.select(i.c.value).where(i.c.key == LOADED_ON_KEY)).scalar(),
    )
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def data_cap(conn: Connection, today: date | None = None) -> date:
    """The latest day the data may cover: today, or the day the load declares if earlier."""
    cap = today or date.today()
    loaded = declared_load_date(conn)
    return min(cap, loaded) if loaded else cap


def _payment_month(conn: Connection, today: date | None, latest: bool) -> date | None:
    """The latest (or first) payment month that is a real date within [EARLIEST_DATE, cap].

    ORDER BY … LIMIT 1 over ``ix_payment_month``: the index is read from its end until the
    first plausible month, not scanned whole.
    """

    def read() -> date | None:
        month = s.allowance_payment.c.month
        stmt = (
            sa.select(month)
            .where(month.between(EARLIEST_DATE, data_cap(conn, today)), valid_date(month))
            .order_by(month.desc() if latest else month)
            .limit(1)
        )
        return as_date(conn.execute(stmt).scalar())

    return per_read_only_transaction(conn, f"welfare.payment_month.{latest}.{today}", read)


def data_as_of(conn: Connection, today: date | None = None) -> date | None:
    """The last day covered by the data: the end of the latest month with allowance payments,
    but never after today or the day the load declares (``data_cap``).

    Months that are no date, lie before ``EARLIEST_DATE`` or after the cap are outliers and
    ignored: one payment keyed 5/2031 must not move every default view to 2031. ``today`` is for
    tests; the dashboard leaves it to the clock.
    """
    latest = _payment_month(conn, today, latest=True)
    if latest is None:
        return None
    return min(month_end(latest), data_cap(conn, today))


def first_month(conn: Connection, today: date | None = None) -> date | None:
    """The first month with allowance payments: where the data starts (outliers ignored, as for
    ``data_as_of``: a payment keyed 1900 must not stretch the period picker back to 1900)."""
    return _payment_month(conn, today, latest=False)


def reference_date(period: Period, as_of: date | None) -> date:
    """The day point-in-time measures are read on."""
    return min(period.end_date, as_of) if as_of else period.end_date


# --- values that cannot be true ------------------------------------------------------------
# One rule per table, used by the page queries, the summaries' refresh and the data checks: a
# row failing it is left out of every figure (never summed: two payments near 2^63 overflowed
# SQLite's SUM) and listed by check ``implausible_value`` whatever the period.
MAX_PAYMENT_VND = s.MAX_PAYMENT_VND  # 100 triệu đồng (schema: its partial index needs it)
MAX_GRANT_VND = 1_000_000_000  # 1 tỷ đồng per household: ~10× a new house's support (40–100 triệu)
MAX_EVENT_PEOPLE = 100_000  # attendees or registrations of one job event: more than the district
# Decree 20/2021's coefficients run from 1 to 5 (× 10 as stored: 10–50); 0,1–10 leaves room
# for any later scale and still catches a typed-over value.
MIN_COEFFICIENT_X10, MAX_COEFFICIENT_X10 = 1, 100
MAX_TARGET = 1e13  # 10.000 tỷ đồng: no district or commune target comes near it
MAX_UNIT_POPULATION = 10_000_000  # no commune comes near it (the largest wards: a few 100.000)


def payment_counted(pay: sa.FromClause = s.allowance_payment) -> sa.ColumnElement[bool]:
    """A payment the figures count: its month is a real date and 0 ≤ amount < MAX_PAYMENT_VND
    (a 0-đồng payment is counted, and listed by ``non_positive_amount``)."""
    return sa.and_(
        valid_date(pay.c.month), pay.c.amount_vnd >= 0, pay.c.amount_vnd < MAX_PAYMENT_VND
    )


def returned_unrepaid(pay: sa.FromClause = s.allowance_payment) -> sa.ColumnElement[bool]:
    """A returned payment whose beneficiary has no paid or pending payment for the same month
    (in any unit): money still owed to the person, part of the amount at risk."""
    again = s.allowance_payment.alias("again")
    repaid = sa.exists().where(
        again.c.beneficiary_id == pay.c.beneficiary_id,
        again.c.month == pay.c.month,
        again.c.status.in_((PAID, "pending")),
    )
    return sa.and_(pay.c.status == "returned", ~repaid)


def coefficient_valid(ben: sa.FromClause = s.allowance_beneficiary) -> sa.ColumnElement[bool]:
    """A beneficiary's Decree 20 coefficient that can be true (hệ số 0,1–10): only then is
    rate × coefficient the amount they should get."""
    return ben.c.coefficient_x10.between(MIN_COEFFICIENT_X10, MAX_COEFFICIENT_X10)


def grant_counted(g: sa.FromClause = s.housing_grant) -> sa.ColumnElement[bool]:
    """A housing grant the figures count: 0 ≤ amount < MAX_GRANT_VND."""
    return sa.and_(g.c.amount_vnd >= 0, g.c.amount_vnd < MAX_GRANT_VND)


def event_counted(e: sa.FromClause = s.job_event) -> sa.ColumnElement[bool]:
    """A job event the figures count: attendees and registrations within 0..MAX_EVENT_PEOPLE."""
    return sa.and_(
        e.c.attendees.between(0, MAX_EVENT_PEOPLE), e.c.registered.between(0, MAX_EVENT_PEOPLE)
    )


def rate_valid(rate: sa.FromClause = s.allowance_rate) -> sa.ColumnElement[bool]:
    """A standard-rate row that can be true: 0 < amount < MAX_PAYMENT_VND, and an end (if any)
    not before its start."""
    return sa.and_(
        rate.c.amount_vnd > 0,
        rate.c.amount_vnd < MAX_PAYMENT_VND,
        sa.or_(rate.c.valid_to.is_(None), rate.c.valid_to >= rate.c.valid_from),
    )


def target_valid(
    t: sa.FromClause = s.target, ratio_codes: Collection[str] = ()
) -> sa.ColumnElement[bool]:
    """A target that can be true: 0 ≤ value ≤ MAX_TARGET, and at most 1 for a ratio indicator
    (``ratio_codes``). NaN fails both comparisons on PostgreSQL (it sorts above every number)."""
    ok = sa.and_(t.c.value.is_not(None), t.c.value >= 0, t.c.value <= MAX_TARGET)
    if ratio_codes:
        ok = sa.and_(ok, sa.or_(t.c.indicator.not_in(list(ratio_codes)), t.c.value <= 1))
    return ok


# --- the elderly ----------------------------------------------------------------------------


def years_before(d: date, years: int) -> date:
    """The same day ``years`` years earlier (29/2 becomes 28/2)."""
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


def elderly_born_by(ref: date) -> date:
    """The latest birth date of a person who is elderly (``ELDERLY_AGE`` or older) on ``ref``."""
    return years_before(ref, ELDERLY_AGE)


def elderly_on(person: sa.FromClause, ref: date) -> sa.ColumnElement[bool]:
    """``person`` is elderly on ``ref``: ``ELDERLY_AGE`` or older on that day, and alive."""
    return sa.and_(
        person.c.birth_date <= elderly_born_by(ref),
        sa.or_(person.c.died_on.is_(None), person.c.died_on > ref),
    )


def state_supported(person_id: sa.ColumnElement[int], ref: date) -> sa.Exists:
    """Person ``person_id`` holds a BHYT card valid on ``ref`` and paid fully or partly by the
    state: the test of ``state_supported_on`` for one person (an index lookup per person)."""
    c = s.health_insurance_card
    return sa.exists().where(
        c.c.person_id == person_id,
        c.c.valid_from <= ref,
        c.c.valid_to >= ref,
        c.c.funding.in_(STATE_SUPPORTED_FUNDING),
    )


def state_supported_on(ref: date) -> sa.Subquery:
    """Persons holding a BHYT card valid on ``ref`` and paid fully or partly by the state
    (F1's numerator), once each: subquery ``covered`` with column ``person_id``."""
    c = s.health_insurance_card
    return (
        sa.select(c.c.person_id)
        .where(c.c.valid_from <= ref, c.c.valid_to >= ref, c.c.funding.in_(STATE_SUPPORTED_FUNDING))
        .distinct()
        .subquery("covered")
    )


# --- payments that differ from standard rate × coefficient ----------------------------------


def in_force(rate: sa.FromClause, month: sa.ColumnElement[date]) -> sa.ColumnElement[bool]:
    """``rate`` is valid on ``month`` (from ``valid_from`` to ``valid_to``, open-ended if NULL)."""
    return sa.and_(
        rate.c.valid_from <= month, sa.or_(rate.c.valid_to.is_(None), rate.c.valid_to >= month)
    )


def rates_in_effect() -> sa.Subquery:
    """The valid standard-rate rows (``rate_valid``), each with the day the next one starts
    (``next_from``; NULL: none does): a rate is in effect from its ``valid_from`` until its
    ``valid_to`` or until a later rate starts, whichever is first (rows starting the same day:
    the higher id). Overlapping rows (check ``invalid_rate`` lists them) so give each month one
    rate at most; a join on validity alone counted each payment once per overlapping row.

    A subquery over the few rate rows, so the payments join it on a plain date range; the next
    start is a window over them (a correlated subquery there was flattened by SQLite into the
    payments' join and run once per payment and rate).
    """
    rate = s.allowance_rate
    next_from = sa.func.lead(rate.c.valid_from).over(order_by=(rate.c.valid_from, rate.c.id))
    return (
        sa.select(
            rate.c.id,
            rate.c.valid_from,
            rate.c.valid_to,
            next_from.label("next_from"),
            rate.c.amount_vnd,
        )
        .where(rate_valid(rate))
        .subquery("rate_in_effect")
    )


def rate_for(rate: sa.FromClause, month: sa.ColumnElement[date]) -> sa.ColumnElement[bool]:
    """``rate`` (a ``rates_in_effect`` subquery) is *the* standard rate of ``month``."""
    return sa.and_(
        in_force(rate, month), sa.or_(rate.c.next_from.is_(None), month < rate.c.next_from)
    )


def rate_check() -> tuple[sa.Select, dict[str, sa.ColumnElement]]:
    """Every counted payment (paid or pending) that differs from rate × coefficient, unfiltered.

    Returns the statement (selecting the payment id; callers choose their columns) and the named
    expressions: ``expected_x10``, ``diff_x10`` (tenths of a đồng: coefficient_x10 keeps
    rate × coefficient exact integer math), ``without_rate`` and ``rate_amount``. A payment for a
    month with no standard rate in force, or of a beneficiary whose coefficient cannot be true
    (``coefficient_valid``), counts as differing: its expected amount and difference are unknown
    (NULL), so no absurd difference is summed.
    Each payment meets one rate at most (``rates_in_effect``); payments the figures leave out
    (``payment_counted``) are not checked here but by ``implausible_value``. The payouts page
    lists them; the summaries count them per unit and month.
    """
    pay, ben, rate = s.allowance_payment, s.allowance_beneficiary, rates_in_effect()
    # The expected amount is known when a rate is in force and the coefficient can be true; a
    # coefficient that cannot (listed by implausible_value) would make the difference absurd.
    known = sa.and_(rate.c.id.is_not(None), coefficient_valid(ben))
    expected_x10 = sa.case((known, rate.c.amount_vnd * ben.c.coefficient_x10), else_=sa.null())
    diff_x10 = sa.case((known, pay.c.amount_vnd * 10 - expected_x10), else_=sa.null())
    stmt = (
        sa.select(pay.c.id)
        .select_from(pay)
        .join(ben, ben.c.id == pay.c.beneficiary_id)
        .join(rate, rate_for(rate, pay.c.month), isouter=True)
        .where(
            pay.c.status.in_(CHECKED_STATUSES),
            payment_counted(pay),
            sa.or_(sa.not_(known), diff_x10 != 0),
        )
    )
    named = {
        "expected_x10": expected_x10,
        "diff_x10": diff_x10,
        "without_rate": sa.not_(known),
        "rate_amount": rate.c.amount_vnd,
    }
    return stmt, named


def rate_totals(named: dict[str, sa.ColumnElement]) -> list[sa.ColumnElement]:
    """Aggregates of ``rate_check``'s rows: how many, how many without a rate in force, and the
    amounts over- and under-paid (tenths of a đồng). The summaries store the same per month."""
    diff = named["diff_x10"]
    return [
        sa.func.count(),
        count_if(named["without_rate"]),
        sum_if(diff > 0, diff),
        sum_if(diff < 0, -diff),
    ]
