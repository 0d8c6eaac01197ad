"""Coverage of the elderly and children: BHYT cards, health-check visits, child-protection cases."""

from __future__ import annotations

from datetime import date, timedelta

from .. import schema as s
from ..filters import month_end
from .facts import AS_OF, CHILD_CATEGORIES, CHILD_SUPPORT
from .people import new_member
from .rows import District, Rows, random_day


def build_elderly(
    rows: Rows, d: District, unit_id: int, total: int, existing: list[int]
) -> list[int]:
    """Bring the commune's elderly to ``total`` people and give them BHYT cards."""
    rng = d.rng
    people = list(existing)
    while len(people) < total:
        band = "80+" if rng.random() < 0.12 else "60-79"
        people.append(new_member(rows, d, unit_id, band, {2022: "none", 2023: "none"}))
    for person_id in people:
        give_cards(rows, d, person_id)
    return people


def give_cards(rows: Rows, d: District, person_id: int) -> None:
    """BHYT cards for 2022 and 2023 for an elderly person (ids are 1-based row positions)."""
    rng = d.rng
    birth: date = rows.get(s.person, person_id)["birth_date"]  # type: ignore[assignment]
    age_2022 = (date(2022, 12, 31) - birth).days // 365
    funding = "state" if age_2022 >= 79 else rng.choice(["state", "partial"])
    # [G] a few of the 60–69 group had no state-supported card yet in 2022.
    if not (60 <= age_2022 < 70 and rng.random() < 0.035):
        rows.add(
            s.health_insurance_card,
            person_id=person_id,
            card_no=f"HT222{person_id:010d}",
            valid_from=date(2022, 1, 1),
            valid_to=date(2022, 12, 31),
            funding=funding,
        )
    rows.add(
        s.health_insurance_card,
        person_id=person_id,
        card_no=f"HT223{person_id:010d}",
        valid_from=date(2023, 1, 1),
        valid_to=date(2023, 12, 31),
        funding=funding,
    )


def build_health_checks(
    rows: Rows, d: District, unit_id: int, people: list[int], visits: int, year: int
) -> None:
    """``visits`` elderly-programme visits in ``year`` (to November in 2023)."""
    rng = d.rng
    last_month = 11 if year == 2023 else 12
    # October is the month of action for the elderly: more visits then [G].
    month_weights = [1.0] * last_month
    month_weights[9] = 2.2
    months = rng.choices(range(1, last_month + 1), weights=month_weights, k=visits)
    for month in sorted(months):
        first = date(year, month, 1)
        rows.add(
            s.health_check,
            person_id=rng.choice(people),
            admin_unit_id=unit_id,
            check_date=random_day(rng, first, month_end(first)),
            kind="elderly_periodic" if rng.random() < 0.7 else "elderly_consult",
            free_medicine=rng.random() < 0.45,
        )


def build_children(rows: Rows, d: District, unit_id: int, special: int, at_risk: int) -> None:
    """Children in special circumstances and at risk, each supported within weeks."""
    rng = d.rng
    for circumstance, n in (("special", special), ("at_risk", at_risk)):
        for _ in range(n):
            opened = random_day(rng, date(2021, 6, 1), date(2023, 10, 31))
            supported = opened + timedelta(days=rng.randint(3, 25))
            closed = (
                supported + timedelta(days=rng.randint(60, 300))
                if circumstance == "at_risk" and rng.random() < 0.5
                else None
            )
            if closed is not None and closed > AS_OF:
                closed = None
            person_id = new_member(
                rows, d, unit_id, "child", {2022: "near_poor", 2023: "near_poor"}
            )
            rows.add(
                s.child_case,
                person_id=person_id,
                admin_unit_id=unit_id,
                circumstance=circumstance,
                category=rng.choice(CHILD_CATEGORIES[circumstance]),
                opened_on=opened,
                supported_on=supported,
                support_kind=CHILD_SUPPORT[circumstance],
                closed_on=closed,
            )
