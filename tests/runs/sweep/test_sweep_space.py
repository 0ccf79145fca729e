"""``--param NAME=SPACE``: every kind of space, grids, and bad input in one line."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nbprov.runs.sweep.space import (
    Dimension,
    SpaceError,
    grid_size,
    grid_space,
    parse_param,
    parse_space,
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("alpha=float:0:1", Dimension("alpha", "float", 0.0, 1.0)),
        ("alpha=log:1e-3:100", Dimension("alpha", "log", 0.001, 100.0)),
        ("depth=int:2:8", Dimension("depth", "int", 2, 8)),
        ("kind=choice:a,b,c", Dimension("kind", "choice", values=("a", "b", "c"))),
        ("alpha=0.1,1,10", Dimension("alpha", "list", values=(0.1, 1, 10))),
        ("flag=True,False", Dimension("flag", "list", values=(True, False))),
        ("path=data/a.csv", Dimension("path", "list", values=("data/a.csv",))),
        ("url=s3:bucket", Dimension("url", "list", values=("s3:bucket",))),
    ],
)
def test_spaces(spec: str, expected: Dimension) -> None:
    assert parse_param(spec) == expected


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("alpha", "NAME=SPACE"),
        ("alpha=", "NAME=SPACE"),
        ("1x=float:0:1", "not a Python identifier"),
        ("a=float:0", "float:LOW:HIGH"),
        ("a=float:1:0", "LOW is above HIGH"),
        ("a=log:0:1", "above 0"),
        ("a=float:x:1", "not a number"),
        ("a=float:0:inf", "not a finite number"),
        ("a=int:1.5:3", "not an integer"),
        ("a=choice:", "empty value"),
        ("a=1,,2", "empty value"),
        ("a=1,1", "listed twice"),
        ("a=flaot:0:1", "unknown space 'flaot'"),
    ],
)
def test_bad_spaces(spec: str, words: str) -> None:
    with pytest.raises(SpaceError, match=words):
        parse_param(spec)


def test_names_once_and_at_least_one() -> None:
    with pytest.raises(SpaceError, match="twice for a"):
        parse_space(["a=1,2", "a=float:0:1"])
    with pytest.raises(SpaceError, match="at least one"):
        parse_space([])


def test_grid_space() -> None:
    dims = parse_space(["a=1,2", "k=choice:x,y", "n=int:1:3"])
    assert grid_space(dims) == {"a": [1, 2], "k": ["x", "y"], "n": [1, 2, 3]}
    assert grid_size(dims) == 12
    with pytest.raises(SpaceError, match="grid search needs"):
        grid_space(parse_space(["a=float:0:1"]))


@given(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
)
def test_float_bounds_round_trip(low: float, width: float) -> None:
    high = low + width
    dim = parse_param(f"x=float:{low!r}:{high!r}")
    assert dim.low == low and dim.high == high
    assert math.isfinite(float(dim.low or 0))


@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=8, unique=True))
def test_integer_lists(values: list[int]) -> None:
    dim = parse_param("n=" + ",".join(map(str, values)))
    assert list(dim.values) == values
    assert dim.grid_values() == values
