"""Backward slicing over recorded accesses, without a shell."""

from __future__ import annotations

import pytest

from nbprov.lineage.slicing import SliceError, Step, Trace, backward_slice, to_json


def step(
    seq: int, source: str, reads: str = "", binds: str = "", mutates: str = "", deletes: str = ""
) -> tuple[Step, str]:
    s = Step(
        seq,
        seq,
        f"h{seq}",
        None,
        "ok",
        None,
        set(reads.split()),
        set(binds.split()),
        set(mutates.split()),
        set(deletes.split()),
    )
    return s, source


def trace(*steps: tuple[Step, str]) -> Trace:
    return Trace(7, [s for s, _ in steps], {s.cell_hash: src for s, src in steps})


T = trace(
    step(1, "alpha = 0.5", binds="alpha"),
    step(2, "m = alpha * 2", reads="alpha", binds="m"),
    step(3, "alpha = 1.0", binds="alpha"),
    step(4, "m = alpha * 3", reads="alpha", binds="m"),
    step(5, "del m", deletes="m"),
)


def test_as_of_an_activation_uses_the_versions_current_then() -> None:
    early = backward_slice(T, "m", as_of=2)
    assert [s.seq for s in early.steps] == [1, 2]
    late = backward_slice(T, "m", as_of=4)
    assert [s.seq for s in late.steps] == [3, 4]
    assert late.uses == [("alpha", 3, 4)]


def test_a_deleted_variable_has_no_slice() -> None:
    with pytest.raises(SliceError):
        backward_slice(T, "m")
    with pytest.raises(SliceError):
        backward_slice(T, "never")


def test_mutation_chains_and_json_shape() -> None:
    tr = trace(
        step(1, "lst = []", binds="lst"),
        step(2, "k = 3", binds="k"),
        step(3, "lst.append(k)", reads="lst k", mutates="lst"),
        step(4, "print(lst)", reads="lst"),
        step(5, "n = len(lst)", reads="lst", binds="n"),
    )
    sl = backward_slice(tr, "n")
    assert [s.seq for s in sl.steps] == [1, 2, 3, 5]
    out = to_json(sl, {("n", 5): (1, True)})
    assert out["trial"] == 7 and out["variable"] == "n"
    assert [a["source"] for a in out["activations"]] == [
        "lst = []",
        "k = 3",
        "lst.append(k)",
        "n = len(lst)",
    ]
    assert {
        "name": "n",
        "seq": 5,
        "execution_count": 5,
        "value": 1,
        "exact": True,
        "role": None,
    } in out["variables"]
    assert {"kind": "uses", "variable": "lst", "version": 1, "activation": 3} in out["edges"]
    assert {"kind": "defines", "activation": 3, "variable": "lst"} in out["edges"]


def test_per_variable_inputs_of_a_cell_writing_several() -> None:
    tr = trace(
        step(1, "a = 1", binds="a"),
        step(2, "b = 2", binds="b"),
        step(3, "x = a\ny = b", reads="a b", binds="x y"),
        step(4, "z = x", reads="x", binds="z"),
    )
    assert [s.seq for s in backward_slice(tr, "z").steps] == [1, 3, 4]
    assert [s.seq for s in backward_slice(tr, "z", refine=False).steps] == [1, 2, 3, 4]
