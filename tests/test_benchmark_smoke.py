"""The benchmark runs end to end at scale 1 on both engines (CI smoke test: it must run and
write its table, not meet the targets), and the bulk build it relies on is exact."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from benchmarks import run
from data_access import schema as s
from data_access.demo.facts import SEED
from data_access.demo.generator import Builder
from data_access.demo.load import build_demo
from data_access.queries import MEASURES
from devtools.pgserver import create_database


def run_benchmark(args: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert run.main(["--scale", "1", "--repeat", "1", "--out", str(out), *args]) == 0
    return capsys.readouterr().out


def assert_table_and_csv(printed: str, out: Path, engine: str) -> None:
    for group in MEASURES:
        assert f"| measures | {group} |" in printed
    assert "| overview | the page |" in printed
    assert "peak RSS of this process" in printed and "cache per session" in printed
    (written,) = out.glob(f"bench-{engine}-s1-*.csv")
    rows = list(csv.DictReader(written.open(encoding="utf-8")))
    by_query = {r["query"]: r for r in rows}
    assert set(MEASURES) <= set(by_query)
    for group in MEASURES:  # every measure group was timed all four ways and checked
        row = by_query[group]
        assert all(row[k] for k in ("cold_ms", "warm_ms", "raw_ms", "base_cold_ms", "naive_ms"))
        assert row["naive_check"].endswith("units")


def test_the_benchmark_runs_at_scale_1_on_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "bench.sqlite"
    printed = run_benchmark(["--path", str(database)], tmp_path, capsys)
    assert_table_and_csv(printed, tmp_path, "sqlite")
    assert not database.exists()  # the benchmark leaves no database behind


@pytest.mark.postgres
def test_the_benchmark_runs_at_scale_1_on_postgresql(
    pg_admin_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = create_database(pg_admin_url, "bench_smoke")
    printed = run_benchmark(["--url", url], tmp_path, capsys)
    assert_table_and_csv(printed, tmp_path, "postgresql")


def test_a_pipelined_build_writes_exactly_the_rows_of_a_serial_build(tmp_path: Path) -> None:
    """From scale 3 another process generates the rows; the database must not change."""
    generated: dict[str, list[dict[str, object]]] = {t: [] for t in s.metadata.tables}
    for chunk in Builder(3, SEED).build():
        for name, rows in chunk.items():
            generated[name].extend(rows)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'three.sqlite'}")
    build_demo(engine, scale=3)
    with engine.connect() as conn:
        for table in s.counted_tables():  # the change counters hold the schema's, not the demo's
            names = [c.name for c in table.columns]
            default = {
                c.name: c.default.arg if c.default is not None and c.default.is_scalar else None
                for c in table.columns
            }
            key = [names.index(c.name) for c in table.primary_key.columns]
            expected = sorted(
                (tuple(row.get(n, default[n]) for n in names) for row in generated[table.name]),
                key=lambda r: tuple(r[i] for i in key),
            )
            stored = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            assert [tuple(r) for r in stored] == expected, table.name
    engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_build_has_every_index_and_foreign_key_of_the_schema(
    pg_demo_url: str,
) -> None:
    """Indexes and foreign keys are created after COPY: none may be missing."""
    inspector = sa.inspect(sa.create_engine(pg_demo_url))
    for table in s.metadata.sorted_tables:
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        assert indexes >= {i.name for i in table.indexes}, table.name
        keys = {
            (tuple(fk["constrained_columns"]), fk["referred_table"])
            for fk in inspector.get_foreign_keys(table.name)
        }
        expected = {
            (tuple(c.name for c in fk.columns), fk.referred_table.name)
            for fk in table.foreign_key_constraints
        }
        assert keys == expected, table.name
