"""The seeded data-quality problems (issue 7), planted in every copy of the district.

``data_access.quality`` must find exactly these, and nothing when the demo is built with
``seed_problems=False``. ``plant_problems`` plants them last, on the copy's finished rows, by fixed
rules (no random draws, so all other rows are unchanged), and records them in
``Builder.seeded``. None touches a published 2023 figure: the copies and new records are on no
list or outside every period, and the payment and housing changes are in 2022 (2022's F2 2.864,
F7 9 and F8 7 stay; 2022's F4, F9 and F15 move a little). Per check:
- duplicate_person, 6 records: an adult of Quảng Tân (06913) recorded again in Quảng An (06901)
  with the same CCCD; an adult of Thị trấn Đầm Hà (06895) entered twice there, the second time
  without CCCD (same name and birth date); an adult of Xã Đầm Hà (06916) recorded again in
  Quảng Tân with the same CCCD and no middle name. The copies are under 60 and on no list.
- elderly_no_bhyt, 3: one person aged 62–73 each in 06913, Quảng Lâm (06898) and Tân Lập
  (06917) whose 2023 card ended on 31/5/2023 and was renewed from 1/8/2023: uncovered on
  reference dates in June–July 2023 (e.g. Quý II/2023), covered on 30/11/2023 (F1 stays 100%).
  The generator's own 2022 gap (a few per cent of the 60–69 group had no 2022 card, F1 2022
  below target) is data, not a seeded error: it shows on 2022 dates with or without seeding.
- missing_payment, 3: the 5/2022 (06913), 9/2022 (Tân Bình 06904) and 11/2022 (Đại Bình 06919)
  payment of a beneficiary on the list all through 2022–2023 is missing.
- wrong_amount, 4: 12/2022 paid at the 2023 rate (06901); 3/2022 paid with hệ số 1,0 instead of
  1,5 (Dực Yên 06910); 8/2022 paid 657.000 instead of 675.000 đồng (06913); and the 0-đồng
  payment below.
- non_positive_amount, 2: a 4/2022 payment of 0 đồng (06898); the second 2022 repair grant,
  0 đồng (it stays in F8 2022).
- no_bank_account, 3: a beneficiary paid by account with no account number in 06913, 06916 and
  06895 (the commune "pays by account" for a beneficiary whose payment_method is 'bank').
- child_no_intervention, 2: at-risk children (new, no CCCD) in 06919 and 06913 whose cases
  opened and closed in 2022 without intervention (F4 2023 untouched).
- housing_overdue, 2: the first 2022 new build still 'building' and the first 2022 repair still
  'approved' (not started), both past their 2022 deadlines.
- unknown_unit, 3: an adult of 06910 living in a village of 06917; an adult of 06913 in a village
  of 06898 (each seen by both communes); a new adult filed under the district itself, not a
  commune, with a village of 06904 (seen by 06904 and the district).
- future_date, 3: an elderly health check of 06913 dated 15/10/2032 (outside every period: F2
  untouched); a special-circumstance case of 06895 closed "30/6/2027"; a 7/2022 payment of
  Tân Lập paid "12/7/2032".
- paid_after_stop, 7 payments (issue 16): the 10/2022 payment of a Tân Bình (06904) beneficiary
  who died in 9/2022 and the 8–9/2022 payments of one of Đại Bình (06919) who died in 7/2022
  (paid on after the month of death: three new payments); the last two payments (9–10/2022) of
  a Quảng An (06901) beneficiary whose decision to stop (no longer eligible) took effect in
  9/2022; the 11–12/2022 payments of a Quảng Tân (06913) beneficiary suspended (in prison)
  from 11/2022 to 12/2022.
- paid_twice, 4 payments: 10/2022 of a Dực Yên (06910) beneficiary paid again in cash, 6/2022 of
  an Đại Bình (06919) one (both payments of each month listed).
- national_id_mismatch, 3 beneficiaries on the list all through: a CCCD whose sex digit is the
  other sex's (06913), whose year digits are one year off (Quảng Lâm 06898), whose province
  code 099 does not exist (Tân Lập 06917).
- age_out_of_range, 2 new beneficiaries of 2022 only (the 80+ group, paid in cash): one born
  "1992" (1942 mistyped, 06895, 3–12/2022), one born 1909 who died at 113 in 7/2022 (06898,
  1–7/2022, with a 2022 BHYT card).
- shared_bank_account, 4 beneficiaries paid by account all through: two of 06916 with one
  account, and one of 06895 with one of 06901 (each seen by its own commune).
- The payments these add are in 2022 (2022's F15 moves a little; F14 and F15 of 2023 stay).
  Every beneficiary who left the list has the decision behind it in both builds
  (``allowances.record_stop_decisions``), effective the month after the last: none is found.
- reported_figure: each commune reports F2, F14 and F15 for every quarter from Quý I/2022 to
  Quý III/2023, equal to what the rows give, except REPORT_MISMATCHES: Quảng Tân F14 Quý
  III/2023 +3; Quảng An F15 Quý IV/2022 −675.000 đồng; Đại Bình F2 Quý II/2023 −12 lượt
  (built by ``demo.reported``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from .. import schema as s
from ..filters import add_months
from .allowances import decider
from .facts import DATA_START, RATE_2022, RATE_2023
from .rows import District, Rows, Seeded

Row = dict[str, Any]
ADULT = (date(1970, 1, 1), date(1997, 12, 31))  # under 60 on every date of the data


class Seeder:
    """Finds the records to spoil, first come by fixed rules, each used once, and marks them."""

    def __init__(self, rows: Rows, d: District, seeded: Seeded) -> None:
        self.rows, self.d, self.unit = rows, d, d.unit_ids
        self.t: dict[str, list[Row]] = rows.tables
        self.code = {uid: d.code(c) for c, uid in d.unit_ids.items()}
        self.used_people: set[int] = set()
        self.used_beneficiaries: set[int] = set()
        self.seeded = seeded

    def mark(self, check: str, key: object, *unit_ids: int) -> None:
        """Record a planted problem and the communes that see it."""
        seen_by = tuple(sorted({self.code[u] for u in unit_ids}))
        self.seeded.setdefault(check, []).append((key, seen_by))

    def person(self, c: str, born: tuple[date, date], also: Callable[[Row], bool] = bool) -> Row:
        """The first living person of commune ``c`` born in ``born`` not used yet."""
        for row in self.t["person"]:
            if (
                row["admin_unit_id"] == self.unit[c]
                and row["id"] not in self.used_people
                and row["died_on"] is None
                and born[0] <= row["birth_date"] <= born[1]
                and also(row)
            ):
                self.used_people.add(row["id"])
                return row
        raise LookupError(f"no person to seed a problem with in {c}")

    def beneficiary(self, c: str, also: Callable[[Row], bool] = bool) -> Row:
        """The first beneficiary of ``c`` on the list all through 2022–2023, not used yet."""
        for row in self.t["allowance_beneficiary"]:
            if (
                row["admin_unit_id"] == self.unit[c]
                and row["id"] not in self.used_beneficiaries
                and row["start_month"] <= DATA_START
                and row["end_month"] is None
                and also(row)
            ):
                self.used_beneficiaries.add(row["id"])
                return row
        raise LookupError(f"no beneficiary to seed a problem with in {c}")

    def new_person(self, unit_id: int, village: int, name: str, born: date, sex: str) -> int:
        """A person entered by hand: no household, no CCCD."""
        return self.rows.add(
            s.person,
            full_name=name,
            birth_date=born,
            sex=sex,
            ethnicity="Dao",
            household_id=None,
            admin_unit_id=unit_id,
            village_id=village,
            national_id=None,
            died_on=None,
        )

    def copy(self, row: Row, c: str, **changes: object) -> int:
        """The same person recorded again in commune ``c`` (first village, no household)."""
        values = {k: v for k, v in row.items() if k != "id"}
        values.update(
            admin_unit_id=self.unit[c],
            household_id=None,
            village_id=self.d.villages[self.unit[c]][0],
        )
        values.update(changes)
        return self.rows.add(s.person, **values)


def plant_problems(rows: Rows, d: District, seeded: Seeded) -> None:
    """Plant the data-quality problems listed in the module docstring in this copy's rows.

    Runs last in ``Builder.build_district``, on the finished rows: it edits, adds and removes
    rows chosen by fixed rules and draws nothing from ``d.rng``, so every other row is exactly
    what an unseeded build makes. Each problem is recorded in ``seeded``. The order of the steps
    matters: each takes the first records the ones before it left unused.
    """
    p = Seeder(rows, d, seeded)
    for plant in (
        duplicate_people,
        bhyt_lapses,
        payment_errors,
        missing_bank_accounts,
        children_without_intervention,
        overdue_housing,
        unknown_units,
        future_dates,
        payments_after_stop,
        payments_twice,
        national_ids_that_do_not_fit,
        impossible_ages,
        shared_accounts,
    ):
        plant(p)


def duplicate_people(p: Seeder) -> None:
    """The same person twice: two copies on no list, so they count in no indicator."""
    unit = p.unit
    moved = p.person("06913", ADULT)
    p.mark("duplicate_person", moved["id"], unit["06913"])
    p.mark("duplicate_person", p.copy(moved, "06901"), unit["06901"])
    twice = p.person("06895", ADULT)
    village = next(v for v in p.d.villages[unit["06895"]] if v != twice["village_id"])
    p.mark("duplicate_person", twice["id"], unit["06895"])
    p.mark(
        "duplicate_person",
        p.copy(twice, "06895", village_id=village, national_id=None),
        unit["06895"],
    )
    renamed = p.person("06916", ADULT)
    family, *_, given = str(renamed["full_name"]).split()
    p.mark("duplicate_person", renamed["id"], unit["06916"])
    p.mark(
        "duplicate_person", p.copy(renamed, "06913", full_name=f"{family} {given}"), unit["06913"]
    )


def bhyt_lapses(p: Seeder) -> None:
    """A BHYT lapse in June–July 2023: covered again on 30/11/2023, so F1 stays 100%."""
    cards_2023 = {
        r["person_id"]: r
        for r in p.t["health_insurance_card"]
        if r["valid_from"] == date(2023, 1, 1)
    }
    for c in ("06913", "06898", "06917"):
        holder = p.person(
            c, (date(1950, 1, 1), date(1960, 12, 31)), lambda r: r["id"] in cards_2023
        )
        card = cards_2023[holder["id"]]
        card["valid_to"] = date(2023, 5, 31)
        p.rows.add(
            s.health_insurance_card,
            person_id=holder["id"],
            card_no=f"HT323{holder['id']:010d}",
            valid_from=date(2023, 8, 1),
            valid_to=date(2023, 12, 31),
            funding=card["funding"],
        )
        p.mark("elderly_no_bhyt", holder["id"], p.unit[c])


def payment_errors(p: Seeder) -> None:
    """Payments, all in 2022 (not published): a month missing, wrong amounts, a zero, a typo."""
    unit = p.unit
    payments = {(r["beneficiary_id"], r["month"]): r for r in p.t["allowance_payment"]}
    missing: set[object] = set()
    for c, month in (("06913", 5), ("06904", 9), ("06919", 11)):
        b = p.beneficiary(c)
        missing.add(payments[(b["id"], date(2022, month, 1))]["id"])
        p.mark("missing_payment", (b["id"], date(2022, month, 1)), unit[c])
    coef_15: Callable[[Row], bool] = lambda r: r["coefficient_x10"] == 15  # noqa: E731
    wrong: list[tuple[str, int, Callable[[Row], int], Callable[[Row], bool]]] = [
        ("06901", 12, lambda b: RATE_2023 * b["coefficient_x10"] // 10, bool),  # 2023 rate
        ("06910", 3, lambda b: RATE_2022, coef_15),  # hệ số 1,0 instead of 1,5
        ("06913", 8, lambda b: 657_000, coef_15),  # 675.000 with two digits swapped
        ("06898", 4, lambda b: 0, bool),  # amount never entered
    ]
    for c, month, amount, also in wrong:
        b = p.beneficiary(c, also)
        payment = payments[(b["id"], date(2022, month, 1))]
        payment["amount_vnd"] = amount(b)
        p.mark("wrong_amount", payment["id"], unit[c])
        if payment["amount_vnd"] <= 0:
            p.mark("non_positive_amount", ("allowance_payment", payment["id"]), unit[c])
    late = payments[(p.beneficiary("06917")["id"], date(2022, 7, 1))]
    late["paid_on"] = date(2032, 7, 12)  # 2022 typed as 2032
    p.mark("future_date", ("allowance_payment", "paid_on", late["id"]), unit["06917"])
    p.t["allowance_payment"] = [r for r in p.t["allowance_payment"] if r["id"] not in missing]


def missing_bank_accounts(p: Seeder) -> None:
    """Paid by account, account number missing."""
    for c in ("06913", "06916", "06895"):
        b = p.beneficiary(c, lambda r: r["payment_method"] == "bank")
        b["bank_account"] = None
        p.mark("no_bank_account", b["id"], p.unit[c])


def children_without_intervention(p: Seeder) -> None:
    """At-risk children whose 2022 case closed without intervention (F4 2023 untouched)."""
    unit = p.unit
    for c, name, sex, born, opened, closed, category in (
        ("06919", "Bàn Văn Phúc", "M", date(2012, 4, 18), (3, 14), (8, 31), "bo_hoc"),
        ("06913", "Chíu Thị Mai", "F", date(2009, 9, 2), (5, 9), (10, 31), "lao_dong_som"),
    ):
        child = p.new_person(unit[c], p.d.villages[unit[c]][0], name, born, sex)
        case = p.rows.add(
            s.child_case,
            person_id=child,
            admin_unit_id=unit[c],
            circumstance="at_risk",
            category=category,
            opened_on=date(2022, *opened),
            supported_on=None,
            support_kind=None,
            closed_on=date(2022, *closed),
        )
        p.mark("child_no_intervention", case, unit[c])


def overdue_housing(p: Seeder) -> None:
    """Housing grants of 2022: two unfinished past their deadline, one of 0 đồng."""
    grants = [r for r in p.t["housing_grant"] if r["approved_on"].year == 2022]
    building = next(r for r in grants if r["kind"] == "new")
    building.update(status="building", completed_on=None)
    waiting, zero = [r for r in grants if r["kind"] == "repair"][:2]
    waiting.update(status="approved", started_on=None, completed_on=None)
    zero["amount_vnd"] = 0
    for grant in (building, waiting):
        p.mark("housing_overdue", grant["id"], grant["admin_unit_id"])
    p.mark("non_positive_amount", ("housing_grant", zero["id"]), zero["admin_unit_id"])


def unknown_units(p: Seeder) -> None:
    """Records pointing at another commune's village, and one filed under the district."""
    unit = p.unit
    for c, other, pick in (("06910", "06917", 0), ("06913", "06898", -1)):
        wrong_village = p.person(c, ADULT)
        wrong_village["village_id"] = p.d.villages[unit[other]][pick]
        p.mark("unknown_unit", wrong_village["id"], unit[c], unit[other])
    district_id = next(r["id"] for r in p.t["admin_unit"] if r["kind"] == s.KIND_DISTRICT)
    filed = p.new_person(
        district_id, p.d.villages[unit["06904"]][0], "Lý Thị Hạnh", date(1979, 2, 11), "F"
    )
    p.mark("unknown_unit", filed, unit["06904"])


