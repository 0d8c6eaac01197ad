"""The summary tables' declarations: which measures they hold, their columns and keys, and the
base tables whose fingerprint says whether they are fresh.

Measure groups are named exactly as ``queries.MEASURES`` returns them. Declarative: the refresh
(``summaries.rebuild``) fills these tables, ``summaries.read`` reads them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from .. import schema as s

LAYOUT = 9  # bump when the summary tables change: an older layout is ignored until refreshed
NO_PREVIOUS = date(1, 1, 1)  # summary_payment.prev_month of a beneficiary's first paid month

# Measure group -> its columns, named exactly as queries.MEASURES returns them.
FLOWS: dict[str, tuple[str, ...]] = {
    "health_visits": ("health_visits", "visits_with_medicine"),
    "housing": ("new_builds", "repairs", "grant_amount", "socialised_amount", "grants_completed"),
    "job_events": ("job_fairs", "recruitment_events", "event_attendees"),
    "training": ("classes", "classes_non_agri", "classes_agri", "learners", "learners_completed"),
    "payouts": ("paid_amount", "payments"),
    # Payments (paid or pending) that differ from rate × coefficient: payouts.rate_mismatches.
    "rate_check": ("rate_mismatches", "rate_without", "rate_overpaid_x10", "rate_underpaid_x10"),
}
STOCKS: dict[str, tuple[str, ...]] = {
    "elderly_bhyt": ("elderly", "elderly_covered"),
    # Elderly holding a card paid by the state / any card (state, partial or self-paid):
    # with elderly_covered (state or partial) they split the elderly by their best card.
    "elderly_cards": ("elderly_card_state", "elderly_card_any"),
    "allowance_active": ("beneficiaries", "beneficiaries_bank"),
    "boards": ("communes", "communes_with_board"),
    "villages": ("villages", "villages_with_collaborator"),
}
# Child cases open during a period [S, E] read on its reference day R (R >= S): those opened by
# R, less those closed before S (``summaries.read``); "supported" adds supported_on <= R. Per
# unit and month M: cases opened by M's last day (and supported by then), and cases closed
# before M's first day (and supported at all). Exact while every case closes on or after its
# opening and is supported, if at all, by its closing: the refresh checks it
# (``summary_info.case_detail``), else the base table answers.
CASES: dict[str, tuple[str, ...]] = {
    "children": (
        "special_opened",
        "special_opened_supported",
        "special_closed",
        "special_closed_supported",
        "at_risk_opened",
        "at_risk_opened_supported",
        "at_risk_closed",
        "at_risk_closed_supported",
    ),
}
COLUMNS: dict[str, tuple[str, ...]] = {**FLOWS, **STOCKS, **CASES}
# Whole đồng (tenths for the rate check): BIGINT.
MONEY = frozenset(
    {"grant_amount", "socialised_amount", "paid_amount", "rate_overpaid_x10", "rate_underpaid_x10"}
)
MEASURE_COLUMNS = [c for cols in COLUMNS.values() for c in cols]

# The base tables the summaries are computed from: their fingerprint decides freshness.
SOURCES: tuple[sa.Table, ...] = (
    s.person,
    s.health_insurance_card,
    s.health_check,
    s.housing_grant,
    s.vocational_class,
    s.enrolment,
    s.job_event,
    s.allowance_beneficiary,
    s.allowance_payment,
    s.allowance_rate,
    s.admin_unit,
    s.village,
    s.child_protection_board,
    s.child_case,
    s.admin_unit_succession,  # summary_version_month holds sums through the unit map
)
# Tables only the data checks' candidates are computed from (``paid_after_stop``): their own
# fingerprint (``summary_info.check_fingerprint``) decides whether the candidates may be read,
# so a stop decision recorded after the refresh sends the checks, and nothing else, back to the
# base tables. A database built before them may lack them (or a role may not read them): their
# fingerprint then says "absent".
CHECK_SOURCES: tuple[sa.Table, ...] = (s.allowance_decision,)

summary_metadata = MetaData()  # not the base schema's: its create_all stays unchanged

summary_month = Table(
    "summary_month",
    summary_metadata,
    Column("month", Date, primary_key=True),  # first day of a month with stocks
    Column("month_end", Date, nullable=False),
    Column("elderly_born_by", Date, nullable=False),  # born on or before: elderly at month_end
    Column("elderly_born_month", Date, nullable=False),  # the month of elderly_born_by
)

summary_unit_month = Table(
    "summary_unit_month",
    summary_metadata,
    Column("admin_unit_id", Integer, primary_key=True),  # record-level unit (admin_unit.id)
    Column("month", Date, primary_key=True),  # first day of the month
    *(
        Column(name, BigInteger if name in MONEY else Integer, nullable=False)
        for name in MEASURE_COLUMNS
    ),
    Index("ix_summary_unit_month_month", "month", "admin_unit_id"),
)


# summary_unit_month summed over every unit of a unit version, per month, through the version's
# unit map exactly as a page joins it: the trend quarters of a whole version (a national or a
# district leader's first view) read a few dozen rows instead of every unit's months.
summary_version_month = Table(
    "summary_version_month",
    summary_metadata,
    Column("version", String(8), primary_key=True),  # filters.VERSION_2023, VERSION_2025
    Column("month", Date, primary_key=True),
    *(
        Column(name, BigInteger if name in MONEY else Integer, nullable=False)
        for name in MEASURE_COLUMNS
    ),
)


# The flows of summary_unit_month summed per calendar year: a period of whole years (the usual
# filter) reads one row per unit instead of twelve.
summary_unit_year = Table(
    "summary_unit_year",
    summary_metadata,
    Column("admin_unit_id", Integer, primary_key=True),
    Column("year", Integer, primary_key=True),
    *(
        Column(name, BigInteger if name in MONEY else Integer, nullable=False)
        for group in FLOWS.values()
        for name in group
    ),
    Index("ix_summary_unit_year_year", "year", "admin_unit_id"),
)


# Paid payments per record-level unit, month and Decree 20 group, for the payouts page. A
# beneficiary paid in a month is counted in the row of the previous month they were paid in, in
# any unit (``NO_PREVIOUS`` for their first), so "beneficiaries paid in months S..E" is the sum
# over the rows with S <= month <= E and prev_month < S: each counts once, at their first paid
# month in the period. That is exact only while each beneficiary is paid in one unit, or in a
# unit and its successor (a list carried across a merger: the two roll up into one unit of the
# later version, and the later unit does not exist in the earlier one): the refresh checks it
# and, when it fails, leaves the three payment tables empty (``summary_info.payment_detail``
# false) so the payouts page reads the base tables (as it does for a unit version that splits
# an old unit). ``summary_payment`` is the same without the group (a tenth of the rows), for
# the queries that do not split by group.
def _payment_table(name: str, *keys: Column[Any]) -> Table:
    return Table(
        name,
        summary_metadata,
        Column("admin_unit_id", Integer, primary_key=True),
        Column("month", Date, primary_key=True),
        *keys,
        Column("prev_month", Date, primary_key=True),
        Column("paid_amount", BigInteger, nullable=False),
        Column("bank_amount", BigInteger, nullable=False),
        Column("cash_amount", BigInteger, nullable=False),
        Column("payments", Integer, nullable=False),
        Column("beneficiaries", Integer, nullable=False),  # paid in the month (each once)
        Column("bank_beneficiaries", Integer, nullable=False),  # … with a payment by bank
        Index(f"ix_{name}_month", "month", "admin_unit_id"),
    )


summary_payment_group = _payment_table(
    "summary_payment_group", Column("group_code", Text, primary_key=True)
)
summary_payment = _payment_table("summary_payment")
# summary_payment_group summed per calendar year, for periods of whole years: a beneficiary is
# counted in the year's row of the year of their previous paid month (1: none), so "paid in
# years Y1..Y2" is the sum over years Y1..Y2 with prev_year < Y1.
summary_payment_group_year = Table(
    "summary_payment_group_year",
    summary_metadata,
    Column("admin_unit_id", Integer, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("group_code", Text, primary_key=True),
    Column("prev_year", Integer, primary_key=True),
    Column("paid_amount", BigInteger, nullable=False),
    Column("beneficiaries", Integer, nullable=False),
    Index("ix_summary_payment_group_year_year", "year", "admin_unit_id"),
)
# Every counted payment (``payment_counted``) per record-level unit, month and status, for the
# payouts page's lifecycle section (``payouts.status_by_month``, ``status_by_commune``,
# ``pending_by_age``): payments and amount, and of a returned status those not paid again
# (``definitions.returned_unrepaid``), part of the amount at risk.
summary_payment_status = Table(
    "summary_payment_status",
    summary_metadata,
    Column("admin_unit_id", Integer, primary_key=True),
    Column("month", Date, primary_key=True),
    Column("status", String(16), primary_key=True),
    Column("payments", Integer, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("unrepaid_payments", Integer, nullable=False),
    Column("unrepaid_amount", BigInteger, nullable=False),
    Index("ix_summary_payment_status_month", "month", "status", "admin_unit_id"),
)
PAYMENT_MEASURES = (
    "paid_amount",
    "bank_amount",
    "cash_amount",
    "payments",
    "beneficiaries",
    "bank_beneficiaries",
)

# The records each costly data check could ever list (``quality.candidates``): the check's own
# query run over the widest selection (every month, every unit, as the refresh's as-of date
# sees them). A check of a narrower selection then reads only these records: the same rows as
# from the base tables, since whatever a check finds for any period or scope it finds here.
# The payouts page's list of payments off rate × coefficient (``payouts.mismatch_list``): its
# rule (``definitions.rate_check``) takes no period, scope or date, so its candidates are the
# whole list, kept under this code beside the checks'.
RATE_CHECK = "rate_check"
summary_check_record = Table(
    "summary_check_record",
    summary_metadata,
    Column("check_code", String(40), primary_key=True),
    Column("record", String(40), primary_key=True),  # the base table the id belongs to
    Column("record_id", Integer, primary_key=True),
)

# The duplicate person records of the whole data (check ``duplicate_person`` over the widest
# selection), each with its group and what the list says of the group: a group's key, size,
# communes and the other communes' names depend on every record of the group, so a scoped list
# reads them here instead of regrouping millions of people (``quality.candidates``).
summary_duplicate_person = Table(
    "summary_duplicate_person",
    summary_metadata,
    Column("person_id", Integer, primary_key=True),
    Column("group_key", Text, nullable=False),
    Column("reason", String(20), nullable=False),
    Column("records", Integer, nullable=False),
    Column("communes", Integer, nullable=False),
    Column("other_communes", Text),
    Index("ix_summary_duplicate_person_key", "group_key"),
)
# What the full refresh writes for the data checks and an import's update does not keep.
CHECK_TABLES: tuple[Table, ...] = (summary_check_record, summary_duplicate_person)

summary_info = Table(
    "summary_info",
    summary_metadata,
    Column("id", Integer, primary_key=True),  # always 1: one row
    Column("layout", Integer, nullable=False),
    Column("refreshed_at", DateTime, nullable=False),  # UTC
    Column("data_as_of", Date),  # definitions.data_as_of when refreshed
    Column("stocks_from", Date),  # first and last month of summary_month
    Column("stocks_to", Date),
    Column("fingerprint", Text, nullable=False),
    Column("payment_detail", sa.Boolean, nullable=False),  # the payment tables are filled
    Column("case_detail", sa.Boolean, nullable=False),  # the child-case columns may be read
    # CHECK_TABLES hold the data checks' candidates (a full refresh fills them; an
    # import's incremental update clears this flag, and the checks read the base tables)
    Column("check_detail", sa.Boolean, nullable=False),
    Column("check_fingerprint", Text),  # CHECK_SOURCES' fingerprint when the candidates were found
    Column("rows", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
)
