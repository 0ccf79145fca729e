"""CellAccess: what a cell did, as the recorder hands it to the writer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nbprov.lineage.protocol import ACCESS_KINDS, CellAccess

_names = st.sets(st.sampled_from(["a", "b", "c", "out:3", "file:/tmp/x", "cfg['lr']"]))


@given(_names, _names, _names, _names)
def test_by_kind_lists_every_kind_done_once_in_order(
    reads: set[str], binds: set[str], mutates: set[str], deletes: set[str]
) -> None:
    access = CellAccess(reads=reads, binds=binds, mutates=mutates, deletes=deletes)
    pairs = access.by_kind()
    kinds = [kind for kind, _ in pairs]
    done = dict(zip(ACCESS_KINDS, (reads, binds, mutates, deletes), strict=True))
    assert kinds == [kind for kind in ACCESS_KINDS if done[kind]]
    assert all(names == done[kind] for kind, names in pairs)
    # The same (name, kind) rows as the stable listing stored from it.
    assert sorted((n, k) for k, names in pairs for n in names) == sorted(access.rows())
