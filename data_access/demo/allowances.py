"""Monthly social allowances (Decree 20/2021): who is on each commune's list, and every payment."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from .. import schema as s
from ..definitions import PAID
from ..filters import add_months, month_end
from .facts import AS_OF, DATA_END_MONTH, DATA_START, GROUP_MIX, GROUP_POVERTY, RATE_2022, RATE_2023
from .people import birth_for, new_household, new_person
from .rows import District, Rows, random_day

GROUPS = list(GROUP_MIX)
GROUP_WEIGHTS = [GROUP_MIX[g][0] for g in GROUPS]


def coefficient_x10(group: str, birth: date, rng: random.Random) -> int:
    """The Decree 20 coefficient (× 10) for a group and age at 30/11/2023."""
    age = (AS_OF - birth).days // 365
    child_or_elderly = age < 16 or age >= 60
    if group == "NCT_NGHEO":
        return 20 if age >= 80 else 15
    if group == "NCT_CHAM_SOC":
        return 30
    if group == "KT_DBN":
        return 25 if child_or_elderly else 20
    if group == "KT_NANG":
        return 20 if child_or_elderly else 15
    if group == "TE_MCNN":
        return 25 if age < 4 else 15
    if group in ("TN_16_22", "HIV"):
        return 15
    if group == "DT_DON_THAN":
        return 10 * rng.choice([1, 1, 1, 2])
    return 10  # NCT_80, NCT_75_DTTS


def build_allowances(rows: Rows, d: District, unit_id: int, active_nov_2023: int) -> list[int]:
    """Beneficiaries of one commune and their monthly payments; returns elderly person ids."""
    rng = d.rng
    spans = list_spans(rng, active_nov_2023)
    bank_share_now = rng.uniform(0.40, 0.62)  # 2022–2023 push for payment by account
    elderly: list[int] = []
    for start, end in spans:
        person_id, birth = new_beneficiary(rows, d, unit_id, (start, end), bank_share_now)
        if (AS_OF - birth).days >= 59 * 365:
            elderly.append(person_id)
    return elderly


def list_spans(rng: random.Random, active_nov_2023: int) -> list[tuple[date, date | None]]:
    """Who is on the list: (start month, end month or None), the active ones first."""
    exits = round(active_nov_2023 * rng.uniform(0.10, 0.14))  # deaths and moves, 2022–2023
    entrants = round(active_nov_2023 * rng.uniform(0.11, 0.15))  # new decisions, 2022–2023
    spans: list[tuple[date, date | None]] = []
    for i in range(active_nov_2023):
        start = (
            random_day(rng, date(2014, 1, 1), date(2021, 12, 31)).replace(day=1)
            if i >= entrants
            else add_months(DATA_START, rng.randint(0, 22))
        )
        spans.append((start, None))
    for _ in range(exits):
        start = random_day(rng, date(2012, 1, 1), date(2021, 12, 31)).replace(day=1)
        spans.append((start, add_months(DATA_START, rng.randint(0, 21))))
    return spans


def new_beneficiary(
    rows: Rows,
    d: District,
    unit_id: int,
    span: tuple[date, date | None],
    bank_share_now: float,
) -> tuple[int, date]:
    """One person on the list for ``span``, paid every month of it: (person id, birth date)."""
    rng = d.rng
    start, end = span
    group = rng.choices(GROUPS, weights=GROUP_WEIGHTS)[0]
    birth = birth_for(rng, GROUP_MIX[group][1])
    poverty = GROUP_POVERTY.get(group, "none")
    household_id, village_id = new_household(rows, d, unit_id, {2022: poverty, 2023: poverty})
    person_id = new_person(rows, d, unit_id, birth, household_id, village_id)
    if end is not None and (AS_OF - birth).days >= 60 * 365:
        rows.tables["person"][-1]["died_on"] = month_end(end) - timedelta(days=rng.randint(0, 20))
    coef = coefficient_x10(group, birth, rng)
    # Switch month to payment by bank account, or None: still paid in cash.
    switch = add_months(DATA_START, rng.randint(-6, 22)) if rng.random() < bank_share_now else None
    beneficiary_id = rows.add(
        s.allowance_beneficiary,
        person_id=person_id,
        admin_unit_id=unit_id,
        group_code=group,
        coefficient_x10=coef,
        start_month=start,
        end_month=end,
        payment_method="bank" if switch is not None else "cash",
        bank_account=(f"8{d.index:03d}{person_id:09d}" if switch is not None else None),
        bank_name="Agribank" if switch is not None else None,
    )
    pay_monthly(rows, d, beneficiary_id, unit_id, span, coef, switch)
    return person_id, birth


def pay_monthly(
    rows: Rows,
    d: District,
    beneficiary_id: int,
    unit_id: int,
    span: tuple[date, date | None],
    coef: int,
    switch: date | None,
) -> None:
    """A payment for every month of ``span`` within the data, at the month's standard rate."""
    start, end = span
    month = max(start, DATA_START)
    last = end or DATA_END_MONTH
    while month <= last:
        rate = RATE_2022 if month.year == 2022 else RATE_2023
        bank = switch is not None and month >= switch
        rows.add(
            s.allowance_payment,
            beneficiary_id=beneficiary_id,
            admin_unit_id=unit_id,
            month=month,
            amount_vnd=rate * coef // 10,
            method="bank" if bank else "cash",
            paid_on=month.replace(day=d.rng.randint(5, 15)),
            status=PAID,
        )
        month = add_months(month, 1)


