"""The data-quality checks, in the order the page lists them, and running them for a selection.

"Không để trùng lặp, bỏ sót": each check is one SQL query over the record-level tables that
returns the offending records (limited to ``LIST_LIMIT`` rows, with the full count from the same
query), so a commune can find and fix them at the source.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Connection

from ..filters import Filters, Scope
from .check import LIST_LIMIT, Check
from .context import context
from .payments import missing_payment, no_bank_account, wrong_amount
from .people import child_no_intervention, duplicate_person, elderly_no_bhyt, unknown_unit
from .records import (
    date_out_of_range,
    future_date,
    housing_overdue,
    implausible_value,
    non_positive_amount,
)
from .reference import duplicate_unit_code, invalid_rate, invalid_target
from .stops import (
    age_out_of_range,
    national_id_mismatch,
    paid_after_stop,
    paid_twice,
    shared_bank_account,
)

CHECKS: list[Check] = [
    duplicate_person,
    elderly_no_bhyt,
    missing_payment,
    wrong_amount,
    no_bank_account,
    paid_after_stop,
    paid_twice,
    national_id_mismatch,
    age_out_of_range,
    shared_bank_account,
    child_no_intervention,
    housing_overdue,
    unknown_unit,
    non_positive_amount,
    implausible_value,
    future_date,
    date_out_of_range,
    invalid_rate,
    duplicate_unit_code,
    invalid_target,
]
BY_CHECK: dict[str, Check] = {c.code: c for c in CHECKS}


def count_problems(conn: Connection, filters: Filters, scope: Scope, code: str) -> int:
    """How many records check ``code`` finds for the selection (any scope may ask)."""
    return BY_CHECK[code].count(conn, filters, scope)


@dataclass(frozen=True)
class Findings:
    """One check's result: how many problems, and the list when the scope may see it."""

    code: str
    total: int
    rows: pd.DataFrame | None  # None: the scope sees counts only


def run_checks(
    conn: Connection, filters: Filters, scope: Scope, limit: int = LIST_LIMIT
) -> list[Findings]:
    """Every check for the selection, in registry order: one query per check.

    Scopes with ``persons=True`` get each list (at most ``limit`` rows) and its count; other
    scopes get the counts only.
    """
    ctx = context(conn, filters, scope)
    found = []
    for check in CHECKS:
        if scope.persons:
            frame, total = check.listed(conn, ctx, limit)
            found.append(Findings(check.code, total, frame))
        else:
            found.append(Findings(check.code, check.counted(conn, ctx), None))
    return found
