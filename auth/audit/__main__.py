"""``python -m auth.audit verify | purge [--years N]``: check the audit trail's hash chain, or
delete the entries older than the retention (``WELFARE_AUDIT_RETENTION_YEARS``, default 5).

verify prints each break (the entry's id and what is wrong), then the number of entries and the
last hash (keep them elsewhere: a chain cut at its end still verifies); exit status 0 when the
chain is intact, 1 otherwise. purge deletes in one transaction that appends a "purge" entry.
The store is ``WELFARE_USERS_URL`` or data/users.sqlite.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..cli import operator
from ..store import UserStoreError, open_existing, users_url
from . import RETENTION_ENV, ChainBrokenError, purge, retention_years, verify


def main(argv: Sequence[str] | None = None) -> int:
    """``verify``: 0 when the chain is intact, 1 with the problems; ``purge``: delete what is
    older than the retention."""
    parser = argparse.ArgumentParser(
        prog="python -m auth.audit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("verify", help="recompute the hash chain and report any break")
    purging = sub.add_parser("purge", help="delete entries older than the retention")
    purging.add_argument("--years", type=int, help=f"override {RETENTION_ENV}")
    args = parser.parse_args(argv)
    try:
        years = getattr(args, "years", None)
        if args.command == "purge" and years is None:
            years = retention_years()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if years is not None and years < 1:
        print("error: --years must be at least 1", file=sys.stderr)
        return 2
    try:
        store = open_existing(users_url())
    except UserStoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    where = users_url().split("://")[0]
    if args.command == "verify":
        found = verify(store.engine)
        for problem in found.problems:
            print(f"entry {problem.entry_id}: {problem.message}")
        state = "intact" if found.intact else f"{len(found.problems)} problem(s)"
        print(f"{found.entries} entries, last hash {found.last_hash}: {state} ({where} store)")
        return 0 if found.intact else 1
    try:
        deleted = purge(store.engine, operator(), years)
    except ChainBrokenError as exc:
        print(f"error: the audit trail does not verify ({exc}); nothing purged", file=sys.stderr)
        return 1
    print(f"ok: purge deleted {deleted} entries ({where} store)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
