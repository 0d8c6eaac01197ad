"""The unit tree and the year's targets kept for the process on the dashboard's connection
(issue 16: a province's page named and placed its 6.300 communes from two reads per page, and
read 5.600 targets): never older than ``admin_unit`` and ``target``.

On SQLite and PostgreSQL, a copy of the demo: the dashboard's read-only engine reads the
catalogue and the communes' areas once, not again in the next transaction; a commune renamed in
place, a commune added and the same deleted by another writer are seen in the next transaction;
a writer's own connection never keeps anything beyond its transaction (a rolled-back rename is
not shown).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine

from data_access import schema as s
from data_access.db import make_engine
from data_access.filters import VERSION_2023, Filters, Period, Scope
from data_access.indicators import district_targets, targets
from data_access.summaries.rebuild import drop_summaries, refresh
from data_access.units import commune_areas, resolve, unit_catalogue
from tests.writable import writable_demo


@dataclass
class Db:
    reader: Engine  # read-only, as the dashboard opens it
    writer: Engine


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Db]:
    writer, reader_url = writable_demo(request, tmp_path_factory, "unit_tree")
    reader = make_engine(reader_url)
    yield Db(reader, writer)
    reader.dispose()
    writer.dispose()


@contextmanager
def _reads(engine: Engine, wanted: Callable[[str], bool]) -> Iterator[list[str]]:
    """The statements ``wanted`` picks, as sent while the block runs."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if wanted(statement):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _tree_reads(engine: Engine) -> AbstractContextManager[list[str]]:
    """The statements that read the catalogue or the areas (they select from admin_unit with
    the parent's name, or join it three times)."""
    return _reads(engine, lambda sql: "parent_name" in sql or "area_top" in sql or " top" in sql)


def _target_reads(engine: Engine) -> AbstractContextManager[list[str]]:
    """The statements that read the targets (not their mark)."""
    return _reads(engine, lambda sql: "FROM target" in sql and "change_event" not in sql)


def _name(engine: Engine, code: str) -> str:
    with engine.connect() as conn:
        catalogue = unit_catalogue(conn, VERSION_2023)
        commune_areas(conn, VERSION_2023)
    return str(catalogue.set_index("code").loc[code, "name"])


def _first_commune(db: Db) -> tuple[int, str, str]:
    """A commune of the 2023 catalogue, read on the writer's connection."""
    with db.writer.connect() as conn:
        first = unit_catalogue(conn, VERSION_2023).iloc[0]
    return int(first["unit_id"]), str(first["code"]), str(first["name"])


def test_the_dashboard_reads_the_tree_once_and_sees_every_change(db: Db) -> None:
    unit_id, code, name = _first_commune(db)
    engine = db.reader
    with _tree_reads(engine) as sent:
        assert _name(db.reader, code) == name
    assert len(sent) == 2  # the catalogue and the areas, once each
    with _tree_reads(engine) as sent:
        assert _name(db.reader, code) == name  # a new transaction: kept
    assert sent == []

    u = s.admin_unit
    with db.writer.begin() as conn:  # renamed in place by another writer
        conn.execute(sa.update(u).where(u.c.id == unit_id).values(name=f"{name} (đổi tên)"))
    with _tree_reads(engine) as sent:
        assert _name(db.reader, code) == f"{name} (đổi tên)"
    assert len(sent) == 2

    with db.writer.begin() as conn:  # a commune added, then deleted
        row = conn.execute(sa.select(u).where(u.c.id == unit_id)).one()._asdict()
        new_id = int(conn.execute(sa.select(sa.func.max(u.c.id))).scalar_one()) + 1
        conn.execute(sa.insert(u).values({**row, "id": new_id, "code": "99999", "name": "Xã Mới"}))
    with db.reader.connect() as conn:
        assert "99999" in set(unit_catalogue(conn, VERSION_2023)["code"])
        assert "99999" in set(commune_areas(conn, VERSION_2023)["code"])
    with db.writer.begin() as conn:
        conn.execute(sa.delete(u).where(u.c.id == new_id))
    with db.reader.connect() as conn:
        assert "99999" not in set(unit_catalogue(conn, VERSION_2023)["code"])
        assert "99999" not in set(commune_areas(conn, VERSION_2023)["code"])


