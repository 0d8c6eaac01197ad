"""The spool a long list's load keeps its rows in (``ingest.spool``): a private temporary SQLite
database on disk, read back in the order written."""

from __future__ import annotations

from datetime import date

import pytest

from ingest import spool as spool_module
from ingest.payments import Changed, Payment, Payments, _Seen
from ingest.spool import Ids, IdSet, Spool


@pytest.fixture(autouse=True)
def small_buffers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows written three at a time: what is read must include what is still buffered."""
    monkeypatch.setattr(spool_module, "BUFFER_ROWS", 3)


def test_ids_keep_order_and_duplicates_and_answer_in() -> None:
    ids = Ids(Spool())
    assert len(ids) == 0 and not ids and list(ids) == []
    ids.extend([5, 3, 5, 9])
    ids.append(1)
    assert len(ids) == 5 and ids
    assert list(ids) == [5, 3, 5, 9, 1]
    assert 9 in ids and 4 not in ids and "9" not in ids


def test_an_id_set_is_sorted_and_holds_each_once() -> None:
    found = IdSet(Spool())
    assert not found and len(found) == 0
    for value in (7, 2, 7, 11, 2, 2, 5):
        found.append(value)
    assert list(found) == [2, 5, 7, 11] and len(found) == 4
    assert 11 in found and 3 not in found


def test_payments_and_changes_come_back_as_written() -> None:
    spool = Spool()
    written = [
        Payment(4, 101, 540_000, None, None, "cash"),
        Payment(5, 102, 810_000, "bank", date(2026, 11, 16), "bank"),
        Payment(6, 103, 1_080_000, "cash", None, ""),
        Payment(7, 104, 0, None, date(2024, 2, 29), "bank"),
    ]
    payments, changed = Payments(spool), Changed(spool)
    payments.extend(written)
    changed.extend((900 + i, p) for i, p in enumerate(written))
    assert list(payments) == written and len(payments) == 4
    assert list(changed) == [(900 + i, p) for i, p in enumerate(written)]
    assert list(payments) == written  # read again


def test_a_cccd_met_again_gives_its_first_row_within_and_across_chunks() -> None:
    seen = _Seen(Spool())
    assert seen.first("001080000001", 4) is None
    assert seen.first("001080000001", 9) == 4  # in the same chunk
    assert seen.first("022180000002", 5) is None
    seen.flush()
    assert seen.first("022180000002", 12) == 5  # a chunk before
    assert seen.first("001080000001", 13) == 4
    assert seen.first("099999999999", 14) is None


def test_the_spool_is_its_own_file_and_goes_with_its_connection() -> None:
    """An empty file name: SQLite's private temporary database, deleted when closed."""
    spool = Spool()
    assert spool.db.execute("PRAGMA database_list").fetchall()[0][2] == ""
    assert spool.db.execute("PRAGMA cache_size").fetchone()[0] == -spool_module.CACHE_KIB
    spool.close()
