"""Where the payments of 12/2025 – 10/2026 stand (issue 16): planned, paid, pending, returned,
recovered — the rest of the data is paid, as the article's figures count it.

Built after everything else of a district copy, from a random stream of its own, on payments of
12/2025 – 10/2026 only, so that the rows up to 11/2023 (F1–F15, the seeded problems), every month
before 12/2025, and November 2026 — the month whose list the import tests and benchmark load,
all paid — are what they were. The shares are [G] (assumed, of the size an office reports):

- pending (chờ chi: cash not collected yet, a transfer not confirmed): 6% of 10/2026's cash
  payments, 1,5% of 9/2026's, 1% of 8/2026's, 0,2% of the months before (some over 90 days);
- planned (đã lập danh sách, chưa chi): 0,5% of 10/2026's payments;
- returned (bị trả lại: account closed): 0,5% of the payments by account, each followed by the
  same amount again in cash for the same month — paid on the 10th day after, or pending when the
  return is of 10/2026;
- recovered (đã thu hồi): a third of the beneficiaries who died in 12/2025 – 9/2026 were paid
  for the month after their death as well, and the money was taken back: an extra payment,
  status recovered.

A pending or planned payment has no ``paid_on``. Statuses other than paid are never counted as
paid (F15's rule), and the data checks read paid and pending only (``CHECKED_STATUSES``).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from .. import schema as s
from ..definitions import PAID
from ..filters import add_months, month_end
from .rows import District, Rows

FIRST = date(2025, 12, 1)
LAST = date(2026, 10, 1)
PENDING_SHARE = {date(2026, 10, 1): 0.06, date(2026, 9, 1): 0.015, date(2026, 8, 1): 0.01}
PENDING_EARLIER = 0.002
PLANNED_SHARE = 0.005
RETURNED_SHARE = 0.005
RECOVERED_SHARE = 1 / 3
RETRY_AFTER = timedelta(days=10)


def payment_lifecycle(rows: Rows, d: District, seed: int) -> None:
    """Set the statuses of this copy's payments of 12/2025 – 10/2026 (see the docstring)."""
    rng = random.Random(f"{seed}-{d.index}-lifecycle")
    payments: list[dict[str, Any]] = rows.tables["allowance_payment"]
    recent = [p for p in payments if FIRST <= p["month"] <= LAST and p["status"] == PAID]
    retries: list[dict[str, Any]] = []
    for p in recent:
        draw = rng.random()
        if p["method"] == "bank" and draw < RETURNED_SHARE:
            p["status"] = "returned"
            retry = {k: v for k, v in p.items() if k != "id"}
            retry.update(method="cash", status=PAID, paid_on=p["paid_on"] + RETRY_AFTER)
            if p["month"] == LAST:
                retry.update(status="pending", paid_on=None)
            retries.append(retry)
        elif p["month"] == LAST and draw < PLANNED_SHARE:
            p.update(status="planned", paid_on=None)
        elif p["method"] == "cash" and draw < PENDING_SHARE.get(p["month"], PENDING_EARLIER):
            p.update(status="pending", paid_on=None)
    for retry in retries:
        rows.add(s.allowance_payment, **retry)
    _recovered(rows, rng)


def _recovered(rows: Rows, rng: random.Random) -> None:
    """Paid for the month after death, and taken back."""
    tables: dict[str, list[dict[str, Any]]] = rows.tables
    people = {r["id"]: r for r in tables["person"]}
    last_paid = {
        (p["beneficiary_id"], p["month"]): p
        for p in tables["allowance_payment"]
        if p["status"] == PAID
    }
    for b in tables["allowance_beneficiary"]:
        end = b["end_month"]
        died = people.get(b["person_id"], {}).get("died_on")
        if end is None or died is None or not FIRST <= end < LAST:
            continue
        last = last_paid.get((b["id"], end))
        if last is None or rng.random() >= RECOVERED_SHARE:
            continue
        month = add_months(end, 1)
        rows.add(
            s.allowance_payment,
            **{k: v for k, v in last.items() if k not in ("id", "month", "paid_on", "status")},
            month=month,
            paid_on=min(month.replace(day=10), month_end(month)),
            status="recovered",
        )