def test_a_writers_connection_keeps_nothing_beyond_its_transaction(db: Db) -> None:
    unit_id, code, name = _first_commune(db)
    u = s.admin_unit
    with db.writer.connect() as conn:
        conn.execute(sa.update(u).where(u.c.id == unit_id).values(name="Tạm"))
        catalogue = unit_catalogue(conn, VERSION_2023)
        assert catalogue.set_index("code").loc[code, "name"] == "Tạm"
        conn.rollback()
        catalogue = unit_catalogue(conn, VERSION_2023)
        assert catalogue.set_index("code").loc[code, "name"] == name
    assert _name(db.reader, code) == name


def test_the_dashboard_resolves_the_same_filters_once_per_transaction(db: Db) -> None:
    """A page's queries resolve the same filters a dozen times: on the dashboard's connection
    the first answer serves the transaction; the next transaction, and a writer's connection,
    resolve afresh."""
    _, code, _ = _first_commune(db)
    chosen = Filters(Period.year(2023), communes=(code,))
    everything = Scope.everything()
    with db.reader.connect() as conn:
        first = resolve(conn, chosen, everything)
        assert resolve(conn, chosen, everything) is first
        assert resolve(conn, chosen.with_communes(()), everything).unit_ids is None
        conn.rollback()  # a new transaction
        again = resolve(conn, chosen, everything)
        assert again is not first and again == first
    with db.writer.connect() as conn:
        mine = resolve(conn, chosen, everything)
        assert resolve(conn, chosen, everything) is not mine
        assert resolve(conn, chosen, everything) == mine == first


def test_the_dashboard_reads_a_years_targets_once_and_sees_every_change(db: Db) -> None:
    chosen, everything = Filters(Period.year(2023)), Scope.everything()

    def district() -> dict[str, float]:
        with db.reader.connect() as conn:
            return district_targets(targets(conn, chosen, everything, 2023))

    with _target_reads(db.reader) as sent:
        first = district()
    assert len(sent) == 1 and first
    with _target_reads(db.reader) as sent:
        assert district() == first  # a new transaction: kept
    assert sent == []

    code = sorted(first)[0]
    t = s.target
    whose = (t.c.year == 2023, t.c.indicator == code, t.c.admin_unit_id.is_(None))
    with db.writer.begin() as conn:  # changed in place by another writer
        conn.execute(sa.update(t).where(*whose).values(value=first[code] / 2))
    with _target_reads(db.reader) as sent:
        assert district()[code] == first[code] / 2
    assert len(sent) == 1
    with db.writer.begin() as conn:  # and deleted
        conn.execute(sa.delete(t).where(*whose))
    assert code not in district()


def test_a_target_changed_and_then_refreshed_is_not_shown_as_it_was(db: Db) -> None:
    """The refresh empties the change record: a target changed in place and then refreshed
    shows the rows, largest id and change count it had when it was kept; the refresh's own
    time tells them apart."""
    chosen, everything = Filters(Period.year(2023)), Scope.everything()

    def district() -> dict[str, float]:
        with db.reader.connect() as conn:
            return district_targets(targets(conn, chosen, everything, 2023))

    refresh(db.writer)  # no change recorded
    first = district()
    code = next(c for c in sorted(first) if first[c])  # a value that halving changes
    t = s.target
    with db.writer.begin() as conn:
        changed = conn.execute(
            sa.update(t)
            .where(t.c.year == 2023, t.c.indicator == code, t.c.admin_unit_id.is_(None))
            .values(value=first[code] / 2)
        ).rowcount
    assert changed >= 1
    refresh(db.writer)  # and none again, the table as large as before
    assert district()[code] == first[code] / 2


def test_a_target_changed_refreshed_and_its_summaries_dropped_is_not_shown_as_it_was(
    db: Db,
) -> None:
    """Dropped summaries take the last refresh's time with them: without it the mark of a table
    changed in place, refreshed (its change record emptied) and then left without summaries
    would be the one it had before, so nothing is kept then."""
    chosen, everything = Filters(Period.year(2023)), Scope.everything()

    def district() -> dict[str, float]:
        with db.reader.connect() as conn:
            return district_targets(targets(conn, chosen, everything, 2023))

    refresh(db.writer)
    drop_summaries(db.writer)  # no summaries, no change recorded
    first = district()
    code = next(c for c in sorted(first) if first[c])
    t = s.target
    with db.writer.begin() as conn:
        conn.execute(
            sa.update(t)
            .where(t.c.year == 2023, t.c.indicator == code, t.c.admin_unit_id.is_(None))
            .values(value=first[code] / 4)
        )
    refresh(db.writer)  # the change record emptied
    drop_summaries(db.writer)
    assert district()[code] == first[code] / 4
    refresh(db.writer)  # as the module's other tests found it
