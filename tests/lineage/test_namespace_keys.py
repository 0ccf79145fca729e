"""Names added to and removed from a namespace, tracked without a copy per cell."""

from __future__ import annotations

import random
from typing import Any

from nbprov.lineage.namespace_keys import NamespaceKeys


def test_new_names_and_rebinding() -> None:
    keys = NamespaceKeys()
    ns: dict[str, Any] = {"a": 1, "b": 2}
    before = keys.before(ns)
    ns["a"] = 10  # rebinding keeps its place: not added
    ns["c"] = 3
    changes = keys.changes(before, ns, last_may_go=False)
    assert (changes.added, changes.removed) == ({"c"}, set())
    keys.after(before, ns, changes)


def test_deleted_names_and_names_bound_again() -> None:
    keys = NamespaceKeys()
    ns: dict[str, Any] = {"a": 1, "b": 2, "c": 3}
    keys.after(keys.before(ns), ns, keys.changes(keys.before(ns), ns, last_may_go=False))
    before = keys.before(ns)
    del ns["a"]
    del ns["b"]
    ns["b"] = 20  # deleted and bound again: moves to the end
    changes = keys.changes(before, ns, last_may_go=False)
    assert (changes.added, changes.removed) == ({"b"}, {"a"})


def test_the_last_name_deleted_falls_back_to_a_full_diff() -> None:
    keys = NamespaceKeys()
    ns: dict[str, Any] = {"a": 1, "b": 2}
    before = keys.before(ns)
    del ns["b"]
    ns["d"] = 4
    changes = keys.changes(before, ns, last_may_go=False)
    assert (changes.added, changes.removed) == ({"d"}, {"b"})


def test_the_last_name_bound_again_needs_the_cells_word() -> None:
    keys = NamespaceKeys()
    ns: dict[str, Any] = {"a": 1, "b": 2}
    before = keys.before(ns)
    del ns["b"]
    ns["y"] = 5
    ns["b"] = 3
    # The cell's code says it deletes ``b``, the last name: a full diff finds ``y``.
    changes = keys.changes(before, ns, last_may_go=True)
    assert (changes.added, changes.removed) == ({"y"}, set())


def test_a_nested_cell_leaves_the_outer_cells_names_alone() -> None:
    keys = NamespaceKeys()
    ns: dict[str, Any] = {"a": 1}
    outer = keys.before(ns)
    ns["b"] = 2
    inner = keys.before(ns)
    ns["c"] = 3
    inner_changes = keys.changes(inner, ns, last_may_go=False)
    keys.after(inner, ns, inner_changes)
    assert inner_changes.added == {"c"}
    assert outer.names == {"a"}
    outer_changes = keys.changes(outer, ns, last_may_go=False)
    assert outer_changes.added == {"b", "c"}
    keys.after(outer, ns, outer_changes)


def test_a_failed_analysis_starts_afresh() -> None:
    keys = NamespaceKeys()
    ns: dict[str, Any] = {"a": 1}
    before = keys.before(ns)
    keys.after(before, ns, None)
    ns["b"] = 2
    assert keys.before(ns).names == {"a", "b"}


def test_random_cells_match_a_full_diff() -> None:
    rng = random.Random(7)
    keys = NamespaceKeys()
    ns: dict[str, Any] = {f"n{i}": i for i in range(20)}
    pool = [f"n{i}" for i in range(40)]
    for _ in range(500):
        old = set(ns)
        before = keys.before(ns)
        assert before.names == old
        last = before.last
        last_deleted = False
        for _ in range(rng.randint(0, 4)):
            name = rng.choice(pool)
            if name in ns and rng.random() < 0.4:
                del ns[name]
                last_deleted |= name == last
            else:
                ns[name] = rng.random()
        changes = keys.changes(before, ns, last_may_go=last_deleted)
        assert changes.added >= set(ns) - old
        assert changes.added <= set(ns)
        assert changes.removed == old - set(ns)
        keys.after(before, ns, changes)
