"""Vocational training and jobs: elementary classes with their learners, job events."""

from __future__ import annotations

from datetime import date, timedelta

from .. import schema as s
from .facts import AS_OF, JOB_CENTRE, TKV_COLLEGE, TRAINING_PARTNER, UNITS_2023
from .people import new_member
from .rows import District, Rows, random_day


def build_training(
    rows: Rows, d: District, year: int, classes: list[tuple[str, str, int]], weights: list[float]
) -> None:
    """Elementary vocational classes started in ``year`` with their learners."""
    rng = d.rng
    codes = [u[0] for u in UNITS_2023]
    for name, field_, learners in classes:
        unit_id = d.unit_ids[rng.choices(codes, weights=weights)[0]]
        start = random_day(rng, date(year, 2, 1), date(year, 9, 15))
        end = start + timedelta(days=rng.randint(92, 130))  # sơ cấp: 3 months or more
        class_id = rows.add(
            s.vocational_class,
            name=name,
            field=field_,
            admin_unit_id=unit_id,
            start_date=start,
            end_date=end,
            hours=rng.choice([300, 320, 360, 400]),
            partner=TRAINING_PARTNER,
        )
        finished = end <= AS_OF
        for _ in range(learners):
            person_id = new_member(rows, d, unit_id, "adult", {year: "none"})
            completed = finished and rng.random() < 0.93
            rows.add(
                s.enrolment,
                class_id=class_id,
                person_id=person_id,
                completed=completed,
                employed_after=completed and rng.random() < 0.7,
            )


def build_job_events(
    rows: Rows, d: District, year: int, plan: tuple[int, int, int], weights: list[float]
) -> None:
    """Job fairs, labour-export conferences and TKV recruitment consultations: ``plan`` counts."""
    rng = d.rng
    codes = [u[0] for u in UNITS_2023]
    fairs, exports, consultations = plan
    events = (
        [("job_fair", JOB_CENTRE)] * fairs
        + [("labour_export", JOB_CENTRE)] * exports
        + [("recruitment", TKV_COLLEGE)] * consultations
    )
    for kind, partner in events:
        attendees = rng.randint(60, 240)
        rows.add(
            s.job_event,
            kind=kind,
            partner=partner,
            event_date=random_day(rng, date(year, 2, 15), date(year, 11, 20)),
            admin_unit_id=d.unit_ids[rng.choices(codes, weights=weights)[0]],
            attendees=attendees,
            registered=round(attendees * rng.uniform(0.08, 0.3)),
        )
