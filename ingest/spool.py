"""What a long list's load keeps until it is compared and written, on disk instead of in the
process: a private temporary SQLite database (``sqlite3`` with an empty file name, which SQLite
deletes when the connection closes), its page cache bounded, so that a list of 100.000 rows
holds no more memory than one of 10.000.

Only the loader's own intermediate rows go here (the shared strings of a long .xlsx, the
checked payments, the CCCDs met, the batch's stored payments, the changes to write); the
welfare database is never touched through it. Values are ints, text, bytes or None, always
bound; the only names put into its SQL are its own tables' (``spool_N``: hence the ``noqa: S608``
here and where a spool table is queried).
"""

from __future__ import annotations

import contextlib
import operator
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

CACHE_KIB = 1024  # the spool's page cache; what does not fit goes to its file
BUFFER_ROWS = 1_000  # rows appended before they are written, and fetched at a time
Values = tuple[Any, ...]


class Spool:
    """A private temporary SQLite database: its tables are made by ``Table``, ``Ids``…"""

    def __init__(self) -> None:
        # check_same_thread off: a plan made in one script run may be read in the next one,
        # which Streamlit can run on another thread (never two at once).
        self.db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{CACHE_KIB}"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.execute("PRAGMA temp_store=FILE")
        self._tables = 0

    def create(self, columns: str) -> str:
        """A new table of ``columns`` (SQL column definitions); its name."""
        self._tables += 1
        name = f"spool_{self._tables}"
        self.db.execute(f"CREATE TABLE {name} ({columns})")
        return name

    def close(self) -> None:
        self.db.close()


class Table:
    """Rows of ``width`` values appended and read back (``values``) in the order of their rowid:
    the order appended, unless ``columns`` makes an ``INTEGER PRIMARY KEY`` the rowid (then in
    its order). Kept in a spool."""

    def __init__(self, spool: Spool, width: int, columns: str | None = None) -> None:
        self.spool = spool
        self.db = spool.db
        names = [f"c{i}" for i in range(width)]
        self.name = spool.create(columns or ", ".join(names))
        self._insert = f"INSERT INTO {self.name} VALUES ({', '.join('?' * width)})"  # noqa: S608
        self._buffer: list[Values] = []
        self._count = 0

    def add(self, values: Values) -> None:
        self._buffer.append(values)
        self._count += 1
        if len(self._buffer) >= BUFFER_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write the buffered rows."""
        if self._buffer:
            self.db.executemany(self._insert, self._buffer)
            self._buffer.clear()

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def values(self, query: str | None = None, parameters: Sequence[Any] = ()) -> Iterator[Values]:
        """The rows by rowid (or those of ``query``), fetched a thousand at a time."""
        self.flush()
        query = query or f"SELECT * FROM {self.name} ORDER BY rowid"  # noqa: S608
        cursor = self.db.execute(query, parameters)
        try:
            while batch := cursor.fetchmany(BUFFER_ROWS):
                yield from batch
        finally:
            with contextlib.suppress(sqlite3.ProgrammingError):  # the spool closed meanwhile
                cursor.close()


class Ids(Table):
    """Integers (stored ids) in the order appended: a list's ``append``, ``extend``, ``len``,
    ``in`` and iteration."""

    def __init__(self, spool: Spool, columns: str | None = None) -> None:
        super().__init__(spool, 1, columns)

    def append(self, value: int, /) -> None:
        self.add((int(value),))

    def extend(self, values: Iterable[int], /) -> None:
        for value in values:
            self.append(value)

    def __iter__(self) -> Iterator[int]:
        for (value,) in self.values():
            yield int(value)

    def __contains__(self, value: object) -> bool:
        """Whether ``value`` (an integer of any kind, not a bool) is there."""
        if isinstance(value, bool):
            return False
        try:
            wanted = operator.index(value)  # type: ignore[arg-type]
        except TypeError:
            return False
        self.flush()
        query = f"SELECT 1 FROM {self.name} WHERE c0 = ? LIMIT 1"  # noqa: S608
        return self.db.execute(query, (wanted,)).fetchone() is not None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class IdSet(Ids):
    """Integers each kept once, read back in order (a sorted ``set``): the integer is the
    table's rowid, a second ``append`` of it is ignored."""

    def __init__(self, spool: Spool) -> None:
        super().__init__(spool, "c0 INTEGER PRIMARY KEY")
        self._insert = f"INSERT OR IGNORE INTO {self.name} VALUES (?)"  # noqa: S608

    def __len__(self) -> int:
        self.flush()
        query = f"SELECT count(*) FROM {self.name}"  # noqa: S608
        return int(self.db.execute(query).fetchone()[0])

    def __bool__(self) -> bool:
        return len(self) > 0
