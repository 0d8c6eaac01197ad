"""The demo's rows, district copy by district copy: ``Builder(scale, seed).build()``.

Each copy draws from its own ``random.Random(seed * 1000 + index)`` in a fixed order, so a build
is the same on every run and machine; the published figures F1–F15 depend on that order.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, datetime

from i18n import Catalog

from .. import schema as s
from .allowances import build_allowances, record_stop_decisions
from .coverage import build_children, build_elderly, build_health_checks
from .facts import (
    ALLOWANCE_RATES,
    BENEFICIARIES_NOV_2023,
    CLASSES,
    GRANTS,
    HEALTH_VISITS_2022,
    HEALTH_VISITS_2023,
    JOB_EVENTS,
    TARGETS,
    UNITS_2023,
)
from .housing import build_housing
from .later import LATER_RATES, build_later_years
from .lifecycle import payment_lifecycle
from .problems import plant_problems
from .reported import build_reported_figures
from .rows import Chunk, District, Rows, Seeded, allocate
from .training import build_job_events, build_training
from .units import build_units

T = Catalog(
    "data_access.demo.generator",
    {"district": ("Đang tạo dữ liệu huyện {n}", "Generating the data of district {n}")},
)

Progress = Callable[[float, str], None]  # (fraction done, message) as a progress bar shows it
# At scale N the synthetic district copies are grouped into provinces of this many districts,
# as the country had them before 1/7/2025 (705 districts in 63 provinces, about 11 each) [G].
# The first province is Quảng Ninh, with Đầm Hà (copy 0) and copies 1–10; the next ones are
# "Tỉnh mẫu 2", "Tỉnh mẫu 3", … with 3-digit codes "801", "802", … that no real province has.
DISTRICTS_PER_PROVINCE = 11


def add_province(rows: Rows, number: int) -> int:
    """The province row of the ``number``-th group of district copies (0: Quảng Ninh)."""
    return rows.add(
        s.admin_unit,
        code="22" if number == 0 else f"8{number:02d}",
        name="Tỉnh Quảng Ninh" if number == 0 else f"Tỉnh mẫu {number + 1}",
        kind=s.KIND_PROVINCE,
        parent_id=None,
        population=None,
        valid_from=date(1963, 10, 30),
        valid_to=None,
    )


def report_progress(progress: Progress | None, done: int, scale: int) -> None:
    """Tell ``progress`` that ``done`` of ``scale`` district copies are generated."""
    if progress:
        progress(done / scale, T("district", n=done))


class Builder:
    """Generates every table's rows for ``scale`` copies of the district."""

    def __init__(self, scale: int, seed: int, seed_problems: bool = True) -> None:
        self.scale = scale
        self.seed = seed
        self.rows = Rows()
        self.with_problems = seed_problems  # issue 7: plant the documented data-quality problems
        self.seeded: Seeded = {}  # what was planted, for the tests (see ``demo.problems``)

    def build(self, progress: Progress | None = None) -> Iterator[Chunk]:
        """Generate all rows, one chunk per district (so national scale fits in memory)."""
        rows = self.rows
        province_id = add_province(rows, 0)
        for valid_from, valid_to, amount, legal_basis in ALLOWANCE_RATES + LATER_RATES:
            rows.add(
                s.allowance_rate,
                valid_from=valid_from,
                valid_to=valid_to,
                amount_vnd=amount,
                legal_basis=legal_basis,
            )
        rows.add(s.dataset_info, key="source", value="demo", updated_at=datetime(2023, 12, 1))
        rows.add(
            s.dataset_info, key="scale", value=str(self.scale), updated_at=datetime(2023, 12, 1)
        )
        for index in range(self.scale):
            if index and index % DISTRICTS_PER_PROVINCE == 0:
                province_id = add_province(rows, index // DISTRICTS_PER_PROVINCE)
            d = District(index=index, rng=random.Random(self.seed * 1000 + index))
            self.build_district(d, province_id)
            report_progress(progress, index + 1, self.scale)
            yield rows.take()

    def build_district(self, d: District, province_id: int) -> None:
        """All rows of one copy of the district."""
        rows, rng = self.rows, d.rng
        build_units(rows, d, province_id)
        populations = [float(u[3]) for u in UNITS_2023]
        active = allocate(BENEFICIARIES_NOV_2023, populations, rng, 0.25)
        elderly_counts = [round(p * rng.uniform(0.100, 0.125)) for p in populations]
        visits_2023 = allocate(HEALTH_VISITS_2023, [float(e) for e in elderly_counts], rng, 0.15)
        visits_2022 = allocate(HEALTH_VISITS_2022, [float(e) for e in elderly_counts], rng, 0.15)
        for i, (code, _, _, population) in enumerate(UNITS_2023):
            unit_id = d.unit_ids[code]
            elderly = build_allowances(rows, d, unit_id, active[i])
            people = build_elderly(rows, d, unit_id, elderly_counts[i], elderly)
            alive = [p for p in people if rows.get(s.person, p)["died_on"] is None]
            build_health_checks(rows, d, unit_id, alive, visits_2022[i], 2022)
            build_health_checks(rows, d, unit_id, alive, visits_2023[i], 2023)
            build_children(
                rows,
                d,
                unit_id,
                special=max(2, round(population / 600 * rng.uniform(0.7, 1.3))),
                at_risk=max(3, round(population / 380 * rng.uniform(0.7, 1.3))),
            )
        for year, (amounts, funding) in GRANTS.items():
            build_housing(rows, d, year, amounts, funding, populations)
        for year, classes in CLASSES.items():
            build_training(rows, d, year, classes, populations)
        for year, plan in JOB_EVENTS.items():
            build_job_events(rows, d, year, plan, populations)
        self.build_targets(d, populations)
        # Issue 7. Keep these last: they edit and remove finished rows of this district.
        if self.with_problems:
            plant_problems(rows, d, self.seeded)
        build_reported_figures(rows, d, self.seeded if self.with_problems else None)
        # 12/2023 – 11/2026, across the 2025 merger: last, from a random stream of its own, so
        # that every row above (F1–F15, the seeded problems) is what it was without it.
        build_later_years(rows, d, self.seed)
        # Issue 16: where the last twelve months' payments stand, and the decision behind every
        # exit once all exits (2022–2026) are known; neither draws from ``d.rng``.
        payment_lifecycle(rows, d, self.seed)
        record_stop_decisions(rows)

    def build_targets(self, d: District, populations: list[float]) -> None:
        """District targets per indicator and year, and commune targets for the counts [G]."""
        rows = self.rows
        for year, values in TARGETS.items():
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
