"""The generator's working state: rows held in memory with their ids, one district copy, draws.

Ids are assigned here rather than by the database so that rows can refer to each other before
they are inserted; the random draws take the copy's own ``random.Random`` (never the global one)
so that a build is the same on every run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from .. import schema as s

Chunk = dict[str, list[dict[str, object]]]  # table name -> rows, as handed to the loader
# Seeded data-quality problems: check code -> (record key, codes of the communes that see it).
Seeded = dict[str, list[tuple[object, tuple[str, ...]]]]


@dataclass
class District:
    """One copy of the district: its units and ids, built into ``Rows``."""

    index: int  # 0: the real Đầm Hà; 1..N-1: synthetic copies
    rng: random.Random
    unit_ids: dict[str, int] = field(default_factory=dict)  # 2023 code -> id
    villages: dict[int, list[int]] = field(default_factory=dict)  # unit id -> village ids

    def code(self, real_code: str) -> str:
        """The unit code in this copy: real GSO codes for Đầm Hà, 6-digit synthetic ones else."""
        return real_code if self.index == 0 else f"9{self.index:03d}{real_code[-2:]}"


class Rows:
    """Rows per table, with id counters, built in memory and inserted in bulk."""

    def __init__(self) -> None:
        self.tables: Chunk = {t: [] for t in s.metadata.tables}
        self.next_ids: dict[str, int] = {t: 1 for t in s.metadata.tables}
        self.first_ids: dict[str, int] = dict(self.next_ids)
        self.person_serial = 0  # the last serial of a generated national id, across all copies

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

    def take(self) -> Chunk:
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