def future_dates(p: Seeder) -> None:
    """Dates in the future: a health check and a case closing (the payment is in its step)."""
    unit = p.unit
    elder = p.person("06913", (date(1930, 1, 1), date(1960, 12, 31)))
    visit = p.rows.add(
        s.health_check,
        person_id=elder["id"],
        admin_unit_id=unit["06913"],
        check_date=date(2032, 10, 15),  # 2023 typed as 2032: outside every period, F2 intact
        kind="elderly_periodic",
        free_medicine=False,
    )
    p.mark("future_date", ("health_check", "check_date", visit), unit["06913"])
    open_case = next(
        r
        for r in p.t["child_case"]
        if r["admin_unit_id"] == unit["06895"]
        and r["circumstance"] == "special"
        and r["closed_on"] is None
    )
    open_case["closed_on"] = date(2027, 6, 30)  # a planned closing entered as done
    p.mark("future_date", ("child_case", "closed_on", open_case["id"]), unit["06895"])


# --- issue 16: money that should not have been paid ------------------------------------------


def _payments_of(p: Seeder) -> dict[tuple[int, date], Row]:
    return {(r["beneficiary_id"], r["month"]): r for r in p.t["allowance_payment"]}


def _exit(p: Seeder, c: str, died: bool) -> tuple[Row, str]:
    """The first beneficiary of ``c`` not used yet whose last month is in 2/2022–10/2022, who
    died in that month (``died``) or left the list alive, and the commune's code. A copy of the
    district (scale > 1) whose commune ``c`` has none takes one of another commune (in the
    order of their codes), so that every copy seeds the same number of problems."""
    people = {r["id"]: r for r in p.t["person"]}
    for code in (c, *sorted(k for k in p.unit if k != c)):
        for row in p.t["allowance_beneficiary"]:
            end = row["end_month"]
            dead = people[row["person_id"]]["died_on"] is not None
            if (
                row["admin_unit_id"] == p.unit[code]
                and row["id"] not in p.used_beneficiaries
                and end is not None
                and date(2022, 2, 1) <= end <= date(2022, 10, 1)
                and row["start_month"] < end
                and dead == died
            ):
                p.used_beneficiaries.add(row["id"])
                return row, code
    raise LookupError(f"no beneficiary leaving the list in 2022 in {c} or another commune")