def decider(tables: dict[str, list[dict[str, Any]]], unit_id: int, month: date) -> str:
    """Who signs a decision on a beneficiary of ``unit_id`` taking effect in ``month``: the
    district chairman until 30/6/2025 (Decree 20/2021 art. 8), the commune's since (Decree
    147/2025)."""
    units = {r["id"]: r for r in tables["admin_unit"]}
    unit = units[unit_id]
    if month < MERGER and unit.get("parent_id") in units:
        unit = units[unit["parent_id"]]
    elif month >= MERGER:  # an old unit's list went to its successor on 1/7/2025
        successor = {
            r["old_unit_id"]: r["new_unit_id"]
            for r in tables["admin_unit_succession"]
            if r["effective"] == MERGER
        }
        unit = units.get(successor.get(unit_id, unit_id), unit)
    name = str(unit["name"])
    return f"Chủ tịch UBND {name[:1].lower()}{name[1:]}"


MERGER = date(2025, 7, 1)  # Resolution 1679/NQ-UBTVQH15: the communes' lists go to successors


def record_stop_decisions(rows: Rows) -> None:
    """The decision behind every beneficiary who left the list (this copy's rows): stopped from
    the month after their last, on the ground of death when they died by then (decided 10 days
    after the death [G]), else no longer eligible (decided on the 25th of their last month
    [G]). A beneficiary with a decision to stop already (a seeded problem) keeps it alone."""
    tables: dict[str, list[dict[str, Any]]] = rows.tables
    people = {r["id"]: r for r in tables["person"]}
    decided = {r["beneficiary_id"] for r in tables["allowance_decision"] if r["kind"] == "stop"}
    for b in list(tables["allowance_beneficiary"]):
        end = b["end_month"]
        if end is None or b["id"] in decided:
            continue
        effective = add_months(end, 1)
        died: date | None = people.get(b["person_id"], {}).get("died_on")
        death = died is not None and died < effective
        decided_on = died + timedelta(days=10) if died is not None and death else end
        rows.add(
            s.allowance_decision,
            beneficiary_id=b["id"],
            kind="stop",
            ground="death" if death else "ineligible",
            decided_on=decided_on if death else end.replace(day=25),
            effective_month=effective,
            resume_month=None,
            decided_by=decider(tables, b["admin_unit_id"], effective),
        )
