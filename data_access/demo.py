"""Build the demo welfare database: record-level, deterministic, January 2022 – 30/11/2023.

    python -m data_access.demo [--url URL] [--scale N] [--seed S]

At scale 1 it holds the nine 2023 units of Huyện Đầm Hà (DOMAIN.md §2) and reproduces the
published 2023 figures F1–F15 (DOMAIN.md §1) when they are computed by ``data_access.queries``
from these rows. ``--scale N`` adds N-1 synthetic districts ("Huyện mẫu 2" …) with distinct
units and codes, for benchmarks.

How the published figures arise (the rows are designed so that the queries find them; the
queries know nothing of the figures):
- F1: every person aged 60+ alive at 30/11/2023 holds a 2023 BHYT card paid fully or partly by
  the state; in 2022 a few per cent of the 60–69 group did not yet have one [G].
- F2: health-check and consultation visits of the elderly programme, spread over the months,
  3.127 in January–November 2023 [G: the article says "hơn 3.000"].
- F3/F4: every case open in 2023 received support/intervention within weeks of being opened.
- F5/F6: each commune's child-protection board was set up 2016–2020; every village has had a
  child-protection collaborator since 2019–2022.
- F7–F9: 13 new builds and 11 repairs approved in 2023, all funded by social contributions
  (xã hội hóa), amounts around the 2025 provincial norms (80 / 40 triệu) adding to exactly
  1.480.000.000 đồng [G: per-house amounts were not published].
- F10/F11: 3 job fairs / labour-export conferences and 6 TKV recruitment consultations.
- F12/F13: 7 elementary vocational classes (4 non-agricultural, 3 agricultural), 193 learners.
- F14/F15: 1.911 monthly-allowance beneficiaries active in November 2023 (allocated to communes
  in proportion to population, with variation), each paid Quảng Ninh's standard rate × the
  Decree 20 coefficient every month (450.000 đồng in 2022, 500.000 đồng in 2023).

Seeded data-quality problems (issue 7; ``data_access.quality`` must find exactly these, and
nothing when built with ``seed_problems=False``). ``Builder.seed_problems`` plants them in every
copy of the district, last, by fixed rules (no random draws, so all other rows are unchanged),
and records them in ``Builder.seeded``. None touches a published 2023 figure: the copies and new
records are on no list or outside every period, and the payment and housing changes are in 2022
(2022's F2 2.864, F7 9 and F8 7 stay; 2022's F4, F9 and F15 move a little). Per check:
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
  untouched); a special-circumstance case of 06895 closed "30/6/2024"; a 7/2022 payment of
  Tân Lập paid "12/7/2032".
- reported_figure: each commune reports F2, F14 and F15 for every quarter from Quý I/2022 to
  Quý III/2023, equal to what the rows give, except REPORT_MISMATCHES: Quảng Tân F14 Quý
  III/2023 +3; Quảng An F15 Quý IV/2022 −675.000 đồng; Đại Bình F2 Quý II/2023 −12 lượt.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from . import schema as s
from .filters import add_months, month_end
from .queries import ELDERLY_CHECK_KINDS

SEED = 20231130
DATA_START = date(2022, 1, 1)
DATA_END_MONTH = date(2023, 11, 1)  # data through 30/11/2023, the article's cut-off
AS_OF = date(2023, 11, 30)
PEOPLE_PER_VILLAGE = 550  # DOMAIN.md §2 [G]: about one village per 550 people
RATE_2022 = 450_000  # Quảng Ninh standard rate 1/8/2021–31/12/2022 [M]
RATE_2023 = 500_000  # 1/1/2023–30/9/2024 [M]

Progress = Callable[[float, str], None]

# (code, name, kind, population 2019) of the nine 2023 units [H].
UNITS_2023: list[tuple[str, str, str, int]] = [
    ("06895", "Thị trấn Đầm Hà", s.KIND_TOWN, 7900),
    ("06898", "Xã Quảng Lâm", s.KIND_COMMUNE, 3108),
    ("06901", "Xã Quảng An", s.KIND_COMMUNE, 5208),
    ("06904", "Xã Tân Bình", s.KIND_COMMUNE, 4493),
    ("06910", "Xã Dực Yên", s.KIND_COMMUNE, 3077),
    ("06913", "Xã Quảng Tân", s.KIND_COMMUNE, 5571),
    ("06916", "Xã Đầm Hà", s.KIND_COMMUNE, 5322),
    ("06917", "Xã Tân Lập", s.KIND_COMMUNE, 4106),
    ("06919", "Xã Đại Bình", s.KIND_COMMUNE, 2432),
]
# Resolution 1679/NQ-UBTVQH15, in force 1/7/2025: the new communes reuse old codes [H].
MERGERS_2025: list[tuple[str, str, list[str]]] = [
    ("06895", "Xã Đầm Hà", ["06895", "06904", "06919", "06917", "06916"]),
    ("06913", "Xã Quảng Tân", ["06901", "06910", "06898", "06913"]),
]
XA_DAM_HA_VILLAGES = [  # [M]
    "Trại Cao",
    "Trại Dinh",
    "Trại Giữa",
    "Yên Hàn",
    "Đầm Buôn",
    "Trại Khe",
    "Xóm Giáo",
    "Yên Định",
    "Sơn Hải",
]

# Published district totals the rows are built to (see module docstring).
BENEFICIARIES_NOV_2023 = 1911
HEALTH_VISITS_2023 = 3127
HEALTH_VISITS_2022 = 2864
NEW_BUILD_AMOUNTS_2023 = [80, 80, 90, 70, 80, 85, 75, 80, 80, 90, 70, 80, 80]  # triệu đồng
REPAIR_AMOUNTS_2023 = [40, 45, 35, 40, 40, 50, 30, 40, 40, 45, 35]  # triệu đồng
NEW_BUILD_AMOUNTS_2022 = [60, 70, 60, 65, 70, 60, 60, 65, 70]
REPAIR_AMOUNTS_2022 = [30, 35, 30, 25, 30, 30, 35]

# Issue 7: what communes report upward each quarter, and the seeded report mismatches
# (indicator, commune, (year, quarter), reported minus computed) — see the module docstring.
REPORTED = ("F2", "F14", "F15")
REPORT_MISMATCHES: list[tuple[str, str, tuple[int, int], int]] = [
    ("F14", "06913", (2023, 3), 3),  # three people whose decision had ended still counted
    ("F15", "06901", (2022, 4), -675_000),  # one month of one person left out of the sum
    ("F2", "06919", (2023, 2), -12),  # one village's visit sheet not added in
]

# Decree 20/2021 groups: code -> (share of beneficiaries [G], Vietnamese label, age band).
ALLOWANCE_GROUPS: dict[str, tuple[float, str, str]] = {
    "NCT_80": (0.44, "Người cao tuổi từ 80 tuổi không có lương hưu", "80+"),
    "NCT_NGHEO": (0.03, "Người cao tuổi hộ nghèo không có người phụng dưỡng", "elderly"),
    "NCT_75_DTTS": (0.04, "Người cao tuổi 75–80 hộ nghèo/cận nghèo vùng DTTS", "75-79"),
    "NCT_CHAM_SOC": (0.01, "Người cao tuổi đủ điều kiện chăm sóc tại cộng đồng", "elderly"),
    "KT_DBN": (0.12, "Người khuyết tật đặc biệt nặng", "any"),
    "KT_NANG": (0.28, "Người khuyết tật nặng", "any"),
    "TE_MCNN": (0.02, "Trẻ em không có nguồn nuôi dưỡng", "child"),
    "TN_16_22": (0.01, "Người 16–22 tuổi đang đi học, không có nguồn nuôi dưỡng", "16-22"),
    "DT_DON_THAN": (0.03, "Người đơn thân nghèo đang nuôi con", "adult"),
    "HIV": (0.02, "Người nhiễm HIV thuộc hộ nghèo", "adult"),
}

FAMILY_NAMES = [
    ("Nguyễn", 30),
    ("Trần", 9),
    ("Lê", 8),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Vũ", 5),
    ("Đặng", 4),
    ("Bùi", 4),
    ("Đỗ", 4),
    ("Ngô", 3),
    ("Dương", 3),
    ("Lý", 3),
    ("Bàn", 3),
    ("Chíu", 2),
    ("Tằng", 2),
    ("Phùn", 1),
    ("Lỷ", 1),
    ("Voòng", 1),
    ("Lương", 2),
    ("Hà", 2),
]
MIDDLE_M = ["Văn", "Đức", "Minh", "Hữu", "Quang", "Xuân", "Thành", "Công", "Ngọc", "A"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Mai", "Hồng", "Kim", "Thị Thu"]
GIVEN_M = [
    "Anh",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hùng",
    "Huy",
    "Khánh",
    "Long",
    "Minh",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Thắng",
    "Tiến",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
    "Lộc",
    "Sáng",
    "Páo",
    "Sềnh",
    "Chắn",
]
GIVEN_F = [
    "Anh",
    "Chi",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hoa",
    "Hồng",
    "Hương",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Mai",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phương",
    "Thảo",
    "Thu",
    "Thủy",
    "Trang",
    "Vân",
    "Yến",
    "Mùi",
    "Sửu",
]
ETHNICITIES = [("Kinh", 70), ("Dao", 12), ("Sán Chỉ", 8), ("Tày", 5), ("Sán Dìu", 3), ("Hoa", 2)]


@dataclass
class District:
    """One copy of the district: its units and ids, built into ``Rows``."""

    index: int  # 0: the real Đầm Hà; 1..N-1: synthetic copies
    rng: random.Random
    unit_ids: dict[str, int] = field(default_factory=dict)  # 2023 code -> id
    villages: dict[int, list[int]] = field(default_factory=dict)  # unit id -> village ids


class Rows:
    """Rows per table, with id counters, built in memory and inserted in bulk."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict[str, object]]] = {t: [] for t in s.metadata.tables}
        self.next_ids: dict[str, int] = {t: 1 for t in s.metadata.tables}
        self.first_ids: dict[str, int] = dict(self.next_ids)

    def add(self, table: sa.Table, **values: object) -> int:
        """Append a row; return its id (assigned here so that rows can refer to each other)."""
        if "id" in table.c and "id" not in values:
            values["id"] = self.next_ids[table.name]
            self.next_ids[table.name] += 1
        self.tables[table.name].append(values)
        return int(values.get("id", 0))  # type: ignore[call-overload]

    def count(self) -> int:
        """Rows held in all tables."""
        return sum(len(v) for v in self.tables.values())

    def get(self, table: sa.Table, row_id: int) -> dict[str, object]:
        """A row of the current chunk by id (ids are consecutive within a chunk)."""
        return self.tables[table.name][row_id - self.first_ids[table.name]]

    def take(self) -> dict[str, list[dict[str, object]]]:
        """Hand over the rows built so far and start a new chunk; ids keep counting."""
        chunk = self.tables
        self.tables = {t: [] for t in s.metadata.tables}
        self.first_ids = dict(self.next_ids)
        return chunk