def _pay_again(p: Seeder, like: Row, month: date, **changes: object) -> int:
    """A payment like ``like`` (its beneficiary, unit, amount and method) for ``month``."""
    values = {k: v for k, v in like.items() if k != "id"}
    values.update(month=month, paid_on=month.replace(day=10))
    values.update(changes)
    return p.rows.add(s.allowance_payment, **values)


def payments_after_stop(p: Seeder) -> None:
    """Paid on after a death (06904 one month, 06919 two), after a decision to stop (06901:
    the last two months before leaving), during a suspension (06913: 11–12/2022)."""
    payments = _payments_of(p)
    for c, months in (("06904", 1), ("06919", 2)):
        b, code = _exit(p, c, died=True)
        last = payments[(b["id"], b["end_month"])]
        for n in range(1, months + 1):
            paid = _pay_again(p, last, add_months(b["end_month"], n))
            p.mark("paid_after_stop", paid, p.unit[code])
    stopped, stopped_in = _exit(p, "06901", died=False)
    effective = add_months(stopped["end_month"], -1)
    p.rows.add(
        s.allowance_decision,
        beneficiary_id=stopped["id"],
        kind="stop",
        ground="ineligible",
        decided_on=add_months(effective, -1).replace(day=25),
        effective_month=effective,
        resume_month=None,
        decided_by=decider(p.t, stopped["admin_unit_id"], effective),
    )
    for month in (effective, stopped["end_month"]):
        p.mark("paid_after_stop", payments[(stopped["id"], month)]["id"], p.unit[stopped_in])
    suspended = p.beneficiary("06913")
    p.rows.add(
        s.allowance_decision,
        beneficiary_id=suspended["id"],
        kind="suspend",
        ground="prison",
        decided_on=date(2022, 10, 24),
        effective_month=date(2022, 11, 1),
        resume_month=date(2023, 1, 1),
        decided_by=decider(p.t, suspended["admin_unit_id"], date(2022, 11, 1)),
    )
    for month in (date(2022, 11, 1), date(2022, 12, 1)):
        p.mark("paid_after_stop", payments[(suspended["id"], month)]["id"], p.unit["06913"])


