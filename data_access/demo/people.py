"""People and households: realistic Vietnamese names, unique national ids, ages in a band."""

from __future__ import annotations

import random
from datetime import date, timedelta

from .. import schema as s
from ..definitions import CCCD_PROVINCE_CODES, years_before
from .facts import AGE_BANDS, AS_OF, ETHNICITIES, FAMILY_NAMES, GIVEN_F, GIVEN_M, MIDDLE_F, MIDDLE_M
from .rows import District, Rows, random_day, weighted

_FIRST = CCCD_PROVINCE_CODES.index("022")
PROVINCES_FROM_QUANG_NINH = [*CCCD_PROVINCE_CODES[_FIRST:], *CCCD_PROVINCE_CODES[:_FIRST]]


def new_person(
    rows: Rows,
    d: District,
    unit_id: int,
    birth: date,
    household_id: int | None = None,
    village_id: int | None = None,
    sex: str | None = None,
) -> int:
    """A person with a realistic Vietnamese name and a unique 12-digit national id."""
    rng = d.rng
    sex = sex or rng.choice("MF")
    family = weighted(rng, FAMILY_NAMES)
    middle = rng.choice(MIDDLE_M if sex == "M" else MIDDLE_F)
    given = rng.choice(GIVEN_M if sex == "M" else GIVEN_F)
    rows.person_serial += 1
    # Decree 137/2015 art. 13: a real province code, the sex-and-century digit, the birth year's
    # two digits, six digits. The serial runs across every copy; each million of it takes the
    # next province code (Quảng Ninh's 022 first), so numbers stay unique and well formed at any
    # scale (check national_id_mismatch finds none on a clean build).
    block, serial = divmod(rows.person_serial, 1_000_000)
    province = PROVINCES_FROM_QUANG_NINH[block % len(PROVINCES_FROM_QUANG_NINH)]
    century_sex = (0 if birth.year < 2000 else 2) + (1 if sex == "F" else 0)
    national_id = f"{province}{century_sex}{birth.year % 100:02d}{serial:06d}"
    if village_id is None:
        village_id = rng.choice(d.villages[unit_id])
    return rows.add(
        s.person,
        full_name=f"{family} {middle} {given}",
        birth_date=birth,
        sex=sex,
        ethnicity=weighted(rng, ETHNICITIES),
        household_id=household_id,
        admin_unit_id=unit_id,
        village_id=village_id,
        national_id=national_id,
        died_on=None,
    )


def new_household(
    rows: Rows, d: District, unit_id: int, poverty: dict[int, str]
) -> tuple[int, int]:
    """A household (id, village id) with its poverty status per year."""
    village_id = d.rng.choice(d.villages[unit_id])
    household_id = rows.add(
        s.household, admin_unit_id=unit_id, village_id=village_id, head_name=None
    )
    for year, status in poverty.items():
        rows.add(s.household_poverty, household_id=household_id, year=year, status=status)
    return household_id, village_id


def new_member(rows: Rows, d: District, unit_id: int, band: str, poverty: dict[int, str]) -> int:
    """A person of age ``band`` in a new household of the unit (household drawn first)."""
    household_id, village_id = new_household(rows, d, unit_id, poverty)
    return new_person(rows, d, unit_id, birth_for(d.rng, band), household_id, village_id)


def birth_for(rng: random.Random, band: str) -> date:
    """A birth date giving an age (at 30/11/2023) in ``band``."""
    lo, hi = AGE_BANDS[band]
    age = rng.randint(lo, hi)
    return random_day(
        rng, years_before(AS_OF, age + 1) + timedelta(days=1), years_before(AS_OF, age)
    )
