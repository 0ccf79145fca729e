"""Parts of objects, the call watch and output history, at the tracer and slicer level."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell
from support import new_shell
from test_lineage_tracer import Traced

from nbprov.lineage import calls, parts
from nbprov.lineage.slicing import Step, Trace, backward_slice


@pytest.fixture
def traced() -> Iterator[Traced]:
    t = Traced(new_shell())
    yield t
    t.close()
    InteractiveShell.clear_instance()


# -- names ------------------------------------------------------------------------------


def test_part_name_helpers() -> None:
    assert parts.base_of("cfg['lr']") == "cfg"
    assert parts.base_of("ns.opt.lr") == "ns"
    assert parts.base_of("file:/tmp/a.txt") == "file:/tmp/a.txt"
    assert parts.base_of("out:3") == "out:3"
    assert parts.covers("ns.opt", "ns.opt.lr")
    assert not parts.covers("ns.opt", "ns.options")
    assert not parts.covers("d['a']", "d['ab']")
    assert parts.parent_of("ns.opt.lr") == "ns.opt"
    assert parts.parent_of("lst[0]") == "lst"


def test_parts_of_plain_objects(traced: Traced) -> None:
    traced.run("from types import SimpleNamespace\no = SimpleNamespace(a=1)\nd = {'k': [1]}")
    assert traced.run("o.a = 2").binds == {"o.a"}
    assert traced.run("d['k'].append(2)").mutates == {"d", "d['k']"}
    assert traced.run("x = o.a").reads == {"o.a"}


def test_whole_object_when_parts_are_unsafe(traced: Traced) -> None:
    traced.run(
        "class Hooked:\n    def __setattr__(self, k, v):\n        object.__setattr__(self, k, v)"
        "\nclass D(dict):\n    pass\nh = Hooked()\ndd = D()\nlst = [1, 2]\nkey = 'x' * 40\nd = {}"
    )
    assert traced.run("h.a = 1").binds == set()  # a hook may touch any attribute
    assert traced.run("dd['a'] = 1").binds == set()  # a dict subclass
    assert traced.run("lst[-1] = 5").binds == set()  # negative index: not a stable part
    assert traced.run("d[key] = 1").binds == set()  # long keys from variables stay unnamed
    assert traced.run("d['a'] = 1\nd.clear()").binds == set()  # a whole change too


def test_spelling_parts_runs_no_user_code(traced: Traced) -> None:
    traced.run(
        "calls = []\nclass Loud:\n    def __getattribute__(self, k):\n"
        "        calls.append(k)\n        return object.__getattribute__(self, k)\n"
        "loud = Loud()\nloud.v = 1\n"
        "from types import SimpleNamespace\nholder = SimpleNamespace(x=1)"
    )
    before = len(traced.shell.user_ns["calls"])
    # Cells that change, alias and read other objects never reach into the untouched one.
    for cell in ("holder.x = 2", "alias = holder\nalias.x = 3", "z = holder.x", "3 * 2"):
        traced.run(cell)
    assert len(traced.shell.user_ns["calls"]) == before


def test_class_attribute_read_through_instance(traced: Traced) -> None:
    traced.run("class C:\n    rate = 1\nc = C()")
    assert traced.run("C.rate = 2").binds == {"C.rate"}
    assert {"C.rate", "c"} <= traced.run("v = c.rate").reads


# -- slicing with parts -----------------------------------------------------------------


def _trace(*cells: tuple[set[str], set[str], set[str]]) -> Trace:
    """Steps from (reads, binds, mutates)."""
    steps = [Step(i + 1, reads=r, binds=b, mutates=m) for i, (r, b, m) in enumerate(cells)]
    return Trace(1, steps)


def _seqs(trace: Trace, name: str) -> list[int]:
    return [s.seq for s in backward_slice(trace, name, refine=False).steps]


def test_slice_follows_only_the_part_read() -> None:
    trace = _trace(
        (set(), {"d"}, set()),
        (set(), {"d['a']"}, {"d"}),
        (set(), {"d['b']"}, {"d"}),
        ({"d['a']"}, {"x"}, set()),
        ({"d"}, {"y"}, set()),
    )
    assert _seqs(trace, "x") == [1, 2, 4]
    assert _seqs(trace, "y") == [1, 2, 3, 5]
    assert _seqs(trace, "d") == [1, 2, 3]


def test_slice_stops_at_a_whole_change_and_at_a_covering_part() -> None:
    trace = _trace(
        (set(), {"c"}, set()),
        (set(), {"c['m']['lr']"}, {"c"}),
        (set(), {"c['m']"}, {"c"}),
        ({"c['m']['lr']"}, {"v"}, set()),
        ({"c"}, set(), {"c"}),  # a whole change (c.clear())
        (set(), {"c['z']"}, {"c"}),
        ({"c['m']"}, {"w"}, set()),
    )
    assert _seqs(trace, "v") == [1, 3, 4]
    assert _seqs(trace, "w") == [1, 2, 3, 5, 7]


# -- the call watch ---------------------------------------------------------------------


def test_watch_sees_only_the_branch_taken(traced: Traced) -> None:
    traced.run("def pick(f):\n    if f:\n        return ga\n    return gb\nga = 1\ngb = 2")
    assert {"ga", "gb"} & traced.run("x = pick(True)").reads == {"ga"}
    assert sys.gettrace() is None  # removed when the cell ended


def test_watch_gives_up_past_its_budget(traced: Traced, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calls, "BUDGET", 50)
    traced.run("def pick(f):\n    if f:\n        return ga\n    return gb\nga = 1\ngb = 2")
    reads = traced.run("x = [pick(True) for _ in range(100)]").reads
    assert {"ga", "gb"} <= reads  # static reach: every global the function may read
    assert sys.gettrace() is None


def test_watch_leaves_another_trace_function_alone(traced: Traced) -> None:
    traced.run("def pick(f):\n    if f:\n        return ga\n    return gb\nga = 1\ngb = 2")

    def other(frame: object, event: str, arg: object) -> None:
        return None

    sys.settrace(other)
    try:
        reads = traced.run("x = pick(True)").reads
        assert sys.gettrace() is other
    finally:
        sys.settrace(None)
    assert {"ga", "gb"} <= reads


def test_lazy_body_is_read_when_consumed(traced: Traced) -> None:
    traced.run("k = 2\ndata = [1, 2]")
    assert "k" not in traced.run("g = (v * k for v in data)").reads
    assert "k" in traced.run("s = sum(g)").reads


# -- output history and robustness ---------------------------------------------------------


def test_history_names_read_the_cell_that_showed_them(traced: Traced) -> None:
    shown = traced.run("3 * 2").binds
    assert len(shown) == 1 and next(iter(shown)).startswith("out:")
    assert traced.run("b = _ + 1").reads == shown
    traced.run("c = 5")  # shows nothing: '_' still holds the earlier output
    assert traced.run("d = _").reads == shown


@pytest.mark.parametrize(
    "cell",
    [
        "try:\n    undefined_thing\nexcept NameError:\n    pass",
        "try:\n    del nothing_here\nexcept NameError:\n    pass",
        "try:\n    undefined_thing.attr['k'] = 1\nexcept NameError:\n    pass",
        "undefined_thing",
        "x = [q for q in undefined_iterable]",
    ],
)
def test_undefined_names_never_break_the_tracer(traced: Traced, cell: str) -> None:
    count = len(traced.accesses)
    traced.run(cell)
    assert len(traced.accesses) == count + 1  # after_cell returned for the cell