def payments_twice(p: Seeder) -> None:
    """A month paid twice: 10/2022 in Dực Yên (once more in cash), 6/2022 in Đại Bình."""
    payments = _payments_of(p)
    for c, month in (("06910", date(2022, 10, 1)), ("06919", date(2022, 6, 1))):
        b = p.beneficiary(c)
        first = payments[(b["id"], month)]
        again = _pay_again(p, first, month, method="cash", paid_on=month.replace(day=20))
        p.mark("paid_twice", first["id"], p.unit[c])
        p.mark("paid_twice", again, p.unit[c])


OTHER_SEX = {"0": "1", "1": "0", "2": "3", "3": "2"}  # a CCCD's 4th digit, the other sex


def national_ids_that_do_not_fit(p: Seeder) -> None:
    """CCCDs that contradict the record: the sex digit (06913), the year digits (06898), a
    province code that does not exist (06917)."""
    people = {r["id"]: r for r in p.t["person"]}
    has_cccd: Callable[[Row], bool] = lambda r: people[r["person_id"]]["national_id"] is not None  # noqa: E731
    for c, spoil in (
        ("06913", lambda n: n[:3] + OTHER_SEX[n[3]] + n[4:]),
        ("06898", lambda n: n[:4] + f"{(int(n[4:6]) + 1) % 100:02d}" + n[6:]),
        ("06917", lambda n: "099" + n[3:]),
    ):
        b = p.beneficiary(c, has_cccd)
        person = people[b["person_id"]]
        person["national_id"] = spoil(person["national_id"])
        p.mark("national_id_mismatch", b["id"], p.unit[c])