def allocate(total: int, weights: list[float], rng: random.Random, jitter: float) -> list[int]:
    """Split ``total`` in proportion to ``weights`` varied by ±``jitter``; parts add up exactly."""
    varied = [w * (1 + rng.uniform(-jitter, jitter)) for w in weights]
    scale = total / sum(varied)
    raw = [v * scale for v in varied]
    parts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    """One value from ``(value, weight)`` pairs."""
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def random_day(rng: random.Random, start: date, end: date) -> date:
    """A uniformly random date in [start, end]."""
    return start + timedelta(days=rng.randint(0, (end - start).days))


def years_before(d: date, years: int) -> date:
    """The date ``years`` years before ``d`` (29/2 becomes 28/2)."""
    try:
        return d.replace(year=d.year - years)
    except ValueError:
        return d.replace(year=d.year - years, day=28)


class Builder:
    """Generates every table's rows for ``scale`` copies of the district."""

    def __init__(self, scale: int, seed: int, seed_problems: bool = True) -> None:
        self.scale = scale
        self.seed = seed
        self.rows = Rows()
        self.person_serial = 0
        self.with_problems = seed_problems  # issue 7: plant the documented data-quality problems
        # check code -> (record key, codes of the communes that see it), for the tests
        self.seeded: dict[str, list[tuple[object, tuple[str, ...]]]] = {}

    # --- units -----------------------------------------------------------------------------
    def code(self, d: District, real_code: str) -> str:
        """The unit code in copy ``d``: real GSO codes for Đầm Hà, 6-digit synthetic ones else."""
        return real_code if d.index == 0 else f"9{d.index:03d}{real_code[-2:]}"

    def build_units(self, d: District, province_id: int) -> None:
        """The district, its nine 2023 units with villages, and the 2025 successors."""
        rows, rng = self.rows, d.rng
        suffix = "" if d.index == 0 else f" (mẫu {d.index + 1})"
        district_id = rows.add(
            s.admin_unit,
            code="200" if d.index == 0 else f"9{d.index:03d}",
            name=f"Huyện Đầm Hà{suffix}",
            kind=s.KIND_DISTRICT,
            parent_id=province_id,
            population=sum(u[3] for u in UNITS_2023),
            valid_from=date(1994, 12, 1),
            valid_to=date(2025, 6, 30),
        )
        for code, name, kind, population in UNITS_2023:
            unit_id = rows.add(
                s.admin_unit,
                code=self.code(d, code),
                name=name + suffix,
                kind=kind,
                parent_id=district_id,
                population=population,
                valid_from=date(1994, 12, 1),
                valid_to=date(2025, 6, 30),
            )
            d.unit_ids[code] = unit_id
            d.villages[unit_id] = []
            names = (
                XA_DAM_HA_VILLAGES
                if code == "06916"
                else [
                    f"{'Khu phố' if kind == s.KIND_TOWN else 'Thôn'} {i}"
                    for i in range(1, max(3, round(population / PEOPLE_PER_VILLAGE)) + 1)
                ]
            )
            for village_name in names:
                since = random_day(rng, date(2019, 1, 1), date(2022, 6, 30))
                village_id = rows.add(
                    s.village,
                    admin_unit_id=unit_id,
                    name=village_name,
                    kind="khu_pho" if kind == s.KIND_TOWN else "thon",
                    child_collaborator_since=since,
                )
                d.villages[unit_id].append(village_id)
            rows.add(
                s.child_protection_board,
                admin_unit_id=unit_id,
                established_on=random_day(rng, date(2016, 1, 1), date(2020, 12, 31)),
                decision_no=f"{rng.randint(10, 250)}/QĐ-UBND",
            )
        # Xã Quảng Lợi merged into Xã Quảng Tân on 1/1/2020: kept for history.
        quang_loi = rows.add(
            s.admin_unit,
            code=self.code(d, "06907"),
            name="Xã Quảng Lợi" + suffix,
            kind=s.KIND_COMMUNE,
            parent_id=district_id,
            population=None,
            valid_from=date(1994, 12, 1),
            valid_to=date(2019, 12, 31),
        )
        rows.add(
            s.admin_unit_succession,
            old_unit_id=quang_loi,
            new_unit_id=d.unit_ids["06913"],
            effective=date(2020, 1, 1),
            legal_basis="Nghị quyết 837/NQ-UBTVQH14",
        )
        for new_code, new_name, old_codes in MERGERS_2025:
            new_id = rows.add(
                s.admin_unit,
                code=self.code(d, new_code),
                name=new_name + suffix,
                kind=s.KIND_COMMUNE,
                parent_id=province_id,
                population=sum(u[3] for u in UNITS_2023 if u[0] in old_codes),
                valid_from=date(2025, 7, 1),
                valid_to=None,
            )
            for old in old_codes:
                rows.add(
                    s.admin_unit_succession,
                    old_unit_id=d.unit_ids[old],
                    new_unit_id=new_id,
                    effective=date(2025, 7, 1),
                    legal_basis="Nghị quyết 1679/NQ-UBTVQH15",
                )

    # --- people ----------------------------------------------------------------------------
    def new_person(
        self,
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
        self.person_serial += 1
        province = 22 if d.index == 0 else 100 + d.index
        century_sex = (0 if birth.year < 2000 else 2) + (1 if sex == "F" else 0)
        national_id = f"{province:03d}{century_sex}{birth.year % 100:02d}{self.person_serial:06d}"
        if village_id is None:
            village_id = rng.choice(d.villages[unit_id])
        return self.rows.add(
            s.person,
            full_name=f"{family} {middle} {given}",
            birth_date=birth,
            sex=sex,
            ethnicity=weighted(rng, ETHNICITIES),
            household_id=household_id,
            admin_unit_id=unit_id,
            village_id=village_id,
            national_id=national_id[-12:],
            died_on=None,
        )

    def new_household(self, d: District, unit_id: int, poverty: dict[int, str]) -> tuple[int, int]:
        """A household (id, village id) with its poverty status per year."""
        village_id = d.rng.choice(d.villages[unit_id])
        household_id = self.rows.add(
            s.household, admin_unit_id=unit_id, village_id=village_id, head_name=None
        )
        for year, status in poverty.items():
            self.rows.add(s.household_poverty, household_id=household_id, year=year, status=status)
        return household_id, village_id

    def birth_for(self, rng: random.Random, band: str) -> date:
        """A birth date giving an age (at 30/11/2023) in ``band``."""
        lo, hi = {
            "80+": (81, 98),
            "75-79": (76, 79),
            "elderly": (62, 90),
            "60-79": (60, 79),
            "child": (2, 15),
            "16-22": (17, 21),
            "adult": (24, 55),
            "any": (8, 85),
        }[band]
        age = rng.randint(lo, hi)
        return random_day(
            rng, years_before(AS_OF, age + 1) + timedelta(days=1), years_before(AS_OF, age)
        )

    # --- allowance -------------------------------------------------------------------------
    def coefficient_x10(self, group: str, birth: date, rng: random.Random) -> int:
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

    def build_allowances(self, d: District, unit_id: int, active_nov_2023: int) -> list[int]:
        """Beneficiaries of one commune and their monthly payments; returns elderly person ids."""
        rows, rng = self.rows, d.rng
        exits = round(active_nov_2023 * rng.uniform(0.10, 0.14))  # deaths and moves, 2022–2023
        entrants = round(active_nov_2023 * rng.uniform(0.11, 0.15))  # new decisions, 2022–2023
        groups = list(ALLOWANCE_GROUPS)
        weights = [ALLOWANCE_GROUPS[g][0] for g in groups]
        # Who is on the list: (start month, end month or None).
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
        bank_share_now = rng.uniform(0.40, 0.62)  # 2022–2023 push for payment by account
        elderly: list[int] = []
        for start, end in spans:
            group = rng.choices(groups, weights=weights)[0]
            birth = self.birth_for(rng, ALLOWANCE_GROUPS[group][2])
            poverty = (
                "poor"
                if group in ("NCT_NGHEO", "HIV", "DT_DON_THAN")
                else ("near_poor" if group == "NCT_75_DTTS" else "none")
            )
            household_id, village_id = self.new_household(
                d, unit_id, {2022: poverty, 2023: poverty}
            )
            person_id = self.new_person(d, unit_id, birth, household_id, village_id)
            if end is not None and (AS_OF - birth).days >= 60 * 365:
                rows.tables["person"][-1]["died_on"] = month_end(end) - timedelta(
                    days=rng.randint(0, 20)
                )
            if (AS_OF - birth).days >= 59 * 365:
                elderly.append(person_id)
            coef = self.coefficient_x10(group, birth, rng)
            # Switch month to payment by bank account, or None: still paid in cash.
            switch = (
                add_months(DATA_START, rng.randint(-6, 22))
                if rng.random() < bank_share_now
                else None
            )
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
                    paid_on=month.replace(day=rng.randint(5, 15)),
                    status="paid",
                )
                month = add_months(month, 1)
        return elderly

    # --- coverage --------------------------------------------------------------------------
    def build_elderly(
        self, d: District, unit_id: int, total: int, existing: list[int]
    ) -> list[int]:
        """Bring the commune's elderly to ``total`` people and give them BHYT cards."""
        rng = d.rng
        people = list(existing)
        while len(people) < total:
            band = "80+" if rng.random() < 0.12 else "60-79"
            household_id, village_id = self.new_household(d, unit_id, {2022: "none", 2023: "none"})
            people.append(
                self.new_person(d, unit_id, self.birth_for(rng, band), household_id, village_id)
            )
        for person_id in people:
            self.give_cards(d, person_id)
        return people

    def give_cards(self, d: District, person_id: int) -> None:
        """BHYT cards for 2022 and 2023 for an elderly person (ids are 1-based row positions)."""
        rng = d.rng
        birth: date = self.rows.get(s.person, person_id)["birth_date"]  # type: ignore[assignment]
        age_2022 = (date(2022, 12, 31) - birth).days // 365
        funding = "state" if age_2022 >= 79 else rng.choice(["state", "partial"])
        # [G] a few of the 60–69 group had no state-supported card yet in 2022.
        if not (60 <= age_2022 < 70 and rng.random() < 0.035):
            self.rows.add(
                s.health_insurance_card,
                person_id=person_id,
                card_no=f"HT222{person_id:010d}",
                valid_from=date(2022, 1, 1),
                valid_to=date(2022, 12, 31),
                funding=funding,
            )
        self.rows.add(
            s.health_insurance_card,
            person_id=person_id,
            card_no=f"HT223{person_id:010d}",
            valid_from=date(2023, 1, 1),
            valid_to=date(2023, 12, 31),
            funding=funding,
        )

    def build_health_checks(
        self, d: District, unit_id: int, people: list[int], visits: int, year: int
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
            self.rows.add(
                s.health_check,
                person_id=rng.choice(people),
                admin_unit_id=unit_id,
                check_date=random_day(rng, first, month_end(first)),
                kind="elderly_periodic" if rng.random() < 0.7 else "elderly_consult",
                free_medicine=rng.random() < 0.45,
            )

    def build_children(self, d: District, unit_id: int, special: int, at_risk: int) -> None:
        """Children in special circumstances and at risk, each supported within weeks."""
        rng = d.rng
        specs = [("special", special), ("at_risk", at_risk)]
        categories = {
            "special": ["mo_coi", "khuyet_tat", "ngheo_dac_biet", "bi_xam_hai"],
            "at_risk": ["bo_hoc", "gia_dinh_ly_hon", "lao_dong_som", "nguy_co_xam_hai"],
        }
        supports = {"special": "tro_cap_chi_phi", "at_risk": "can_thiep_tu_van"}
        for circumstance, n in specs:
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
                household_id, village_id = self.new_household(
                    d, unit_id, {2022: "near_poor", 2023: "near_poor"}
                )
                person_id = self.new_person(
                    d, unit_id, self.birth_for(rng, "child"), household_id, village_id
                )
                self.rows.add(
                    s.child_case,
                    person_id=person_id,
                    admin_unit_id=unit_id,
                    circumstance=circumstance,
                    category=rng.choice(categories[circumstance]),
                    opened_on=opened,
                    supported_on=supported,
                    support_kind=supports[circumstance],
                    closed_on=closed,
                )

    # --- housing, training, jobs -----------------------------------------------------------
    def build_housing(
        self,
        d: District,
        year: int,
        new: list[int],
        repair: list[int],
        funding: list[str],
        weights: list[float],
    ) -> None:
        """Housing grants approved in ``year`` (amounts in triệu đồng), spread over communes."""
        rng = d.rng
        codes = [u[0] for u in UNITS_2023]
        groups = ["poor", "near_poor", "elderly_alone", "other"]
        for i, (kind, amount) in enumerate(
            [("new", a) for a in new] + [("repair", a) for a in repair]
        ):
            unit_id = d.unit_ids[rng.choices(codes, weights=weights)[0]]
            group = groups[i % 4] if i < 8 else rng.choice(groups)
            status = (
                "poor" if group == "poor" else ("near_poor" if group == "near_poor" else "none")
            )
            household_id, village_id = self.new_household(d, unit_id, {year: status})
            owner = self.new_person(
                d,
                unit_id,
                self.birth_for(rng, "elderly" if group == "elderly_alone" else "adult"),
                household_id,
                village_id,
            )
            if group == "elderly_alone":
                self.give_cards(d, owner)
            approved = random_day(rng, date(year, 2, 1), date(year, 8, 31))
            deadline = approved + timedelta(days=120 if kind == "new" else 60)
            started = approved + timedelta(days=rng.randint(7, 20))
            completed = started + timedelta(days=rng.randint(30, 100 if kind == "new" else 45))
            completed = min(completed, date(year, 10, 28))  # province goal: done by 30/10/2023
            self.rows.add(
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

    def build_training(
        self, d: District, year: int, classes: list[tuple[str, str, int]], weights: list[float]
    ) -> None:
        """Elementary vocational classes started in ``year`` with their learners."""
        rng = d.rng
        codes = [u[0] for u in UNITS_2023]
        for name, field_, learners in classes:
            unit_id = d.unit_ids[rng.choices(codes, weights=weights)[0]]
            start = random_day(rng, date(year, 2, 1), date(year, 9, 15))
            end = start + timedelta(days=rng.randint(92, 130))  # sơ cấp: 3 months or more
            class_id = self.rows.add(
                s.vocational_class,
                name=name,
                field=field_,
                admin_unit_id=unit_id,
                start_date=start,
                end_date=end,
                hours=rng.choice([300, 320, 360, 400]),
                partner="Trung tâm GDNN-GDTX huyện Đầm Hà",
            )
            finished = end <= AS_OF
            for _ in range(learners):
                household_id, village_id = self.new_household(d, unit_id, {year: "none"})
                person_id = self.new_person(
                    d, unit_id, self.birth_for(rng, "adult"), household_id, village_id
                )
                completed = finished and rng.random() < 0.93
                self.rows.add(
                    s.enrolment,
                    class_id=class_id,
                    person_id=person_id,
                    completed=completed,
                    employed_after=completed and rng.random() < 0.7,
                )

    def build_job_events(
        self,
        d: District,
        year: int,
        fairs: int,
        exports: int,
        consultations: int,
        weights: list[float],
    ) -> None:
        """Job fairs, labour-export conferences and TKV recruitment consultations."""
        rng = d.rng
        codes = [u[0] for u in UNITS_2023]
        plan = (
            [("job_fair", "Trung tâm Dịch vụ việc làm tỉnh Quảng Ninh")] * fairs
            + [("labour_export", "Trung tâm Dịch vụ việc làm tỉnh Quảng Ninh")] * exports
            + [("recruitment", "Trường Cao đẳng Than – Khoáng sản Việt Nam (TKV)")] * consultations
        )
        for kind, partner in plan:
            attendees = rng.randint(60, 240)
            self.rows.add(
                s.job_event,
                kind=kind,
                partner=partner,
                event_date=random_day(rng, date(year, 2, 15), date(year, 11, 20)),
                admin_unit_id=d.unit_ids[rng.choices(codes, weights=weights)[0]],
                attendees=attendees,
                registered=round(attendees * rng.uniform(0.08, 0.3)),
            )

    # --- the whole district ----------------------------------------------------------------
    def build_district(self, d: District, province_id: int) -> None:
        """All rows of one copy of the district."""
        rng = d.rng
        self.build_units(d, province_id)
        populations = [float(u[3]) for u in UNITS_2023]
        active = allocate(BENEFICIARIES_NOV_2023, populations, rng, 0.25)
        elderly_counts = [round(p * rng.uniform(0.100, 0.125)) for p in populations]
        visits_2023 = allocate(HEALTH_VISITS_2023, [float(e) for e in elderly_counts], rng, 0.15)
        visits_2022 = allocate(HEALTH_VISITS_2022, [float(e) for e in elderly_counts], rng, 0.15)
        for i, (code, _, _, population) in enumerate(UNITS_2023):
            unit_id = d.unit_ids[code]
            elderly = self.build_allowances(d, unit_id, active[i])
            people = self.build_elderly(d, unit_id, elderly_counts[i], elderly)
            alive = [p for p in people if self.rows.get(s.person, p)["died_on"] is None]
            self.build_health_checks(d, unit_id, alive, visits_2022[i], 2022)
            self.build_health_checks(d, unit_id, alive, visits_2023[i], 2023)
            self.build_children(
                d,
                unit_id,
                special=max(2, round(population / 600 * rng.uniform(0.7, 1.3))),
                at_risk=max(3, round(population / 380 * rng.uniform(0.7, 1.3))),
            )
        self.build_housing(
            d,
            2022,
            NEW_BUILD_AMOUNTS_2022,
            REPAIR_AMOUNTS_2022,
            ["state", "socialised", "mixed"],
            populations,
        )
        self.build_housing(
            d, 2023, NEW_BUILD_AMOUNTS_2023, REPAIR_AMOUNTS_2023, ["socialised"], populations
        )
        self.build_training(
            d,
            2022,
            [
                ("Sơ cấp nghề May công nghiệp", "non_agri", 30),
                ("Sơ cấp nghề Điện dân dụng", "non_agri", 28),
                ("Sơ cấp nghề Kỹ thuật xây dựng", "non_agri", 29),
                ("Sơ cấp nghề Nuôi trồng thủy sản nước lợ", "agri", 30),
                ("Sơ cấp nghề Trồng và chăm sóc cây quế", "agri", 27),
                ("Sơ cấp nghề Chăn nuôi gà, lợn", "agri", 28),
            ],
            populations,
        )
        self.build_training(
            d,
            2023,
            [
                ("Sơ cấp nghề May công nghiệp", "non_agri", 30),
                ("Sơ cấp nghề Hàn điện", "non_agri", 28),
                ("Sơ cấp nghề Kỹ thuật chế biến món ăn", "non_agri", 26),
                ("Sơ cấp nghề Sửa chữa máy nông nghiệp", "non_agri", 27),
                ("Sơ cấp nghề Nuôi tôm thẻ chân trắng", "agri", 29),
                ("Sơ cấp nghề Trồng cây ăn quả", "agri", 25),
                ("Sơ cấp nghề Chăn nuôi gia cầm", "agri", 28),
            ],
            populations,
        )
        self.build_job_events(d, 2022, fairs=1, exports=1, consultations=4, weights=populations)
        self.build_job_events(d, 2023, fairs=2, exports=1, consultations=6, weights=populations)
        self.build_targets(d, populations)
        # Issue 7. Keep these last: they edit and remove finished rows of this district.
        if self.with_problems:
            self.seed_problems(d)
        self.build_reported_figures(d)

    def build_targets(self, d: District, populations: list[float]) -> None:
        """District targets per indicator and year, and commune targets for the counts [G]."""
        rows = self.rows
        targets = {
            2022: {
                "F1": 1.0,
                "F2": 2800,
                "F3": 1.0,
                "F4": 1.0,
                "F5": 1.0,
                "F6": 1.0,
                "F7": 8,
                "F8": 6,
                "F9": 1_000_000_000,
                "F10": 2,
                "F11": 4,
                "F12": 6,
                "F13": 160,
                "F15": 13_500_000_000,
            },
            2023: {
                "F1": 1.0,
                "F2": 3000,
                "F3": 1.0,
                "F4": 1.0,
                "F5": 1.0,
                "F6": 1.0,
                "F7": 12,
                "F8": 10,
                "F9": 1_400_000_000,
                "F10": 3,
                "F11": 6,
                "F12": 7,
                "F13": 180,
                "F15": 15_500_000_000,
            },
        }
        for year, values in targets.items():
            for indicator, value in values.items():
                rows.add(
                    s.target, indicator=indicator, admin_unit_id=None, year=year, value=float(value)
                )
            # Commune targets for health-check visits, in proportion to population.
            total = int(values["F2"])
            for (code, *_), part in zip(
                UNITS_2023, allocate(total, populations, d.rng, 0.0), strict=True
            ):
                rows.add(
                    s.target,
                    indicator="F2",
                    admin_unit_id=d.unit_ids[code],
                    year=year,
                    value=float(part),
                )

    # --- seeded data-quality problems and reported figures (issue 7) ------------------------
    def seed_problems(self, d: District) -> None:
        """Plant the data-quality problems listed in the module docstring in this copy's rows.

        Runs last in ``build_district``, on the finished rows: it edits, adds and removes rows
        chosen by fixed rules and draws nothing from ``d.rng``, so every other row is exactly
        what an unseeded build makes. Each problem is recorded in ``self.seeded``.
        """
        rows, unit = self.rows, d.unit_ids
        t: dict[str, list[dict[str, Any]]] = rows.tables
        code = {uid: self.code(d, c) for c, uid in unit.items()}
        used_people: set[int] = set()
        used_beneficiaries: set[int] = set()

        def mark(check: str, key: object, *unit_ids: int) -> None:
            seen_by = tuple(sorted({code[u] for u in unit_ids}))
            self.seeded.setdefault(check, []).append((key, seen_by))

        def person(
            c: str, born: tuple[date, date], also: Callable[[dict[str, Any]], bool] = bool
        ) -> dict[str, Any]:
            """The first living person of commune ``c`` born in ``born`` not used yet."""
            for row in t["person"]:
                if (
                    row["admin_unit_id"] == unit[c]
                    and row["id"] not in used_people
                    and row["died_on"] is None
                    and born[0] <= row["birth_date"] <= born[1]
                    and also(row)
                ):
                    used_people.add(row["id"])
                    return row
            raise LookupError(f"no person to seed a problem with in {c}")

        def beneficiary(c: str, also: Callable[[dict[str, Any]], bool] = bool) -> dict[str, Any]:
            """The first beneficiary of ``c`` on the list all through 2022–2023, not used yet."""
            for row in t["allowance_beneficiary"]:
                if (
                    row["admin_unit_id"] == unit[c]
                    and row["id"] not in used_beneficiaries
                    and row["start_month"] <= DATA_START
                    and row["end_month"] is None
                    and also(row)
                ):
                    used_beneficiaries.add(row["id"])
                    return row
            raise LookupError(f"no beneficiary to seed a problem with in {c}")

        def new_person(c_unit: int, village: int, name: str, born: date, sex: str) -> int:
            return rows.add(
                s.person,
                full_name=name,
                birth_date=born,
                sex=sex,
                ethnicity="Dao",
                household_id=None,
                admin_unit_id=c_unit,
                village_id=village,
                national_id=None,
                died_on=None,
            )

        adult = (date(1970, 1, 1), date(1997, 12, 31))  # under 60 on every date of the data

        # The same person twice: two copies on no list, so they count in no indicator.
        def copy(row: dict[str, Any], c: str, **changes: object) -> int:
            values = {k: v for k, v in row.items() if k != "id"}
            values.update(
                admin_unit_id=unit[c], household_id=None, village_id=d.villages[unit[c]][0]
            )
            values.update(changes)
            return rows.add(s.person, **values)

        moved = person("06913", adult)
        mark("duplicate_person", moved["id"], unit["06913"])
        mark("duplicate_person", copy(moved, "06901"), unit["06901"])
        twice = person("06895", adult)
        village = next(v for v in d.villages[unit["06895"]] if v != twice["village_id"])
        mark("duplicate_person", twice["id"], unit["06895"])
        mark(
            "duplicate_person",
            copy(twice, "06895", village_id=village, national_id=None),
            unit["06895"],
        )
        renamed = person("06916", adult)
        family, *_, given = str(renamed["full_name"]).split()
        mark("duplicate_person", renamed["id"], unit["06916"])
        mark(
            "duplicate_person", copy(renamed, "06913", full_name=f"{family} {given}"), unit["06913"]
        )

        # A BHYT lapse in June–July 2023: covered again on 30/11/2023, so F1 stays 100%.
        cards_2023 = {
            r["person_id"]: r
            for r in t["health_insurance_card"]
            if r["valid_from"] == date(2023, 1, 1)
        }
        for c in ("06913", "06898", "06917"):
            holder = person(
                c, (date(1950, 1, 1), date(1960, 12, 31)), lambda r: r["id"] in cards_2023
            )
            card = cards_2023[holder["id"]]
            card["valid_to"] = date(2023, 5, 31)
            rows.add(
                s.health_insurance_card,
                person_id=holder["id"],
                card_no=f"HT323{holder['id']:010d}",
                valid_from=date(2023, 8, 1),
                valid_to=date(2023, 12, 31),
                funding=card["funding"],
            )
            mark("elderly_no_bhyt", holder["id"], unit[c])

        # Payments, all in 2022 (not published): a month missing, wrong amounts, a zero.
        payments = {(r["beneficiary_id"], r["month"]): r for r in t["allowance_payment"]}
        missing: set[object] = set()
        for c, month in (("06913", 5), ("06904", 9), ("06919", 11)):
            b = beneficiary(c)
            missing.add(payments[(b["id"], date(2022, month, 1))]["id"])
            mark("missing_payment", (b["id"], date(2022, month, 1)), unit[c])
        coef_15: Callable[[dict[str, Any]], bool] = lambda r: r["coefficient_x10"] == 15  # noqa: E731
        wrong = [
            ("06901", 12, lambda b: RATE_2023 * b["coefficient_x10"] // 10, bool),  # 2023 rate
            ("06910", 3, lambda b: RATE_2022, coef_15),  # hệ số 1,0 instead of 1,5
            ("06913", 8, lambda b: 657_000, coef_15),  # 675.000 with two digits swapped
            ("06898", 4, lambda b: 0, bool),  # amount never entered
        ]
        for c, month, amount, also in wrong:
            b = beneficiary(c, also)
            payment = payments[(b["id"], date(2022, month, 1))]
            payment["amount_vnd"] = amount(b)
            mark("wrong_amount", payment["id"], unit[c])
            if payment["amount_vnd"] <= 0:
                mark("non_positive_amount", ("allowance_payment", payment["id"]), unit[c])
        late = payments[(beneficiary("06917")["id"], date(2022, 7, 1))]
        late["paid_on"] = date(2032, 7, 12)  # 2022 typed as 2032
        mark("future_date", ("allowance_payment", "paid_on", late["id"]), unit["06917"])
        t["allowance_payment"] = [r for r in t["allowance_payment"] if r["id"] not in missing]

        # Paid by account, account number missing.
        for c in ("06913", "06916", "06895"):
            b = beneficiary(c, lambda r: r["payment_method"] == "bank")
            b["bank_account"] = None
            mark("no_bank_account", b["id"], unit[c])

        # At-risk children whose 2022 case closed without intervention (F4 2023 untouched).
        for c, name, sex, born, opened, closed, category in (
            ("06919", "Bàn Văn Phúc", "M", date(2012, 4, 18), (3, 14), (8, 31), "bo_hoc"),
            ("06913", "Chíu Thị Mai", "F", date(2009, 9, 2), (5, 9), (10, 31), "lao_dong_som"),
        ):
            child = new_person(unit[c], d.villages[unit[c]][0], name, born, sex)
            case = rows.add(
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
            mark("child_no_intervention", case, unit[c])

        # Housing grants of 2022: two unfinished past their deadline, one of 0 đồng.
        grants = [r for r in t["housing_grant"] if r["approved_on"].year == 2022]
        building = next(r for r in grants if r["kind"] == "new")
        building.update(status="building", completed_on=None)
        waiting, zero = [r for r in grants if r["kind"] == "repair"][:2]
        waiting.update(status="approved", started_on=None, completed_on=None)
        zero["amount_vnd"] = 0
        for grant in (building, waiting):
            mark("housing_overdue", grant["id"], grant["admin_unit_id"])
        mark("non_positive_amount", ("housing_grant", zero["id"]), zero["admin_unit_id"])

        # Records pointing at another commune's village, and one filed under the district.
        for c, other, pick in (("06910", "06917", 0), ("06913", "06898", -1)):
            wrong_village = person(c, adult)
            wrong_village["village_id"] = d.villages[unit[other]][pick]
            mark("unknown_unit", wrong_village["id"], unit[c], unit[other])
        district_id = next(r["id"] for r in t["admin_unit"] if r["kind"] == s.KIND_DISTRICT)
        filed = new_person(
            district_id, d.villages[unit["06904"]][0], "Lý Thị Hạnh", date(1979, 2, 11), "F"
        )
        mark("unknown_unit", filed, unit["06904"])

        # Dates in the future.
        elder = person("06913", (date(1930, 1, 1), date(1960, 12, 31)))
        visit = rows.add(
            s.health_check,
            person_id=elder["id"],
            admin_unit_id=unit["06913"],
            check_date=date(2032, 10, 15),  # 2023 typed as 2032: outside every period, F2 intact
            kind="elderly_periodic",
            free_medicine=False,
        )
        mark("future_date", ("health_check", "check_date", visit), unit["06913"])
        open_case = next(
            r
            for r in t["child_case"]
            if r["admin_unit_id"] == unit["06895"]
            and r["circumstance"] == "special"
            and r["closed_on"] is None
        )
        open_case["closed_on"] = date(2024, 6, 30)  # a planned closing entered as done
        mark("future_date", ("child_case", "closed_on", open_case["id"]), unit["06895"])

    def build_reported_figures(self, d: District) -> None:
        """Each commune's quarterly reports upward, Quý I/2022 – Quý III/2023, of REPORTED.

        The values are what this district's rows give (after seeding), computed the way
        ``data_access.queries`` counts them; with problems seeded, REPORT_MISMATCHES are off.
        """
        t: dict[str, list[dict[str, Any]]] = self.rows.tables
        quarters = [(y, q) for y in (2022, 2023) for q in (1, 2, 3, 4) if (y, q) <= (2023, 3)]

        def quarter_of(day: date) -> tuple[int, int]:
            return day.year, (day.month - 1) // 3 + 1

        values: dict[tuple[str, int, tuple[int, int]], int] = {}
        for r in t["health_check"]:
            if r["kind"] in ELDERLY_CHECK_KINDS:
                key = ("F2", r["admin_unit_id"], quarter_of(r["check_date"]))
                values[key] = values.get(key, 0) + 1
        for r in t["allowance_payment"]:
            if r["status"] == "paid":
                key = ("F15", r["admin_unit_id"], quarter_of(r["month"]))
                values[key] = values.get(key, 0) + int(r["amount_vnd"])
        for y, q in quarters:
            last_month = date(y, 3 * q, 1)
            for r in t["allowance_beneficiary"]:
                end = r["end_month"]
                if r["start_month"] <= last_month and (end is None or end >= last_month):
                    key = ("F14", r["admin_unit_id"], (y, q))
                    values[key] = values.get(key, 0) + 1
        shifts = {
            (ind, d.unit_ids[c], quarter): delta for ind, c, quarter, delta in REPORT_MISMATCHES
        }
        for c, unit_id in d.unit_ids.items():
            for y, q in quarters:
                start = date(y, 3 * q - 2, 1)
                end = month_end(date(y, 3 * q, 1))
                for indicator in REPORTED:
                    value = values.get((indicator, unit_id, (y, q)), 0)
                    shift = shifts.get((indicator, unit_id, (y, q)), 0) if self.with_problems else 0
                    if shift:
                        report = (indicator, self.code(d, c), start)
                        self.seeded.setdefault("reconciliation", []).append(
                            (report, (self.code(d, c),))
                        )
                    self.rows.add(
                        s.reported_figure,
                        indicator=indicator,
                        admin_unit_id=unit_id,
                        period_start=start,
                        period_end=end,
                        value=float(value + shift),
                        reported_on=end + timedelta(days=10),
                    )

    def build(
        self, progress: Progress | None = None
    ) -> Iterator[dict[str, list[dict[str, object]]]]:
        """Generate all rows, one chunk per district (so national scale fits in memory)."""
        rows = self.rows
        province_id = rows.add(
            s.admin_unit,
            code="22",
            name="Tỉnh Quảng Ninh",
            kind=s.KIND_PROVINCE,
            parent_id=None,
            population=None,
            valid_from=date(1963, 10, 30),
            valid_to=None,
        )
        rows.add(
            s.allowance_rate,
            valid_from=date(2021, 8, 1),
            valid_to=date(2022, 12, 31),
            amount_vnd=RATE_2022,
            legal_basis="Nghị quyết 21/2021/NQ-HĐND tỉnh Quảng Ninh",
        )
        rows.add(
            s.allowance_rate,
            valid_from=date(2023, 1, 1),
            valid_to=date(2024, 9, 30),
            amount_vnd=RATE_2023,
            legal_basis="Mức chuẩn trợ giúp xã hội tỉnh Quảng Ninh",
        )
        rows.add(s.dataset_info, key="source", value="demo", updated_at=datetime(2023, 12, 1))
        rows.add(
            s.dataset_info, key="scale", value=str(self.scale), updated_at=datetime(2023, 12, 1)
        )
        for index in range(self.scale):
            d = District(index=index, rng=random.Random(self.seed * 1000 + index))
            self.build_district(d, province_id)
            if progress:
                progress((index + 1) / self.scale, f"Đang tạo dữ liệu huyện {index + 1}")
            yield rows.take()


INSERT_BATCH = 20_000  # rows per executemany: large enough to be fast, small enough for memory


def insert_rows(
    conn: Connection, chunk: dict[str, list[dict[str, object]]], freeze: bool = False
) -> int:
    """Insert a chunk's rows in dependency order (COPY on PostgreSQL, batches elsewhere).

    ``freeze``: PostgreSQL COPY … FREEZE, allowed only into tables created or truncated in the
    current transaction (``build_demo`` does that).
    """
    use_copy = conn.dialect.name == "postgresql"
    written = 0
    for table in s.metadata.sorted_tables:
        data = chunk[table.name]
        if not data:
            continue
        if use_copy:
            copy_rows(conn, table, data, freeze)
        else:
            for start in range(0, len(data), INSERT_BATCH):
                conn.execute(table.insert(), data[start : start + INSERT_BATCH])
        written += len(data)
    return written


def copy_rows(
    conn: Connection, table: sa.Table, data: list[dict[str, object]], freeze: bool = False
) -> None:
    """Bulk-load rows into PostgreSQL with COPY (psycopg 3), in column order.

    ``freeze`` writes the rows already frozen and visible (no VACUUM needed for index-only
    scans); PostgreSQL allows it only into a table created or truncated in this transaction.
    """
    columns = [c.name for c in table.columns]
    raw = conn.connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cur:  # type: ignore[attr-defined]
        cols = ", ".join(f'"{c}"' for c in columns)  # names come from our own metadata
        options = " (FREEZE)" if freeze else ""
        with cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN{options}') as copy:
            for row in data:
                copy.write_row(tuple(map(row.get, columns)))  # map: no Python-level loop


def reset_sequences(conn: Connection) -> None:
    """After loading explicit ids on PostgreSQL, move each id sequence past the largest id."""
    if conn.dialect.name != "postgresql":
        return
    for table in s.metadata.sorted_tables:
        if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
            last_id = sa.select(sa.func.max(table.c.id)).scalar_subquery()
            sequence = sa.func.pg_get_serial_sequence(table.name, "id")
            conn.execute(
                sa.select(sa.func.setval(sequence, sa.func.coalesce(last_id, 0) + 1, False))
            )


def build_demo(
    engine: Engine,
    scale: int = 1,
    seed: int = SEED,
    progress: Progress | None = None,
    seed_problems: bool = True,
) -> int:
    """Create the schema on ``engine`` (dropping an older one) and load the demo rows.

    ``seed_problems=False`` leaves out the seeded data-quality problems (issue 7): a clean
    database whose reported figures all match.

    Summary tables of an older database are dropped too: they describe other rows. On
    PostgreSQL the rows go in with COPY … FREEZE into tables whose secondary indexes and foreign
    keys are created after the load (about 4× faster than maintaining them row by row, and no
    VACUUM is needed). From ``pipeline_from`` districts on, a second process generates the rows
    while this one loads the previous district: one process still generates every row in
    order, so the database is exactly what a serial build writes.

    :returns: the number of rows written.
    """
    import multiprocessing
    import queue

    from .summaries import drop_summaries

    pipeline_from = 3  # below this, starting a process costs more than it saves
    postgres = engine.dialect.name == "postgresql"
    drop_summaries(engine)
    s.metadata.drop_all(engine)
    s.metadata.create_all(engine)
    tables = s.metadata.sorted_tables
    indexes = [index for t in tables for index in t.indexes]
    foreign_keys = [fk for t in tables for fk in t.foreign_key_constraints]

    def generated_in_child() -> Iterator[dict[str, list[dict[str, object]]]]:
        context = multiprocessing.get_context("fork")  # the child runs this closure
        chunks = context.Queue(maxsize=2)  # at most two districts wait in memory

        def produce() -> None:
            try:
                for chunk in Builder(scale, seed, seed_problems).build():
                    chunks.put(chunk)
                chunks.put(None)
            except BaseException as exc:  # handed to the parent, which raises it
                chunks.put(exc)

        child = context.Process(target=produce, name="demo-generator", daemon=True)
        child.start()
        try:
            done = 0
            while True:
                try:
                    item = chunks.get(timeout=5)
                except queue.Empty:
                    if not child.is_alive():
                        raise RuntimeError(
                            f"demo generator process ended with code {child.exitcode}"
                        ) from None
                    continue
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise RuntimeError("generating the demo rows failed") from item
                done += 1
                if progress:
                    progress(done / scale, f"Đang tạo dữ liệu huyện {done}")
                yield item
        finally:
            if child.is_alive():
                child.terminate()
            child.join()

    written = 0
    with engine.begin() as conn:
        if postgres:
            conn.execute(sa.text("SET LOCAL maintenance_work_mem = '512MB'"))  # index builds
            names = [t.name for t in tables]
            fk_names = conn.execute(
                sa.text(
                    "SELECT t.relname, c.conname FROM pg_constraint c "
                    "JOIN pg_class t ON t.oid = c.conrelid "
                    "WHERE c.contype = 'f' AND t.relname = ANY(:names) "
                    "AND t.relnamespace = current_schema()::regnamespace"
                ),
                {"names": names},
            ).all()
            for table_name, fk_name in fk_names:  # both from the catalogue of our own tables
                conn.exec_driver_sql(f'ALTER TABLE "{table_name}" DROP CONSTRAINT "{fk_name}"')
            for index in indexes:
                conn.execute(sa.schema.DropIndex(index))
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in names))
        serial = scale < pipeline_from
        builder = Builder(scale, seed, seed_problems)
        rows = builder.build(progress) if serial else generated_in_child()
        for chunk in rows:
            written += insert_rows(conn, chunk, freeze=postgres)
        if postgres:
            for index in indexes:
                conn.execute(sa.schema.CreateIndex(index))
            for fk in foreign_keys:
                conn.execute(sa.schema.AddConstraint(fk))
        reset_sequences(conn)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("ANALYZE"))
        else:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
    return written


def build_demo_file(
    path: Path,
    scale: int = 1,
    seed: int = SEED,
    progress: Progress | None = None,
    seed_problems: bool = True,
) -> int:
    """Build the demo as a SQLite file, atomically: a half-built file never appears at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".building")
    partial.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{partial}")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=OFF")
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        count = build_demo(engine, scale, seed, progress, seed_problems)
    finally:
        engine.dispose()
    partial.replace(path)
    return count


def _print_progress(fraction: float, message: str) -> None:
    print(f"\r{fraction:6.1%} {message:<50}", end="", file=sys.stderr, flush=True)


def main(argv: Iterable[str] | None = None) -> int:
    """Command line: build the demo into a SQLite file or a database URL."""
    from .db import DEMO_PATH, parse_url, shown

    parser = argparse.ArgumentParser(description="Build the demo welfare database.")
    parser.add_argument("--url", help="database URL (default: the demo SQLite file under data/)")
    parser.add_argument("--scale", type=int, default=1, help="copies of the district (default 1)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.scale < 1:
        parser.error("--scale must be at least 1")
    started = time.perf_counter()
    if args.url:
        engine = sa.create_engine(parse_url(args.url))
        count = build_demo(engine, args.scale, args.seed, _print_progress)
        target = shown(engine.url)
    else:
        count = build_demo_file(DEMO_PATH, args.scale, args.seed, _print_progress)
        target = str(DEMO_PATH)
    print(
        f"\n{count:,} rows written to {target} in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
