"""The ingest benchmark runs end to end on SQLite (a smoke test, like test_benchmark_smoke.py: it
must load its list and write its table, not meet the targets): 200 new beneficiaries on the
November 2026 list of the new commune 06913, each step in its own process."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa

from benchmarks import ingest
from data_access import schema as s
from ingest.payments import COLUMNS
from ingest.read import read_sheet

NEW = 200


def test_the_ingest_benchmark_loads_a_list_and_reports_it(
    demo_sqlite_path: Path, tmp_path: Path
) -> None:
    url = ingest.sqlite_copy(demo_sqlite_path, tmp_path / "case.sqlite")
    result = ingest.run_case("sqlite", url, NEW, tmp_path)

    assert result.failure is None, result.failure
    prepared, load = result.prepared, result.load
    assert load is not None
    assert prepared.existing == 820 and prepared.rows_in_file == NEW + 820
    assert load.written and not load.refresh_failed and load.summaries_seconds is not None
    assert (load.added, load.changed, load.removed, load.unchanged) == (NEW, 0, 0, 820)
    assert load.batch_payments == prepared.rows_in_file
    assert not result.steps["dry-run"].written and not result.steps["reload"].written
    assert result.steps["reload"].unchanged == prepared.rows_in_file
    assert all(step.peak_mb >= step.baseline_mb > 0 for step in result.steps.values())

    # The rows are in the database, written once, as the import log says.
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        unit = ingest.find_unit(conn)
        assert ingest.batch_payments(conn, unit.id, ingest.MONTH) == NEW + 820
        logged = conn.execute(sa.select(s.import_log.c.added, s.import_log.c.rows_in_file)).all()
    engine.dispose()
    assert [tuple(row) for row in logged] == [(NEW, NEW + 820)]

    table = ingest.markdown([result]).splitlines()
    assert [c.strip() for c in table[0].strip("|").split("|")] == list(ingest.COLUMNS)
    (row,) = [line for line in table[2:] if line.startswith("| sqlite | 1.020 | 200 |")]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert len(cells) == len(ingest.COLUMNS) and cells[-2] == "≤ 10 s"
    assert cells[-1] in ("yes", "no: time")  # a smoke test: the verdict is there, met or not

    # A case that fails (here: as if the load's child had died) is a row that says so, and why.
    failed = ingest.CaseResult(
        prepared,
        {"dry-run": result.steps["dry-run"]},
        failure="step load failed:\nTraceback …\nsqlalchemy.exc.OperationalError: (x) too many",
    )
    report = ingest.markdown([failed]).splitlines()
    assert report[2].endswith("| – | ≤ 10 s | FAILED at load (below) |")
    assert report[-1] == (
        "- sqlite, 200 new rows, at load: sqlalchemy.exc.OperationalError: (x) too many"
    )


def test_the_benchmarks_list_keeps_a_name_that_starts_like_a_formula_as_text(
    tmp_path: Path,
) -> None:
    """The list's names come from the database too: "=HYPERLINK(…)" is written as text, so the
    file holds no formula and the name reads back as typed."""
    name = '=HYPERLINK("http://x","Bấm")'
    rows = [ingest.ListRow(name, "022123456789", "Thôn 1", 15, 750_000, "Tiền mặt")]
    path = tmp_path / "list.xlsx"
    ingest.write_list(path, ingest.Unit(1, "06913", "Xã Quảng Tân"), date(2026, 11, 1), rows)
    read = read_sheet(path.read_bytes(), COLUMNS)
    assert read.formulas == []
    assert [r.values["full_name"] for r in read.rows] == [name]