def impossible_ages(p: Seeder) -> None:
    """Two beneficiaries of 2022 only (F14 2023 untouched): one of the 80+ group born 1992
    (1942 mistyped) in 06895, one who died at 113 in 06898 (his BHYT card held, so the 2022
    coverage check does not list him)."""
    for c, name, sex, born, died, start, end in (
        ("06895", "Triệu Văn Lộc", "M", date(1992, 3, 14), None, 3, 12),
        ("06898", "Đặng Thị Sáu", "F", date(1909, 6, 2), date(2022, 7, 19), 1, 7),
    ):
        unit_id = p.unit[c]
        person = p.new_person(unit_id, p.d.villages[unit_id][1], name, born, sex)
        p.rows.get(s.person, person)["died_on"] = died
        if born.year < 1960:
            p.rows.add(
                s.health_insurance_card,
                person_id=person,
                card_no=f"CK422{person:010d}",
                valid_from=date(2022, 1, 1),
                valid_to=date(2022, 12, 31),
                funding="state",
            )
        b = p.rows.add(
            s.allowance_beneficiary,
            person_id=person,
            admin_unit_id=unit_id,
            group_code="NCT_80",
            coefficient_x10=10,
            start_month=date(2022, start, 1),
            end_month=date(2022, end, 1),
            payment_method="cash",
            bank_account=None,
            bank_name=None,
        )
        for month in range(start, end + 1):
            p.rows.add(
                s.allowance_payment,
                beneficiary_id=b,
                admin_unit_id=unit_id,
                month=date(2022, month, 1),
                amount_vnd=RATE_2022,
                method="cash",
                paid_on=date(2022, month, 10),
                status="paid",
            )
        p.mark("age_out_of_range", b, unit_id)


def shared_accounts(p: Seeder) -> None:
    """One account on record for two people: two of Xã Đầm Hà (06916), and one of Thị trấn
    Đầm Hà (06895) with one of Quảng An (06901); all paid by account all through 2022–2023."""
    payments = _payments_of(p)
    by_bank: Callable[[Row], bool] = lambda r: (  # noqa: E731
        r["payment_method"] == "bank"
        and r["bank_account"] is not None
        and payments[(r["id"], date(2022, 1, 1))]["method"] == "bank"
    )
    for first, second in (("06916", "06916"), ("06895", "06901")):
        a, b = p.beneficiary(first, by_bank), p.beneficiary(second, by_bank)
        b["bank_account"] = a["bank_account"]
        p.mark("shared_bank_account", a["id"], p.unit[first])
        p.mark("shared_bank_account", b["id"], p.unit[second])
