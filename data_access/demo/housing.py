"""Housing grants: new builds and repairs approved each year, spread over the communes."""

from __future__ import annotations

from datetime import date, timedelta

from .. import schema as s
from .coverage import give_cards
from .facts import HOUSING_TARGET_GROUPS, UNITS_2023
from .people import birth_for, new_household, new_person
from .rows import District, Rows, random_day


def build_housing(
    rows: Rows,
    d: District,
    year: int,
    amounts: tuple[list[int], list[int]],
    funding: list[str],
    weights: list[float],
) -> None:
    """Grants approved in ``year``: (new builds, repairs) in triệu đồng, funding taken in turn."""
    rng = d.rng
    codes = [u[0] for u in UNITS_2023]
    new, repair = amounts
    groups = HOUSING_TARGET_GROUPS
    for i, (kind, amount) in enumerate([("new", a) for a in new] + [("repair", a) for a in repair]):
        unit_id = d.unit_ids[rng.choices(codes, weights=weights)[0]]
        group = groups[i % 4] if i < 8 else rng.choice(groups)
        status = group if group in ("poor", "near_poor") else "none"
        band = "elderly" if group == "elderly_alone" else "adult"
        household_id, village_id = new_household(rows, d, unit_id, {year: status})
        owner = new_person(rows, d, unit_id, birth_for(rng, band), household_id, village_id)
        if group == "elderly_alone":
            give_cards(rows, d, owner)
        approved = random_day(rng, date(year, 2, 1), date(year, 8, 31))
        deadline = approved + timedelta(days=120 if kind == "new" else 60)
        started = approved + timedelta(days=rng.randint(7, 20))
        completed = started + timedelta(days=rng.randint(30, 100 if kind == "new" else 45))
        completed = min(completed, date(year, 10, 28))  # province goal: done by 30/10/2023
        rows.add(
            s.housing_grant,
            household_id=household_id,
            admin_unit_id=unit_id,
            kind=kind,
            amount_vnd=amount * 1_000_000,
            funding_source=funding[i % len(funding)],
            target_group=group,
            approved_on=approved,
            deadline=deadline,
            started_on=started,
            completed_on=completed,
            status="completed",
        )
