"""December 2023 – 30/11/2026: the district's records after the article, across the 2025 merger.

Built after everything else of a district copy (``Builder.build_district`` calls it last), from
a random stream of its own, so that the rows up to 30/11/2023 — and with them F1–F15 and the
seeded problems — are exactly what they were before these years existed. What the years assume
(every figure here is [G] unless marked):

- Records made before 1/7/2025 point at the nine 2023 units; records made from 1/7/2025 point at
  the two new communes (Resolution 1679/NQ-UBTVQH15, DOMAIN.md §2 [H]): decisions, payments,
  grants, classes, job events, health visits, child cases. People and households are kept where
  the population register has them, their 2023 commune and village (the register predates the
  merger, and villages are not reorganised), so a person counts in the same place in both unit
  versions: the elderly of 2023 are the same people read in the 2023 or the 2025 units.
- Allowances: every beneficiary on the list in 11/2023 stays on it unless they leave: each month
  about 0,5% leave (an elderly person by death — paid up to the month of death — anyone else by
  no longer being eligible), and about 0,55% join as new decisions, so the list grows slowly.
  A decision made before the merger stays in force after it (the new commune takes the old
  units' lists over): its beneficiary keeps one record, paid every month without a break; from
  7/2025 the payments are made and recorded by the successor commune. New decisions from
  1/7/2025 are the new commune's.
- Rates: Quảng Ninh's 500.000 đồng ends 30/9/2024 (DOMAIN.md §3 [M]); what followed is not known
  here. ASSUMED [G]: 600.000 đồng from 1/10/2024, so that a rate change happens inside a year
  (2024: nine months at 500.000, three at 600.000).
- Elderly: everyone aged 60 or more in a year (and alive at its start) holds that year's BHYT
  card, state-paid from 80; about 3.200, 3.300 and 3.350 health visits in 2024, 2025 and 2026 (to
  November), October busier.
- Children: new cases each year, each supported within weeks; each new commune sets up its
  child-protection board between mid-July and September 2025.
- Housing: 2024 and the first half of 2025 under the old units; from 1/7/2025 under the new
  communes at the 2025 provincial norms of 80 triệu per new house and 40 triệu per repair
  (DOMAIN.md §3 [H]); 2026 grants approved from August are still being built at 30/11/2026,
  within their deadlines.
- Training and jobs: six or seven elementary classes and a few job events a year.
- Targets: district targets for 2024 (whole district) and whole-area targets for 2025–2026.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from typing import Any, cast

from .. import schema as s
from ..definitions import PAID
from ..filters import add_months, month_end
from .allowances import GROUP_WEIGHTS, GROUPS, coefficient_x10
from .facts import CHILD_CATEGORIES, CHILD_SUPPORT, GROUP_MIX, GROUP_POVERTY
from .people import birth_for, new_household, new_member, new_person
from .rows import District, Rows, allocate, random_day

LATER_START = date(2023, 12, 1)  # the first month after the article's data
LATER_END = date(2026, 11, 1)  # the last month of the demo's data
LATER_AS_OF = date(2026, 11, 30)
MERGER = date(2025, 7, 1)
RATE_2023 = 500_000
RATE_FROM_OCT_2024 = 600_000  # [G] assumed: see the module docstring
# (valid from, valid to, amount, legal basis) of the rates after 2023's (facts.ALLOWANCE_RATES
# holds the earlier ones; the 2023 rate ends 30/9/2024 there).
LATER_RATES: list[tuple[date, date | None, int, str]] = [
    (date(2024, 10, 1), None, RATE_FROM_OCT_2024, "Giả định của dữ liệu mẫu [G]"),
]
MONTHLY_EXIT = 0.005
MONTHLY_ENTRY = 0.0055
HEALTH_VISITS = {2024: 3200, 2025: 3300, 2026: 3350}
# (new builds, repairs) in triệu đồng per half year: before and after the merger.
GRANTS_LATER: dict[tuple[int, int], tuple[list[int], list[int]]] = {
    (2024, 1): ([80, 75, 80], [40, 45, 35, 40]),
    (2024, 2): ([80, 85, 80], [40, 40, 45, 40, 35]),
    (2025, 1): ([80, 80, 90, 70], [40, 40, 35, 45, 40, 40]),
    (2025, 2): ([80, 80, 80], [40, 40, 40, 40]),
    (2026, 1): ([80, 80, 80, 80], [40, 40, 40]),
    (2026, 2): ([80, 80], [40, 40, 40]),
}
CLASSES_LATER: dict[int, list[tuple[str, str, int]]] = {
    2024: [
        ("Sơ cấp nghề May công nghiệp", "non_agri", 30),
        ("Sơ cấp nghề Điện dân dụng", "non_agri", 27),
        ("Sơ cấp nghề Hàn điện", "non_agri", 26),
        ("Sơ cấp nghề Nuôi tôm thẻ chân trắng", "agri", 30),
        ("Sơ cấp nghề Trồng và chăm sóc cây quế", "agri", 28),
        ("Sơ cấp nghề Chăn nuôi gia cầm", "agri", 29),
    ],
    2025: [
        ("Sơ cấp nghề Kỹ thuật chế biến món ăn", "non_agri", 28),
        ("Sơ cấp nghề Sửa chữa máy nông nghiệp", "non_agri", 25),
        ("Sơ cấp nghề May công nghiệp", "non_agri", 30),
        ("Sơ cấp nghề Nuôi trồng thủy sản nước lợ", "agri", 30),
        ("Sơ cấp nghề Trồng cây ăn quả", "agri", 27),
        ("Sơ cấp nghề Chăn nuôi gà, lợn", "agri", 28),
        ("Sơ cấp nghề Du lịch cộng đồng", "non_agri", 24),
    ],
    2026: [
        ("Sơ cấp nghề May công nghiệp", "non_agri", 30),
        ("Sơ cấp nghề Điện dân dụng", "non_agri", 28),
        ("Sơ cấp nghề Nuôi tôm thẻ chân trắng", "agri", 29),
        ("Sơ cấp nghề Trồng và chăm sóc cây quế", "agri", 26),
        ("Sơ cấp nghề Du lịch cộng đồng", "non_agri", 25),
        ("Sơ cấp nghề Chăn nuôi gia cầm", "agri", 27),
    ],
}
JOB_EVENTS_LATER = {2024: (2, 1, 5), 2025: (2, 1, 6), 2026: (2, 2, 6)}
TARGETS_LATER: dict[int, dict[str, float]] = {
    2024: {"F1": 1.0, "F2": 3100, "F3": 1.0, "F4": 1.0, "F7": 6, "F8": 9, "F12": 6, "F13": 160},
    2025: {"F1": 1.0, "F2": 3200, "F3": 1.0, "F4": 1.0, "F7": 7, "F8": 10, "F12": 7, "F13": 180},
    2026: {"F1": 1.0, "F2": 3300, "F3": 1.0, "F4": 1.0, "F7": 6, "F8": 6, "F12": 6, "F13": 160},
}
TRAINING_PARTNER = "Trung tâm GDNN-GDTX"
JOB_CENTRE = "Trung tâm Dịch vụ việc làm tỉnh Quảng Ninh"
TKV_COLLEGE = "Trường Cao đẳng Than – Khoáng sản Việt Nam (TKV)"

Row = dict[str, Any]


def rate_for(month: date) -> int:
    """The standard rate of a month after 2023 (see ``LATER_RATES``)."""
    return RATE_2023 if month < date(2024, 10, 1) else RATE_FROM_OCT_2024


class Later:
    """The rows of one district copy from 12/2023 to 11/2026."""

    def __init__(self, rows: Rows, d: District, seed: int) -> None:
        self.rows = rows
        self.t = cast(dict[str, list[Row]], rows.tables)  # rows as the generator holds them
        # Its own stream: the earlier rows' draws are untouched.
        self.d = replace(d, rng=random.Random(seed * 1000 + d.index + 7_000_000))
        self.rng = self.d.rng
        self.old_units = list(d.unit_ids.values())
        self.successor: dict[int, int] = {}
        for row in self.t["admin_unit_succession"]:
            if row["effective"] == MERGER:
                self.successor[int(row["old_unit_id"])] = int(row["new_unit_id"])
        self.new_units = sorted(set(self.successor.values()))
        self.people = {int(r["id"]): r for r in self.t["person"]}
        self.first_later_person = rows.next_ids["person"]

    def unit_on(self, old_unit: int, day: date) -> int:
        """The unit a record made on ``day`` in ``old_unit``'s area points at."""
        return self.successor[old_unit] if day >= MERGER else old_unit

    def build(self) -> None:
        """Every table's rows of the later years."""
        self.boards()
        self.allowances()
        self.children()
        self.housing()
        self.training()
        self.health_checks()
        self.cards()  # last: everyone recorded above who is 60 or older holds a card
        self.targets()

    def boards(self) -> None:
        """Each new commune sets up its child-protection board within weeks of the merger."""
        for new in self.new_units:
            self.rows.add(
                s.child_protection_board,
                admin_unit_id=new,
                established_on=random_day(self.rng, date(2025, 7, 15), date(2025, 9, 30)),
                decision_no=f"{self.rng.randint(10, 250)}/QĐ-UBND",
            )

    # -- allowances --------------------------------------------------------------------------

    def allowances(self) -> None:
        active = [
            b
            for b in self.t["allowance_beneficiary"]
            if b["end_month"] is None
            and int(b["admin_unit_id"]) in self.successor
            and self.people[int(b["person_id"])]["died_on"] is None
        ]
        per_unit: dict[int, int] = {}
        for b in active:
            per_unit[int(b["admin_unit_id"])] = per_unit.get(int(b["admin_unit_id"]), 0) + 1
        for b in active:
            self.carry(b, LATER_START)
        month = LATER_START
        while month <= LATER_END:
            for old in self.old_units:
                joining = sum(
                    self.rng.random() < MONTHLY_ENTRY for _ in range(per_unit.get(old, 0))
                )
                for _ in range(joining):
                    self.new_decision(old, month)
            month = add_months(month, 1)

    def carry(self, b: Row, first: date) -> None:
        """Pay ``b`` every month from ``first`` until they leave the list.

        A decision made before the merger stays in force after it (the new commune takes over
        its list); from 7/2025 its payments are made, and recorded, by the successor commune.
        """
        rng, month = self.rng, first
        person = self.people[int(b["person_id"])]
        elderly = (date(2024, 1, 1) - person["birth_date"]).days >= 60 * 365
        while month <= LATER_END:
            self.pay(b, month)
            if rng.random() < MONTHLY_EXIT:
                b["end_month"] = month
                if elderly:
                    person["died_on"] = month_end(month) - timedelta(days=rng.randint(0, 20))
                return
            month = add_months(month, 1)

    def decision(self, person_id: int, unit_id: int, group: str, coef: int, start: date) -> Row:
        """A new beneficiary decision; most are paid by account [G]."""
        rows = self.rows
        bank = self.rng.random() < 0.7
        beneficiary_id = rows.add(
            s.allowance_beneficiary,
            person_id=person_id,
            admin_unit_id=unit_id,
            group_code=group,
            coefficient_x10=coef,
            start_month=start,
            end_month=None,
            payment_method="bank" if bank else "cash",
            bank_account=f"8{self.d.index:03d}{person_id:09d}" if bank else None,
            bank_name="Agribank" if bank else None,
        )
        row = self.t["allowance_beneficiary"][-1]
        assert row["id"] == beneficiary_id
        return row

    def new_decision(self, old_unit: int, month: date) -> None:
        """A new beneficiary decided in ``month``: a new person of the commune of that month."""
        rng, d = self.rng, self.d
        unit_id = self.unit_on(old_unit, month)
        group = rng.choices(GROUPS, weights=GROUP_WEIGHTS)[0]
        birth = self.birth(GROUP_MIX[group][1])
        poverty = GROUP_POVERTY.get(group, "none")
        household_id, village_id = new_household(
            self.rows, d, old_unit, {y: poverty for y in (2024, 2025, 2026) if y >= month.year}
        )
        person_id = new_person(self.rows, d, old_unit, birth, household_id, village_id)
        self.people[person_id] = self.t["person"][-1]
        coef = coefficient_x10(group, birth, rng)
        self.carry(self.decision(person_id, unit_id, group, coef, month), month)

    def birth(self, band: str) -> date:
        """A birth date in an age band of ``facts.AGE_BANDS``, ages taken at 30/11/2023."""
        return birth_for(self.rng, band)

    def pay(self, b: Row, month: date) -> None:
        bank = b["payment_method"] == "bank"
        self.rows.add(
            s.allowance_payment,
            beneficiary_id=b["id"],
            admin_unit_id=self.unit_on(int(b["admin_unit_id"]), month)
            if int(b["admin_unit_id"]) in self.successor
            else b["admin_unit_id"],
            month=month,
            amount_vnd=rate_for(month) * int(b["coefficient_x10"]) // 10,
            method="bank" if bank else "cash",
            paid_on=month.replace(day=self.rng.randint(5, 15)),
            status=PAID,
        )

    # -- elderly -----------------------------------------------------------------------------

    def cards(self) -> None:
        """Each year's BHYT card for everyone 60 or older in it and alive at its start.

        People first recorded in these years lived in the district before: they held the cards
        of 2022 and 2023 too (so that the 2023 coverage, F1, stays what it was).
        """
        for person in list(self.t["person"]):
            birth: date = person["birth_date"]
            died: date | None = person["died_on"]
            years = (2022, 2023) if int(person["id"]) >= self.first_later_person else ()
            for year in (*years, 2024, 2025, 2026):
                if year - birth.year < 60 or (died is not None and died < date(year, 1, 1)):
                    continue
                self.rows.add(
                    s.health_insurance_card,
                    person_id=person["id"],
                    card_no=f"HT2{year % 100:02d}{int(person['id']):010d}",
                    valid_from=date(year, 1, 1),
                    valid_to=date(year, 12, 31),
                    funding="state" if year - birth.year >= 80 else "partial",
                )

    def health_checks(self) -> None:
        rng = self.rng
        elderly: dict[int, list[tuple[int, date | None]]] = {u: [] for u in self.old_units}
        for person in self.t["person"]:
            unit = int(person["admin_unit_id"])
            if unit in elderly and 2024 - person["birth_date"].year >= 60:
                elderly[unit].append((int(person["id"]), person["died_on"]))
        weights = [float(len(elderly[u]) or 1) for u in self.old_units]
        for year, visits in HEALTH_VISITS.items():
            last_month = 11 if year == 2026 else 12
            month_weights = [1.0] * last_month
            month_weights[9] = 2.2
            for old, n in zip(self.old_units, allocate(visits, weights, rng, 0.15), strict=True):
                months = rng.choices(range(1, last_month + 1), weights=month_weights, k=n)
                for month in sorted(months):
                    first = date(year, month, 1)
                    day = random_day(rng, first, month_end(first))
                    alive = [p for p, died in elderly[old] if died is None or died > day]
                    if not alive:
                        continue
                    self.rows.add(
                        s.health_check,
                        person_id=rng.choice(alive),
                        admin_unit_id=self.unit_on(old, day),
                        check_date=day,
                        kind="elderly_periodic" if rng.random() < 0.7 else "elderly_consult",
                        free_medicine=rng.random() < 0.45,
                    )

    # -- children ----------------------------------------------------------------------------

    def children(self) -> None:
        rng = self.rng
        for old in self.old_units:
            for circumstance, per_year in (("special", 1.2), ("at_risk", 2.0)):
                n = max(1, round(per_year * 3 * rng.uniform(0.6, 1.4)))
                for _ in range(n):
                    opened = random_day(rng, date(2024, 1, 10), date(2026, 10, 15))
                    unit_id = self.unit_on(old, opened)
                    supported = opened + timedelta(days=rng.randint(3, 25))
                    closed = None
                    if circumstance == "at_risk" and rng.random() < 0.5:
                        closed = supported + timedelta(days=rng.randint(60, 300))
                        if closed > LATER_AS_OF:
                            closed = None
                    poverty = {y: "near_poor" for y in (2024, 2025, 2026) if y >= opened.year}
                    person_id = new_member(self.rows, self.d, old, "child", poverty)
                    self.rows.add(
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

    # -- housing, training, jobs, targets ----------------------------------------------------

    def housing(self) -> None:
        rng = self.rng
        groups = ["poor", "near_poor", "elderly_alone", "other"]
        for (year, half), (new, repair) in GRANTS_LATER.items():
            grants = [("new", a) for a in new] + [("repair", a) for a in repair]
            for i, (kind, amount) in enumerate(grants):
                old = rng.choice(self.old_units)
                lo = date(year, 1, 15) if half == 1 else date(year, 7, 1)
                hi = date(year, 6, 30) if half == 1 else date(year, 10, 31)
                approved = random_day(rng, lo, hi)
                unit_id = self.unit_on(old, approved)
                group = groups[i % 4]
                status = group if group in ("poor", "near_poor") else "none"
                household_id, village_id = new_household(self.rows, self.d, old, {year: status})
                band = "elderly" if group == "elderly_alone" else "adult"
                owner = new_person(
                    self.rows, self.d, old, self.birth(band), household_id, village_id
                )
                self.people[owner] = self.t["person"][-1]
                deadline = approved + timedelta(days=120 if kind == "new" else 60)
                started = approved + timedelta(days=rng.randint(7, 20))
                completed: date | None = started + timedelta(
                    days=rng.randint(30, 100 if kind == "new" else 45)
                )
                building = completed is not None and completed > LATER_AS_OF
                if building:
                    completed = None
                    deadline = max(deadline, date(2026, 12, 31))
                self.rows.add(
                    s.housing_grant,
                    household_id=household_id,
                    admin_unit_id=unit_id,
                    kind=kind,
                    amount_vnd=amount * 1_000_000,
                    funding_source=["state", "socialised", "mixed"][i % 3],
                    target_group=group,
                    approved_on=approved,
                    deadline=deadline,
                    started_on=started,
                    completed_on=completed,
                    status="building" if building else "completed",
                )

    def training(self) -> None:
        rng = self.rng
        for year, classes in CLASSES_LATER.items():
            for name, field_, learners in classes:
                old = rng.choice(self.old_units)
                start = random_day(rng, date(year, 2, 1), date(year, 9, 15))
                unit_id = self.unit_on(old, start)
                end = start + timedelta(days=rng.randint(92, 130))
                class_id = self.rows.add(
                    s.vocational_class,
                    name=name,
                    field=field_,
                    admin_unit_id=unit_id,
                    start_date=start,
                    end_date=end,
                    hours=rng.choice([300, 320, 360, 400]),
                    partner=TRAINING_PARTNER,
                )
                finished = end <= LATER_AS_OF
                for _ in range(learners):
                    person_id = new_member(self.rows, self.d, old, "adult", {year: "none"})
                    completed = finished and rng.random() < 0.93
                    self.rows.add(
                        s.enrolment,
                        class_id=class_id,
                        person_id=person_id,
                        completed=completed,
                        employed_after=completed and rng.random() < 0.7,
                    )
        for year, (fairs, exports, consultations) in JOB_EVENTS_LATER.items():
            events = (
                [("job_fair", JOB_CENTRE)] * fairs
                + [("labour_export", JOB_CENTRE)] * exports
                + [("recruitment", TKV_COLLEGE)] * consultations
            )
            for kind, partner in events:
                day = random_day(rng, date(year, 2, 15), date(year, 11, 20))
                attendees = rng.randint(60, 240)
                self.rows.add(
                    s.job_event,
                    kind=kind,
                    partner=partner,
                    event_date=day,
                    admin_unit_id=self.unit_on(rng.choice(self.old_units), day),
                    attendees=attendees,
                    registered=round(attendees * rng.uniform(0.08, 0.3)),
                )

    def targets(self) -> None:
        for year, values in TARGETS_LATER.items():
            for indicator, value in values.items():
                self.rows.add(
                    s.target, indicator=indicator, admin_unit_id=None, year=year, value=value
                )


def build_later_years(rows: Rows, d: District, seed: int) -> None:
    """The rows of 12/2023 – 11/2026 for district copy ``d`` (see the module docstring)."""
    Later(rows, d, seed).build()
