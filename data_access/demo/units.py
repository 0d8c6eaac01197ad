"""The district's administrative units: the nine of 2023 with their villages, and their history."""

from __future__ import annotations

from datetime import date

from .. import schema as s
from .facts import MERGERS_2025, PEOPLE_PER_VILLAGE, UNITS_2023, XA_DAM_HA, XA_DAM_HA_VILLAGES
from .rows import District, Rows, random_day


def village_names(code: str, kind: str, population: int) -> list[str]:
    """The villages of a unit: Xã Đầm Hà's known names, plainly synthetic ones elsewhere [G]."""
    if code == XA_DAM_HA:
        return XA_DAM_HA_VILLAGES
    prefix = "Khu phố" if kind == s.KIND_TOWN else "Thôn"
    return [f"{prefix} {i}" for i in range(1, max(3, round(population / PEOPLE_PER_VILLAGE)) + 1)]


def build_units(rows: Rows, d: District, province_id: int) -> None:
    """The district, its nine 2023 units with villages, and the 2025 successors."""
    rng = d.rng
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
            code=d.code(code),
            name=name + suffix,
            kind=kind,
            parent_id=district_id,
            population=population,
            valid_from=date(1994, 12, 1),
            valid_to=date(2025, 6, 30),
        )
        d.unit_ids[code] = unit_id
        d.villages[unit_id] = []
        for village_name in village_names(code, kind, population):
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
    build_history(rows, d, district_id, province_id, suffix)


def build_history(rows: Rows, d: District, district_id: int, province_id: int, suffix: str) -> None:
    """Quảng Lợi merged into Quảng Tân in 2020, and the 2025 communes that succeed the nine."""
    quang_loi = rows.add(  # kept for history
        s.admin_unit,
        code=d.code("06907"),
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
            code=d.code(new_code),
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
