"""What a batch of runs reports: its trials side by side, as ``nbprov compare`` shows
them (a single trial as its row of ``nbprov trials``)."""

from __future__ import annotations

from collections.abc import Sequence

from nbprov.core.compare import compare
from nbprov.render.comparison import DEFAULT_PRECISION, print_result
from nbprov.render.listings import print_listing
from nbprov.store import open_store, queries


def show_trials(ids: Sequence[int], db: str, fmt: str) -> int:
    """The compare table of ``ids`` (their row of ``nbprov trials`` for a single one)."""
    if len(ids) >= 2:
        print_result(compare(list(ids), db=db), fmt, DEFAULT_PRECISION)
        return 0
    with open_store(db) as store, store.session() as session:
        wanted = set(ids)
        records = [r for r in queries.list_trials(session) if r["id"] in wanted]
    print_listing(records, fmt)
    return 0
