"""The district's administrative units: the nine of 2023 with their villages, and their history;
the bodies that issue the area's reports (``organisation``) and the dashboard's title.

Commune reports need no row: a commune's People's Committee is written from its name. The
district office issues the district's reports until 30/6/2025 (DOMAIN.md §6: the district level
is abolished from 1/7/2025). From then on an area-wide report of the former district is taken
to come from the province's Department of Health [G]: since 1/3/2025 social protection and
child affairs answer to the Ministry of Health (DOMAIN.md §6), and the province's departments
followed; which body would file a report on these two communes is an assumption of the demo.
"""

from __future__ import annotations

from datetime import date, datetime

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
    build_district_office(rows, district_id, suffix)
    if d.index == 0:  # the province and the deployment are one, whatever the scale
        build_province_body(rows, province_id)


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


def organisation_row(rows: Rows, admin_unit_id: int, **values: object) -> None:
    """An ``organisation`` row with every column given (NULL where not set)."""
    columns = {c.name: None for c in s.organisation.c if c.name != "id"}
    rows.add(s.organisation, **{**columns, "admin_unit_id": admin_unit_id, **values})


def build_district_office(rows: Rows, district_id: int, suffix: str) -> None:
    """Phòng Lao động - Thương binh và Xã hội of the district, under its People's Committee,
    issuing the district's reports until the district ends (30/6/2025). It is taken to issue
    them since the district's own first day [G]; the demo's records start in 2022."""
    name = f"Đầm Hà{suffix}"
    organisation_row(
        rows,
        district_id,
        valid_from=date(1994, 12, 1),
        valid_to=date(2025, 6, 30),
        parent_name=f"UBND HUYỆN {name.upper()}",
        parent_name_en=f"{name.upper()} DISTRICT PEOPLE'S COMMITTEE",
        body_caps="PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",
        body_caps_en="DIVISION OF LABOUR, INVALIDS AND SOCIAL AFFAIRS",
        body_name=f"Phòng Lao động - Thương binh và Xã hội huyện {name}",
        body_name_en=f"{name} Division of Labour, Invalids and Social Affairs",
        number_suffix="BC-LĐTBXH",
        place=name,
        signer="TRƯỞNG PHÒNG",
        signer_en="HEAD OF DIVISION",
        recipients="- Thường trực Huyện ủy;\n- Thường trực HĐND, UBND huyện;\n- Lưu: VT, LĐTBXH.",
        recipients_en="- Standing Committee of the District Party Committee;\n"
        "- District People's Council and Committee;\n- Archive.",
    )


def build_province_body(rows: Rows, province_id: int) -> None:
    """From 1/7/2025: the province's Department of Health issues the area's reports [G], and the
    area is named after the former district (the province holds only its two communes here);
    the dashboard's title names the area too (a deployment setting in ``dataset_info``)."""
    organisation_row(
        rows,
        province_id,
        valid_from=date(2025, 7, 1),
        valid_to=None,
        parent_name="UBND TỈNH QUẢNG NINH",
        parent_name_en="QUẢNG NINH PROVINCIAL PEOPLE'S COMMITTEE",
        body_caps="SỞ Y TẾ",
        body_caps_en="DEPARTMENT OF HEALTH",
        body_name="Sở Y tế tỉnh Quảng Ninh",
        body_name_en="Quảng Ninh Department of Health",
        number_suffix="BC-SYT",
        place="Quảng Ninh",
        signer="GIÁM ĐỐC",
        signer_en="DIRECTOR",
        recipients="- UBND tỉnh (để báo cáo);\n- UBND các xã;\n- Lưu: VT, BTXH.",
        recipients_en="- Provincial People's Committee (for information);\n"
        "- Commune People's Committees;\n- Archive.",
        area_label="Địa bàn huyện Đầm Hà (cũ)",
        area_label_en="Former Đầm Hà district area",
    )
    when = datetime(2023, 12, 1)
    rows.add(s.dataset_info, key="app_title", value="An sinh xã hội Đầm Hà", updated_at=when)
    rows.add(s.dataset_info, key="app_title_en", value="Đầm Hà social welfare", updated_at=when)
